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

Order: steps are laid out in phases that follow the dependencies between object kinds (schemas
and types before the tables that use them; foreign keys and indexes dropped before the
columns and tables they need; tables created referenced-first; indexes before the foreign keys
and constraints that need them; validations last; old types dropped once nothing uses them).
Within a phase, the steps of one change keep their order. Every step lists the ids of the
steps it needs (`depends_on`).
"""

from __future__ import annotations

import heapq
import zlib
from dataclasses import dataclass, field, replace

from prisma_dsql import ops
from prisma_dsql.capabilities import Profile
from prisma_dsql.catalog.model import Catalog, Check, Column, Domain, ForeignKey, PrimaryKey, Table
from prisma_dsql.diff import CatalogDiff, TableDiff, TypeChange, compare
from prisma_dsql.errors import PrismaDsqlError
from prisma_dsql.plan import casts
from prisma_dsql.plan.model import (
    DATA_LOSS,
    LONG_RUNNING,
    MAY_FAIL,
    REBUILD,
    REPEAT_UNTIL_ZERO_ROWS,
    ROW_LIMIT,
    WAIT_FOR_JOBS,
    Hazard,
    Plan,
    Step,
)
from prisma_dsql.source import Span
from prisma_dsql.targets import RenderError, target_for
from prisma_dsql.sql.names import cut, cut_with_suffix, identifier_bytes
from prisma_dsql.targets.base import Problem, Target

# Phases, in execution order.
(P_SCHEMA, P_EXTENSION, P_TYPE, P_DROP_FK, P_DROP_INDEX, P_ALTER, P_SWAP, P_CREATE_TABLE,
 P_CREATE_INDEX, P_ADD_FK, P_VALIDATE, P_DROP_DATA, P_DROP_TYPE, P_DROP_EXTENSION) = range(14)

#: Rows per batch where the profile sets no limit on the rows a transaction may change.
DEFAULT_BATCH_ROWS = 3000

#: Suffix of the table a rebuild creates, and of the column a swap adds.
REBUILD_SUFFIX = "__prisma_dsql_new"
SWAP_SUFFIX = "__prisma_dsql_new"


@dataclass(frozen=True)
class PlanOptions:
    accept_data_loss: bool = False
    allow_rebuild: bool = False
    #: Rows per transaction in backfills and copies; None: half the profile's `rows_per_transaction`
    #: (DSQL: 3,000, so 1,500, which leaves room for the rows indexes and checks add), else
    #: `DEFAULT_BATCH_ROWS`.
    batch_rows: int | None = None

    def rows_per_batch(self, profile: Profile) -> int:
        if self.batch_rows is not None:
            return self.batch_rows
        limit = profile.limit("rows_per_transaction")
        return max(1, limit // 2) if limit else DEFAULT_BATCH_ROWS


@dataclass(frozen=True)
class Blocked:
    """A change the plan will not make as asked: `message` says what and why, `options` what to do."""

    message: str
    span: Span | None = None
    options: str = ""


class PlanRefused(PrismaDsqlError):
    """The changes need something the user has not allowed, or cannot be made at all."""

    exit_code = 1

    def __init__(self, blocked: list[Blocked], summary: list[str] | None = None) -> None:
        self.blocked = tuple(blocked)
        self.summary = tuple(summary or ())
        lines = [b.message + (f" ({b.options})" if b.options else "") for b in self.blocked]
        super().__init__("the migration cannot be planned as asked:\n  " + "\n  ".join(lines))


@dataclass
class _Entry:
    phase: int
    op: ops.Operation
    reason: str
    hazards: tuple[Hazard, ...] = ()
    directives: tuple[str, ...] = ()
    after: tuple[int, ...] = ()  # entry numbers this one needs
    number: int = 0


@dataclass
class _Builder:
    target: Target
    options: PlanOptions
    rows: dict
    entries: list[_Entry] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)
    #: Unique indexes built in this plan, by (schema, table, columns): steps that need them wait.
    new_unique: dict = field(default_factory=dict)
    default_schema: str = "public"
    #: Changed domain key -> the temporary domain its columns live on during the migration.
    temp_domains: dict = field(default_factory=dict)
    domain_changes: tuple = ()

    @property
    def profile(self) -> Profile:
        return self.target.profile

    @property
    def batch(self) -> int:
        return self.options.rows_per_batch(self.profile)

    @property
    def name_bytes(self) -> int:
        return identifier_bytes(self.profile)

    def add(self, phase: int, op: ops.Operation, reason: str, hazards=(), directives=(), after=()) -> int:
        number = len(self.entries)
        self.entries.append(_Entry(phase, op, reason, tuple(hazards), tuple(directives), tuple(after), number))
        return number

    def chain(self, phase: int, items) -> list[int]:
        """Entries that run in the given order, each needing the one before."""
        numbers: list[int] = []
        for op, reason, *rest in items:
            hazards = rest[0] if rest else ()
            directives = rest[1] if len(rest) > 1 else ()
            numbers.append(self.add(phase, op, reason, hazards, directives, numbers[-1:]))
        return numbers

    def rows_text(self, key) -> str:
        n = self.rows.get(key)
        return "an unknown number of rows" if n is None else f"about {n:,} row{'s' if n != 1 else ''}"

    def may_have_rows(self, key) -> bool:
        n = self.rows.get(key)
        return n is None or n > 0


# -- entry points ------------------------------------------------------------------------------------------------------
def plan_from_empty(profile: Profile, catalog: Catalog) -> Plan:
    """The plan that creates `catalog` in an empty database."""
    return plan_changes(compare(Catalog(default_schema=catalog.default_schema), catalog), profile)


def plan_changes(diff: CatalogDiff, profile: Profile, options: PlanOptions = PlanOptions(),
                 row_estimates: dict | None = None) -> Plan:
    target = target_for(profile)
    final = diff.desired
    diff, temps = _stage_domain_changes(diff, profile)
    b = _Builder(target, options, dict(row_estimates or {}), default_schema=final.default_schema,
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


def _data_loss_summary(b: _Builder) -> list[str]:
    return [f"{e.reason} ({b.rows_text(getattr(e.op, 'table', None))})" for e in b.entries
            if any(h.kind == DATA_LOSS for h in e.hazards)]


# -- the changes -------------------------------------------------------------------------------------------------------
def _plan(b: _Builder, diff: CatalogDiff, target: Target) -> None:
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

    rebuilt = {t.key for t in diff.tables_changed if _needs_rebuild(b, t)}
    _enum_type_changes(b, diff)

    for t in diff.tables_changed:
        if t.key in rebuilt:
            _rebuild(b, diff, t)
        else:
            _alter_table(b, t)

    _drop_tables(b, diff)
    _create_tables(b, diff, target)

    for e in diff.enums_dropped:
        b.add(P_DROP_TYPE, ops.DropEnum(e.schema, e.name), f"enum {e.name} is no longer used")
    for d in diff.domains_dropped:
        b.add(P_DROP_TYPE, ops.DropDomain(d.schema, d.name), f"enum {d.name} is no longer used (a domain)")
    for change in diff.domains_changed:
        _finish_domain_change(b, diff, change)
    for ext in diff.extensions_dropped:
        b.add(P_DROP_EXTENSION, ops.DropExtension(ext.name), f"extension {ext.name} is no longer in the schema")


def _not_null_check_name(table: str, column: str, size: int = 63) -> str:
    """The CHECK that enforces NOT NULL where SET NOT NULL does not exist (DSQL), named as Prisma
    names constraints: `{table}_{column}_not_null`, cut to the profile's identifier size."""
    return cut_with_suffix(f"{table}_{column}", "_not_null", size)


