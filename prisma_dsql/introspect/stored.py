"""A catalog as the database keeps it: what a migration from it reads back as.

Contract: `stored_form(catalog, profile=None)` returns `catalog` rewritten where the database
stores something other than what was written, and is idempotent. The introspector's output
is already in this form (`stored_form(introspect(...)) == introspect(...)`), so comparing a
schema's catalog with a database means comparing `stored_form(desired, profile)` with the
introspected one. Each rewrite, and why:

- names longer than the profile's `identifier_bytes` (63) are cut on a character boundary,
  as PostgreSQL and DSQL cut them, wherever they appear (objects and references);
- index keys: an explicit ASC is the default and is dropped; where the profile cannot hold
  sort orders (DSQL) the target leaves them out, so they are dropped too;
- on DSQL a bare NUMERIC/DECIMAL is DECIMAL(18,6); CHAR and BIT without a length are (1);
- an identity column without CACHE gets the sequence default, 1;
- defaults: timestamps, dates and times as `expressions.canonical_datetime` spells them for
  the column's type (timestamptz in UTC), JSON as `canonical_json`; lists item by item;
- partial index predicates as `expressions.canonical_predicate` spells them;
- an operator class that is the default for its index method and column type (`jsonb_ops` in a GIN
  index over JSONB, `int4_minmax_ops` in a BRIN index over INTEGER) is dropped: PostgreSQL does not
  print it back, so a schema that names it would otherwise be re-created by every diff.

Not rewritten (the differ must treat them as it sees fit): `dbgenerated()` SQL and CHECK
expressions, which PostgreSQL reprints in its own way; extensions' schema and version.
"""

from __future__ import annotations

from dataclasses import replace

from prisma_dsql.capabilities import DSQL_NUMERIC_DEFAULT, Profile
from prisma_dsql.catalog.model import (
    Catalog,
    Column,
    ColumnDefault,
    Domain,
    ForeignKey,
    Identity,
    Index,
    IndexColumn,
    SqlType,
    Table,
)
from prisma_dsql.introspect.expressions import (
    DATETIME_TYPES,
    JSON_TYPES,
    canonical_datetime,
    canonical_json,
    canonical_predicate,
)
from prisma_dsql.sql.names import cut, identifier_bytes

#: Default operator classes, by index method: opclass -> the column types it is the default for ("[]":
#: any array). B-tree and hash keys never carry one from Prisma.
_DEFAULT_OPCLASSES: dict[str, dict[str, frozenset[str]]] = {
    "GIN": {"jsonb_ops": frozenset({"JSONB"}), "array_ops": frozenset({"[]"}),
            "tsvector_ops": frozenset({"TSVECTOR"})},
    "SPGIST": {"text_ops": frozenset({"TEXT", "VARCHAR"}), "inet_ops": frozenset({"INET", "CIDR"})},
    "BRIN": {f"{op}_minmax_ops": frozenset(types) for op, types in (
        ("int2", {"SMALLINT"}), ("int4", {"INTEGER"}), ("int8", {"BIGINT"}), ("float4", {"REAL"}),
        ("float8", {"DOUBLE PRECISION"}), ("numeric", {"DECIMAL"}), ("date", {"DATE"}),
        ("timestamp", {"TIMESTAMP"}), ("timestamptz", {"TIMESTAMPTZ"}), ("time", {"TIME"}), ("timetz", {"TIMETZ"}),
        ("uuid", {"UUID"}), ("text", {"TEXT", "VARCHAR"}), ("bpchar", {"CHAR"}), ("bytea", {"BYTEA"}),
        ("oid", {"OID"}), ("bit", {"BIT"}), ("varbit", {"VARBIT"}))}
    | {"inet_inclusion_ops": frozenset({"INET", "CIDR"})},
}


def default_opclass(method: str | None, opclass: str | None, column_type: SqlType | None) -> bool:
    """Whether `opclass` is what PostgreSQL picks anyway for a key of `column_type` in a `method` index."""
    if not opclass or method is None or column_type is None:
        return False
    types = _DEFAULT_OPCLASSES.get(method.upper().replace("-", ""), {}).get(opclass.lower())
    if types is None:
        return False
    return ("[]" in types) if column_type.array else (column_type.kind == "builtin" and column_type.name in types)


#: Types whose length defaults to 1 when none is given.
_LENGTH_ONE = frozenset({"CHAR", "BIT"})


def stored_form(catalog: Catalog, profile: Profile | None = None) -> Catalog:
    return _Stored(profile).catalog(catalog)


