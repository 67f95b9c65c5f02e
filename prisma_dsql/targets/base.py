"""Rendering a catalog as a migration script: the machinery every target shares.

A target is a class whose attributes say how it differs (sqlglot-style data:
flags, templates, tables); the methods here read that data and never ask which
target they are. `render(catalog)` returns a `Script`: a tuple of `Step`s, one
SQL statement each, in execution order, each remembering the `.prisma` span it
came from. `Script.text()` lays the steps out as Prisma's `migrate diff
--script` does (a `-- StepName` line, the statement and `;`, a blank line
between steps).

What a target's profile cannot hold is refused with `RenderError` listing every
problem, never silently dropped or rewritten. The DSQL rules report the same
things earlier and better (with help), so this is the last line of defence, and
it must hold on its own: a rule turned off in prisma-dsql.toml only silences a
report, it never lets through SQL the target rejects. So the checks here read
the same data as the rules (`prisma_dsql.capabilities`: capabilities, limits,
column types, functions), not the rules' findings.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, replace
from typing import ClassVar

from prisma_dsql.capabilities import (
    DSQL_BUILTIN_SCHEMAS,
    FUNCTIONS,
    INDEXED_TYPES,
    Profile,
    called_functions,
    column_type_capability,
    type_base_name,
)
from prisma_dsql.catalog.model import (
    Catalog,
    Column,
    ColumnDefault,
    Domain,
    EnumType,
    Extension,
    ForeignKey,
    Index,
    SqlType,
    Table,
)
from prisma_dsql.errors import PrismaDsqlError
from prisma_dsql.source import Span

INDENT = "    "


class RenderError(PrismaDsqlError):
    """The catalog holds something the target cannot create; `problems` says what."""

    exit_code = 1

    def __init__(self, target: str, problems: list[tuple[str, Span | None]]) -> None:
        self.target = target
        self.problems = tuple(problems)
        lines = [f"{_where(span)}{message}" for message, span in problems]
        super().__init__(f"cannot render for {target}:\n  " + "\n  ".join(lines))


def _where(span: Span | None) -> str:
    return f"{span.file}:{span.line}:{span.column}: " if span else ""


@dataclass(frozen=True)
class Step:
    """One statement of a migration.

    `kind` is Prisma's step name (CreateTable, CreateIndex, ...); `sql` the
    statement without its `;`; `span` the Prisma element it came from; `subject`
    the database object; `async_job` is True when the statement starts a DSQL
    background job (CREATE INDEX ASYNC, ALTER TABLE ASYNC) that a runner may wait for.
    """

    kind: str
    sql: str
    span: Span | None = None
    subject: str = ""
    async_job: bool = False


@dataclass(frozen=True)
class Script:
    target: str
    steps: tuple[Step, ...]
    step_comments: bool = True
    empty_text: str = "-- This is an empty migration.\n"

    def text(self) -> str:
        if not self.steps:
            return self.empty_text
        if self.step_comments:
            return "\n".join(f"-- {s.kind}\n{s.sql};\n" for s in self.steps)
        return "\n".join(f"{s.sql};\n" for s in self.steps)

    def statements(self) -> list[str]:
        return [s.sql for s in self.steps]


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def string_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class Target:
    """The shared renderer; subclasses set the data below."""

    name: ClassVar[str] = "base"

    #: `-- CreateTable` before each statement, as Prisma writes migrations.
    STEP_COMMENTS: ClassVar[bool] = True
    EMPTY_SCRIPT: ClassVar[str] = "-- This is an empty migration.\n"
    #: Step names by object kind.
    STEP_NAMES: ClassVar[dict[str, str]] = {
        "schema": "CreateSchema", "extension": "CreateExtension", "enum": "CreateEnum", "domain": "CreateDomain",
        "table": "CreateTable", "index": "CreateIndex", "foreign_key": "AddForeignKey",
        "validate": "ValidateForeignKey", "alter_table": "AlterTable",
    }
    #: Where foreign keys go: "after" = ALTER TABLE ... ADD CONSTRAINT once every table and
    #: index exists (Prisma); "inline" = inside CREATE TABLE, tables ordered so that
    #: referenced ones come first; what cannot be inline (cycles, references to a unique
    #: index) is added NOT VALID after the indexes and then validated.
    FOREIGN_KEYS: ClassVar[str] = "after"
    #: Keyword after INDEX: "ASYNC" on DSQL.
    INDEX_MODE: ClassVar[str] = ""
    ADD_FOREIGN_KEY: ClassVar[str] = "ALTER TABLE {table} ADD {constraint}"
    ADD_FOREIGN_KEY_DEFERRED: ClassVar[str] = "ALTER TABLE {table} ADD {constraint} NOT VALID"
    VALIDATE_FOREIGN_KEY: ClassVar[str] = "ALTER TABLE ASYNC {table} VALIDATE CONSTRAINT {name}"
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

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self._problems: list[tuple[str, Span | None]] = []

    # -- entry point ---------------------------------------------------------------------------
    def render(self, catalog: Catalog) -> Script:
        """The script that creates `catalog` in an empty database."""
        return self.render_additions(Additions.everything(catalog))

    def render_additions(self, add: "Additions") -> Script:
        """The script that adds `add` to a database holding the rest of `add.catalog`."""
        self._problems = []
        self.default_schema = add.catalog.default_schema
        self._check_catalog(add.catalog, add.schemas)
        self._check_names(add.catalog)
        steps: list[Step] = []
        steps += [Step(self.STEP_NAMES["schema"], self.create_schema(s), subject=f"schema {s}") for s in add.schemas]
        steps += [self._step("extension", self.create_extension(e), e.span, f"extension {e.name}")
                  for e in add.extensions]
        steps += [self._step("enum", self.create_enum(e), e.span, f"type {e.schema}.{e.name}") for e in add.enums]
        steps += [self._step("domain", self.create_domain(d), d.span, f"domain {d.schema}.{d.name}")
                  for d in add.domains]
        steps += self._add_column_steps(add.columns)
        tables, inline, deferred = self._layout(add)
        steps += [self._step("table", self.create_table(t, inline.get(t.key, ())), t.span, f"table {t.schema}.{t.name}")
                  for t in tables]
        steps += [self._step("index", self.create_index(t, i), i.span, f"index {t.schema}.{i.name}",
                             async_job=bool(self.INDEX_MODE))
                  for t, i in [(t, i) for t in tables for i in t.indexes] + list(add.indexes)]
        steps += self._foreign_key_steps(deferred)
        if self._problems:
            raise RenderError(self.describe(), self._problems)
        return Script(self.name, tuple(steps), self.STEP_COMMENTS, self.EMPTY_SCRIPT)

    def describe(self) -> str:
        return self.profile.describe()

    def _step(self, kind: str, sql: str, span: Span | None, subject: str, async_job: bool = False) -> Step:
        return Step(self.STEP_NAMES[kind], sql, span, subject, async_job)

    def require(self, capability: str, what: str, span: Span | None) -> bool:
        """Whether to write the construct: True when the profile has `capability`; otherwise
        False, noting a problem unless the capability is one that is simply left out."""
        if self.profile.supports(capability):
            return True
        if capability not in self.OMITTED_WHEN_UNSUPPORTED:
            self._problems.append((f"{what} is not supported by {self.describe()}", span))
        return False

    # -- names ---------------------------------------------------------------------------------
    def qualified(self, schema: str | None, name: str) -> str:
        if schema is None or schema == self.default_schema:
            return quote(name)
        return f"{quote(schema)}.{quote(name)}"

    # -- statements ----------------------------------------------------------------------------
    def create_schema(self, schema: str) -> str:
        return f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}"

    def create_extension(self, ext: Extension) -> str:
        self.require("extensions", f"extension {ext.name!r}", ext.span)
        sql = f"CREATE EXTENSION IF NOT EXISTS {quote(ext.name)}"
        if ext.schema or ext.version:
            sql += " WITH"
        if ext.schema:
            sql += f" SCHEMA {quote(ext.schema)}"
        if ext.version:
            sql += f" VERSION {quote(ext.version)}"
        return sql

    def create_enum(self, enum: EnumType) -> str:
        self.require("enum_types", f"enum type {enum.name!r} (CREATE TYPE ... AS ENUM)", enum.span)
        values = ", ".join(string_literal(v) for v in enum.values)
        return f"CREATE TYPE {self.qualified(enum.schema, enum.name)} AS ENUM ({values})"

    def create_domain(self, domain: Domain) -> str:
        self.require("domains", f"domain {domain.name!r}", domain.span)
        sql = f"CREATE DOMAIN {self.qualified(domain.schema, domain.name)} AS {self.column_type(domain.type, domain.span)}"
        if domain.default is not None:
            sql += f" DEFAULT {self.default(domain.default, domain.type)}"
        if not domain.nullable:
            sql += " NOT NULL"
        if domain.allowed_values is not None:
            sql += f" CHECK (VALUE IN ({', '.join(string_literal(v) for v in domain.allowed_values)}))"
        for check in domain.checks:
            sql += f" CONSTRAINT {quote(check.name)} CHECK ({check.expression})"
        return sql

    def create_table(self, table: Table, inline_fks: tuple[ForeignKey, ...] = ()) -> str:
        lines = [self.column(c) for c in table.columns]
        constraints = []
        if table.primary_key is not None:
            pk = table.primary_key
            self._check_index_columns(table, f"primary key {pk.name!r}", pk.columns, pk.span)
            constraints.append(f"{INDENT}CONSTRAINT {quote(pk.name)} PRIMARY KEY ({','.join(quote(c) for c in pk.columns)})")
        constraints += [f"{INDENT}CONSTRAINT {quote(c.name)} CHECK ({c.expression})" for c in table.checks]
        constraints += [f"{INDENT}{self.foreign_key_constraint(fk)}" for fk in inline_fks]
        body = ",\n".join(lines)
        if constraints:
            body += ",\n\n" + ",\n".join(constraints)
        return f"CREATE TABLE {self.qualified(table.schema, table.name)} (\n{body}\n)"

    def column(self, col: Column) -> str:
        type_sql = self.column_type(col.type, col.span)
        identity = ""
        if col.identity is not None and col.identity.style == "serial":
            self.require("serial_types", f"column {col.name!r}: SERIAL", col.span)
            type_sql = self.SERIAL_TYPES.get(col.type.name, type_sql)
        elif col.identity is not None:
            self.require("identity_columns", f"column {col.name!r}: identity column", col.span)
            if col.type.name != self.IDENTITY_TYPE:
                self.require("identity_non_bigint", f"column {col.name!r}: identity on {col.type.name}", col.span)
            identity = f" GENERATED {self.IDENTITY_STYLES[col.identity.style]} AS IDENTITY"
            if col.identity.cache is not None:
                identity += f" (CACHE {col.identity.cache})"
        nullability = "" if col.nullable else " NOT NULL"
        default = f" DEFAULT {self.default(col.default, col.type)}" if col.default is not None else ""
        return f"{INDENT}{quote(col.name)} {type_sql}{nullability}{default}{identity}"

    def column_type(self, t: SqlType, span: Span | None = None) -> str:
        if t.array:
            self.require("array_columns", f"array column type {t.name}[]", span)
        if t.kind == "raw":
            base = t.name
        elif t.kind == "user":
            base = self.qualified(t.schema, t.name)
        else:
            base = t.name + (f"({','.join(str(a) for a in t.args)})" if t.args else "")
        if t.kind != "user":
            self._check_type(t, span)
        return base + ("[]" if t.array else "")

    def _check_type(self, t: SqlType, span: Span | None) -> None:
        """The column type exists on the profile (`capabilities.COLUMN_TYPES`; a type not listed
        there needs `unlisted_column_types`), and a NUMERIC precision fits its limit."""
        needed = column_type_capability(t.name)
        if needed and not (needed == "array_columns" and t.array):  # an array is reported once, above
            self.require(needed, f"column type {t.name}", span)
        name = type_base_name(t.name)
        length_limit = self.profile.limit(self.LENGTH_LIMITS[name]) if name in self.LENGTH_LIMITS else None
        if length_limit is not None and t.args and t.args[0] > length_limit:
            self._problems.append((f"column type {t.name}({t.args[0]}): {self.describe()} allows at most "
                                   f"{length_limit:,} bytes", span))
        limit = self.profile.limit("numeric_precision")
        if name in self.NUMERIC_TYPES and limit is not None:
            precision = t.args[0] if t.args else _raw_precision(t.name)
            if precision is not None and precision > limit:
                self._problems.append(
                    (f"column type {t.name}{'' if t.kind == 'raw' else _args(t)}: precision {precision} is more "
                     f"than {self.describe()} allows ({limit})", span))

    def default(self, d: ColumnDefault, t: SqlType) -> str:
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
            items = ", ".join(self.default(v, t.element()) for v in d.value)
            return f"ARRAY[{items}]::{self.column_type(t)}"
        # "expression": verbatim SQL, whose functions must exist on the target.
        for name in dict.fromkeys(called_functions(str(d.value))):
            if name in FUNCTIONS:
                needed, origin = FUNCTIONS[name]
                self.require(needed, f"{name}() ({origin}) in DEFAULT {d.value}", d.span)
        return str(d.value)

    def create_index(self, table: Table, index: Index) -> str:
        if index.method is None:  # B-tree; other methods are refused below
            self._check_index_columns(table, f"index {index.name!r}", index.column_names, index.span)
        keys = []
        for c in index.columns:
            key = quote(c.name)
            if c.opclass:
                self.require("index_operator_classes", f"index {index.name!r}: operator class {c.opclass}", index.span)
                key += f" {c.opclass}"
            if c.sort and self.require("index_sort_order", f"index {index.name!r}: {c.sort} on {c.name!r}",
                                       index.span):
                key += f" {c.sort}"
            keys.append(key)
        using = ""
        if index.method:
            self.require("index_methods", f"index {index.name!r}: USING {index.method}", index.span)
            using = f" USING {index.method} "
        where = ""
        if index.predicate is not None:
            self.require("partial_indexes", f"index {index.name!r}: partial index (WHERE)", index.span)
            where = f" WHERE ({index.predicate})"
        mode = f" {self.INDEX_MODE}" if self.INDEX_MODE else ""
        unique = "UNIQUE " if index.unique else ""
        return (f"CREATE {unique}INDEX{mode} {quote(index.name)} ON {self.qualified(table.schema, table.name)}"
                f"{using}({', '.join(keys)}){where}")

    def _check_index_columns(self, table: Table, what: str, columns: tuple[str, ...], span: Span | None) -> None:
        """The columns of a B-tree index (primary keys and unique indexes are indexes too) are of
        types the profile can index (`INDEXED_TYPES`)."""
        for name in columns:
            col = table.column(name)
            if col is None or col.type.kind == "user":
                continue
            needed = self.INDEXED_TYPES.get(type_base_name(col.type.name))
            if needed is not None:
                key, label = needed
                self.require(key, f"{what} on the {label} column {name!r}", span)

    # -- what the whole catalog must fit in ------------------------------------------------------
    def _check_catalog(self, catalog: Catalog, new_schemas: tuple[str, ...]) -> None:
        """The profile's limits (tables, schemas, columns and indexes per table, columns per
        index) and reserved schema names, on the catalog as it will be after the migration."""
        limit = self.profile.limit
        for s in new_schemas:
            if s.lower() in self.RESERVED_SCHEMAS or s.lower().startswith(self.RESERVED_SCHEMA_PREFIXES):
                self._problems.append((f"schema {s!r} is reserved by {self.describe()}", None))
        own_schemas = [s for s in catalog.schemas if s not in self.BUILTIN_SCHEMAS]
        if limit("schemas") is not None and len(own_schemas) > limit("schemas"):
            self._problems.append((f"{len(own_schemas)} schemas besides {', '.join(self.BUILTIN_SCHEMAS)}: "
                                   f"{self.describe()} holds at most {limit('schemas')}", None))
        if limit("tables") is not None and len(catalog.tables) > limit("tables"):
            self._problems.append((f"{len(catalog.tables):,} tables: {self.describe()} holds at most "
                                   f"{limit('tables'):,}", None))
        max_columns, max_indexes, max_keys = (limit("columns_per_table"), limit("indexes_per_table"),
                                              limit("columns_per_index"))
        for t in catalog.tables:
            name = f"table {t.schema}.{t.name}"
            if max_columns is not None and len(t.columns) > max_columns:
                self._problems.append((f"{name} has {len(t.columns)} columns: at most {max_columns}", t.span))
            n_indexes = len(t.indexes) + (t.primary_key is not None)
            if max_indexes is not None and n_indexes > max_indexes:
                self._problems.append((f"{name} has {n_indexes} indexes (primary key and unique indexes count): "
                                       f"at most {max_indexes}", t.span))
            if max_keys is None:
                continue
            keys = [(f"primary key {t.primary_key.name!r}", len(t.primary_key.columns), t.primary_key.span)
                    if t.primary_key else None]
            keys += [(f"index {i.name!r}", len(i.columns), i.span) for i in t.indexes]
            for what, n, span in filter(None, keys):
                if n > max_keys:
                    self._problems.append((f"{name}: {what} has {n} columns: at most {max_keys}", span))

    def _check_names(self, catalog: Catalog) -> None:
        """Names that meet once the database cuts them to the profile's `identifier_bytes`: two
        tables, indexes or types in one schema, two columns of a table, two constraints of a table.
        The database refuses the second."""
        size = self.profile.limit("identifier_bytes")
        if size is None:
            return
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
                short = _cut(name, size)
                label = f"{what} {name!r}"
                if short not in first:
                    first[short] = label
                elif short == name and first[short].endswith(f" {name!r}"):
                    self._problems.append((f"{label} has the name of {first[short]}", span))
                else:
                    self._problems.append((f"{label} is named like {first[short]} once the database cuts names to "
                                           f"{size} bytes ({short!r})", span))

    def foreign_key_constraint(self, fk: ForeignKey) -> str:
        self.require("foreign_keys", f"foreign key {fk.name!r}", fk.span)
        cols = ", ".join(quote(c) for c in fk.columns)
        refs = ", ".join(quote(c) for c in fk.referenced_columns)
        return (f"CONSTRAINT {quote(fk.name)} FOREIGN KEY ({cols}) REFERENCES "
                f"{self.qualified(fk.referenced_schema, fk.referenced_table)}({refs}) "
                f"ON DELETE {fk.on_delete} ON UPDATE {fk.on_update}")

    # -- columns added to existing tables ------------------------------------------------------
    def _add_column_steps(self, columns) -> list[Step]:
        """ALTER TABLE ... ADD COLUMN. Where the profile has `add_column_with_constraints`
        (PostgreSQL) a table's new columns share one statement, as Prisma writes them;
        otherwise (DSQL) each column is its own statement with name and type only, and a
        default follows as ALTER COLUMN ... SET DEFAULT."""
        steps: list[Step] = []
        by_table: dict[tuple[str, str], tuple[Table, list[Column]]] = {}
        for table, col in columns:
            by_table.setdefault(table.key, (table, []))[1].append(col)
        full = self.profile.supports("add_column_with_constraints")
        for table, cols in by_table.values():
            name = self.qualified(table.schema, table.name)
            subject = f"table {table.schema}.{table.name}"
            if full:
                clauses = ",\n".join(f"ADD COLUMN {self.column(c)}" for c in cols)
                steps.append(self._step("alter_table", f"ALTER TABLE {name} {clauses}", cols[0].span, subject))
                continue
            for c in cols:
                what = f"column {c.name!r} added to an existing table"
                if not c.nullable:
                    self.require("add_column_with_constraints", f"{what} NOT NULL", c.span)
                if c.identity is not None:
                    self.require("add_column_with_constraints", f"{what} as an identity column", c.span)
                bare = replace(c, nullable=True, default=None, identity=None)
                steps.append(self._step("alter_table", f"ALTER TABLE {name} ADD COLUMN {self.column(bare)}", c.span,
                                        subject))
                if c.default is not None and self.require("alter_column_default", f"{what} with a DEFAULT", c.span):
                    steps.append(self._step(
                        "alter_table",
                        f"ALTER TABLE {name} ALTER COLUMN {quote(c.name)} SET DEFAULT {self.default(c.default, c.type)}",
                        c.span, subject))
        return steps

    # -- order ---------------------------------------------------------------------------------
    def _layout(self, add: "Additions"):
        """(new tables in creation order, inline foreign keys by table, deferred (table, fk) pairs)."""
        tables = list(add.tables)
        existing_fks = list(add.foreign_keys)
        if self.FOREIGN_KEYS != "inline":
            return tables, {}, [(t, fk) for t in tables for fk in t.foreign_keys] + existing_fks
        order = creation_order(tables)
        new_keys = {t.key for t in tables}
        position = {t.key: i for i, t in enumerate(order)}
        position.update({t.key: -1 for t in add.catalog.tables if t.key not in new_keys})
        pks = {t.key: t.primary_key.columns if t.primary_key else None for t in add.catalog.tables}
        pks.update({t.key: t.primary_key.columns if t.primary_key else None for t in tables})
        inline: dict[tuple[str, str], tuple[ForeignKey, ...]] = {}
        deferred = []
        for t in order:
            ok = []
            for fk in t.foreign_keys:
                target = fk.referenced_key
                if position.get(target, len(order)) <= position[t.key] and pks.get(target) == fk.referenced_columns:
                    ok.append(fk)
                else:
                    deferred.append((t, fk))
            inline[t.key] = tuple(ok)
        return order, inline, deferred + existing_fks

    def _foreign_key_steps(self, deferred: list[tuple[Table, ForeignKey]]) -> list[Step]:
        template = self.ADD_FOREIGN_KEY if self.FOREIGN_KEYS != "inline" else self.ADD_FOREIGN_KEY_DEFERRED
        steps = [
            self._step("foreign_key",
                       template.format(table=self.qualified(t.schema, t.name),
                                       constraint=self.foreign_key_constraint(fk)),
                       fk.span, f"foreign key {t.schema}.{t.name}.{fk.name}")
            for t, fk in deferred
        ]
        if self.FOREIGN_KEYS == "inline":
            steps += [
                self._step("validate",
                           self.VALIDATE_FOREIGN_KEY.format(table=self.qualified(t.schema, t.name), name=quote(fk.name)),
                           fk.span, f"foreign key {t.schema}.{t.name}.{fk.name}", async_job=True)
                for t, fk in deferred
            ]
        return steps


@dataclass(frozen=True)
class Additions:
    """What a migration adds. `catalog` is the whole catalog afterwards (for lookups);
    `tables` are new tables (with their indexes and foreign keys); `columns`, `indexes`
    and `foreign_keys` are added to tables that exist already."""

    catalog: Catalog
    schemas: tuple[str, ...] = ()
    extensions: tuple[Extension, ...] = ()
    enums: tuple[EnumType, ...] = ()
    domains: tuple[Domain, ...] = ()
    tables: tuple[Table, ...] = ()
    columns: tuple[tuple[Table, Column], ...] = ()
    indexes: tuple[tuple[Table, Index], ...] = ()
    foreign_keys: tuple[tuple[Table, ForeignKey], ...] = ()

    @classmethod
    def everything(cls, catalog: Catalog) -> "Additions":
        return cls(catalog, catalog.schemas, catalog.extensions, catalog.enums, catalog.domains, catalog.tables)

    @property
    def is_empty(self) -> bool:
        return not (self.schemas or self.extensions or self.enums or self.domains or self.tables or self.columns
                    or self.indexes or self.foreign_keys)


def _clash(names: list[str], size: int) -> bool:
    """Whether two of `names` are equal once cut to `size` bytes."""
    if len(set(names)) != len(names):
        return True
    if max(map(len, names), default=0) * 4 <= size:  # at most 4 bytes a character: nothing is cut
        return False
    cut = {_cut(n, size) for n in names}
    return len(cut) != len(names)


def _cut(name: str, size: int) -> str:
    """`name` as the database keeps it: at most `size` UTF-8 bytes, cut on a character boundary."""
    return name.encode("utf-8")[:size].decode("utf-8", errors="ignore")


def _args(t: SqlType) -> str:
    return f"({','.join(str(a) for a in t.args)})" if t.args else ""


def _raw_precision(sql_type: str) -> int | None:
    """The precision written in a raw type such as `numeric(65, 30)`, if any."""
    inside = sql_type.partition("(")[2].partition(")")[0].split(",")[0].strip()
    return int(inside) if inside.isdigit() else None


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
