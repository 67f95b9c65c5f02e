"""The names of the database objects the DDL will create, for the identifier rules.

Follows Prisma's PostgreSQL naming (`prisma_dsql.schema.naming`): default names of
primary keys, unique indexes, indexes and foreign keys are built from database
names and cut by Prisma to 63 bytes; every other name (tables, columns, enum
domains, `map:` names, implicit many-to-many tables) is used as written, and
the database cuts it to 63 bytes itself.

Two lists, because the second is rarely needed and costs the most to build:
- `written_names`: names as written (tables, views, domains, `map:`, join
  tables, long column names);
- `default_names`: the names Prisma makes (`User_email_key`, `_PostToTag_AB_pkey`).
A default name ends with its suffix (`_pkey`, `_key`, `_idx`, `_fkey`,
`_index`) even when cut, and two default names that are equal are Prisma-level
errors already (PSL101). So a default name can only meet another object's name
if some written name ends with one of those suffixes (once cut to 63 bytes);
`database_objects` builds the default names only then.
"""

from __future__ import annotations

from typing import NamedTuple

from prisma_dsql.rules._base import Context
from prisma_dsql.schema import naming
from prisma_dsql.schema.model import Model
from prisma_dsql.source import Span
from prisma_dsql.sql import names

DEFAULT_SUFFIXES = ("_pkey", "_key", "_idx", "_fkey", "_index")


class DbObject(NamedTuple):
    #: Where the name must be unique: ("relation", schema), ("type", schema),
    #: ("column", schema, table) or ("constraint", schema, table).
    namespace: tuple
    name: str
    #: "table", "column", "primary key", "unique index", "index", "foreign key", ...
    kind: str
    span: Span
    subject: str
    #: True when Prisma made the name and already cut it to 63 bytes.
    prisma_named: bool
    #: The Prisma attribute that sets this name, for advice: `@@map`, `@map`, `map:`, `@relation("...")`.
    renamed_by: str


#: A column name shorter than this cannot collide with another once cut to 63 bytes (a cut name keeps
#: at least 60 bytes), and exact duplicates are Prisma-level errors; so shorter columns are skipped.
_COLUMN_BYTES_OF_INTEREST = naming.MAX_IDENTIFIER_BYTES - 3


def cut(name: str, size: int = naming.MAX_IDENTIFIER_BYTES) -> str:
    """The name as the database keeps it (``size`` bytes at most: the profile's `identifier_bytes`)."""
    return names.cut(name, size)


def written_names(ctx: Context) -> list[DbObject]:
    return ctx.memo("written_names", lambda: _written(ctx))


def database_objects(ctx: Context) -> list[DbObject]:
    """Every named object the DDL creates that can collide with another: the written names, and the
    default names where a written name could meet one."""
    written = written_names(ctx)
    size = names.identifier_bytes(ctx.profile)
    if any(cut(o.name, size).endswith(DEFAULT_SUFFIXES) for o in written if o.namespace[0] != "column"):
        return written + _defaults(ctx)
    return written


