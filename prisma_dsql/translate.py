"""Prisma schema graph -> database catalog, for one target profile.

Contract: `from_schema(schema, profile, options)` returns the `Catalog` that a
migration from an empty database creates, in Prisma's order (models in
declaration order, then implicit many-to-many join tables; per table the
field-level @unique indexes, then @@index, then @@unique; foreign keys by the
relation field that holds them). It never fails on a schema the resolver
accepted: whatever the target cannot hold is translated as Prisma would for
PostgreSQL and left for the DSQL rules (`prisma_dsql.rules`) to report.

Where the targets differ, the choice is made from the profile's capabilities,
never from its name or date:

- `@default(autoincrement())`: SERIAL where the profile has `serial_types`,
  else a BIGINT identity column (`identity_columns`, CACHE from the options),
  and every integer column that references it is widened to BIGINT.
- enums: `CREATE TYPE ... AS ENUM` with `enum_types`, else (enum strategy
  "domain", `domains`) a TEXT domain of the same name checking the values.
- foreign keys only with `foreign_keys` and relationMode "foreignKeys".
- `Json` without a native type (and composite types): the first of
  `capabilities.JSON_COLUMN_TYPES` the profile has (JSONB, else JSON); JSONB
  when it has none, for the renderer to refuse.

The translator sits between the two worlds it joins: it reads the Prisma schema
graph (`prisma_dsql.schema`) and builds `prisma_dsql.catalog` objects, so that
the catalog package itself knows nothing of Prisma.
"""

from __future__ import annotations

import ast as _pyast
import base64
import binascii
import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from prisma_dsql.capabilities import JSON_COLUMN_TYPES, Profile
from prisma_dsql.catalog.model import (
    Catalog,
    Column,
    ColumnDefault,
    Domain,
    EnumType,
    Extension,
    ForeignKey,
    Identity,
    Index,
    IndexColumn,
    PrimaryKey,
    SqlType,
    Table,
    View,
)
from prisma_dsql.schema import naming
from prisma_dsql.schema.model import Arity, Enum, Field, FieldKind, Model, Relation, Schema
from prisma_dsql.sql.names import quote
from prisma_dsql.translate_options import TranslateOptions

#: Column type of each Prisma scalar without `@db.*` (Prisma's defaults for PostgreSQL).
DEFAULT_TYPES: dict[str, SqlType] = {
    "String": SqlType("TEXT"),
    "Int": SqlType("INTEGER"),
    "BigInt": SqlType("BIGINT"),
    "Float": SqlType("DOUBLE PRECISION"),
    "Decimal": SqlType("DECIMAL", (65, 30)),
    "DateTime": SqlType("TIMESTAMP", (3,)),
    "Boolean": SqlType("BOOLEAN"),
    "Json": SqlType("JSONB"),
    "Bytes": SqlType("BYTEA"),
}

#: `@db.<Name>` -> SQL type name.
NATIVE_TYPES: dict[str, str] = {
    "SmallInt": "SMALLINT", "Integer": "INTEGER", "BigInt": "BIGINT", "Decimal": "DECIMAL", "Money": "MONEY",
    "Real": "REAL", "DoublePrecision": "DOUBLE PRECISION", "Inet": "INET", "Oid": "OID", "Citext": "CITEXT",
    "Xml": "XML", "Uuid": "UUID", "VarChar": "VARCHAR", "Char": "CHAR", "Text": "TEXT", "ByteA": "BYTEA",
    "Timestamp": "TIMESTAMP", "Timestamptz": "TIMESTAMPTZ", "Date": "DATE", "Time": "TIME", "Timetz": "TIMETZ",
    "Boolean": "BOOLEAN", "Bit": "BIT", "VarBit": "VARBIT", "Json": "JSON", "JsonB": "JSONB",
}

#: Integer types an identity column widens to BIGINT (with the columns referencing it).
WIDENED_TO_BIGINT = frozenset({"SMALLINT", "INTEGER"})

#: How autoincrement() is stored: the first strategy whose capability the profile has.
AUTOINCREMENT_STRATEGIES: tuple[tuple[str, str], ...] = (("serial_types", "serial"), ("identity_columns", "identity"))