def _required_check(b: _Builder, ref, column: str, span, reason: str, may_fail: str | None) -> list:
    """(op, reason, hazards) items that make `column` required on a profile without SET NOT NULL."""
    name = _not_null_check_name(ref[1], column, b.name_bytes)
    hazards = (Hazard(MAY_FAIL, may_fail),) if may_fail else ()
    return [
        (ops.AddNotNullCheck(ref, name, column, span=span),
         f"{reason}: enforced by a check (SET NOT NULL does not exist here)"),
        (ops.ValidateConstraint(ref, name, span=span), f"{reason}: existing rows are checked in the background",
         hazards),
    ]


def _row_key(table: Table, usable: set[str] | None = None) -> tuple[str, ...]:
    """Columns that find one row: the primary key, else a unique index over required columns (Prisma
    allows a model with only `@unique`); `usable` limits the columns it may use. Empty: none."""
    candidates = [table.primary_key.columns] if table.primary_key else []
    nullable = {c.name for c in table.columns if c.nullable}
    candidates += [i.column_names for i in table.indexes
                   if i.unique and i.predicate is None and not set(i.column_names) & nullable]
    for cols in candidates:
        if usable is None or set(cols) <= usable:
            return tuple(cols)
    return ()


def _backfill_items(b: _Builder, table: Table, column: Column, reason: str) -> list:
    key = _row_key(table, {c.name for c in table.columns} - {column.name})
    if not key:
        b.blocked.append(Blocked(f"table {table.name}: existing rows of {column.name!r} cannot be filled in "
                                 "batches without a primary key", column.span))
        return []
    hazards = [Hazard(ROW_LIMIT, f"{b.batch:,} rows per transaction, repeated until every row of "
                                 f"{table.name} ({b.rows_text(table.key)}) has a value")]
    n = b.rows.get(table.key)
    if n is not None and n > 100 * b.batch:
        hazards.append(Hazard(LONG_RUNNING, f"{n // b.batch:,} batches"))
    op = ops.Backfill(table.key, column.name, column.default, column.type, key, b.batch, span=column.span)
    return [(op, reason, tuple(hazards), (REPEAT_UNTIL_ZERO_ROWS,))]


def _add_column(b: _Builder, table: Table, column: Column) -> None:
    ref = table.key
    where = f"{table.name}.{column.name}"
    if b.profile.supports("add_column_with_constraints"):
        return  # grouped per table by _alter_table
    items: list = [(ops.AddColumns(ref, (replace(column, nullable=True, default=None, identity=None),)),
                    f"{where} is new (added with its name and type only: ALTER TABLE ADD COLUMN takes nothing more)")]
    if column.default is not None:
        items.append((ops.SetDefault(ref, column), f"{where} has a default"))
    if not column.nullable:
        may_fail = None
        if column.default is not None and b.may_have_rows(ref):
            items += _backfill_items(b, table, column, f"{where} is required: existing rows get the default")
        elif column.default is None and b.may_have_rows(ref):
            may_fail = (f"{where} is required and has no default: the check fails if {table.name} has rows "
                        f"({b.rows_text(ref)}); add a @default or make it optional first")
        items += _required_check(b, ref, column.name, column.span, f"{where} is required", may_fail)
    b.chain(P_ALTER, items)


