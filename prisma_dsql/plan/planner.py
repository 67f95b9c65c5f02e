"""The planner: typed catalog changes -> an ordered, rendered, hazard-annotated `Plan`.

Contract: `plan_changes(diff, profile, options, row_estimates)` decides, per change, the
operations the target's profile can run (`prisma_dsql.ops`), orders them, renders each with
the profile's target and returns a `Plan`. It raises `RenderError` when an operation cannot be
rendered on the profile, and `PlanRefused` when a change needs what the user has not allowed
(data loss without `accept_data_loss`, a table rebuild without `allow_rebuild`) or cannot be
made at all; both carry every problem with its `.prisma` span. `plan_from_empty(catalog, ...)`
is the same path from an empty database, and its output is the from-empty migration.

How a change is made is read from the profile's capabilities, never from the target's name:
where ALTER TABLE lacks a form (DSQL), the planner uses the documented workaround:
- a new column: bare ADD COLUMN, SET DEFAULT, a batched backfill of existing rows, then
  `CHECK (c IS NOT NULL) NOT VALID` and an async VALIDATE for a required one;
- optional -> required: the same check; required -> optional: drop that check (or DROP NOT NULL where
  the column was created NOT NULL);
- a new unique index on an existing table: CREATE UNIQUE INDEX ASYNC (may fail on duplicates);
- a new foreign key or check on an existing table: NOT VALID, then an async VALIDATE;
- a changed enum domain: a new domain and a column swap (copy, drop, rename);
- a changed type or primary key: a table rebuild (new table, batched copy, swap by rename).

Each kind of change is a strategy module (`prisma_dsql.plan.strategies`) that adds operations with
the entries they need. Order: a topological sort of those dependencies (`order`), ties broken by the
kind's priority (`builder.P_*`: schemas and types before the tables that use them; foreign keys and
indexes dropped before the columns they need; tables created referenced-first; indexes before the
foreign keys that need them; validations; then dropped columns and tables -- builds before drops --;
old types last) and then by the order the strategies yielded them. A dependency on a missing entry,
or a cycle, raises `PlanOrderError`. Rendering (`_render`) is the last step and the only place SQL
text is made.
"""

from __future__ import annotations

import heapq

from prisma_dsql.capabilities import Profile
from prisma_dsql.catalog.model import Catalog, Table
from prisma_dsql.diff import CatalogDiff, TableDiff, compare
from prisma_dsql.errors import PrismaDsqlError
from prisma_dsql.plan import casts
from prisma_dsql.plan import operations as ops
from prisma_dsql.plan.builder import (
    P_CREATE_INDEX,
    P_DROP_EXTENSION,
    P_DROP_TYPE,
    P_EXTENSION,
    P_SCHEMA,
    P_SWAP,
    P_TYPE,
    Blocked,
    Builder,
    PlanOptions,
    PlanRefused,
)
from prisma_dsql.plan.builder import Entry as _Entry  # noqa: F401 (tests build entries)
from prisma_dsql.plan.model import DATA_LOSS, Plan, Precondition, Step
from prisma_dsql.plan.strategies.add_column import add_columns
from prisma_dsql.plan.strategies.constraint import add_check, add_foreign_key, change_primary_key, drop_constraints
from prisma_dsql.plan.strategies.defaults import change_default
from prisma_dsql.plan.strategies.drops import drop_columns, drop_tables
from prisma_dsql.plan.strategies.enum import (
    change_enum_values,
    enum_type_changes,
    finish_domain_change,
    removed_values,
    stage_domain_changes,
    swap_column,
)
from prisma_dsql.plan.strategies.index import create_index, drop_indexes
from prisma_dsql.plan.strategies.rebuild import is_domain_swap, needs_rebuild, rebuild
from prisma_dsql.plan.strategies.relax import relax_column
from prisma_dsql.plan.strategies.rename import rename_objects
from prisma_dsql.plan.strategies.require import require_column
from prisma_dsql.plan.strategies.tables import (
    create_tables,
    creation_order,
)
from prisma_dsql.plan.strategies.type_change import change_type
from prisma_dsql.targets import RenderError, target_for
from prisma_dsql.targets.base import Problem, Target