#: Prisma's `@@index(type: X)` -> access method; BTree is the default and is never written.
INDEX_METHODS = {"BTree": None, "Hash": "HASH", "Gist": "GIST", "Gin": "GIN", "SpGist": "SPGIST", "Brin": "BRIN"}

#: Pieces of Prisma's operator class names that PostgreSQL writes without an underscore.
_OPCLASS_GLUE = {("min", "max"): "minmax", ("timestamp", "tz"): "timestamptz", ("time", "tz"): "timetz",
                 ("var", "bit"): "varbit"}

_REFERENTIAL_ACTIONS = {"Cascade": "CASCADE", "Restrict": "RESTRICT", "NoAction": "NO ACTION",
                        "SetNull": "SET NULL", "SetDefault": "SET DEFAULT"}

_DATETIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?\s*(Z|z|[+-]\d{2}:?\d{2})$")

PREVIEW_EXTENSIONS = "postgresqlExtensions"


def from_schema(schema: Schema, profile: Profile, options: TranslateOptions = TranslateOptions()) -> Catalog:
    """The catalog that `schema` becomes on `profile`. Number defaults keep the digits as
    written (`2.50`), as Prisma prints them."""
    return _Builder(schema, profile, options).build()


@dataclass(frozen=True)
class _Choices:
    """What the profile and options decide, worked out once."""

    autoincrement: str  # "serial" | "identity"
    enum_as_domain: bool
    foreign_keys: bool
    identity_cache: int
    #: Column type of `Json` fields without a native type (and of composite types).
    json: SqlType

    @classmethod
    def of(cls, schema: Schema, profile: Profile, options: TranslateOptions) -> "_Choices":
        autoincrement = next((s for cap, s in AUTOINCREMENT_STRATEGIES if profile.supports(cap)), "serial")
        enum_as_domain = (not profile.supports("enum_types") and options.enum_strategy == "domain"
                          and profile.supports("domains"))
        foreign_keys = profile.supports("foreign_keys") and schema.relation_mode != "prisma"
        json = SqlType(profile.first_supported(JSON_COLUMN_TYPES) or DEFAULT_TYPES["Json"].name)
        return cls(autoincrement, enum_as_domain, foreign_keys, options.identity_cache, json)