def _alter_table(b: _Builder, t: TableDiff) -> None:
    ref, new = t.key, t.new
    if t.renamed_from:
        b.add(P_ALTER, ops.RenameTable((ref[0], t.renamed_from), new.name, span=new.span),
              f"table {t.renamed_from} is renamed to {new.name} (--rename-table)")
    if t.primary_key_renamed:
        r = t.primary_key_renamed
        b.add(P_ALTER, ops.RenameConstraint(ref, r.old, r.new), f"primary key {r.old} is now named {r.new}")
    for r in t.columns_renamed:
        b.add(P_ALTER, ops.RenameColumn(ref, r.old, r.new, span=(new.column(r.new) or new).span),
              f"column {new.name}.{r.old} is renamed to {r.new} (--rename-column)")
    if t.primary_key_changed and b.profile.supports("add_primary_key"):
        old_pk, new_pk = t.old.primary_key, new.primary_key
        items = []
        if old_pk is not None:
            items.append((ops.DropConstraint(ref, old_pk.name), f"the primary key of {new.name} changes"))
        if new_pk is not None:
            items.append((ops.AddPrimaryKey(ref, new_pk.name, new_pk.columns, span=new_pk.span),
                          f"the primary key of {new.name} changes", (Hazard(MAY_FAIL, "fails on duplicate keys"),)))
        b.chain(P_ALTER, items)

    # Drops run before the table's rename (their phases come first): they name the table as it still is.
    before_rename = (ref[0], t.renamed_from) if t.renamed_from else ref
    for fk in t.foreign_keys_dropped:
        b.add(P_DROP_FK, ops.DropConstraint(before_rename, fk.name), f"foreign key {fk.name} is removed or changed")
    for r in t.foreign_keys_renamed:
        b.add(P_ALTER, ops.RenameConstraint(ref, r.old, r.new), f"foreign key {r.old} is now named {r.new}")
    for c in t.checks_dropped:
        b.add(P_DROP_FK, ops.DropConstraint(before_rename, c.name), f"check {c.name} is removed or changed")
    for i in t.indexes_dropped:
        why = f"index {i.name} is removed or changed" + ("" if i.valid else " (its build failed: it is INVALID)")
        if i.constraint:  # backs a UNIQUE constraint: DROP INDEX is refused, the constraint takes it along
            b.add(P_DROP_INDEX, ops.DropConstraint(before_rename, i.name), why)
        else:
            b.add(P_DROP_INDEX, ops.DropIndex(ref[0], i.name), why)
    for r in t.indexes_renamed:
        index = next(i for i in new.indexes if i.name == r.new)
        if b.profile.supports("alter_index_rename"):
            b.add(P_ALTER, ops.RenameIndex(ref[0], r.old, r.new, span=index.span), f"index {r.old} is now named {r.new}")
        else:
            # Built under the new name first and the old one dropped after it, so that a unique index
            # never stops enforcing (ALTER INDEX RENAME is not documented here).
            _create_index(b, new, index, existing=True, renamed_from=r.old)
            b.add(P_DROP_TYPE, ops.DropIndex(ref[0], r.old, span=index.span),
                  f"index {r.old} is now named {r.new}: the old one goes once the new one is built", (),
                  (WAIT_FOR_JOBS,) if b.target.INDEX_MODE else ())

    for c in t.columns_dropped:  # builds before drops: a failure before this leaves the values in place
        b.add(P_DROP_DATA, ops.DropColumn(ref, c.name),
              f"column {new.name}.{c.name} is no longer in the schema",
              (Hazard(DATA_LOSS, f"the values of {new.name}.{c.name} in {b.rows_text(ref)} are deleted"),))
        if not b.options.accept_data_loss:
            b.blocked.append(Blocked(f"column {new.name}.{c.name} would be dropped with its data "
                                     f"({b.rows_text(ref)})", None,
                                     "pass --accept-data-loss, or --rename-column if it was renamed"))

    if b.profile.supports("add_column_with_constraints"):
        if t.columns_added:
            b.add(P_ALTER, ops.AddColumns(ref, t.columns_added), f"{len(t.columns_added)} new column(s) on {new.name}",
                  [Hazard(MAY_FAIL, f"{new.name}.{c.name} is required without a default: fails if the table has "
                                    "rows") for c in t.columns_added
                   if not c.nullable and c.default is None and c.identity is None and b.may_have_rows(ref)])
    else:
        for c in t.columns_added:
            _add_column(b, new, c)

    for change in t.columns_changed:
        if change.type_changed and _is_domain_swap(b, change):
            _swap_column(b, new, change.new, P_SWAP, index_phase=P_CREATE_INDEX,
                         removed=_removed_values(b, change))
        else:
            _change_column(b, new, change, t)

    for i in t.indexes_added:
        _create_index(b, new, i, existing=True)
    for fk in t.foreign_keys_added:
        _add_foreign_key(b, new, fk, existing=True)
    for c in t.checks_added:
        _add_check(b, ref, c)