def _written(ctx: Context) -> list[DbObject]:
    schema = ctx.schema
    out: list[DbObject] = []
    add = out.append
    # tuple.__new__ skips the NamedTuple's Python-level constructor: this runs for every model.
    new = tuple.__new__
    for e in schema.enums:
        add(new(DbObject, (("type", e.schema or "public"), e.db_name, "domain", e.name_span, f"enum {e.name}",
                           False, "@@map")))
    for v in schema.views:
        s = v.schema or "public"
        for ns in ("relation", "type"):
            add(new(DbObject, ((ns, s), v.db_name, "view", v.name_span, v.name, False, "@@map")))
    for m in schema.models:
        s = m.schema or "public"
        table = m.db_name
        add(new(DbObject, (("relation", s), table, "table", m.name_span, m.name, False, "@@map")))
        add(new(DbObject, (("type", s), table, "table", m.name_span, m.name, False, "@@map")))
        pk = m.primary_key
        if pk is not None and pk.map:
            subj = _index_subject(m, pk)
            # The primary key is both a constraint of the table and an index in the schema.
            add(new(DbObject, (("constraint", s, table), pk.map, "primary key", pk.span, subj, False, "map:")))
            add(new(DbObject, (("relation", s), pk.map, "primary key", pk.span, subj, False, "map:")))
        for ix in (*m.uniques, *m.indexes):
            if ix.map and ix.kind != "fulltext":
                kind = "unique index" if ix.kind == "unique" else "index"
                add(new(DbObject, (("relation", s), ix.map, kind, ix.span, _index_subject(m, ix), False, "map:")))
    for m, f in ctx.long_column_names():
        name = f.db_name
        if len(name.encode("utf-8")) >= _COLUMN_BYTES_OF_INTEREST:
            add(new(DbObject, (("column", m.schema or "public", m.db_name), name, "column", f.span,
                               f"{m.name}.{f.name}", False, "@map")))
    for rel, owner, _ in ctx.relations:
        if rel.kind == "m-n":
            s = owner.schema or "public"
            subj = f"{rel.from_model}.{rel.from_field}"
            # Prisma puts the join table in the schema of the model that sorts first ("A").
            for ns in ("relation", "type"):
                add(new(DbObject, ((ns, s), f"_{rel.name}", "implicit many-to-many table", rel.span, subj,
                                   False, '@relation("...")')))
        elif rel.map and schema.relation_mode != "prisma":
            s, subj = owner.schema or "public", f"{rel.from_model}.{rel.from_field}"
            add(new(DbObject, (("constraint", s, owner.db_name), rel.map, "foreign key", rel.span, subj, False,
                               "map:")))
    return out


def _defaults(ctx: Context) -> list[DbObject]:
    schema = ctx.schema
    out: list[DbObject] = []
    add = out.append
    for m in schema.models:
        s = m.schema or "public"
        table = m.db_name
        pk = m.primary_key
        if pk is not None and not pk.map:
            name = naming.primary_key_name(table)
            subj = _index_subject(m, pk)
            add(DbObject(("constraint", s, table), name, "primary key", pk.span, subj, True, "map:"))
            add(DbObject(("relation", s), name, "primary key", pk.span, subj, True, "map:"))
        for ix in (*m.uniques, *m.indexes):
            if ix.map or ix.kind == "fulltext":
                continue
            cols = _columns(m, [f.name for f in ix.fields])
            if ix.kind == "unique":
                kind, name = "unique index", naming.unique_name(table, cols)
            else:
                kind, name = "index", naming.index_name(table, cols)
            add(DbObject(("relation", s), name, kind, ix.span, _index_subject(m, ix), True, "map:"))
    for rel, owner, _ in ctx.relations:
        s = owner.schema or "public"
        subj = f"{rel.from_model}.{rel.from_field}"
        if rel.kind == "m-n":
            names = naming.implicit_m2n_names(rel.name)
            table = names["table"]
            add(DbObject(("constraint", s, table), names["primary_key"], "primary key", rel.span, subj, True, ""))
            add(DbObject(("relation", s), names["primary_key"], "primary key", rel.span, subj, True, ""))
            add(DbObject(("relation", s), names["index"], "index", rel.span, subj, True, ""))
            add(DbObject(("constraint", s, table), names["fk_a"], "foreign key", rel.span, subj, True, ""))
            add(DbObject(("constraint", s, table), names["fk_b"], "foreign key", rel.span, subj, True, ""))
        elif not rel.map and schema.relation_mode != "prisma":
            name = naming.foreign_key_name(owner.db_name, _columns(owner, rel.fields))
            add(DbObject(("constraint", s, owner.db_name), name, "foreign key", rel.span, subj, True, "map:"))
    return out


def _index_subject(m: Model, ix) -> str:
    return f"{m.name}.{ix.fields[0].name}" if ix.from_field and ix.fields else m.name


def _columns(model: Model, names) -> list[str]:
    out = []
    for n in names:
        f = model.field(n)
        out.append(f.db_name if f is not None else n)
    return out