class _Stored:
    def __init__(self, profile: Profile | None) -> None:
        self.profile = profile
        self.size = identifier_bytes(profile)
        self.dsql_numeric = profile is not None and profile.target == "dsql"
        self.sort_orders = profile is None or profile.supports("index_sort_order")

    def name(self, name: str) -> str:
        return cut(name, self.size)

    def names(self, names: tuple[str, ...]) -> tuple[str, ...]:
        if all(len(n) * 4 <= self.size for n in names):
            return names
        return tuple(self.name(n) for n in names)

    def catalog(self, c: Catalog) -> Catalog:
        return replace(
            c,
            schemas=self.names(c.schemas),
            default_schema=self.name(c.default_schema),
            enums=tuple(replace(e, schema=self.name(e.schema), name=self.name(e.name)) for e in c.enums),
            domains=tuple(self.domain(d) for d in c.domains),
            sequences=tuple(replace(s, schema=self.name(s.schema), name=self.name(s.name), type=self.type(s.type),
                                    owned_by=(self.name(s.owned_by[0]), self.name(s.owned_by[1]))
                                    if s.owned_by else None)
                            for s in c.sequences),
            tables=tuple(self.table(t) for t in c.tables),
            views=tuple(replace(v, schema=self.name(v.schema), name=self.name(v.name)) for v in c.views),
        )

    def type(self, t: SqlType) -> SqlType:
        if t.kind == "user":
            return replace(t, name=self.name(t.name), schema=self.name(t.schema) if t.schema else t.schema)
        if t.kind != "builtin" or t.args:
            return t
        if t.name == "DECIMAL" and self.dsql_numeric:
            return replace(t, args=DSQL_NUMERIC_DEFAULT)
        if t.name in _LENGTH_ONE:
            return replace(t, args=(1,))
        return t

    def default(self, d: ColumnDefault | None, t: SqlType) -> ColumnDefault | None:
        if d is None:
            return None
        if d.kind == "list":
            return replace(d, value=tuple(self.default(v, t.element()) for v in d.value))
        if d.kind == "datetime" and t.kind == "builtin" and t.name in DATETIME_TYPES:
            return replace(d, value=canonical_datetime(str(d.value), t))
        if d.kind == "json" or (d.kind == "string" and t.kind == "builtin" and t.name in JSON_TYPES):
            return replace(d, kind="json", value=canonical_json(str(d.value)))
        return d

    def domain(self, d: Domain) -> Domain:
        t = self.type(d.type)
        return replace(d, schema=self.name(d.schema), name=self.name(d.name), type=t,
                       default=self.default(d.default, t),
                       checks=tuple(replace(c, name=self.name(c.name)) for c in d.checks))

    def column(self, c: Column) -> Column:
        t = self.type(c.type)
        identity = c.identity
        if identity is not None and identity.style != "serial" and identity.cache is None:
            identity = Identity(identity.style, 1)
        name, default = self.name(c.name), self.default(c.default, t)
        if name is c.name and t is c.type and default is c.default and identity is c.identity:
            return c  # most columns are stored as written: no copy (1000 tables: a third of the time)
        return replace(c, name=name, type=t, default=default, identity=identity)

    def index(self, i: Index, types: dict | None = None) -> Index:
        keys = []
        for k in i.columns:
            sort = k.sort if k.sort != "ASC" and self.sort_orders else None
            opclass = k.opclass
            if not k.expression and default_opclass(i.method, opclass, (types or {}).get(k.name)):
                opclass = None
            keys.append(IndexColumn(k.name if k.expression else self.name(k.name), sort, opclass, k.expression,
                                    k.nulls))
        return replace(i, name=self.name(i.name), columns=tuple(keys), include=self.names(i.include),
                       predicate=canonical_predicate(i.predicate))

    def foreign_key(self, fk: ForeignKey) -> ForeignKey:
        if all(len(n) * 4 <= self.size for n in (fk.name, fk.referenced_schema, fk.referenced_table,
                                                  *fk.columns, *fk.referenced_columns)):
            return fk
        return replace(fk, name=self.name(fk.name), columns=self.names(fk.columns),
                       referenced_schema=self.name(fk.referenced_schema),
                       referenced_table=self.name(fk.referenced_table),
                       referenced_columns=self.names(fk.referenced_columns))

    def table(self, t: Table) -> Table:
        pk = t.primary_key
        if pk is not None:
            pk = replace(pk, name=self.name(pk.name), columns=self.names(pk.columns))
        return replace(
            t, schema=self.name(t.schema), name=self.name(t.name),
            columns=tuple(self.column(c) for c in t.columns),
            primary_key=pk,
            indexes=tuple(self.index(i, {c.name: c.type for c in t.columns}) for i in t.indexes),
            foreign_keys=tuple(self.foreign_key(fk) for fk in t.foreign_keys),
            checks=tuple(replace(c, name=self.name(c.name)) for c in t.checks),
        )