class _Builder:
    def __init__(self, schema: Schema, profile: Profile, options: TranslateOptions) -> None:
        self.schema = schema
        self.choices = _Choices.of(schema, profile, options)
        self.default_schema = schema.datasource.default_schema if schema.datasource else "public"
        self.models = [m for m in schema.models if not m.is_view]
        self.model_index = {m.name: i for i, m in enumerate(self.models)}
        self.outgoing: dict[str, list[Relation]] = {}
        for r in schema.relations:
            if r.kind != "m-n" and r.fields:
                self.outgoing.setdefault(r.from_model, []).append(r)
        self.widened = self._widened_fields()

    # -- whole catalog ---------------------------------------------------------------------------
    def build(self) -> Catalog:
        enums, domains = self._enums()
        tables = [self._table(m) for m in self.models]
        tables.extend(self._join_tables({m.name: t for m, t in zip(self.models, tables)}))
        used = {t.schema for t in tables} | {e.schema for e in enums} | {d.schema for d in domains}
        views = tuple(View(self._schema_of(m), m.db_name, None, span=m.span) for m in self.schema.views)
        return Catalog(
            schemas=tuple(sorted(used)),
            default_schema=self.default_schema,
            extensions=self._extensions(),
            enums=tuple(enums),
            domains=tuple(domains),
            tables=tuple(tables),
            views=views,
        )

    def _schema_of(self, obj: Model | Enum) -> str:
        return obj.schema or self.default_schema

    def _extensions(self) -> tuple[Extension, ...]:
        ds = self.schema.datasource
        if ds is None or PREVIEW_EXTENSIONS not in self.schema.preview_features:
            return ()
        exts = (Extension(e.map or e.name, e.schema, e.version, span=e.span) for e in ds.extensions)
        return tuple(sorted(exts, key=lambda e: e.name))

    def _enums(self) -> tuple[list[EnumType], list[Domain]]:
        enums: list[EnumType] = []
        domains: list[Domain] = []
        for e in self.schema.enums:
            values = tuple(v.db_name for v in e.values)
            if self.choices.enum_as_domain:
                domains.append(Domain(self._schema_of(e), e.db_name, SqlType("TEXT"), allowed_values=values,
                                      span=e.span))
            else:
                enums.append(EnumType(self._schema_of(e), e.db_name, values, span=e.span))
        return enums, domains

    # -- identity widening ---------------------------------------------------------------------
    def _widened_fields(self) -> frozenset[tuple[str, str]]:
        """(model, field) pairs whose integer column becomes BIGINT: identity columns and,
        transitively, every column referencing one (so foreign key types match)."""
        if self.choices.autoincrement != "identity":
            return frozenset()
        widened = {
            (m.name, f.name) for m in self.models for f in m.fields
            if f.default is not None and f.default.function == "autoincrement"
        }
        links = [(rel.from_model, own, rel.to_model, ref) for rel in self.schema.relations if rel.kind != "m-n"
                 for own, ref in zip(rel.fields, rel.references)]
        changed = True
        while changed:
            changed = False
            for from_model, own, to_model, ref in links:
                if (to_model, ref) in widened and (from_model, own) not in widened:
                    widened.add((from_model, own))
                    changed = True
        return frozenset(widened)

    # -- tables --------------------------------------------------------------------------------
    def _table(self, m: Model) -> Table:
        columns = tuple(self._column(m, f) for f in m.fields if f.is_scalar_like)
        pk = None
        if m.primary_key is not None:
            cols = tuple(self._db_name(m, f.name) for f in m.primary_key.fields)
            pk = PrimaryKey(m.primary_key.map or naming.primary_key_name(m.db_name), cols, span=m.primary_key.span)
        ordered = ([u for u in m.uniques if u.from_field] + [i for i in m.indexes if i.kind == "index"]
                   + [u for u in m.uniques if not u.from_field])
        indexes = tuple(self._index(m, i) for i in ordered)
        fks = self._foreign_keys(m) if self.choices.foreign_keys else ()
        return Table(self._schema_of(m), m.db_name, columns, pk, indexes, fks, span=m.span)

    @staticmethod
    def _db_name(m: Model, field_name: str) -> str:
        f = m.field(field_name)
        return f.db_name if f is not None else field_name

    def _column(self, m: Model, f: Field) -> Column:
        sql_type = self._column_type(f)
        identity = None
        default = f.default
        if default is not None and default.function == "autoincrement":
            if self.choices.autoincrement == "identity":
                identity = Identity("by_default", self.choices.identity_cache)
            else:
                identity = Identity("serial")
        if (m.name, f.name) in self.widened and sql_type.name in WIDENED_TO_BIGINT and sql_type.kind == "builtin":
            sql_type = sql_type.with_name("BIGINT")
        return Column(
            f.db_name, sql_type, nullable=f.arity is not Arity.REQUIRED,
            default=self._default(f, sql_type), identity=identity, span=f.span,
        )

    def _column_type(self, f: Field) -> SqlType:
        array = f.arity is Arity.LIST
        if f.kind is FieldKind.UNSUPPORTED:
            return SqlType(f.unsupported or "", array=array, kind="raw")
        if f.kind is FieldKind.ENUM:
            e = self.schema.enum(f.type_name)
            name = e.db_name if e else f.type_name
            return SqlType(name, array=array, kind="user", schema=self._schema_of(e) if e else self.default_schema)
        if f.native_type is not None and f.native_type.name in NATIVE_TYPES:
            args = tuple(int(a) for a in f.native_type.args if str(a).lstrip("-").isdigit())
            return SqlType(NATIVE_TYPES[f.native_type.name], args, array)
        if f.type_name == "Json" or f.type_name not in DEFAULT_TYPES:  # composite types are stored as JSON
            base = self.choices.json
        else:
            base = DEFAULT_TYPES[f.type_name]
        return SqlType(base.name, base.args, True) if array else base

    # -- defaults ------------------------------------------------------------------------------
    def _default(self, f: Field, sql_type: SqlType) -> ColumnDefault | None:
        d = f.default
        if d is None:
            return None
        if d.kind == "function":
            if d.function == "now":
                return ColumnDefault("now", span=d.span)
            if d.function == "dbgenerated" and d.args and isinstance(d.args[0], str):
                return ColumnDefault("expression", d.args[0], span=d.span)
            return None  # autoincrement (identity), client-side ids, dbgenerated() without SQL
        if d.kind == "list":
            items = tuple(self._literal(f, v, "enum" if f.kind is FieldKind.ENUM else None) for v in d.value)
            return ColumnDefault("list", tuple(i for i in items if i is not None), span=d.span)
        text = d.text if d.literal_type == "number" else None
        value = self._literal(f, d.value, d.literal_type, text)
        return replace(value, span=d.span) if value is not None else None

    def _literal(self, f: Field, value: Any, literal_type: str | None, text: str | None = None) -> ColumnDefault | None:
        if f.kind is FieldKind.ENUM or literal_type == "enum":
            e = self.schema.enum(f.type_name)
            mapped = {v.name: v.db_name for v in e.values} if e else {}
            return ColumnDefault("enum", mapped.get(value, value))
        if isinstance(value, bool):
            return ColumnDefault("boolean", value)
        if isinstance(value, (int, float)):
            return ColumnDefault("number", text or _number_text(value))
        if not isinstance(value, str):
            return None
        kind = f.type_name
        if kind == "DateTime":
            return ColumnDefault("datetime", _datetime_literal(value))
        if kind == "Json":
            return ColumnDefault("json", value)
        if kind == "Bytes":
            try:
                return ColumnDefault("bytes", base64.b64decode(value, validate=True))
            except (binascii.Error, ValueError):
                return ColumnDefault("string", value)
        if kind in ("Decimal", "Float", "Int", "BigInt"):
            return ColumnDefault("number", _number_text(value))
        return ColumnDefault("string", value)

    # -- indexes -------------------------------------------------------------------------------
    def _index(self, m: Model, idx) -> Index:
        cols = tuple(self._db_name(m, f.name) for f in idx.fields)
        if idx.map:
            name = idx.map
        elif idx.kind == "unique":
            name = naming.unique_name(m.db_name, cols)
        else:
            name = naming.index_name(m.db_name, cols)
        keys = tuple(
            IndexColumn(col, f.sort.upper() if f.sort else None, _opclass(f.ops))
            for col, f in zip(cols, idx.fields)
        )
        return Index(name, keys, unique=idx.kind == "unique", method=INDEX_METHODS.get(idx.type),
                     predicate=_predicate(m, idx.where), span=idx.span)

    # -- relations -----------------------------------------------------------------------------
    def _foreign_keys(self, m: Model) -> tuple[ForeignKey, ...]:
        rels = [r for r in self.outgoing.get(m.name, ()) if r.to_model in self.model_index]
        if len(rels) > 1:
            field_order = {f.name: i for i, f in enumerate(m.fields)}
            rels.sort(key=lambda r: field_order.get(r.from_field, len(field_order)))
        out = []
        for r in rels:
            target = self.schema.model(r.to_model)
            cols = tuple(self._db_name(m, n) for n in r.fields)
            ref_cols = tuple(self._db_name(target, n) for n in r.references)
            out.append(ForeignKey(
                r.map or naming.foreign_key_name(m.db_name, cols), cols, self._schema_of(target), target.db_name,
                ref_cols, _action(r.on_delete, "RESTRICT"), _action(r.on_update, "CASCADE"), span=r.span,
            ))
        return tuple(out)

    def _join_tables(self, tables: dict[str, Table]) -> list[Table]:
        """Implicit many-to-many tables `_<Relation>`: columns A and B typed like the ids
        of the two models (A sorts first), primary key (A, B), an index on B, and
        cascading foreign keys where the target has them."""
        out = []
        for rel in sorted((r for r in self.schema.relations if r.kind == "m-n"), key=self._ingest_position):
            a, b = tables.get(rel.from_model), tables.get(rel.to_model)
            if a is None or b is None or a.primary_key is None or b.primary_key is None:
                continue
            names = naming.implicit_m2n_names(rel.name)
            cols = []
            for letter, t in (("A", a), ("B", b)):
                id_col = t.column(t.primary_key.columns[0])
                cols.append(Column(letter, id_col.type, nullable=False, span=rel.span))
            fks: tuple[ForeignKey, ...] = ()
            if self.choices.foreign_keys:
                fks = tuple(
                    ForeignKey(names[key], (letter,), t.schema, t.name, (t.primary_key.columns[0],),
                               "CASCADE", "CASCADE", span=rel.span)
                    for key, letter, t in (("fk_a", "A", a), ("fk_b", "B", b))
                )
            out.append(Table(
                a.schema, names["table"], tuple(cols),
                PrimaryKey(names["primary_key"], ("A", "B"), span=rel.span),
                (Index(names["index"], (IndexColumn("B"),), span=rel.span),),
                fks, span=rel.span,
            ))
        return out

    def _ingest_position(self, rel: Relation) -> tuple[int, int]:
        """Where Prisma meets the relation: model A's relation field. Join tables and
        their foreign keys follow that order."""
        m = self.schema.model(rel.from_model)
        fields = [f.name for f in m.fields] if m else []
        pos = fields.index(rel.from_field) if rel.from_field in fields else len(fields)
        return (self.model_index.get(rel.from_model, len(self.models)), pos)


