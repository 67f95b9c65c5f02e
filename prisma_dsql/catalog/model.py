"""The database catalog: what a database holds, independent of Prisma.

Contract: plain frozen dataclasses and tuples, built either from a Prisma schema
graph (`prisma_dsql.translate`) or, later, by introspecting a live
database, so that the two can be compared. Names are database names; types
are SQL types. Nothing here knows about models, fields or relations.

Every object carries `span`: where in the `.prisma` source it came from (None
for introspected objects). Spans never take part in equality or hashing, so a
catalog built from a schema equals the same catalog read back from a database.

Order is meaningful where the database keeps it (columns, key columns) and
otherwise only the order of construction, which renderers follow. `normalized()`
returns a sorted copy for comparing, and `fingerprint()` a stable hash of that.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Any

from prisma_dsql.source import Span

#: Referential actions as SQL spells them.
REFERENTIAL_ACTIONS = ("CASCADE", "RESTRICT", "NO ACTION", "SET NULL", "SET DEFAULT")


def _span() -> Any:
    return field(default=None, compare=False, hash=False, repr=False)


def _comment() -> Any:
    # COMMENT ON text, read from a database. Informational: Prisma manages no comments, so a
    # comment never makes two catalogs differ (nor their fingerprints).
    return field(default=None, compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class SqlType:
    """A column type.

    kind "builtin": `name` is the canonical upper-case SQL name ("INTEGER", "VARCHAR",
    "DOUBLE PRECISION") and `args` its modifiers. kind "user": a type created by the
    migration (an enum type or a domain) named `name` in `schema`. kind "raw": SQL
    text used verbatim (Prisma's `Unsupported("...")`).
    """

    name: str
    args: tuple[int, ...] = ()
    array: bool = False
    kind: str = "builtin"
    schema: str | None = None

    def element(self) -> "SqlType":
        return replace(self, array=False)

    def with_name(self, name: str, args: tuple[int, ...] = ()) -> "SqlType":
        return replace(self, name=name, args=args, kind="builtin", schema=None)


@dataclass(frozen=True)
class ColumnDefault:
    """A column's DEFAULT.

    kind and value: "string", "enum", "json" (str, the text), "number" (str, as
    written), "boolean" (bool), "datetime" (str, already in PostgreSQL's literal
    form), "bytes" (bytes), "list" (tuple of ColumnDefault), "now" (None),
    "expression" (str: SQL used verbatim); read from databases only: "generated" (str: the
    expression of a `GENERATED ALWAYS AS (...) STORED` column, which is not a default).
    """

    kind: str
    value: Any = None
    span: Span | None = _span()


@dataclass(frozen=True)
class Identity:
    """How a column numbers itself.

    style "serial": PostgreSQL's SERIAL family (an owned sequence as the default);
    "by_default" / "always": `GENERATED {BY DEFAULT|ALWAYS} AS IDENTITY`, with the
    sequence's CACHE when given.
    """

    style: str = "by_default"
    cache: int | None = None


@dataclass(frozen=True)
class Column:
    name: str
    type: SqlType
    nullable: bool
    default: ColumnDefault | None = None
    identity: Identity | None = None
    span: Span | None = _span()
    comment: str | None = _comment()
    #: Name of the validated `CHECK (col IS NOT NULL)` that makes the column required where
    #: `SET NOT NULL` is not available (DSQL): the column reads as NOT NULL, and this says
    #: which constraint to drop to make it optional again. Not compared.
    not_null_check: str | None = field(default=None, compare=False, hash=False, repr=False)
    #: The values an enum column may hold where they are enforced by a CHECK of its table
    #: (`CHECK ("col" IN ('A', 'B'))`, DSQL: a domain's own CHECK cannot be changed, a table's
    #: can, so the enum's domain has none). None where the type itself holds them.
    enum_values: tuple[str, ...] | None = field(default=None, repr=False)  # in `Catalog.fingerprint` apart
    #: Name of that CHECK as the database has it (to drop it when the values change). Not compared.
    enum_check: str | None = field(default=None, compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class PrimaryKey:
    name: str
    columns: tuple[str, ...]
    span: Span | None = _span()
    comment: str | None = _comment()


@dataclass(frozen=True)
class IndexColumn:
    """One key of an index: a column, with an explicit sort order ("ASC"/"DESC") and
    operator class when the schema gives them.

    `expression` is True when `name` is an SQL expression (as the database prints it)
    rather than a column name; `nulls` is "FIRST"/"LAST" only where it differs from the
    sort order's default (NULLS LAST for ASC, FIRST for DESC).
    """

    name: str
    sort: str | None = None
    opclass: str | None = None
    expression: bool = False
    nulls: str | None = None


@dataclass(frozen=True)
class Index:
    """An index; `unique` ones enforce uniqueness (Prisma's @unique / @@unique).

    `method` is the access method in upper case ("GIN", "HASH", ...) or None for
    the default (btree); `predicate` the SQL of a partial index's WHERE, without
    the surrounding parentheses.

    Read from databases: `include` (INCLUDE columns), `nulls_not_distinct`, `valid`
    (False: an index whose build failed or is still running, `pg_index.indisvalid`) and
    `constraint` (True: a unique index that backs a UNIQUE constraint, which DROP INDEX
    cannot drop). Their defaults are what a migration from a schema builds.
    """

    name: str
    columns: tuple[IndexColumn, ...]
    unique: bool = False
    method: str | None = None
    predicate: str | None = None
    span: Span | None = _span()
    include: tuple[str, ...] = ()
    nulls_not_distinct: bool = False
    valid: bool = True
    constraint: bool = False
    comment: str | None = _comment()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True)
class ForeignKey:
    name: str
    columns: tuple[str, ...]
    referenced_schema: str
    referenced_table: str
    referenced_columns: tuple[str, ...]
    on_delete: str = "NO ACTION"
    on_update: str = "NO ACTION"
    span: Span | None = _span()
    #: False while the constraint is NOT VALID (added to an existing table, not yet validated).
    validated: bool = True
    comment: str | None = _comment()

    @property
    def referenced_key(self) -> tuple[str, str]:
        return (self.referenced_schema, self.referenced_table)


@dataclass(frozen=True)
class Check:
    """A CHECK constraint; `expression` without the surrounding `CHECK (...)`."""

    name: str
    expression: str
    span: Span | None = _span()
    #: False while the constraint is NOT VALID.
    validated: bool = True
    comment: str | None = _comment()


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    columns: tuple[Column, ...]
    primary_key: PrimaryKey | None = None
    indexes: tuple[Index, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    checks: tuple[Check, ...] = ()
    span: Span | None = _span()
    comment: str | None = _comment()

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)

    def column(self, name: str) -> Column | None:
        for c in self.columns:
            if c.name == name:
                return c
        return None


@dataclass(frozen=True)
class EnumType:
    """`CREATE TYPE ... AS ENUM`: values in declaration order."""

    schema: str
    name: str
    values: tuple[str, ...]
    span: Span | None = _span()
    comment: str | None = _comment()

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)


@dataclass(frozen=True)
class Domain:
    """`CREATE DOMAIN name AS type [CHECK (VALUE IN (...))] [CHECK (...)]`.

    `allowed_values` is the list of a `VALUE IN (...)` check (how prisma-dsql stored an enum
    before 0.x where enum types do not exist: the "old shape", still read and moved from);
    `checks` holds any other checks. An enum on DSQL is now a domain with neither: its values
    are a CHECK of each column of that type (`Column.enum_values`).
    """

    schema: str
    name: str
    type: SqlType
    allowed_values: tuple[str, ...] | None = None
    checks: tuple[Check, ...] = ()
    nullable: bool = True
    default: ColumnDefault | None = None
    span: Span | None = _span()
    comment: str | None = _comment()

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)


@dataclass(frozen=True)
class Sequence:
    schema: str
    name: str
    type: SqlType = SqlType("BIGINT")
    start: int | None = None
    increment: int | None = None
    cache: int | None = None
    #: (table, column) owning the sequence, if any.
    owned_by: tuple[str, str] | None = None
    span: Span | None = _span()
    comment: str | None = _comment()

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)


@dataclass(frozen=True)
class View:
    """A view. `definition` is its SELECT, or None when the catalog only knows it
    exists (Prisma's `view` blocks: migrations never create them)."""

    schema: str
    name: str
    definition: str | None = None
    span: Span | None = _span()
    comment: str | None = _comment()

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)


@dataclass(frozen=True)
class Extension:
    name: str
    schema: str | None = None
    version: str | None = None
    span: Span | None = _span()


@dataclass(frozen=True)
class Catalog:
    """Everything a migration creates, per database schema ("namespace").

    `schemas` lists the namespaces that hold at least one object; objects in
    `default_schema` are written unqualified.
    """

    schemas: tuple[str, ...] = ()
    default_schema: str = "public"
    extensions: tuple[Extension, ...] = ()
    enums: tuple[EnumType, ...] = ()
    domains: tuple[Domain, ...] = ()
    sequences: tuple[Sequence, ...] = ()
    tables: tuple[Table, ...] = ()
    views: tuple[View, ...] = ()

    def table(self, schema: str, name: str) -> Table | None:
        for t in self.tables:
            if t.schema == schema and t.name == name:
                return t
        return None

    @property
    def is_empty(self) -> bool:
        return not (self.extensions or self.enums or self.domains or self.sequences or self.tables)

    def normalized(self) -> "Catalog":
        """A copy with every unordered collection sorted (columns and key columns keep
        their order: the database keeps it too)."""

        def by_key(items):
            return tuple(sorted(items, key=lambda o: o.key))

        tables = tuple(
            replace(t,
                    indexes=tuple(sorted(t.indexes, key=lambda i: i.name)),
                    foreign_keys=tuple(sorted(t.foreign_keys, key=lambda f: f.name)),
                    checks=tuple(sorted(t.checks, key=lambda c: c.name)))
            for t in by_key(self.tables)
        )
        return replace(
            self,
            schemas=tuple(sorted(self.schemas)),
            extensions=tuple(sorted(self.extensions, key=lambda e: e.name)),
            enums=by_key(self.enums),
            domains=by_key(self.domains),
            sequences=by_key(self.sequences),
            tables=tables,
            views=by_key(self.views),
        )

    def to_data(self) -> dict:
        """Plain JSON-able data without spans (for hashing, snapshots and tools)."""
        return _plain(self)

    def fingerprint(self) -> str:
        """SHA-256 of the normalized catalog: equal for equal databases, whatever the order.

        Hashes the dataclass `repr` of `normalized()`: every field left out of comparison is left out of
        `repr` too (spans, comments, `not_null_check`: a test keeps that true), so the text holds exactly
        what equality compares, and it is ten times quicker to make than `to_data()` on 1000 tables."""
        normalized = self.normalized()
        text = repr(normalized)
        # Enum values held by columns (DSQL) are compared but kept out of `repr`, so that the fingerprints of
        # databases without them stay what earlier versions wrote into migration.sql; they are added here.
        held = [(t.schema, t.name, c.name, c.enum_values) for t in normalized.tables for c in t.columns
                if c.enum_values is not None]
        if held:
            text += repr(held)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


#: Compared field names per catalog class (`fields()` is slow enough to matter on 1000 tables).
_COMPARED: dict[type, tuple[str, ...]] = {}


def _plain(value: Any) -> Any:
    cls = type(value)
    names = _COMPARED.get(cls)
    if names is None and is_dataclass(value):
        names = _COMPARED[cls] = tuple(f.name for f in fields(value) if f.compare)
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if cls is tuple:
        return [_plain(v) for v in value]
    if cls is bytes:
        return value.hex()
    return value