def _change_column(b: _Builder, table: Table, change, t: TableDiff | None = None) -> None:
    ref, old, new = table.key, change.old, change.new
    where = f"{table.name}.{new.name}"
    default_set = False
    if change.type_changed:
        cast = casts.classify(old.type, new.type)
        if not cast.exists:
            _replace_column(b, table, change, cast, t)
            return
        hazards = []
        if cast.safety == casts.MAY_FAIL:
            hazards.append(Hazard(MAY_FAIL, cast.says))
        elif cast.safety == casts.LOSSY:
            hazards.append(Hazard(DATA_LOSS, cast.says))
            if not b.options.accept_data_loss:
                b.blocked.append(Blocked(f"{where}: {cast.says}", new.span, "pass --accept-data-loss"))
        # The old default may not cast to the new type (`default ... cannot be cast automatically`, one
        # enum to another): it goes first and the new one is set once the column has its type.
        items = []
        if old.default is not None:
            items.append((ops.DropDefault(ref, new.name, span=new.span), f"{where} changes type: its default goes "
                                                                         "first (it may not cast)"))
        reason = f"{where} changes type" + ("" if cast.safety != casts.LOSSLESS else f" ({cast.says})")
        items.append((ops.AlterColumnType(ref, new), reason, tuple(hazards)))
        if new.default is not None and old.default is not None:
            items.append((ops.SetDefault(ref, new), f"{where} keeps a default of the new type"))
            default_set = True
        b.chain(P_ALTER, items)
    if change.default_changed and not default_set:
        if new.default is None:
            if not change.type_changed:  # a type change dropped it already
                b.add(P_ALTER, ops.DropDefault(ref, new.name, span=new.span), f"{where} no longer has a default")
        else:
            b.add(P_ALTER, ops.SetDefault(ref, new), f"{where} has a new default")
    if change.nullability_changed:
        if new.nullable:
            if old.not_null_check:  # required through a validated check (DSQL): the check goes
                b.add(P_ALTER, ops.DropConstraint(ref, old.not_null_check, span=new.span),
                      f"{where} becomes optional: the check that made it required goes")
            else:
                b.add(P_ALTER, ops.DropNotNull(ref, new.name, span=new.span), f"{where} becomes optional")
        else:
            items = []
            if new.default is not None and b.may_have_rows(ref):
                items += _backfill_items(b, table, new, f"{where} becomes required: rows without a value get the "
                                                        "default")
            may_fail = (None if new.default is not None or not b.may_have_rows(ref) else
                        f"{where} becomes required: fails if a row of {table.name} has no value ({b.rows_text(ref)})")
            if b.profile.supports("alter_column_set_not_null"):
                items.append((ops.SetNotNull(ref, new.name, span=new.span), f"{where} becomes required",
                              (Hazard(MAY_FAIL, may_fail),) if may_fail else ()))
            else:
                items += _required_check(b, ref, new.name, new.span, f"{where} becomes required", may_fail)
            b.chain(P_ALTER, items)
    if change.identity_changed and not change.type_changed:
        b.blocked.append(Blocked(f"{where}: the identity (autoincrement) of an existing column changes", new.span,
                                 "pass --allow-rebuild to rebuild the table"))


def _replace_column(b: _Builder, table: Table, change, cast, t: TableDiff | None) -> None:
    """No cast from the old type to the new one: the column is dropped and added again, empty, as Prisma
    does (data loss: only with --accept-data-loss). Its indexes and foreign keys go with it and are built
    again; a required column with no default cannot be added back to a table that has rows."""
    ref, old, new = table.key, change.old, change.new
    where = f"{table.name}.{new.name}"
    loss = f"{cast.says}; the values of {where} in {b.rows_text(ref)} are deleted"
    if not b.options.accept_data_loss:
        b.blocked.append(Blocked(f"{where} changes type and {cast.says}", new.span, "pass --accept-data-loss"))
    known = b.rows.get(ref)
    if not new.nullable and new.default is None and new.identity is None and known:
        b.blocked.append(Blocked(f"{where}: no cast exists, so the column would be dropped and added again, which "
                                 f"cannot be done while {table.name} has rows ({b.rows_text(ref)}), since it is "
                                 "required", new.span, "give it a @default, or make it optional first"))
    b.add(P_ALTER, ops.DropColumn(ref, old.name, span=new.span), f"{where} changes type: the old column goes",
          (Hazard(DATA_LOSS, loss),))
    if b.profile.supports("add_column_with_constraints"):
        hazards = ()
        if not new.nullable and new.default is None and new.identity is None and b.may_have_rows(ref):
            hazards = (Hazard(MAY_FAIL, f"{where} is required without a default: fails if the table has rows"),)
        b.add(P_ALTER, ops.AddColumns(ref, (new,)), f"{where} changes type: added again with the new type", hazards)
    else:
        _add_column(b, table, new)
    _rebuild_dependents(b, table, {new.name}, t)


def _rebuild_dependents(b: _Builder, table: Table, columns: set[str], t: TableDiff | None) -> None:
    """Indexes and foreign keys of `table` over `columns`, built again after those columns were dropped and
    added back (DROP COLUMN takes them along); those the diff adds anyway are left to it."""
    added = {i.name for i in t.indexes_added} | {f.name for f in t.foreign_keys_added} if t else set()
    for i in table.indexes:
        if columns & set(i.column_names) and i.name not in added:
            _create_index(b, table, i, existing=True)
    for fk in table.foreign_keys:
        if columns & set(fk.columns) and fk.name not in added:
            _add_foreign_key(b, table, fk, existing=True)


def _create_index(b: _Builder, table: Table, index, existing: bool, phase: int = P_CREATE_INDEX,
                  renamed_from: str | None = None) -> None:
    hazards = []
    if existing and index.unique and renamed_from is None:
        hazards.append(Hazard(MAY_FAIL, f"the build fails if {table.name} holds duplicate values of "
                                        f"({', '.join(index.column_names)})"))
    if existing and b.rows.get(table.key, 0) and b.rows[table.key] > 1_000_000:
        hazards.append(Hazard(LONG_RUNNING, f"an index build over {b.rows_text(table.key)}"))
    reason = (f"index {renamed_from} is now named {index.name}: built under the new name" if renamed_from else
              f"index {index.name} is new" if existing else f"index {index.name} of new table {table.name}")
    number = b.add(phase, ops.CreateIndex(table, index), reason, hazards)
    if index.unique and b.target.INDEX_MODE:
        b.new_unique[(table.schema, table.name, index.column_names)] = number