# -- helpers ---------------------------------------------------------------------------------------


def _action(action, fallback: str) -> str:
    if action is None:
        return fallback
    return _REFERENTIAL_ACTIONS[getattr(action, "value", action)]


def _number_text(value: Any) -> str:
    """A number as Prisma writes it: integers as they are, decimals without exponent."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = repr(value) if isinstance(value, float) else str(value).strip()
    if "e" in text.lower():
        try:
            text = format(Decimal(text), "f")
        except InvalidOperation:
            pass
    return text


def _datetime_literal(value: str) -> str:
    """An RFC 3339 timestamp as Prisma renders it (chrono's `DateTime<FixedOffset>`):
    `2020-01-02 03:04:05.678 +00:00`, fractions in groups of 3 digits, none when zero."""
    m = _DATETIME.match(value.strip())
    if m is None:
        return value
    date, time, frac, offset = m.groups()
    frac = (frac or "").ljust(9, "0")
    nanos = int(frac) if frac else 0
    if nanos == 0:
        fraction = ""
    elif nanos % 1_000_000 == 0:
        fraction = f".{nanos // 1_000_000:03d}"
    elif nanos % 1_000 == 0:
        fraction = f".{nanos // 1_000:06d}"
    else:
        fraction = f".{nanos:09d}"
    if offset in ("Z", "z"):
        offset = "+00:00"
    elif ":" not in offset:
        offset = f"{offset[:3]}:{offset[3:]}"
    return f"{date} {time}{fraction} {offset}"


def _opclass(ops: str | None) -> str | None:
    """Prisma's operator class (`JsonbPathOps`, `raw("text_pattern_ops")`) -> SQL name."""
    if not ops:
        return None
    if ops.startswith("raw(") and ops.endswith(")"):
        try:
            return str(_pyast.literal_eval(ops[4:-1]))
        except (ValueError, SyntaxError):
            return ops[4:-1].strip("'\"")
    words = [w.lower() for w in re.findall(r"[A-Z][a-z]*\d*|\d+", ops)]
    out: list[str] = []
    for w in words:
        glued = _OPCLASS_GLUE.get((out[-1], w)) if out else None
        if glued:
            out[-1] = glued
        else:
            out.append(w)
    return "_".join(out)


def _sql_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number_text(value)
    return "'" + str(value).replace("'", "''") + "'"


def _predicate(m: Model, where: Any) -> str | None:
    """A partial index's `where:` as SQL: `{ a: true, b: { not: null } }` ->
    `"a" = true AND "b" IS NOT NULL`; `raw("...")` verbatim."""
    if where is None:
        return None
    if isinstance(where, dict) and set(where) == {"raw"}:
        return str(where["raw"])
    parts = []
    for key, value in (where.items() if isinstance(where, dict) else ()):
        col = quote(_Builder._db_name(m, key))
        negate = isinstance(value, dict) and set(value) == {"not"}
        if negate:
            value = value["not"]
        if value is None:
            parts.append(f"{col} IS {'NOT ' if negate else ''}NULL")
        else:
            parts.append(f"{col} {'!=' if negate else '='} {_sql_literal(value)}")
    return " AND ".join(parts) or None
