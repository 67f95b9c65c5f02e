"""Migration operations: one frozen value per thing a migration can do to a database.

Contract: operations are plain data (alembic's operation objects, pg-schema-diff's
statements before rendering). The strategies (`prisma_dsql.plan.strategies`) decide which
operations a change needs, the planner in what order; a target (`prisma_dsql.targets`)
renders each operation on its own into SQL and coded problems, without state.
An operation knows nothing of Prisma; `span` points at the `.prisma` element it
serves, when there is one, and never takes part in equality.

Tables are referred to by `TableRef` (schema, name) wherever the operation does
not need the whole table; `CreateTable` and `CreateIndex` carry the table because
their SQL and checks read its columns. `Query` operations (`CountDuplicates`, `CountMissing`,
`CountRows`) are never statements of the migration: they are a step's preconditions, rendered by
`Target.precondition` into counts that must be 0 before the migration starts. (`prisma_dsql.ops`
re-exports this module for older imports.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prisma_dsql.catalog.model import (
    Check,
    Column,
    ColumnDefault,
    Domain,
    EnumType,
    Extension,
    ForeignKey,
    Index,
    Table,
)
from prisma_dsql.source import Span

#: (schema, table name).
TableRef = tuple[str, str]


def _span() -> Any:
    return field(default=None, compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class Operation:
    """Base of every operation. `subject` names the database object, for messages and step ids."""

    @property
    def subject(self) -> str:  # pragma: no cover - every operation overrides it
        raise NotImplementedError

    @property
    def origin(self) -> Span | None:
        return getattr(self, "span", None)


def _ref_text(ref: TableRef) -> str:
    return f"{ref[0]}.{ref[1]}"


# -- namespaces, extensions, types -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CreateSchema(Operation):
    name: str

    @property
    def subject(self) -> str:
        return f"schema {self.name}"


@dataclass(frozen=True)
class CreateExtension(Operation):
    extension: Extension

    @property
    def subject(self) -> str:
        return f"extension {self.extension.name}"

    @property
    def origin(self) -> Span | None:
        return self.extension.span


@dataclass(frozen=True)
class DropExtension(Operation):
    name: str

    @property
    def subject(self) -> str:
        return f"extension {self.name}"


@dataclass(frozen=True)
class CreateEnum(Operation):
    enum: EnumType

    @property
    def subject(self) -> str:
        return f"type {self.enum.schema}.{self.enum.name}"

    @property
    def origin(self) -> Span | None:
        return self.enum.span


@dataclass(frozen=True)
class AddEnumValue(Operation):
    """`ALTER TYPE ... ADD VALUE` (PostgreSQL enum types only)."""

    schema: str
    name: str
    value: str
    span: Span | None = _span()

    @property
    def subject(self) -> str:
        return f"type {self.schema}.{self.name}"


@dataclass(frozen=True)
class DropEnum(Operation):
    schema: str
    name: str

    @property
    def subject(self) -> str:
        return f"type {self.schema}.{self.name}"


@dataclass(frozen=True)
class CreateDomain(Operation):
    domain: Domain

    @property
    def subject(self) -> str:
        return f"domain {self.domain.schema}.{self.domain.name}"

    @property
    def origin(self) -> Span | None:
        return self.domain.span


@dataclass(frozen=True)
class DropDomain(Operation):
    schema: str
    name: str

    @property
    def subject(self) -> str:
        return f"domain {self.schema}.{self.name}"


@dataclass(frozen=True)
class RenameType(Operation):
    """`ALTER DOMAIN|TYPE ... RENAME TO` (kind "domain" or "type")."""

    kind: str
    schema: str
    old: str
    new: str

    @property
    def subject(self) -> str:
        return f"{self.kind} {self.schema}.{self.old}"


# -- tables -------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CreateTable(Operation):
    """CREATE TABLE with its columns, primary key, checks and the foreign keys written inline."""

    table: Table
    inline_foreign_keys: tuple[ForeignKey, ...] = ()

    @property
    def subject(self) -> str:
        return f"table {_ref_text(self.table.key)}"

    @property
    def origin(self) -> Span | None:
        return self.table.span


@dataclass(frozen=True)
class DropTable(Operation):
    table: TableRef
    span: Span | None = _span()

    @property
    def subject(self) -> str:
        return f"table {_ref_text(self.table)}"


@dataclass(frozen=True)
class RenameTable(Operation):
    table: TableRef
    new_name: str
    span: Span | None = _span()

    @property
    def subject(self) -> str:
        return f"table {_ref_text(self.table)}"


# -- columns ------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AddColumns(Operation):
    """ALTER TABLE ... ADD COLUMN, one clause per column. On DSQL the planner gives one bare
    column (name and type) per operation; PostgreSQL takes them whole, as Prisma writes them."""

    table: TableRef
    columns: tuple[Column, ...]

    @property
    def subject(self) -> str:
        return f"table {_ref_text(self.table)}"

    @property
    def origin(self) -> Span | None:
        return self.columns[0].span if self.columns else None


@dataclass(frozen=True)
class DropColumn(Operation):
    table: TableRef
    column: str
    span: Span | None = _span()

    @property
    def subject(self) -> str:
        return f"column {_ref_text(self.table)}.{self.column}"


@dataclass(frozen=True)
class RenameColumn(Operation):
    table: TableRef
    column: str
    new_name: str
    span: Span | None = _span()

    @property
    def subject(self) -> str:
        return f"column {_ref_text(self.table)}.{self.column}"


@dataclass(frozen=True)
class SetDefault(Operation):
    table: TableRef
    column: Column  # the column as it will be: its type renders the default

    @property
    def subject(self) -> str:
        return f"column {_ref_text(self.table)}.{self.column.name}"

    @property
    def origin(self) -> Span | None:
        return self.column.span


@dataclass(frozen=True)
class DropDefault(Operation):
    table: TableRef
    column: str
    span: Span | None = _span()

    @property
    def subject(self) -> str:
        return f"column {_ref_text(self.table)}.{self.column}"


@dataclass(frozen=True)
class SetNotNull(Operation):
    """ALTER COLUMN SET NOT NULL (PostgreSQL; DSQL uses a validated CHECK instead)."""

    table: TableRef
    column: str
    span: Span | None = _span()

    @property
    def subject(self) -> str:
        return f"column {_ref_text(self.table)}.{self.column}"


@dataclass(frozen=True)
class DropNotNull(Operation):
    table: TableRef
    column: str
    span: Span | None = _span()

    @property
    def subject(self) -> str:
        return f"column {_ref_text(self.table)}.{self.column}"


@dataclass(frozen=True)
class AlterColumnType(Operation):
    """ALTER COLUMN TYPE ... USING (PostgreSQL; DSQL rebuilds the table)."""

    table: TableRef
    column: Column

    @property
    def subject(self) -> str:
        return f"column {_ref_text(self.table)}.{self.column.name}"

    @property
    def origin(self) -> Span | None:
        return self.column.span


@dataclass(frozen=True)
class Backfill(Operation):
    """Fill `column` with `value` (SQL) in the rows where it IS NULL, `batch` rows per transaction,
    found by the table's key (DSQL has no ctid). Repeated until no row is left."""

    table: TableRef
    column: str
    value: ColumnDefault
    column_type: Any  # SqlType: renders the value
    key: tuple[str, ...]
    batch: int = 3000
    span: Span | None = _span()

    @property
    def subject(self) -> str:
        return f"column {_ref_text(self.table)}.{self.column}"