def _add_foreign_key(b: _Builder, table: Table, fk: ForeignKey, existing: bool) -> None:
    ref = table.key
    if b.target.FOREIGN_KEYS != "inline":
        b.add(P_ADD_FK, ops.AddForeignKey(ref, fk), f"foreign key {fk.name} is new",
              (Hazard(MAY_FAIL, "fails if a row references a missing row"),) if existing and b.may_have_rows(ref)
              else ())
        return
    waits = b.new_unique.get((fk.referenced_schema, fk.referenced_table, fk.referenced_columns))
    directives = (WAIT_FOR_JOBS,) if waits is not None else ()
    first = b.add(P_ADD_FK, ops.AddForeignKey(ref, fk, not_valid=True),
                  f"foreign key {fk.name} is new (NOT VALID first: existing rows are checked in the background)",
                  (), directives, (waits,) if waits is not None else ())
    b.add(P_VALIDATE, ops.ValidateConstraint(ref, fk.name, foreign_key=True, span=fk.span),
          f"foreign key {fk.name}: existing rows are checked in the background",
          (Hazard(MAY_FAIL, "fails if a row references a missing row"),) if existing and b.may_have_rows(ref) else (),
          (), (first,))


def _add_check(b: _Builder, ref, check: Check) -> None:
    if b.target.VALIDATE_IS_ASYNC:
        first = b.add(P_ALTER, ops.AddCheck(ref, check, not_valid=True), f"check {check.name} is new (NOT VALID first)")
        b.add(P_VALIDATE, ops.ValidateConstraint(ref, check.name, span=check.span),
              f"check {check.name}: existing rows are checked in the background",
              (Hazard(MAY_FAIL, "fails if a row breaks the check"),), (), (first,))
    else:
        b.add(P_ALTER, ops.AddCheck(ref, check), f"check {check.name} is new",
              (Hazard(MAY_FAIL, "fails if a row breaks the check"),))


# -- tables created and dropped ----------------------------------------------------------------------------------------
def _create_tables(b: _Builder, diff: CatalogDiff, target: Target) -> None:
    tables = list(diff.tables_added)
    if not tables:
        return
    if target.FOREIGN_KEYS != "inline":
        for t in tables:
            b.add(P_CREATE_TABLE, ops.CreateTable(t), f"table {t.name} is new")
        for t in tables:
            for i in t.indexes:
                _create_index(b, t, i, existing=False)
        for t in tables:
            for fk in t.foreign_keys:
                b.add(P_ADD_FK, ops.AddForeignKey(t.key, fk), f"foreign key {fk.name} of new table {t.name}")
        return
    order = creation_order(tables)
    new_keys = {t.key for t in tables}
    position = {t.key: i for i, t in enumerate(order)}
    position.update({t.key: -1 for t in diff.desired.tables if t.key not in new_keys})
    pks = {t.key: t.primary_key.columns if t.primary_key else None for t in diff.desired.tables}
    deferred = []
    for t in order:
        inline = []
        for fk in t.foreign_keys:
            target_key = fk.referenced_key
            if position.get(target_key, len(order)) <= position[t.key] and pks.get(target_key) == fk.referenced_columns:
                inline.append(fk)
            else:
                deferred.append((t, fk))
        b.add(P_CREATE_TABLE, ops.CreateTable(t, tuple(inline)), f"table {t.name} is new")
    for t in order:
        for i in t.indexes:
            _create_index(b, t, i, existing=False)
    for t, fk in deferred:
        _add_foreign_key(b, t, fk, existing=False)


def _drop_tables(b: _Builder, diff: CatalogDiff) -> None:
    dropped = {t.key for t in diff.tables_dropped}
    for t in diff.tables_dropped:
        # Foreign keys between dropped tables go first, so that the tables can go in any order.
        for fk in t.foreign_keys:
            if fk.referenced_key in dropped and fk.referenced_key != t.key:
                b.add(P_DROP_FK, ops.DropConstraint(t.key, fk.name), f"table {t.name} is dropped")
        b.add(P_DROP_DATA, ops.DropTable(t.key), f"table {t.name} is no longer in the schema",
              (Hazard(DATA_LOSS, f"{t.name} is deleted with its rows ({b.rows_text(t.key)})"),))
        if not b.options.accept_data_loss:
            b.blocked.append(Blocked(f"table {t.name} would be dropped with its data ({b.rows_text(t.key)})", None,
                                     "pass --accept-data-loss, or --rename-table if it was renamed"))


# -- table rebuilds ------------------------------------------------------------------------------------------------------
def _needs_rebuild(b: _Builder, t: TableDiff) -> bool:
    """Whether the profile can only make this table's changes by rebuilding it; blocked when not allowed."""
    reasons = []
    if t.primary_key_changed and not b.profile.supports("add_primary_key"):
        reasons.append("its primary key changes (a primary key exists only from CREATE TABLE)")
    if not b.profile.supports("alter_column_type"):
        reasons += [f"{t.new.name}.{c.new.name} changes type ({_type_text(c.old)} -> {_type_text(c.new)})"
                    for c in t.columns_changed if c.type_changed and not _is_domain_swap(b, c)
                    and not _replaced_in_place(b, t, c)]
    if not b.profile.supports("add_column_with_constraints"):
        reasons += [f"{t.new.name}.{c.name} is a new identity (autoincrement) column" for c in t.columns_added
                    if c.identity is not None]
    reasons += [f"{t.new.name}.{c.new.name}: its identity (autoincrement) changes" for c in t.columns_changed
                if c.identity_changed and not c.type_changed]
    if not reasons:
        return False
    if not b.options.allow_rebuild:
        for r in reasons:
            b.blocked.append(Blocked(f"table {t.new.name}: {r}; {b.profile.describe()} cannot alter this in place",
                                     t.new.span, "pass --allow-rebuild to rebuild the table (new table, batched copy, "
                                                 "swap by rename), or change the schema another way"))
    return True


