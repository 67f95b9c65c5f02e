"""Rendering migration operations as SQL: the machinery every target shares.

A target is a class whose attributes say how it differs (sqlglot-style data:
flags, templates, tables); the methods here read that data and never ask which
target they are. `render(operation, default_schema)` turns ONE operation
(`prisma_dsql.ops`) into a `Rendered`: its SQL statement, Prisma's step label,
whether it is DDL, DML or an async job, and the coded problems that keep it
from running on the profile. Rendering has no state: a `Target` holds only its
immutable profile, and each call collects problems in a fresh `_Emit`. Which
operations a migration needs, and their order, is the planner's business
(`prisma_dsql.plan`); `check_catalog` checks the catalog a migration leads to
against the profile's limits.

What a target's profile cannot hold is refused with coded problems, never
silently dropped or rewritten. The DSQL rules report the same things earlier
and better (with help), so this is the last line of defence, and it must hold
on its own: a rule turned off in prisma-dsql.toml only silences a report, it
never lets through SQL the target rejects. So the checks here read the same
data as the rules (`prisma_dsql.capabilities`: capabilities, limits, column
types, functions), not the rules' findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, NamedTuple

from prisma_dsql.capabilities import (
    DSQL_BUILTIN_SCHEMAS,
    FUNCTIONS,
    INDEXED_TYPES,
    Profile,
    called_functions,
    column_type_capability,
    type_base_name,
)
from prisma_dsql.catalog.model import Catalog, Column, ColumnDefault, ForeignKey, SqlType, Table
from prisma_dsql.errors import PrismaDsqlError
from prisma_dsql.plan import operations as ops
from prisma_dsql.source import Span
from prisma_dsql.sql.names import (
    cut,
    enum_check_expression,
    enum_check_name,
    identifier_bytes,
    qualified,
    quote,
    string_literal,
)

INDENT = "    "


class Problem(NamedTuple):
    """Why an operation cannot run on the profile. `code`: "unsupported:<capability>" or
    "limit:<limit>" (or "name-clash", "reserved-schema"), for tools; `message` for people."""

    message: str
    span: Span | None
    code: str = "unsupported"


class RenderError(PrismaDsqlError):
    """The migration holds something the target cannot run; `problems` says what."""

    exit_code = 1

    def __init__(self, target: str, problems: list[Problem]) -> None:
        self.target = target
        self.problems = tuple(problems)
        lines = [f"{_where(p.span)}{p.message}" for p in self.problems]
        super().__init__(f"cannot render for {target}:\n  " + "\n  ".join(lines))


def _where(span: Span | None) -> str:
    return f"{span.file}:{span.line}:{span.column}: " if span else ""


#: What a statement is, for the runner: one DDL statement (its own transaction), one DML statement,
#: or a DDL statement that starts a DSQL background job and returns its id.
DDL, DML, ASYNC_DDL = "ddl", "dml", "async-ddl"


@dataclass(frozen=True)
class Rendered:
    """One operation as SQL: `sql` without its `;`, `label` Prisma's step name (CreateTable,
    ...), `kind` DDL / DML / ASYNC_DDL, and the problems that refuse it (empty when it can run)."""

    sql: str
    label: str
    kind: str = DDL
    problems: tuple[Problem, ...] = ()


class _Emit:
    """The scratch state of one `Target.render` call: where names are unqualified, and the
    problems found so far. Never outlives the call."""

    __slots__ = ("default_schema", "omitted", "problems", "profile")

    def __init__(self, target: Target, default_schema: str) -> None:
        self.profile = target.profile
        self.omitted = target.OMITTED_WHEN_UNSUPPORTED
        self.default_schema = default_schema
        self.problems: list[Problem] = []

    def problem(self, message: str, span: Span | None, code: str = "limit") -> None:
        self.problems.append(Problem(message, span, code))

    def require(self, capability: str, what: str, span: Span | None) -> bool:
        """Whether to write the construct: True when the profile has `capability`; otherwise
        False, noting a problem unless the capability is one that is simply left out."""
        if self.profile.supports(capability):
            return True
        if capability not in self.omitted:
            self.problems.append(Problem(f"{what} is not supported by {self.profile.describe()}", span,
                                         f"unsupported:{capability}"))
        return False

    def qualified(self, schema: str | None, name: str) -> str:
        return qualified(schema, name, self.default_schema)

    def table(self, ref: tuple[str, str]) -> str:
        return self.qualified(ref[0], ref[1])


class Target:
    """The shared renderer; subclasses set the data below."""

    name: ClassVar[str] = "base"

    #: `-- CreateTable` before each statement, as Prisma writes migrations.
    STEP_COMMENTS: ClassVar[bool] = True
    EMPTY_SCRIPT: ClassVar[str] = "-- This is an empty migration.\n"
    #: Where foreign keys of new tables go: "after" = ALTER TABLE ... ADD CONSTRAINT once every
    #: table and index exists (Prisma); "inline" = inside CREATE TABLE, tables ordered so that
    #: referenced ones come first; what cannot be inline (cycles, references to a unique index)
    #: is added NOT VALID after the indexes and then validated. The planner reads this.
    FOREIGN_KEYS: ClassVar[str] = "after"
    #: Keyword after INDEX: "ASYNC" on DSQL.
    INDEX_MODE: ClassVar[str] = ""
    #: VALIDATE CONSTRAINT: a background job on DSQL.
    VALIDATE_CONSTRAINT: ClassVar[str] = "ALTER TABLE {table} VALIDATE CONSTRAINT {name}"
    VALIDATE_IS_ASYNC: ClassVar[bool] = False
    #: SERIAL spelling of each integer type.
    SERIAL_TYPES: ClassVar[dict[str, str]] = {"SMALLINT": "SMALLSERIAL", "INTEGER": "SERIAL", "BIGINT": "BIGSERIAL"}
    IDENTITY_STYLES: ClassVar[dict[str, str]] = {"by_default": "BY DEFAULT", "always": "ALWAYS"}

    #: Base names of the NUMERIC types: their precision is held to the profile's
    #: `numeric_precision` limit.
    NUMERIC_TYPES: ClassVar[frozenset[str]] = frozenset({"numeric", "decimal"})
    #: Column types a B-tree index (primary keys and unique indexes too) may hold only with a
    #: capability: base name -> (capability, the type in messages). NUMERIC before 2026-08-25;
    #: json never (no B-tree operator class); jsonb not known to work on DSQL.
    INDEXED_TYPES: ClassVar[dict[str, tuple[str, str]]] = INDEXED_TYPES
    #: Base names of length-limited string types -> the profile limit on their declared length.
    LENGTH_LIMITS: ClassVar[dict[str, str]] = {"char": "char_bytes", "varchar": "varchar_bytes"}
    #: Schemas that exist already and do not count toward the profile's `schemas` limit.
    BUILTIN_SCHEMAS: ClassVar[tuple[str, ...]] = DSQL_BUILTIN_SCHEMAS
    #: Schema names the target reserves, by name and by prefix (none on PostgreSQL as
    #: Prisma writes it).
    RESERVED_SCHEMAS: ClassVar[tuple[str, ...]] = ()
    RESERVED_SCHEMA_PREFIXES: ClassVar[tuple[str, ...]] = ()
    #: Identity columns need this type where the profile lacks `identity_non_bigint`.
    IDENTITY_TYPE: ClassVar[str] = "BIGINT"
    #: Capabilities whose absence means "leave it out" rather than "refuse": the rules
    #: report these as warnings that say so (an index without its sort order still
    #: works: a B-tree is read in both directions).
    OMITTED_WHEN_UNSUPPORTED: ClassVar[frozenset[str]] = frozenset({"index_sort_order"})
    #: Operation -> (method, Prisma's step label). The label is what `-- Label` says in the script.
    RENDERERS: ClassVar[dict[type, tuple[str, str]]] = {
        ops.CreateSchema: ("create_schema", "CreateSchema"),
        ops.CreateExtension: ("create_extension", "CreateExtension"),
        ops.DropExtension: ("drop_extension", "DropExtension"),
        ops.CreateEnum: ("create_enum", "CreateEnum"),
        ops.AddEnumValue: ("add_enum_value", "AlterEnum"),
        ops.DropEnum: ("drop_enum", "DropEnum"),
        ops.CreateDomain: ("create_domain", "CreateDomain"),
        ops.DropDomain: ("drop_domain", "DropDomain"),
        ops.RenameType: ("rename_type", "RenameType"),
        ops.CreateTable: ("create_table", "CreateTable"),
        ops.DropTable: ("drop_table", "DropTable"),
        ops.RenameTable: ("rename_table", "RenameTable"),
        ops.AddColumns: ("add_columns", "AlterTable"),
        ops.DropColumn: ("drop_column", "AlterTable"),
        ops.RenameColumn: ("rename_column", "AlterTable"),
        ops.SetDefault: ("set_default", "AlterTable"),
        ops.DropDefault: ("drop_default", "AlterTable"),
        ops.SetNotNull: ("set_not_null", "AlterTable"),
        ops.DropNotNull: ("drop_not_null", "AlterTable"),
        ops.AlterColumnType: ("alter_column_type", "AlterTable"),
        ops.Backfill: ("backfill", "Backfill"),
        ops.CopyRows: ("copy_rows", "CopyRows"),
        ops.CopyColumn: ("copy_column", "CopyColumn"),
        ops.SyncIdentity: ("sync_identity", "SyncIdentity"),
        ops.VerifyColumnCopy: ("verify_column_copy", "VerifyCopy"),
        ops.VerifyRowsCopy: ("verify_rows_copy", "VerifyCopy"),
        ops.AddPrimaryKey: ("add_primary_key", "AlterPrimaryKey"),
        ops.AddCheck: ("add_check", "AddCheck"),
        ops.AddNotNullCheck: ("add_not_null_check", "AddCheck"),
        ops.ValidateConstraint: ("validate_constraint", "ValidateConstraint"),
        ops.DropConstraint: ("drop_constraint", "DropConstraint"),
        ops.RenameConstraint: ("rename_constraint", "RenameConstraint"),
        ops.CreateIndex: ("create_index", "CreateIndex"),
        ops.DropIndex: ("drop_index", "DropIndex"),
        ops.RenameIndex: ("rename_index", "RenameIndex"),
        ops.AttachUniqueConstraint: ("attach_unique", "AddUniqueConstraint"),
        ops.AddForeignKey: ("add_foreign_key", "AddForeignKey"),
    }

    def __init__(self, profile: Profile) -> None:
        self.profile = profile

    # -- entry points --------------------------------------------------------------------------
    def render(self, op: ops.Operation, default_schema: str = "public") -> Rendered:
        """`op` as one statement on this target, with what refuses it."""
        method, label = self.RENDERERS[type(op)]
        e = _Emit(self, default_schema)
        sql, kind = getattr(self, method)(e, op)
        if isinstance(op, ops.ValidateConstraint) and op.foreign_key:
            label = "ValidateForeignKey"
        return Rendered(sql, label, kind, tuple(e.problems))

    def precondition(self, query: ops.Query, default_schema: str = "public") -> tuple[str, str]:
        """A precondition query as (the count: one row, one integer, 0 when the step can run; a few of the
        offending rows, for the message)."""
        e = _Emit(self, default_schema)
        table = e.table(query.table)
        if isinstance(query, ops.CountDuplicates):
            cols = ", ".join(quote(c) for c in query.columns)
            conditions = [] if not query.nulls_distinct else [f"{quote(c)} IS NOT NULL" for c in query.columns]
            if query.where:
                conditions.append(f"({query.where})")
            where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
            groups = f"SELECT {cols}, count(*) AS n FROM {table}{where} GROUP BY {cols} HAVING count(*) > 1"
            return f"SELECT count(*) FROM ({groups}) d", f"{groups} ORDER BY n DESC LIMIT 5"
        if isinstance(query, ops.CountMissing):
            where = f"{quote(query.column)} IS NULL"
            return f"SELECT count(*) FROM {table} WHERE {where}", f"SELECT * FROM {table} WHERE {where} LIMIT 5"
        if isinstance(query, ops.CountOutside):
            where = f"{quote(query.column)}::text NOT IN ({', '.join(string_literal(v) for v in query.values)})"
            if not query.values:
                where = f"{quote(query.column)} IS NOT NULL"
            return (f"SELECT count(*) FROM {table} WHERE {where}",
                    f"SELECT {quote(query.column)}, count(*) AS n FROM {table} WHERE {where} GROUP BY 1 "
                    "ORDER BY n DESC LIMIT 5")
        if isinstance(query, ops.CountRows):
            return f"SELECT count(*) FROM {table}", f"SELECT * FROM {table} LIMIT 5"
        if isinstance(query, ops.CountViolations):
            # A CHECK passes on NULL: only rows where the expression is false fail it.
            where = f"NOT ({query.expression})"
            shown = "*" if query.column is None else f"{quote(query.column)}, count(*) AS n"
            grouped = "" if query.column is None else f" GROUP BY {quote(query.column)} ORDER BY n DESC"
            return (f"SELECT count(*) FROM {table} WHERE {where}",
                    f"SELECT {shown} FROM {table} WHERE {where}{grouped} LIMIT 5")
        if isinstance(query, ops.CountOrphans):
            ref = e.table(query.referenced)
            cols = ", ".join(f"t.{quote(c)}" for c in query.columns)
            present = " AND ".join(f"t.{quote(c)} IS NOT NULL" for c in query.columns)
            match = " AND ".join(f"r.{quote(rc)} = t.{quote(c)}"
                                 for c, rc in zip(query.columns, query.referenced_columns))
            where = f"WHERE {present} AND NOT EXISTS (SELECT 1 FROM {ref} r WHERE {match})"
            return (f"SELECT count(*) FROM {table} t {where}",
                    f"SELECT {cols}, count(*) AS n FROM {table} t {where} GROUP BY {cols} ORDER BY n DESC LIMIT 5")
        if isinstance(query, ops.CountUnconvertible):
            col = quote(query.column)
            # pg_input_is_valid (PostgreSQL 16, as Aurora DSQL is): the cast's own test, without raising.
            where = f"{col} IS NOT NULL AND NOT pg_input_is_valid({col}::text, {string_literal(query.type_sql)})"
            return (f"SELECT count(*) FROM {table} WHERE {where}",
                    f"SELECT {col}, count(*) AS n FROM {table} WHERE {where} GROUP BY {col} ORDER BY n DESC LIMIT 5")
        raise TypeError(f"no precondition query for {type(query).__name__}")

    def check_catalog(self, catalog: Catalog, new_schemas: tuple[str, ...]) -> tuple[Problem, ...]:
        """What the whole catalog after a migration breaks of the profile's limits and names."""
        e = _Emit(self, catalog.default_schema)
        self._check_catalog(e, catalog, new_schemas)
        self._check_names(e, catalog)
        return tuple(e.problems)

    def describe(self) -> str:
        return self.profile.describe()

    def type_sql(self, t: SqlType, default_schema: str = "public") -> str:
        """A column type as this target writes it (for casts in data steps)."""
        return self.column_type(_Emit(self, default_schema), t)

    # -- namespaces, extensions, types ---------------------------------------------------------
    def create_schema(self, e: _Emit, op: ops.CreateSchema):
        return f"CREATE SCHEMA IF NOT EXISTS {quote(op.name)}", DDL

    def create_extension(self, e: _Emit, op: ops.CreateExtension):
        ext = op.extension
        e.require("extensions", f"extension {ext.name!r}", ext.span)
        sql = f"CREATE EXTENSION IF NOT EXISTS {quote(ext.name)}"
        if ext.schema or ext.version:
            sql += " WITH"
        if ext.schema:
            sql += f" SCHEMA {quote(ext.schema)}"
        if ext.version:
            sql += f" VERSION {quote(ext.version)}"
        return sql, DDL

    def drop_extension(self, e: _Emit, op: ops.DropExtension):
        e.require("extensions", f"extension {op.name!r}", None)
        return f"DROP EXTENSION {quote(op.name)}", DDL

    def create_enum(self, e: _Emit, op: ops.CreateEnum):
        enum = op.enum
        e.require("enum_types", f"enum type {enum.name!r} (CREATE TYPE ... AS ENUM)", enum.span)
        values = ", ".join(string_literal(v) for v in enum.values)
        return f"CREATE TYPE {e.qualified(enum.schema, enum.name)} AS ENUM ({values})", DDL

    def add_enum_value(self, e: _Emit, op: ops.AddEnumValue):
        e.require("enum_types", f"enum type {op.name!r} (ALTER TYPE ... ADD VALUE)", op.span)
        return f"ALTER TYPE {e.qualified(op.schema, op.name)} ADD VALUE {string_literal(op.value)}", DDL

    def drop_enum(self, e: _Emit, op: ops.DropEnum):
        e.require("enum_types", f"enum type {op.name!r}", None)
        return f"DROP TYPE {e.qualified(op.schema, op.name)}", DDL

    def create_domain(self, e: _Emit, op: ops.CreateDomain):
        domain = op.domain
        e.require("domains", f"domain {domain.name!r}", domain.span)
        sql = (f"CREATE DOMAIN {e.qualified(domain.schema, domain.name)} AS "
               f"{self.column_type(e, domain.type, domain.span)}")
        if domain.default is not None:
            sql += f" DEFAULT {self.default(e, domain.default, domain.type)}"
        if not domain.nullable:
            sql += " NOT NULL"
        if domain.allowed_values is not None:  # the old shape of an enum (see `Domain`)
            sql += f" CHECK (VALUE IN ({', '.join(string_literal(v) for v in domain.allowed_values)}))"
        for check in domain.checks:
            sql += f" CONSTRAINT {quote(check.name)} CHECK ({check.expression})"
        return sql, DDL

    def drop_domain(self, e: _Emit, op: ops.DropDomain):
        # DSQL refuses DROP DOMAIN ... CASCADE: the planner drops the columns using it first.
        return f"DROP DOMAIN {e.qualified(op.schema, op.name)}", DDL

    def rename_type(self, e: _Emit, op: ops.RenameType):
        keyword = "DOMAIN" if op.kind == "domain" else "TYPE"
        return f"ALTER {keyword} {e.qualified(op.schema, op.old)} RENAME TO {quote(op.new)}", DDL

    # -- tables --------------------------------------------------------------------------------
    def create_table(self, e: _Emit, op: ops.CreateTable):
        table = op.table
        lines = [self.column(e, c) for c in table.columns]
        constraints = []
        if table.primary_key is not None:
            pk = table.primary_key
            self._check_index_columns(e, table, f"primary key {pk.name!r}", pk.columns, pk.span)
            constraints.append(f"{INDENT}CONSTRAINT {quote(pk.name)} PRIMARY KEY "
                               f"({','.join(quote(c) for c in pk.columns)})")
        constraints += [f"{INDENT}CONSTRAINT {quote(c.name)} CHECK ({c.expression})" for c in table.checks]
        size = identifier_bytes(self.profile)
        constraints += [f"{INDENT}CONSTRAINT {quote(enum_check_name(table.name, c.name, size))} CHECK "
                        f"({enum_check_expression(c.name, c.enum_values)})"
                        for c in table.columns if c.enum_values is not None]
        constraints += [f"{INDENT}{self.foreign_key_constraint(e, fk)}" for fk in op.inline_foreign_keys]
        body = ",\n".join(lines)
        if constraints:
            body += ",\n\n" + ",\n".join(constraints)
        return f"CREATE TABLE {e.qualified(table.schema, table.name)} (\n{body}\n)", DDL

    def drop_table(self, e: _Emit, op: ops.DropTable):
        return f"DROP TABLE {e.table(op.table)}", DDL

    def rename_table(self, e: _Emit, op: ops.RenameTable):
        return f"ALTER TABLE {e.table(op.table)} RENAME TO {quote(op.new_name)}", DDL

    # -- columns -------------------------------------------------------------------------------
    def add_columns(self, e: _Emit, op: ops.AddColumns):
        """ALTER TABLE ... ADD COLUMN. Where the profile lacks `add_column_with_constraints` (DSQL)
        a column can only be added with its name and type: anything more is a problem (the
        planner adds the rest as separate steps)."""
        if not self.profile.supports("add_column_with_constraints"):
            for c in op.columns:
                what = f"column {c.name!r} added to an existing table"
                if not c.nullable:
                    e.require("add_column_with_constraints", f"{what} NOT NULL", c.span)
                if c.identity is not None:
                    e.require("add_column_with_constraints", f"{what} as an identity column", c.span)
                if c.default is not None:
                    e.require("add_column_with_constraints", f"{what} with a DEFAULT", c.span)
        clauses = ",\n".join(f"ADD COLUMN {self.column(e, c)}" for c in op.columns)
        return f"ALTER TABLE {e.table(op.table)} {clauses}", DDL

    def drop_column(self, e: _Emit, op: ops.DropColumn):
        e.require("drop_column", f"dropping column {op.column!r}", op.span)
        return f"ALTER TABLE {e.table(op.table)} DROP COLUMN {quote(op.column)}", DDL

    def rename_column(self, e: _Emit, op: ops.RenameColumn):
        return f"ALTER TABLE {e.table(op.table)} RENAME COLUMN {quote(op.column)} TO {quote(op.new_name)}", DDL

    def set_default(self, e: _Emit, op: ops.SetDefault):
        c = op.column
        e.require("alter_column_default", f"ALTER COLUMN {c.name!r} SET DEFAULT", c.span)
        return (f"ALTER TABLE {e.table(op.table)} ALTER COLUMN {quote(c.name)} SET DEFAULT "
                f"{self.default(e, c.default, c.type)}"), DDL

    def drop_default(self, e: _Emit, op: ops.DropDefault):
        e.require("alter_column_default", f"ALTER COLUMN {op.column!r} DROP DEFAULT", op.span)
        return f"ALTER TABLE {e.table(op.table)} ALTER COLUMN {quote(op.column)} DROP DEFAULT", DDL

    def set_not_null(self, e: _Emit, op: ops.SetNotNull):
        e.require("alter_column_set_not_null", f"ALTER COLUMN {op.column!r} SET NOT NULL", op.span)
        return f"ALTER TABLE {e.table(op.table)} ALTER COLUMN {quote(op.column)} SET NOT NULL", DDL

    def drop_not_null(self, e: _Emit, op: ops.DropNotNull):
        e.require("alter_column_drop_not_null", f"ALTER COLUMN {op.column!r} DROP NOT NULL", op.span)
        return f"ALTER TABLE {e.table(op.table)} ALTER COLUMN {quote(op.column)} DROP NOT NULL", DDL

    def alter_column_type(self, e: _Emit, op: ops.AlterColumnType):
        c = op.column
        e.require("alter_column_type", f"ALTER COLUMN {c.name!r} TYPE", c.span)
        type_sql = self.column_type(e, c.type, c.span)
        # An enum converts through text: PostgreSQL has no cast between two enum types.
        via = "::text" if c.type.kind == "user" else ""
        return (f"ALTER TABLE {e.table(op.table)} ALTER COLUMN {quote(c.name)} SET DATA TYPE {type_sql} "
                f"USING ({quote(c.name)}{via}::{type_sql})"), DDL

    def backfill(self, e: _Emit, op: ops.Backfill):
        """One batch of a backfill: the first `batch` rows without a value, in key order through the key's
        index (DSQL has no ctid); the runner repeats it until it changes no row."""
        table = e.table(op.table)
        keys = ", ".join(quote(k) for k in op.key)
        value = self.default(e, op.value, op.column_type)
        column = quote(op.column)
        return (f"UPDATE {table} SET {column} = {value} WHERE ({keys}) IN "
                f"(SELECT {keys} FROM {table} WHERE {column} IS NULL ORDER BY {keys} LIMIT {op.batch})"), DML

    def copy_rows(self, e: _Emit, op: ops.CopyRows):
        """One batch of a table copy: the next `batch` source rows in key order, from the highest key the
        target holds (or the source's lowest, on the first batch) on. Both ends are found through the key's
        index; the row at the boundary, copied already, is left out by an `=` lookup on the target's key."""
        source, target = e.table(op.source), e.table(op.target)
        names = ", ".join(quote(name) for name, _, _ in op.columns)
        values = ", ".join(self._copied(e, src, cast) for _, src, cast in op.columns)
        src = {name: quote(s) for name, s, _ in op.columns}
        tkeys = [quote(k) for k in op.key]
        skeys = [f"s.{src[k]}" for k in op.key]
        # `ORDER BY k DESC FETCH FIRST 1 ROW ONLY` rather than max(k): the same index scan, and it works for every
        # key type with a btree order (PostgreSQL 16 has no max(uuid); a umami rebuild keyed by a UUID found
        # that). FETCH FIRST, not LIMIT: the batch's LIMIT stays the statement's only one.
        if len(op.key) == 1:
            first = "FETCH FIRST 1 ROW ONLY"
            start = (f"{skeys[0]} >= COALESCE((SELECT {tkeys[0]} FROM {target} ORDER BY {tkeys[0]} DESC {first}), "
                     f"(SELECT {src[op.key[0]]} FROM {source} ORDER BY {src[op.key[0]]} {first}))")
        else:
            cols = ", ".join(tkeys)
            desc = ", ".join(f"{k} DESC" for k in tkeys)
            scols = ", ".join(src[k] for k in op.key)
            start = (f"({', '.join(skeys)}) >= (SELECT * FROM ((SELECT {cols} FROM {target} ORDER BY {desc} LIMIT 1) "
                     f"UNION ALL (SELECT {scols} FROM {source} ORDER BY {scols} LIMIT 1)) f LIMIT 1)")
        same = " AND ".join(f"t.{tk} = {sk}" for tk, sk in zip(tkeys, skeys))
        return (f"INSERT INTO {target} ({names}) SELECT {values} FROM {source} s WHERE {start} AND NOT EXISTS "
                f"(SELECT 1 FROM {target} t WHERE {same}) ORDER BY {', '.join(skeys)} LIMIT {op.batch}"), DML

    def _copied(self, e: _Emit, source: str, cast) -> str:
        """A source column in a copy, cast to the new type when it changes (an enum through text)."""
        expr = f"s.{quote(source)}"
        if cast is None:
            return expr
        via = "::text" if cast.kind == "user" else ""
        return f"{expr}{via}::{self.column_type(e, cast)}"

    def copy_column(self, e: _Emit, op: ops.CopyColumn):
        table = e.table(op.table)
        keys = ", ".join(quote(k) for k in op.key)
        source, target = quote(op.source), quote(op.target)
        target_type = self.column_type(e, op.target_type)
        return (f"UPDATE {table} SET {target} = {source}::text::{target_type} WHERE ({keys}) IN "
                f"(SELECT {keys} FROM {table} WHERE {target} IS NULL AND {source} IS NOT NULL ORDER BY {keys} "
                f"LIMIT {op.batch})"), DML

    @staticmethod
    def _refuse_if_any(count_from: str, message: str) -> str:
        """A query that fails, with `message` and the count, when `count_from` (`FROM ... WHERE ...`) finds a
        row: the cast of a text that is no number raises (DSQL has no procedural code to RAISE). The text
        depends on count(*), so it is cast only when a row is found, never folded at plan time."""
        return (f"SELECT CAST({string_literal(message + ': ')} || count(*) AS INTEGER) {count_from} "
                "HAVING count(*) > 0")

    def verify_column_copy(self, e: _Emit, op: ops.VerifyColumnCopy):
        table = e.table(op.table)
        source, target = quote(op.source), quote(op.target)
        message = (f"prisma-dsql: rows of {op.table[1]} were written while {op.source} was copied (stop the "
                   "writers, then deploy again; the old column is kept); rows changed")
        return self._refuse_if_any(f"FROM {table} WHERE {source}::text IS DISTINCT FROM {target}::text",
                                   message), DML

    def verify_rows_copy(self, e: _Emit, op: ops.VerifyRowsCopy):
        source, target = e.table(op.source), e.table(op.target)
        old = ", ".join(f"({self._copied(e, src, cast)})::text" for _, src, cast in op.columns)
        new = ", ".join(f"t.{quote(name)}::text" for name, _, _ in op.columns)
        differ = (f"FROM ((SELECT {old} FROM {source} s EXCEPT ALL SELECT {new} FROM {target} t) UNION ALL "
                  f"(SELECT {new} FROM {target} t EXCEPT ALL SELECT {old} FROM {source} s)) d")
        message = (f"prisma-dsql: rows of {op.source[1]} were written while it was copied (stop the writers, "
                   "then deploy again; the old table is kept); rows that differ")
        return self._refuse_if_any(differ, message), DML

    def sync_identity(self, e: _Emit, op: ops.SyncIdentity):
        # `setval` on an identity sequence is unverified on DSQL (a capability `doctor` probes on the cluster).
        e.require("setval_identity", f"setval() on the identity of {op.column!r}", op.span)
        table = e.table(op.table)
        column = quote(op.column)
        return (f"SELECT setval(pg_get_serial_sequence({string_literal(table)}, {string_literal(op.column)}), "
                f"GREATEST((SELECT max({column}) FROM {table}), 1))"), DML

    # -- constraints ---------------------------------------------------------------------------
    def add_primary_key(self, e: _Emit, op: ops.AddPrimaryKey):
        e.require("add_primary_key", f"primary key {op.name!r} on an existing table", op.span)
        return (f"ALTER TABLE {e.table(op.table)} ADD CONSTRAINT {quote(op.name)} PRIMARY KEY "
                f"({', '.join(quote(c) for c in op.columns)})"), DDL

    def add_check(self, e: _Emit, op: ops.AddCheck):
        sql = f"ALTER TABLE {e.table(op.table)} ADD CONSTRAINT {quote(op.check.name)} CHECK ({op.check.expression})"
        if op.not_valid:
            e.require("check_not_valid", f"CHECK constraint {op.check.name!r} NOT VALID", op.check.span)
            return sql + " NOT VALID", DDL
        return sql, DDL

    def add_not_null_check(self, e: _Emit, op: ops.AddNotNullCheck):
        e.require("check_not_valid", f"CHECK constraint {op.name!r} NOT VALID", op.span)
        return (f"ALTER TABLE {e.table(op.table)} ADD CONSTRAINT {quote(op.name)} CHECK ({quote(op.column)} IS NOT "
                "NULL) NOT VALID"), DDL

    def validate_constraint(self, e: _Emit, op: ops.ValidateConstraint):
        return (self.VALIDATE_CONSTRAINT.format(table=e.table(op.table), name=quote(op.name)),
                ASYNC_DDL if self.VALIDATE_IS_ASYNC else DDL)

    def drop_constraint(self, e: _Emit, op: ops.DropConstraint):
        if_exists = "IF EXISTS " if op.if_exists else ""
        return f"ALTER TABLE {e.table(op.table)} DROP CONSTRAINT {if_exists}{quote(op.name)}", DDL

    def rename_constraint(self, e: _Emit, op: ops.RenameConstraint):
        return (f"ALTER TABLE {e.table(op.table)} RENAME CONSTRAINT {quote(op.name)} TO "
                f"{quote(op.new_name)}"), DDL

    def attach_unique(self, e: _Emit, op: ops.AttachUniqueConstraint):
        return (f"ALTER TABLE {e.table(op.table)} ADD CONSTRAINT {quote(op.name)} UNIQUE USING INDEX "
                f"{quote(op.index)}"), DDL

    def add_foreign_key(self, e: _Emit, op: ops.AddForeignKey):
        sql = f"ALTER TABLE {e.table(op.table)} ADD {self.foreign_key_constraint(e, op.foreign_key)}"
        return (sql + " NOT VALID" if op.not_valid else sql), DDL

    def foreign_key_constraint(self, e: _Emit, fk: ForeignKey) -> str:
        e.require("foreign_keys", f"foreign key {fk.name!r}", fk.span)
        cols = ", ".join(quote(c) for c in fk.columns)
        refs = ", ".join(quote(c) for c in fk.referenced_columns)
        return (f"CONSTRAINT {quote(fk.name)} FOREIGN KEY ({cols}) REFERENCES "
                f"{e.qualified(fk.referenced_schema, fk.referenced_table)}({refs}) "
                f"ON DELETE {fk.on_delete} ON UPDATE {fk.on_update}")

    # -- indexes -------------------------------------------------------------------------------
    def create_index(self, e: _Emit, op: ops.CreateIndex):
        table, index = op.table, op.index
        if index.method is None:  # B-tree; other methods are refused below
            self._check_index_columns(e, table, f"index {index.name!r}", index.column_names, index.span)
        keys = []
        for c in index.columns:
            key = quote(c.name)
            if c.opclass:
                e.require("index_operator_classes", f"index {index.name!r}: operator class {c.opclass}", index.span)
                key += f" {c.opclass}"
            if c.sort and e.require("index_sort_order", f"index {index.name!r}: {c.sort} on {c.name!r}",
                                    index.span):
                key += f" {c.sort}"
            keys.append(key)
        using = ""
        if index.method:
            e.require("index_methods", f"index {index.name!r}: USING {index.method}", index.span)
            using = f" USING {index.method} "
        where = ""
        if index.predicate is not None:
            e.require("partial_indexes", f"index {index.name!r}: partial index (WHERE)", index.span)
            where = f" WHERE ({index.predicate})"
        mode = f" {self.INDEX_MODE}" if self.INDEX_MODE else ""
        if index.unique:
            e.require("unique_indexes", f"index {index.name!r}: a unique index", index.span)
        unique = "UNIQUE " if index.unique else ""
        sql = (f"CREATE {unique}INDEX{mode} {quote(index.name)} ON {e.qualified(table.schema, table.name)}"
               f"{using}({', '.join(keys)}){where}")
        return sql, (ASYNC_DDL if self.INDEX_MODE else DDL)

    def drop_index(self, e: _Emit, op: ops.DropIndex):
        return f"DROP INDEX {e.qualified(op.schema, op.name)}", DDL

    def rename_index(self, e: _Emit, op: ops.RenameIndex):
        e.require("alter_index_rename", f"renaming index {op.name!r} (ALTER INDEX ... RENAME)", op.span)
        return f"ALTER INDEX {e.qualified(op.schema, op.name)} RENAME TO {quote(op.new_name)}", DDL

    # -- columns and types ---------------------------------------------------------------------
    def column(self, e: _Emit, col: Column) -> str:
        type_sql = self.column_type(e, col.type, col.span)
        identity = ""
        if col.identity is not None and col.identity.style == "serial":
            e.require("serial_types", f"column {col.name!r}: SERIAL", col.span)
            type_sql = self.SERIAL_TYPES.get(col.type.name, type_sql)
        elif col.identity is not None:
            e.require("identity_columns", f"column {col.name!r}: identity column", col.span)
            if col.type.name != self.IDENTITY_TYPE:
                e.require("identity_non_bigint", f"column {col.name!r}: identity on {col.type.name}", col.span)
            identity = f" GENERATED {self.IDENTITY_STYLES[col.identity.style]} AS IDENTITY"
            if col.identity.cache is not None:
                identity += f" (CACHE {col.identity.cache})"
        nullability = "" if col.nullable else " NOT NULL"
        default = f" DEFAULT {self.default(e, col.default, col.type)}" if col.default is not None else ""
        return f"{INDENT}{quote(col.name)} {type_sql}{nullability}{default}{identity}"

    def column_type(self, e: _Emit, t: SqlType, span: Span | None = None) -> str:
        if t.array:
            e.require("array_columns", f"array column type {t.name}[]", span)
        if t.kind == "raw":
            base = t.name
        elif t.kind == "user":
            base = e.qualified(t.schema, t.name)
        else:
            base = t.name + (f"({','.join(str(a) for a in t.args)})" if t.args else "")
        if t.kind != "user":
            self._check_type(e, t, span)
        return base + ("[]" if t.array else "")

    def _check_type(self, e: _Emit, t: SqlType, span: Span | None) -> None:
        """The column type exists on the profile (`capabilities.COLUMN_TYPES`; a type not listed
        there needs `unlisted_column_types`), and a NUMERIC precision fits its limit."""
        needed = column_type_capability(t.name)
        if needed and not (needed == "array_columns" and t.array):  # an array is reported once, above
            e.require(needed, f"column type {t.name}", span)
        name = type_base_name(t.name)
        length_limit = self.profile.limit(self.LENGTH_LIMITS[name]) if name in self.LENGTH_LIMITS else None
        if length_limit is not None and t.args and t.args[0] > length_limit:
            e.problem(f"column type {t.name}({t.args[0]}): {self.profile.describe()} allows at most "
                      f"{length_limit:,} bytes", span)
        limit = self.profile.limit("numeric_precision")
        if name in self.NUMERIC_TYPES and limit is not None:
            precision = t.args[0] if t.args else _raw_precision(t.name)
            if precision is not None and precision > limit:
                e.problem(f"column type {t.name}{'' if t.kind == 'raw' else _args(t)}: precision {precision} is "
                          f"more than {self.profile.describe()} allows ({limit})", span)

    def default(self, e: _Emit, d: ColumnDefault, t: SqlType) -> str:
        kind = d.kind
        if kind in ("string", "enum", "json", "datetime"):
            return string_literal(d.value)
        if kind == "number":
            return str(d.value)
        if kind == "boolean":
            return "true" if d.value else "false"
        if kind == "bytes":
            return "'\\x" + bytes(d.value).hex() + "'"
        if kind == "now":
            return "CURRENT_TIMESTAMP"
        if kind == "list":
            items = ", ".join(self.default(e, v, t.element()) for v in d.value)
            return f"ARRAY[{items}]::{self.column_type(e, t)}"
        # "expression": verbatim SQL, whose functions must exist on the target.
        for name in dict.fromkeys(called_functions(str(d.value))):
            if name in FUNCTIONS:
                needed, origin = FUNCTIONS[name]
                e.require(needed, f"{name}() ({origin}) in DEFAULT {d.value}", d.span)
        return str(d.value)

    def _check_index_columns(self, e: _Emit, table: Table, what: str, columns: tuple[str, ...], span: Span | None) -> None:
        """The columns of a B-tree index (primary keys and unique indexes are indexes too) are of
        types the profile can index (`INDEXED_TYPES`)."""
        for name in columns:
            col = table.column(name)
            if col is None or col.type.kind == "user":
                continue
            needed = self.INDEXED_TYPES.get(type_base_name(col.type.name))
            if needed is not None:
                key, label = needed
                e.require(key, f"{what} on the {label} column {name!r}", span)

    # -- what the whole catalog must fit in ------------------------------------------------------
    def _check_catalog(self, e: _Emit, catalog: Catalog, new_schemas: tuple[str, ...]) -> None:
        """The profile's limits (tables, schemas, columns and indexes per table, columns per
        index) and reserved schema names, on the catalog as it will be after the migration."""
        limit = self.profile.limit
        for s in new_schemas:
            if s.lower() in self.RESERVED_SCHEMAS or s.lower().startswith(self.RESERVED_SCHEMA_PREFIXES):
                e.problem(f"schema {s!r} is reserved by {self.profile.describe()}", None)
        own_schemas = [s for s in catalog.schemas if s not in self.BUILTIN_SCHEMAS]
        if limit("schemas") is not None and len(own_schemas) > limit("schemas"):
            e.problem(f"{len(own_schemas)} schemas besides {', '.join(self.BUILTIN_SCHEMAS)}: "
                                   f"{self.profile.describe()} holds at most {limit('schemas')}", None)
        if limit("tables") is not None and len(catalog.tables) > limit("tables"):
            e.problem(f"{len(catalog.tables):,} tables: {self.profile.describe()} holds at most "
                                   f"{limit('tables'):,}", None)
        max_columns, max_indexes, max_keys = (limit("columns_per_table"), limit("indexes_per_table"),
                                              limit("columns_per_index"))
        for t in catalog.tables:
            name = f"table {t.schema}.{t.name}"
            if max_columns is not None and len(t.columns) > max_columns:
                e.problem(f"{name} has {len(t.columns)} columns: at most {max_columns}", t.span)
            n_indexes = len(t.indexes) + (t.primary_key is not None)
            if max_indexes is not None and n_indexes > max_indexes:
                e.problem(f"{name} has {n_indexes} indexes (primary key and unique indexes count): "
                                       f"at most {max_indexes}", t.span)
            if max_keys is None:
                continue
            keys = [(f"primary key {t.primary_key.name!r}", len(t.primary_key.columns), t.primary_key.span)
                    if t.primary_key else None]
            keys += [(f"index {i.name!r}", len(i.columns), i.span) for i in t.indexes]
            for what, n, span in filter(None, keys):
                if n > max_keys:
                    e.problem(f"{name}: {what} has {n} columns: at most {max_keys}", span)

    def _check_names(self, e: _Emit, catalog: Catalog) -> None:
        """Names that meet once the database cuts them to the profile's `identifier_bytes`: two
        tables, indexes or types in one schema, two columns of a table, two constraints of a table.
        The database refuses the second."""
        if self.profile.limit("identifier_bytes") is None:
            return
        size = identifier_bytes(self.profile)
        # Objects by namespace, as (name, what, span); a namespace is read in full only on a clash.
        spaces: dict[tuple, list] = {}
        for d in (*catalog.enums, *catalog.domains):
            spaces.setdefault(("type", d.schema), []).append((d.name, "type", d.span))
        for t in catalog.tables:
            spaces.setdefault(("type", t.schema), []).append((t.name, "table", t.span))
            relations = spaces.setdefault(("relation", t.schema), [])
            relations.append((t.name, "table", t.span))
            relations += [(i.name, "index", i.span) for i in t.indexes]
            pk = t.primary_key
            if pk is not None:
                relations.append((pk.name, "primary key", pk.span))
            if t.foreign_keys or t.checks:
                spaces[("constraint", t.schema, t.name)] = (
                    [(fk.name, "foreign key", fk.span) for fk in t.foreign_keys]
                    + [(c.name, "check", c.span) for c in t.checks]
                    + ([(pk.name, "primary key", pk.span)] if pk is not None else []))
            names = [c.name for c in t.columns]
            if _clash(names, size):
                spaces[("column", t.schema, t.name)] = [(c.name, "column", c.span) for c in t.columns]
        for entries in spaces.values():
            if not _clash([name for name, _, _ in entries], size):
                continue
            first: dict[str, str] = {}
            for name, what, span in entries:
                short = cut(name, size)
                label = f"{what} {name!r}"
                if short not in first:
                    first[short] = label
                elif short == name and first[short].endswith(f" {name!r}"):
                    e.problem(f"{label} has the name of {first[short]}", span)
                else:
                    e.problem(f"{label} is named like {first[short]} once the database cuts names to "
                                           f"{size} bytes ({short!r})", span)


def _clash(names: list[str], size: int) -> bool:
    """Whether two of `names` are equal once cut to `size` bytes."""
    if len(set(names)) != len(names):
        return True
    if max(map(len, names), default=0) * 4 <= size:  # at most 4 bytes a character: nothing is cut
        return False
    return len({cut(n, size) for n in names}) != len(names)


def _args(t: SqlType) -> str:
    return f"({','.join(str(a) for a in t.args)})" if t.args else ""


def _raw_precision(sql_type: str) -> int | None:
    """The precision written in a raw type such as `numeric(65, 30)`, if any."""
    inside = sql_type.partition("(")[2].partition(")")[0].split(",")[0].strip()
    return int(inside) if inside.isdigit() else None
