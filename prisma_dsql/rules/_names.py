"""The names of the database objects the DDL will create, for the identifier rules.

Follows Prisma's PostgreSQL naming (`prisma_dsql.schema.naming`): default names of
primary keys, unique indexes, indexes and foreign keys are built from database
names and cut by Prisma to 63 bytes; every other name (tables, columns, enum
domains, `map:` names, implicit many-to-many tables) is used as written, and
the database cuts it to 63 bytes itself.
"""

from __future__ import annotations

from typing import Iterator, NamedTuple

from prisma_dsql.rules._base import Context, index_likes
from prisma_dsql.schema import naming
from prisma_dsql.schema.model import Index, Model, PrimaryKey
from prisma_dsql.source import Span


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


def _columns(model: Model, names) -> list[str]:
    out = []
    for n in names:
        f = model.field(n)
        out.append(f.db_name if f is not None else n)
    return out


def database_objects(ctx: Context) -> Iterator[DbObject]:
    """Every named object the DDL creates for the schema (tables, columns, indexes, constraints, domains)."""
    schema = ctx.schema
    for e in schema.enums:
        s = schema.schema_of(e)
        yield DbObject(("type", s), e.db_name, "domain", e.name_span, f"enum {e.name}", False, "@@map")
    for v in schema.views:
        s = schema.schema_of(v)
        for ns in ("relation", "type"):
            yield DbObject((ns, s), v.db_name, "view", v.name_span, v.name, False, "@@map")
    for m in schema.models:
        s = schema.schema_of(m)
        table = m.db_name
        for ns in ("relation", "type"):
            yield DbObject((ns, s), table, "table", m.name_span, m.name, False, "@@map")
        for f in m.fields:
            if f.is_scalar_like:
                yield DbObject(("column", s, table), f.db_name, "column", f.span, f"{m.name}.{f.name}", False, "@map")
        for ix in index_likes(m):
            obj = ix.obj
            if ix.kind == "fulltext":
                continue
            cols = _columns(m, [f.name for f in ix.fields])
            if isinstance(obj, PrimaryKey):
                kind, name = "primary key", obj.map or naming.primary_key_name(table)
                # The primary key is both a constraint of the table and an index in the schema.
                yield DbObject(("constraint", s, table), name, kind, ix.span, ix.subject, obj.map is None, "map:")
            elif isinstance(obj, Index) and ix.kind == "unique":
                kind, name = "unique index", obj.map or naming.unique_name(table, cols)
            else:
                kind, name = "index", obj.map or naming.index_name(table, cols)
            yield DbObject(("relation", s), name, kind, ix.span, ix.subject, obj.map is None, "map:")
    for rel in schema.relations:
        owner = schema.model(rel.from_model)
        target = schema.model(rel.to_model)
        if owner is None or target is None or owner.is_view or target.is_view:
            continue
        s = schema.schema_of(owner)
        subj = f"{rel.from_model}.{rel.from_field}"
        if rel.kind == "m-n":
            names = naming.implicit_m2n_names(rel.name)
            table = names["table"]
            # Prisma puts the join table in the schema of the model that sorts first ("A").
            for ns in ("relation", "type"):
                yield DbObject((ns, s), table, "implicit many-to-many table", rel.span, subj, False, '@relation("...")')
            for col in ("A", "B"):
                yield DbObject(("column", s, table), col, "column", rel.span, subj, True, "")
            yield DbObject(("constraint", s, table), names["primary_key"], "primary key", rel.span, subj, True, "")
            yield DbObject(("relation", s), names["primary_key"], "primary key", rel.span, subj, True, "")
            yield DbObject(("relation", s), names["index"], "index", rel.span, subj, True, "")
            yield DbObject(("constraint", s, table), names["fk_a"], "foreign key", rel.span, subj, True, "")
            yield DbObject(("constraint", s, table), names["fk_b"], "foreign key", rel.span, subj, True, "")
        elif ctx.schema.relation_mode != "prisma":
            name = rel.map or naming.foreign_key_name(owner.db_name, _columns(owner, rel.fields))
            yield DbObject(("constraint", s, owner.db_name), name, "foreign key", rel.span, subj, rel.map is None,
                           "map:")