def _replaced_in_place(b: _Builder, t: TableDiff, change) -> bool:
    """A type change with no cast, made by dropping the column and adding it again (not in the key)."""
    pk = t.old.primary_key.columns if t.old.primary_key else ()
    return (not casts.classify(change.old.type, change.new.type).exists and b.profile.supports("drop_column")
            and change.new.name not in pk)


def _type_text(c: Column) -> str:
    t = c.type
    return t.name + (f"({','.join(map(str, t.args))})" if t.args else "")


def _is_domain_swap(b: _Builder, change) -> bool:
    """A column moving from one domain to another, where ALTER COLUMN TYPE does not exist: a column swap."""
    return (change.old.type.kind == "user" and change.new.type.kind == "user" and not change.old.type.array
            and not b.profile.supports("alter_column_type"))


def _rebuild(b: _Builder, diff: CatalogDiff, t: TableDiff) -> None:
    old, new = t.old, t.new
    ref = new.key
    temp_name = cut_with_suffix(new.name, REBUILD_SUFFIX, b.name_bytes)
    temp_pk = None if new.primary_key is None else PrimaryKey(cut_with_suffix(temp_name, "_pkey", b.name_bytes),
                                                              new.primary_key.columns, new.primary_key.span)
    temp = replace(new, name=temp_name, primary_key=temp_pk, indexes=(), foreign_keys=())
    hazards = (Hazard(REBUILD, f"{new.name} is copied into a new table and swapped in by rename; rows written to it "
                               "while the copy runs may not be copied: stop writers first"),
               Hazard(LONG_RUNNING, f"{b.rows_text(ref)} copied {b.batch:,} per transaction"))
    # Foreign keys of other tables into this one would block the drop: those the database has (and that stay
    # as they are) are dropped and added back; changed ones are their own table's business.
    before = {tc.key: tc.renamed_from for tc in diff.tables_changed if tc.renamed_from}
    changed_fks = {(tc.key, f.name) for tc in diff.tables_changed
                   for f in (*tc.foreign_keys_dropped, *tc.foreign_keys_added)}
    restore = []
    for other in diff.actual.tables:
        if other.key == ref:
            continue
        for fk in other.foreign_keys:
            if fk.referenced_key != ref or (other.key, fk.name) in changed_fks:
                continue
            wanted = diff.desired.table(*other.key)
            b.add(P_DROP_FK, ops.DropConstraint((other.schema, before.get(other.key, other.name)), fk.name),
                  f"table {new.name} is rebuilt: foreign key {fk.name} of {other.name} would block its drop")
            if wanted is not None and any(f.name == fk.name for f in wanted.foreign_keys):
                restore.append((wanted, next(f for f in wanted.foreign_keys if f.name == fk.name)))
    if t.renamed_from:
        b.add(P_ALTER, ops.RenameTable((ref[0], t.renamed_from), new.name), f"table {t.renamed_from} is renamed")
    # The copy reads the table as it is in the database: renamed columns under their old names.
    source_name = {r.new: r.old for r in t.columns_renamed}
    old_cols = {c.name: c for c in old.columns}
    mapping = []
    copy_hazards: list[Hazard] = []
    uncast: list[str] = []
    for c in new.columns:
        prev = old_cols.get(c.name)
        if prev is None:
            if not c.nullable and c.default is None and c.identity is None and b.may_have_rows(ref):
                b.blocked.append(Blocked(f"table {new.name} is rebuilt with the new required column {c.name}, which "
                                         f"has no default: the copied rows ({b.rows_text(ref)}) would have no value",
                                         c.span, "give it a @default, or make it optional first"))
            continue
        cast_to = None
        if prev.type != c.type:
            cast = casts.classify(prev.type, c.type)
            if not cast.exists:
                uncast.append(c.name)
                if not c.nullable and c.default is None and c.identity is None and b.may_have_rows(ref):
                    b.blocked.append(Blocked(f"{new.name}.{c.name}: {cast.says}; it is required without a default, "
                                             f"so the copied rows ({b.rows_text(ref)}) would have no value", c.span,
                                             "give it a @default, or make it optional first"))
                continue
            if cast.safety == casts.MAY_FAIL:
                copy_hazards.append(Hazard(MAY_FAIL, f"{c.name}: {cast.says}"))
            elif cast.safety == casts.LOSSY:
                copy_hazards.append(Hazard(DATA_LOSS, f"{c.name}: {cast.says}"))
                if not b.options.accept_data_loss:
                    b.blocked.append(Blocked(f"{new.name}.{c.name}: {cast.says}", c.span, "pass --accept-data-loss"))
            cast_to = c.type
        mapping.append((c.name, source_name.get(c.name, c.name), cast_to))
    key = _row_key(old, {name for name, _, cast_to in mapping if cast_to is None})
    if not key:
        b.blocked.append(Blocked(f"table {new.name} has no primary key, nor a unique key of required columns that "
                                 "survive the change unchanged: its rows cannot be copied in batches", new.span))
        return
    identity = [c for c in new.columns if c.identity is not None and c.name in old_cols]
    dropped = [c.name for c in old.columns if c.name not in {n for n, _, _ in mapping}]
    drop_hazards = list(hazards)
    if dropped:
        drop_hazards.append(Hazard(DATA_LOSS, f"columns {', '.join(dropped)} are not copied"
                                   + (f" ({', '.join(uncast)}: no cast to the new type)" if uncast else "")))
        if not b.options.accept_data_loss:
            b.blocked.append(Blocked(f"table {new.name}: the rebuild leaves out columns {', '.join(dropped)}"
                                     + (" (no cast to their new types)" if uncast else ""),
                                     new.span, "pass --accept-data-loss"))
    items = [
        (ops.CreateTable(temp), f"table {new.name} is rebuilt: the new shape first", hazards),
        (ops.CopyRows(ref, (ref[0], temp_name), tuple(mapping), key, b.batch),
         f"table {new.name} is rebuilt: rows are copied in batches, in key order", tuple(copy_hazards),
         (REPEAT_UNTIL_ZERO_ROWS,)),
        (ops.DropTable(ref), f"table {new.name} is rebuilt: the old table goes", tuple(drop_hazards)),
        (ops.RenameTable((ref[0], temp_name), new.name), f"table {new.name} is rebuilt: the new one takes its name"),
    ]
    if temp_pk is not None:
        items.append((ops.RenameConstraint(ref, temp_pk.name, new.primary_key.name),
                      f"table {new.name} is rebuilt: its primary key takes its name"))
    # Copied ids keep their values: the identity must continue after the highest, not at 1.
    items += [(ops.SyncIdentity(ref, c.name), f"table {new.name} is rebuilt: {c.name} numbers on after the copied "
                                               "ids") for c in identity]
    b.chain(P_ALTER, items)
    for i in new.indexes:
        _create_index(b, new, i, existing=True)
    for fk in new.foreign_keys:
        _add_foreign_key(b, new, fk, existing=True)
    for other, fk in restore:
        _add_foreign_key(b, other, fk, existing=True)