@dataclass(frozen=True)
class CopyColumn(Operation):
    """Copy `source` into `target` (cast to `target_type`, through text) in the rows where `target` is still
    NULL and `source` is not, `batch` rows per transaction by key; repeated until no row is left.
    A column swap (a changed enum domain) uses it."""

    table: TableRef
    source: str
    target: str
    target_type: Any  # SqlType
    key: tuple[str, ...]
    batch: int = 3000
    span: Span | None = _span()

    @property
    def subject(self) -> str:
        return f"column {_ref_text(self.table)}.{self.target}"


@dataclass(frozen=True)
class AddPrimaryKey(Operation):
    """`ALTER TABLE ... ADD CONSTRAINT ... PRIMARY KEY` (PostgreSQL; DSQL keys exist only from CREATE TABLE)."""

    table: TableRef
    name: str
    columns: tuple[str, ...]
    span: Span | None = _span()

    @property
    def subject(self) -> str:
        return f"constraint {_ref_text(self.table)}.{self.name}"


@dataclass(frozen=True)
class SyncIdentity(Operation):
    """Set an identity column's sequence past the highest value in the table (after rows were copied in
    with their ids): `SELECT setval(...)`, a data step."""

    table: TableRef
    column: str
    span: Span | None = _span()

    @property
    def subject(self) -> str:
        return f"column {_ref_text(self.table)}.{self.column}"


