"""`PullSchema` -> schema text, laid out as `prisma format` lays it out.

Contract: `print_model(m)`, `print_enum(e)` and `print_config(kind, name, pairs)` return one
block each, ending in a newline: two-space indentation; in a model the field names, types and
attributes in aligned columns, field attributes in Prisma's order; block attributes after a
blank line, in the order `prisma format` sorts them (`@@id`, `@@unique`, `@@index`, `@@map`, ...);
enum values with their `@map` aligned; `key = value` pairs aligned on `=`. `print_schema(schema, header)` joins the
header (datasource and generator blocks) and the blocks with one blank line between them.
Comment lines are printed as given, indented like the element they belong to.
"""

from __future__ import annotations

from prisma_dsql.pull.model import BlockAttribute, PullEnum, PullModel, PullSchema

INDENT = "  "


def _rows(rows: list[tuple[list[str], list[str], str | None]]) -> list[str]:
    """Rows of cells (with the comment lines above each, and a trailing comment) as aligned lines."""
    cells = [r[0] for r in rows]
    ncols = max((len(c) for c in cells), default=0)
    widths = [max((len(c[i]) for c in cells if len(c) > i), default=0) for i in range(ncols)]
    out = []
    for row, comments, trailing in rows:
        out.extend(INDENT + c for c in comments)
        parts = [cell.ljust(widths[i]) if i < len(row) - 1 else cell for i, cell in enumerate(row)]
        line = INDENT + " ".join(parts).rstrip()
        if trailing:
            line += " " + trailing
        out.append(line)
    return out


#: Block attributes in the order `prisma format` puts them.
_BLOCK_ATTRIBUTE_ORDER = ("@@id", "@@unique", "@@index", "@@fulltext", "@@map", "@@ignore", "@@schema")


def _block_rank(a: BlockAttribute) -> int:
    head = a.text.split("(", 1)[0]
    return _BLOCK_ATTRIBUTE_ORDER.index(head) if head in _BLOCK_ATTRIBUTE_ORDER else len(_BLOCK_ATTRIBUTE_ORDER)


def _block_attributes(attrs: list[BlockAttribute]) -> list[str]:
    out = []
    for a in sorted(attrs, key=_block_rank):
        out.extend(INDENT + c for c in a.comments)
        out.append(INDENT + a.text + (" " + a.trailing if a.trailing else ""))
    return out


#: Field attributes in the order Prisma writes them.
_ATTRIBUTE_ORDER = ("@id", "@default", "@unique", "@updatedAt", "@map", "@relation", "@db.", "@ignore")


def _rank(attribute: str) -> int:
    head = attribute.split("(", 1)[0]
    return next((i for i, p in enumerate(_ATTRIBUTE_ORDER) if head == p or (p.endswith(".") and head.startswith(p))),
                len(_ATTRIBUTE_ORDER))


def print_model(m: PullModel, keyword: str = "model") -> str:
    lines = list(m.comments) + [f"{keyword} {m.name} {{"]
    rows = []
    for f in m.fields:
        attrs = " ".join(sorted(f.attributes, key=_rank))
        cells = [f.name, f.type + f.arity] + ([attrs] if attrs else [])
        rows.append((cells, f.comments, f.trailing))
    lines += _rows(rows)
    if m.attributes:
        if m.fields:
            lines.append("")
        lines += _block_attributes(m.attributes)
    lines += [INDENT + c for c in m.closing_comments]
    lines.append("}")
    return "\n".join(lines) + "\n"


def print_enum(e: PullEnum) -> str:
    lines = list(e.comments) + [f"enum {e.name} {{"]
    lines += _rows([([v.name, " ".join(v.attributes)] if v.attributes else [v.name], v.comments, v.trailing)
                    for v in e.values])
    if e.attributes:
        lines.append("")
        lines += _block_attributes(e.attributes)
    lines += [INDENT + c for c in e.closing_comments]
    lines.append("}")
    return "\n".join(lines) + "\n"


def print_config(kind: str, name: str, pairs: list[tuple[str, str]]) -> str:
    width = max((len(k) for k, _ in pairs), default=0)
    body = [f"{INDENT}{k.ljust(width)} = {v}" for k, v in pairs]
    return "\n".join([f"{kind} {name} {{", *body, "}"]) + "\n"


def default_header(schema: PullSchema) -> list[str]:
    """The generator and datasource of a schema pulled without an existing one (Prisma 7: the URL
    lives in prisma.config.ts, not in the schema)."""
    generator = [("provider", '"prisma-client-js"')]
    if schema.preview_features:
        generator.append(("previewFeatures", "[" + ", ".join(f'"{p}"' for p in schema.preview_features) + "]"))
    datasource = [("provider", '"postgresql"')]
    if schema.schemas:
        datasource.append(("schemas", "[" + ", ".join(f'"{s}"' for s in schema.schemas) + "]"))
    return [print_config("generator", "client", generator), print_config("datasource", "db", datasource)]


def print_schema(schema: PullSchema, header: list[str] | None = None) -> str:
    blocks = list(default_header(schema) if header is None else header)
    blocks += [print_model(m) for m in schema.models]
    blocks += [print_enum(e) for e in schema.enums]
    return "\n".join(blocks)