# -- changed enums -------------------------------------------------------------------------------------------------------
def _enum_type_changes(b: _Builder, diff: CatalogDiff) -> None:
    """Changed PostgreSQL enum types: new values are added; removing values is refused."""
    for change in diff.enums_changed:
        old, new = change.old, change.new
        removed = [v for v in old.values if v not in new.values]
        if removed:
            b.blocked.append(Blocked(f"enum {new.name}: values {', '.join(removed)} are removed; prisma-dsql does not "
                                     "yet remove values from a PostgreSQL enum type", new.span,
                                     "remove them by hand, or generate for DSQL (--target dsql)"))
        for v in new.values:
            if v not in old.values:
                b.add(P_TYPE, ops.AddEnumValue(new.schema, new.name, v, span=new.span), f"enum {new.name} gains {v}")


def _temp_domain(d: Domain) -> Domain:
    digest = format(zlib.crc32(repr((d.type, d.allowed_values, d.checks)).encode()), "08x")
    return replace(d, name=cut_with_suffix(d.name, "_" + digest + "_"))


def _stage_domain_changes(diff: CatalogDiff, profile: Profile) -> tuple[CatalogDiff, dict]:
    """A domain's CHECK cannot be altered (DSQL): every column of a changed domain moves onto a temporary
    domain with the new definition during the migration. The desired catalog is compared again with those
    columns typed by the temporary domain, so that new columns and tables use it too and existing ones are
    column swaps; `_finish_domain_change` then gives the domain its name back."""
    if not diff.domains_changed or profile.supports("alter_domain_constraints"):
        return diff, {}
    temps = {c.new.key: _temp_domain(c.new) for c in diff.domains_changed}

    def retype(col: Column) -> Column:
        t = col.type
        key = (t.schema or diff.desired.default_schema, t.name)
        if t.kind != "user" or key not in temps:
            return col
        return replace(col, type=replace(t, name=temps[key].name, schema=temps[key].schema))

    tables = tuple(replace(t, columns=tuple(retype(c) for c in t.columns)) for t in diff.desired.tables)
    staged = replace(diff.desired, tables=tables, domains=diff.desired.domains + tuple(temps.values()))

    return compare(diff.source or diff.actual, staged, diff.renames), temps


def _removed_values(b: _Builder, change) -> list[str]:
    old_key = (change.old.type.schema or b.default_schema, change.old.type.name)
    for c in b.domain_changes:
        if c.old.key == old_key:
            return [v for v in (c.old.allowed_values or ()) if v not in (c.new.allowed_values or ())]
    return []


def _finish_domain_change(b: _Builder, diff: CatalogDiff, change: TypeChange) -> None:
    """Every column now lives on the temporary domain: the old domain goes, and the name comes back by
    ALTER DOMAIN RENAME where the profile has it (undocumented on DSQL, so off by default), else by a
    second swap onto a new domain of the old name."""
    old, new = change.old, change.new
    temp = b.temp_domains.get(new.key)
    if temp is None:
        b.blocked.append(Blocked(f"enum {new.name} changes but its domain cannot be altered", new.span))
        return
    in_keys = [f"{t.name}.{c}" for t in diff.desired.tables if t.primary_key and diff.actual.table(*t.key)
               for c in t.primary_key.columns
               if (col := t.column(c)) is not None and col.type.kind == "user" and col.type.name == temp.name]
    if in_keys:
        b.blocked.append(Blocked(
            f"enum {new.name} changes, and {', '.join(in_keys)} (of that enum) is in a primary key: its domain "
            f"cannot be altered and {b.profile.describe()} cannot drop a primary-key column to move it onto a new "
            "one", new.span, "keep the enum's values, or move the key off the enum column in a migration of its own "
                             "(a table rebuild)"))
        return
    b.add(P_DROP_TYPE, ops.DropDomain(old.schema, old.name), f"enum {new.name} changes: the old domain goes")
    if b.profile.supports("alter_domain_rename"):
        b.add(P_DROP_TYPE, ops.RenameType("domain", new.schema, temp.name, new.name),
              f"enum {new.name} changes: the new domain takes its name")
        return
    b.add(P_DROP_TYPE, ops.CreateDomain(new), f"enum {new.name} changes: the domain again, with the new values",
          (Hazard(REBUILD, f"ALTER DOMAIN RENAME is not documented here: the columns of {new.name} move back onto "
                           "a domain of that name"),))
    for table in diff.desired.tables:
        for col in table.columns:
            if col.type.kind == "user" and (col.type.schema or new.schema, col.type.name) == temp.key:
                final = replace(col, type=replace(col.type, name=new.name, schema=new.schema))
                _swap_column(b, table, final, P_DROP_TYPE, index_phase=P_DROP_TYPE, removed=[], source_name=col.name)
    b.add(P_DROP_TYPE, ops.DropDomain(temp.schema, temp.name), f"enum {new.name} changes: the temporary domain goes")


