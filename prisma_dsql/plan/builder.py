"""What every strategy shares: the options, the refusals, and the `Builder` that collects operations.

Contract: a strategy (`prisma_dsql.plan.strategies`) calls `Builder.add`/`Builder.chain` with an operation
(`prisma_dsql.plan.operations`), its kind priority (`P_*`), reason, hazards, directives and the entries it
needs; it appends a `Blocked` for what needs the user's say-so. Nothing here renders SQL: the planner orders
the entries (`planner.order`) and the target renders them at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prisma_dsql.capabilities import Profile
from prisma_dsql.catalog.model import Column, Table
from prisma_dsql.errors import PrismaDsqlError
from prisma_dsql.plan import operations as ops
from prisma_dsql.plan.model import LONG_RUNNING, MAY_FAIL, ROW_LIMIT, Hazard
from prisma_dsql.source import Span
from prisma_dsql.sql.directives import REPEAT_UNTIL_ZERO_ROWS
from prisma_dsql.sql.names import DEFAULT_IDENTIFIER_BYTES, cut_with_suffix, identifier_bytes
from prisma_dsql.targets.base import Target

#: Kind priorities: the tie-break of the topological order (a lower one runs first when both are ready).
#: Builds come before drops: P_DROP_DATA (dropped columns and tables) follows every build and validation.
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
class Entry:
    phase: int
    op: ops.Operation
    reason: str
    hazards: tuple[Hazard, ...] = ()
    directives: tuple[str, ...] = ()
    after: tuple[int, ...] = ()  # entry numbers this one needs
    number: int = 0
    #: (query operation, what it checks in words): rendered into the step's `Precondition`s.
    preconditions: tuple = ()


@dataclass
class Builder:
    target: Target
    options: PlanOptions
    rows: dict
    entries: list[Entry] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)
    #: Unique indexes built in this plan, by (schema, table, columns): steps that need them wait.
    new_unique: dict = field(default_factory=dict)
    default_schema: str = "public"
    #: Changed domain key -> the temporary domain its columns live on during the migration.
    temp_domains: dict = field(default_factory=dict)
    domain_changes: tuple = ()
    #: Foreign keys added by this plan, (table key, name): each once.
    foreign_keys_added: set = field(default_factory=set)
    #: The diff being planned (strategies that reach other tables read it), set by `plan_changes`.
    diff: Any = None

    @property
    def profile(self) -> Profile:
        return self.target.profile

    @property
    def batch(self) -> int:
        return self.options.rows_per_batch(self.profile)

    @property
    def name_bytes(self) -> int:
        return identifier_bytes(self.profile)

    def add(self, phase: int, op: ops.Operation, reason: str, hazards=(), directives=(), after=(),
            preconditions=()) -> int:
        number = len(self.entries)
        self.entries.append(Entry(phase, op, reason, tuple(hazards), tuple(directives), tuple(after), number,
                                  tuple(preconditions)))
        return number

    def chain(self, phase: int, items) -> list[int]:
        """Entries that run in the given order, each needing the one before."""
        numbers: list[int] = []
        for op, reason, *rest in items:
            hazards = rest[0] if rest else ()
            directives = rest[1] if len(rest) > 1 else ()
            preconditions = rest[2] if len(rest) > 2 else ()
            numbers.append(self.add(phase, op, reason, hazards, directives, numbers[-1:], preconditions))
        return numbers

    def rows_text(self, key) -> str:
        n = self.rows.get(key)
        return "an unknown number of rows" if n is None else f"about {n:,} row{'s' if n != 1 else ''}"

    def may_have_rows(self, key) -> bool:
        n = self.rows.get(key)
        return n is None or n > 0


def not_null_check_name(table: str, column: str, size: int = DEFAULT_IDENTIFIER_BYTES) -> str:
    """The CHECK that enforces NOT NULL where SET NOT NULL does not exist (DSQL), named as Prisma
    names constraints: `{table}_{column}_not_null`, cut to the profile's identifier size."""
    return cut_with_suffix(f"{table}_{column}", "_not_null", size)


def required_check(b: Builder, ref, column: str, span, reason: str, may_fail: str | None,
                   preconditions: tuple = ()) -> list:
    """(op, reason, hazards, directives, preconditions) items that make `column` required on a profile
    without SET NOT NULL; `preconditions` go on the validation, the step that fails."""
    name = not_null_check_name(ref[1], column, b.name_bytes)
    hazards = (Hazard(MAY_FAIL, may_fail),) if may_fail else ()
    return [
        (ops.AddNotNullCheck(ref, name, column, span=span),
         f"{reason}: enforced by a check (SET NOT NULL does not exist here)"),
        (ops.ValidateConstraint(ref, name, span=span), f"{reason}: existing rows are checked in the background",
         hazards, (), preconditions if may_fail else ()),
    ]


def row_key(table: Table, usable: set[str] | None = None) -> tuple[str, ...]:
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


def backfill_items(b: Builder, table: Table, column: Column, reason: str) -> list:
    key = row_key(table, {c.name for c in table.columns} - {column.name})
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


def type_text(c: Column) -> str:
    t = c.type
    return t.name + (f"({','.join(map(str, t.args))})" if t.args else "")

