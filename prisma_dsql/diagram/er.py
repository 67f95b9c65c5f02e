"""What an ER diagram shows, read from the resolved schema graph.

Contract: `build(schema) -> Diagram` with one `Entity` per model (then view, then enum), in
declaration order, each with its rows (fields of a model: name, type as written in Prisma with
`?`/`[]`, and the key markers PK, FK, UK; values of an enum), and one `Link` per relation with
its cardinality at both ends. Relation fields are not rows: the links draw them. Nothing here
escapes text; each renderer escapes for its own format.
"""

from __future__ import annotations

from dataclasses import dataclass

from prisma_dsql.schema.model import Field, FieldKind, Model, Schema


@dataclass(frozen=True)
class Row:
    name: str
    #: The Prisma type as written: `String?`, `Role[]`, `Unsupported("tsvector")`; "" for an enum value.
    type: str
    #: "PK", "FK", "UK" in that order, as they apply.
    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Entity:
    name: str
    #: "model", "view" or "enum"
    kind: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Link:
    """A relation. `source` holds the foreign key (for m-n: the model whose name sorts first);
    the ends are "1", "0..1" or "*": how many `source` rows one `target` row has (`source_end`)
    and how many `target` rows one `source` row has (`target_end`)."""

    source: str
    target: str
    source_end: str
    target_end: str
    #: The relation field on `source` (what Prisma Client calls the link from there).
    label: str
    #: "1-1", "1-n" or "m-n"
    kind: str


@dataclass(frozen=True)
class Diagram:
    entities: tuple[Entity, ...]
    links: tuple[Link, ...]

    def entity(self, name: str) -> Entity | None:
        for e in self.entities:
            if e.name == name:
                return e
        return None


def type_text(f: Field) -> str:
    base = f'Unsupported("{f.unsupported}")' if f.kind is FieldKind.UNSUPPORTED and f.unsupported else f.type_name
    return base + ("?" if f.is_optional else "[]" if f.is_list else "")


def _keys(model: Model, f: Field, foreign: set[str]) -> tuple[str, ...]:
    keys = []
    pk = model.primary_key
    if pk is not None and any(x.name == f.name for x in pk.fields):
        keys.append("PK")
    if f.name in foreign:
        keys.append("FK")
    if any(len(u.fields) == 1 and u.fields[0].name == f.name for u in model.uniques):
        keys.append("UK")
    return tuple(keys)


def build(schema: Schema) -> Diagram:
    foreign: dict[str, set[str]] = {}
    for rel in schema.relations:
        foreign.setdefault(rel.from_model, set()).update(rel.fields)
    entities = []
    for m in (*schema.models, *schema.views):
        rows = tuple(Row(f.name, type_text(f), _keys(m, f, foreign.get(m.name, set())))
                     for f in m.fields if f.kind is not FieldKind.RELATION)
        entities.append(Entity(m.name, "view" if m.is_view else "model", rows))
    for e in schema.enums:
        entities.append(Entity(e.name, "enum", tuple(Row(v.name, "") for v in e.values)))
    names = {e.name for e in entities}
    links = []
    for rel in schema.relations:
        if rel.from_model not in names or rel.to_model not in names:
            continue
        if rel.kind == "m-n":
            links.append(Link(rel.from_model, rel.to_model, "*", "*", rel.from_field, "m-n"))
            continue
        owner = schema.model(rel.from_model)
        fk = owner.field(rel.from_field) if owner is not None else None
        optional = fk is not None and fk.is_optional
        many = "0..1" if rel.kind == "1-1" else "*"
        links.append(Link(rel.from_model, rel.to_model, many, "0..1" if optional else "1", rel.from_field,
                          rel.kind))
    return Diagram(tuple(entities), tuple(links))