def _swap_column(b: _Builder, table: Table, col: Column, phase: int, index_phase: int, removed: list[str],
                 source_name: str | None = None) -> None:
    """Move a column onto the type `col` has (another domain): a new column, a batched copy, the old column
    dropped and the new one renamed, then its default, NOT NULL and indexes (which went with the old column)
    as `col` wants them. A column still on a temporary domain stays nullable until its last swap."""
    ref = table.key
    where = f"{table.name}.{col.name}"
    swap_name = cut_with_suffix(col.name, SWAP_SUFFIX, b.name_bytes)
    bare = replace(col, name=swap_name, nullable=True, default=None, identity=None)
    key = _row_key(table, {c.name for c in table.columns} - {col.name})
    if not key:
        b.blocked.append(Blocked(f"{where}: its enum changes, and a table without a primary key (or a unique key of "
                                 "required columns) cannot be copied in batches", col.span))
        return
    copy_hazards = [Hazard(ROW_LIMIT, f"{b.batch:,} rows per transaction")]
    if removed:
        copy_hazards.append(Hazard(MAY_FAIL, f"rows of {table.name} holding {', '.join(removed)} in {col.name} fail "
                                             "the copy: update them first"))
    items: list = [
        (ops.AddColumns(ref, (bare,)), f"{where} moves to a new column of type {col.type.name}"),
        (ops.CopyColumn(ref, source_name or col.name, swap_name, col.type, key,
                        b.batch, span=col.span),
         f"{where}: values are copied in batches", tuple(copy_hazards), (REPEAT_UNTIL_ZERO_ROWS,)),
    ]
    if col.default is not None:
        items.append((ops.SetDefault(ref, replace(col, name=swap_name)), f"{where} keeps its default"))
    items.append((ops.DropColumn(ref, col.name, span=col.span), f"{where}: the old column goes",
                  (Hazard(REBUILD, f"values written to {where} after the copy and before this step are not copied; "
                                   "stop writers first"),)))
    items.append((ops.RenameColumn(ref, swap_name, col.name, span=col.span), f"{where}: the new column takes its name"))
    temporary = any(col.type.name == t.name for t in b.temp_domains.values()) and \
        not b.profile.supports("alter_domain_rename")
    if not col.nullable and not temporary:
        may_fail = None
        if col.default is not None and b.may_have_rows(ref):
            items += _backfill_items(b, table, col, f"{where} is required: rows without a value get the default")
        elif col.default is None and b.may_have_rows(ref):
            may_fail = f"{where} is required: fails if a row of {table.name} has no value ({b.rows_text(ref)})"
        items += _required_check(b, ref, col.name, col.span, f"{where} is required", may_fail)
    b.chain(phase, items)
    if not temporary:
        for i in table.indexes:  # dropped with the old column
            if col.name in i.column_names:
                _create_index(b, table, i, existing=True, phase=index_phase)


# -- rendering and order -------------------------------------------------------------------------------------------------
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


def _render(b: _Builder, target: Target, default_schema: str, problems: list[Problem]) -> tuple[Step, ...]:
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
        steps.append(Step(step_id, rendered.sql, rendered.label, rendered.kind, e.op.subject, e.reason, e.op.origin,
                          e.hazards, tuple(ids[a] for a in e.after), e.directives, e.op))
    return tuple(steps)


def creation_order(tables: list[Table]) -> list[Table]:
    """Tables ordered so that each comes after the tables its foreign keys reference,
    keeping declaration order wherever the references allow it. A reference cycle is
    broken at its earliest-declared table (its foreign keys into the cycle become
    deferred)."""
    index = {t.key: i for i, t in enumerate(tables)}
    deps: list[set[int]] = []
    dependents: list[list[int]] = [[] for _ in tables]
    for i, t in enumerate(tables):
        d = {index[fk.referenced_key] for fk in t.foreign_keys if fk.referenced_key in index} - {i}
        deps.append(d)
        for j in d:
            dependents[j].append(i)
    ready = [i for i, d in enumerate(deps) if not d]
    heapq.heapify(ready)
    done = [False] * len(tables)
    order: list[Table] = []
    remaining = len(tables)
    next_forced = 0
    while remaining:
        if ready:
            i = heapq.heappop(ready)
            if done[i]:
                continue
        else:
            while done[next_forced]:
                next_forced += 1
            i = next_forced
        done[i] = True
        remaining -= 1
        order.append(tables[i])
        for j in dependents[i]:
            if not done[j]:
                deps[j].discard(i)
                if not deps[j]:
                    heapq.heappush(ready, j)
    return order