# The planner's public names, where they were before the split.
__all__ = ["Blocked", "PlanOptions", "PlanOrderError", "PlanRefused", "creation_order", "order", "plan_changes",
           "plan_from_empty"]


def plan_from_empty(profile: Profile, catalog: Catalog) -> Plan:
    """The plan that creates `catalog` in an empty database."""
    return plan_changes(compare(Catalog(default_schema=catalog.default_schema), catalog), profile)


def plan_changes(diff: CatalogDiff, profile: Profile, options: PlanOptions = PlanOptions(),
                 row_estimates: dict | None = None) -> Plan:
    target = target_for(profile)
    final = diff.desired
    diff, temps = stage_domain_changes(diff, profile)
    b = Builder(target, options, dict(row_estimates or {}), default_schema=final.default_schema, diff=diff,
                 temp_domains=temps, domain_changes=diff.domains_changed)
    _plan(b, diff, target)
    if b.blocked:
        raise PlanRefused(b.blocked, _data_loss_summary(b))
    problems = list(target.check_catalog(final, diff.schemas_added))
    steps = _render(b, target, final.default_schema, problems)
    if problems:
        raise RenderError(target.describe(), problems)
    # The catalog the plan starts from is the database as it is, before any hinted rename.
    start = diff.source if diff.source is not None else diff.actual
    return Plan(target.name, profile.describe(), steps, start.fingerprint(), target.STEP_COMMENTS, target.EMPTY_SCRIPT)


def _data_loss_summary(b: Builder) -> list[str]:
    return [f"{e.reason} ({b.rows_text(getattr(e.op, 'table', None))})" for e in b.entries
            if any(h.kind == DATA_LOSS for h in e.hazards)]


def _plan(b: Builder, diff: CatalogDiff, target: Target) -> None:
    for s in diff.schemas_added:
        b.add(P_SCHEMA, ops.CreateSchema(s), f"schema {s} is new")
    for ext in diff.extensions_added:
        b.add(P_EXTENSION, ops.CreateExtension(ext), f"extension {ext.name} is new")
    for e in diff.enums_added:
        b.add(P_TYPE, ops.CreateEnum(e), f"enum {e.name} is new")
    temp_names = {t.key: key for key, t in b.temp_domains.items()}
    for d in diff.domains_added:
        if d.key in temp_names:
            b.add(P_TYPE, ops.CreateDomain(d), f"enum {temp_names[d.key][1]} changes: its new values as a temporary "
                                               "domain, for the columns to move onto (a domain's CHECK cannot be "
                                               "altered)")
        else:
            b.add(P_TYPE, ops.CreateDomain(d), f"enum {d.name} is new (a domain)")

    rebuilt = {t.key for t in diff.tables_changed if needs_rebuild(b, t)}
    enum_type_changes(b, diff)

    for t in diff.tables_changed:
        if t.key in rebuilt:
            rebuild(b, diff, t)
        else:
            _alter_table(b, t)

    drop_tables(b, diff)
    create_tables(b, diff, target)

    for e in diff.enums_dropped:
        b.add(P_DROP_TYPE, ops.DropEnum(e.schema, e.name), f"enum {e.name} is no longer used")
    for d in diff.domains_dropped:
        b.add(P_DROP_TYPE, ops.DropDomain(d.schema, d.name), f"enum {d.name} is no longer used (a domain)")
    for change in diff.domains_changed:
        finish_domain_change(b, diff, change)
    for ext in diff.extensions_dropped:
        b.add(P_DROP_EXTENSION, ops.DropExtension(ext.name), f"extension {ext.name} is no longer in the schema")


