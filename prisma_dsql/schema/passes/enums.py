"""Enums: values, @map, @@map and @@schema."""

from __future__ import annotations

from prisma_dsql.schema import model as m
from prisma_dsql.schema.passes.context import Ctx, single_string_arg
from prisma_dsql.syntax import ast

def resolve_enum(ctx: Ctx, b: ast.Block) -> m.Enum:
    values: list[m.EnumValue] = []
    seen: dict[str, ast.EnumValue] = {}
    db_names: set[str] = set()
    for v in b.members:
        subject = f"{b.name}.{v.name}"
        if v.name in seen:
            ctx.error("PSL101", f"Value `{v.name}` is already defined on enum `{b.name}`.", v.span, subject=subject)
            continue
        seen[v.name] = v
        db_name = v.name
        for attr in v.attributes:
            if attr.name == "map":
                mapped = single_string_arg(ctx, attr, subject)
                if mapped is not None:
                    db_name = mapped
            else:
                ctx.error("PSL103", f"Attribute not known: \"@{attr.name}\".", attr.span, subject=subject,
                          help="Enum values take only `@map(\"...\")`.")
        if db_name in db_names:
            ctx.error("PSL101", f"The database value \"{db_name}\" is used twice in enum `{b.name}`.", v.span,
                      subject=subject)
        db_names.add(db_name)
        values.append(m.EnumValue(v.name, db_name, v.span, v.doc))
    db_name = b.name
    schema = schema_span = None
    used: set[str] = set()
    for attr in b.attributes:
        if attr.name in used and attr.name in ("map", "schema"):
            ctx.error("PSL105", f"The attribute `@@{attr.name}` can only be used once.", attr.span, subject=b.name)
            continue
        used.add(attr.name)
        if attr.name == "map":
            db_name = single_string_arg(ctx, attr, b.name) or db_name
        elif attr.name == "schema":
            schema = single_string_arg(ctx, attr, b.name)
            schema_span = attr.span
        else:
            ctx.error("PSL103", f"Attribute not known: \"@@{attr.name}\".", attr.span, subject=b.name,
                      help="Enums take `@@map` and `@@schema`.")
    if not values:
        ctx.error("PSL101", f"An enum must have at least one value: `{b.name}` has none.", b.name_span, subject=b.name)
    return m.Enum(b.name, db_name, tuple(values), b.span, b.name_span, schema, schema_span, b.doc)