@dataclass(frozen=True)
class CopyRows(Operation):
    """Copy every row of `source` into `target` (a table rebuild), `batch` rows per transaction in key
    order. `columns` holds (target column, source column, the type to cast to or None); `key` names target
    columns (copied uncast) that find one row. Each batch starts at the highest key already copied, so it
    is found through the key's index."""

    source: TableRef
    target: TableRef
    columns: tuple[tuple[str, str, Any], ...]
    key: tuple[str, ...]
    batch: int = 3000
    span: Span | None = _span()

    @property
    def subject(self) -> str:
        return f"table {_ref_text(self.target)}"


@dataclass(frozen=True)
class VerifyColumnCopy(Operation):
    """A column swap's guard, between the copy and the drop: fails (the statement raises, naming how many
    rows) when a row's `target` differs from its `source` (compared as text), i.e. a write raced in after
    its row was copied; the old column is then still in place and nothing was lost."""

    table: TableRef
    source: str
    target: str
    key: tuple[str, ...]
    span: Span | None = _span()

    @property
    def subject(self) -> str:
        return f"column {_ref_text(self.table)}.{self.target}"


@dataclass(frozen=True)
class VerifyRowsCopy(Operation):
    """A table rebuild's guard, between the copy and the drop of the old table: fails when the two tables
    differ in any copied column (compared as text, casts applied), in either direction: a row inserted,
    changed or deleted after the copy read it. The old table is then still in place."""

    source: TableRef
    target: TableRef
    columns: tuple[tuple[str, str, Any], ...]
    span: Span | None = _span()

    @property
    def subject(self) -> str:
        return f"table {_ref_text(self.target)}"


@dataclass(frozen=True)
class AddNotNullCheck(Operation):
    """`CHECK (column IS NOT NULL) NOT VALID` named `name`: NOT NULL where SET NOT NULL does not exist
    (DSQL); a `ValidateConstraint` follows."""

    table: TableRef
    name: str
    column: str
    span: Span | None = _span()

    @property
    def subject(self) -> str:
        return f"constraint {_ref_text(self.table)}.{self.name}"


# -- constraints and indexes -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AddCheck(Operation):
    table: TableRef
    check: Check
    not_valid: bool = False

    @property
    def subject(self) -> str:
        return f"constraint {_ref_text(self.table)}.{self.check.name}"

    @property
    def origin(self) -> Span | None:
        return self.check.span


@dataclass(frozen=True)
class ValidateConstraint(Operation):
    table: TableRef
    name: str
    #: A foreign key (Prisma's step label says so) rather than a check.
    foreign_key: bool = False
    span: Span | None = _span()

    @property
    def subject(self) -> str:
        return f"constraint {_ref_text(self.table)}.{self.name}"


@dataclass(frozen=True)
class DropConstraint(Operation):
    table: TableRef
    name: str
    if_exists: bool = False
    span: Span | None = _span()

    @property
    def subject(self) -> str:
        return f"constraint {_ref_text(self.table)}.{self.name}"


@dataclass(frozen=True)
class RenameConstraint(Operation):
    table: TableRef
    name: str
    new_name: str
    span: Span | None = _span()

    @property
    def subject(self) -> str:
        return f"constraint {_ref_text(self.table)}.{self.name}"


@dataclass(frozen=True)
class CreateIndex(Operation):
    table: Table
    index: Index

    @property
    def subject(self) -> str:
        return f"index {self.table.schema}.{self.index.name}"

    @property
    def origin(self) -> Span | None:
        return self.index.span