def _alter_table(b: Builder, t: TableDiff) -> None:
    """The changes inside one table, each by its strategy."""
    new = t.new
    rename_objects(b, t)
    if t.primary_key_changed and b.profile.supports("add_primary_key"):
        change_primary_key(b, t)
    drop_constraints(b, t)
    drop_indexes(b, t)
    drop_columns(b, t)
    add_columns(b, t)
    for change in t.columns_changed:
        if change.type_changed and is_domain_swap(b, change):
            swap_column(b, new, change.new, P_SWAP, index_phase=P_CREATE_INDEX, removed=removed_values(b, change))
        else:
            _change_column(b, new, change, t)
    for i in t.indexes_added:
        create_index(b, new, i, existing=True)
    for fk in t.foreign_keys_added:
        add_foreign_key(b, new, fk, existing=True)
    for c in t.checks_added:
        add_check(b, t.key, c)


def _change_column(b: Builder, table: Table, change, t: TableDiff) -> None:
    where = f"{table.name}.{change.new.name}"
    default_done = change_type(b, table, change, t) if change.type_changed else False
    if not change.type_changed or casts.classify(change.old.type, change.new.type).exists:
        if change.default_changed and not default_done:
            change_default(b, table, change)
        if change.nullability_changed:
            (relax_column if change.new.nullable else require_column)(b, table, change)
    if change.enum_values_changed:
        change_enum_values(b, table, change)
    if change.identity_changed and not change.type_changed:
        b.blocked.append(Blocked(f"{where}: the identity (autoincrement) of an existing column changes",
                                 change.new.span, "pass --allow-rebuild to rebuild the table"))


class PlanOrderError(PrismaDsqlError):
    """The planner asked for an order that cannot be (a step needing one that does not exist, or a cycle):
    a bug in a strategy, never the user's input."""

    exit_code = 3


def order(entries: list) -> list:
    """`entries` in execution order: a topological sort of their `after` dependencies, ties broken by the
    kind's priority (`phase`) and then by the order the strategies yielded them. A dependency on an entry
    that does not exist, or a cycle, raises `PlanOrderError`: a dependency is never dropped."""
    by_number = {e.number: e for e in entries}
    waiting = {e.number: 0 for e in entries}
    dependents: dict[int, list[int]] = {e.number: [] for e in entries}
    for e in entries:
        for a in set(e.after):
            if a not in by_number:
                raise PlanOrderError(f"step {e.number} ({e.op.subject}) needs step {a}, which the plan does not hold")
            waiting[e.number] += 1
            dependents[a].append(e.number)
    ready = [(e.phase, e.number) for e in entries if not waiting[e.number]]
    heapq.heapify(ready)
    out = []
    while ready:
        _, n = heapq.heappop(ready)
        out.append(by_number[n])
        for d in dependents[n]:
            waiting[d] -= 1
            if not waiting[d]:
                heapq.heappush(ready, (by_number[d].phase, d))
    if len(out) != len(entries):
        stuck = ", ".join(by_number[n].op.subject for n, w in waiting.items() if w)
        raise PlanOrderError(f"the steps for {stuck} need each other: no order runs them")
    return out


def _render(b: Builder, target: Target, default_schema: str, problems: list[Problem]) -> tuple[Step, ...]:
    """The one place SQL text is made: each ordered operation rendered by the target on its own."""
    ids: dict[int, str] = {}
    seen: dict[str, int] = {}
    steps = []
    for e in order(b.entries):
        rendered = target.render(e.op, default_schema)
        problems.extend(rendered.problems)
        base = f"{rendered.label}:{e.op.subject.split(' ', 1)[-1]}"
        seen[base] = seen.get(base, 0) + 1
        step_id = base if seen[base] == 1 else f"{base}#{seen[base]}"
        ids[e.number] = step_id
        checks = []
        for query, message in e.preconditions:
            sql, sample = target.precondition(query, default_schema)
            checks.append(Precondition(f"{type(query).__name__}:{query.subject.split(' ', 1)[-1]}", sql, message,
                                       sample))
        steps.append(Step(step_id, rendered.sql, rendered.label, rendered.kind, e.op.subject, e.reason, e.op.origin,
                          e.hazards, tuple(ids[a] for a in e.after), e.directives, e.op, tuple(checks)))
    return tuple(steps)