@dataclass(frozen=True)
class DropIndex(Operation):
    schema: str
    name: str
    span: Span | None = _span()

    @property
    def subject(self) -> str:
        return f"index {self.schema}.{self.name}"


@dataclass(frozen=True)
class RenameIndex(Operation):
    schema: str
    name: str
    new_name: str
    span: Span | None = _span()

    @property
    def subject(self) -> str:
        return f"index {self.schema}.{self.name}"


@dataclass(frozen=True)
class AttachUniqueConstraint(Operation):
    """`ALTER TABLE t ADD CONSTRAINT name UNIQUE USING INDEX index` (the index is renamed to name)."""

    table: TableRef
    name: str
    index: str
    span: Span | None = _span()

    @property
    def subject(self) -> str:
        return f"constraint {_ref_text(self.table)}.{self.name}"


@dataclass(frozen=True)
class AddForeignKey(Operation):
    table: TableRef
    foreign_key: ForeignKey
    not_valid: bool = False

    @property
    def subject(self) -> str:
        return f"foreign key {_ref_text(self.table)}.{self.foreign_key.name}"

    @property
    def origin(self) -> Span | None:
        return self.foreign_key.span


# -- preconditions: queries, never statements of the migration ---------------------------------------------------------
@dataclass(frozen=True)
class Query(Operation):
    """Base of the queries a step's preconditions run before the migration starts: each counts the rows that
    would make the step fail (0: it can run). Rendered by `Target.precondition`, never into migration.sql."""


@dataclass(frozen=True)
class CountDuplicates(Query):
    """Groups of rows sharing a value of `columns` (NULLs never clash): a new unique index fails on them."""

    table: TableRef
    columns: tuple[str, ...]
    #: A partial index's predicate (SQL as written): only the rows it covers can clash.
    where: str | None = None
    #: NULLS NOT DISTINCT: NULLs clash too.
    nulls_distinct: bool = True

    @property
    def subject(self) -> str:
        return f"table {_ref_text(self.table)} ({', '.join(self.columns)})"


@dataclass(frozen=True)
class CountMissing(Query):
    """Rows whose `column` IS NULL: a column made required without a default fails on them."""

    table: TableRef
    column: str

    @property
    def subject(self) -> str:
        return f"column {_ref_text(self.table)}.{self.column}"


@dataclass(frozen=True)
class CountOutside(Query):
    """Rows whose `column` holds a value not in `values` (a changed enum's check fails on them)."""

    table: TableRef
    column: str
    values: tuple[str, ...]

    @property
    def subject(self) -> str:
        return f"column {_ref_text(self.table)}.{self.column}"


@dataclass(frozen=True)
class CountRows(Query):
    """Rows of the table: a new required column without a default cannot be added to a table that has any."""

    table: TableRef

    @property
    def subject(self) -> str:
        return f"table {_ref_text(self.table)}"


@dataclass(frozen=True)
class CountViolations(Query):
    """Rows for which a CHECK's `expression` (SQL as written) is false: adding or validating it fails on them.
    `column`, when the expression is about one column, is what the samples show."""

    table: TableRef
    expression: str
    column: str | None = None

    @property
    def subject(self) -> str:
        return f"table {_ref_text(self.table)} CHECK ({self.expression})"


@dataclass(frozen=True)
class CountOrphans(Query):
    """Rows whose `columns` (all non-NULL) match no row of `referenced`: a new foreign key fails on them."""

    table: TableRef
    columns: tuple[str, ...]
    referenced: TableRef
    referenced_columns: tuple[str, ...]

    @property
    def subject(self) -> str:
        return f"table {_ref_text(self.table)} ({', '.join(self.columns)})"


@dataclass(frozen=True)
class CountUnconvertible(Query):
    """Non-NULL values of `column` whose text is not valid input for `type_sql` (a type change fails on them)."""

    table: TableRef
    column: str
    type_sql: str

    @property
    def subject(self) -> str:
        return f"column {_ref_text(self.table)}.{self.column}"
