from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
import json as _json

from prisma_dsql.rules import _fix
from prisma_dsql.rules._base import Context, Finding, rule, subject
from prisma_dsql.schema.model import Field, FieldKind
from prisma_dsql.rules.json_column import json_field


@rule("DSQL106", "scalar-list", Severity.ERROR,
      "A scalar or enum list (`String[]`); DSQL has no array columns.",
      fix="the list becomes `Json` (a list default becomes a JSON array string, a native type goes), where the DSQL version has JSON columns.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports list fields of scalar, enum or `Unsupported` type: `String[]`, `Int[]`, `Role[]`, ...

    ## Why
    Prisma stores scalar lists in PostgreSQL array columns (`text[]`). DSQL supports arrays only in
    queries, never as a column type, so the table cannot be created.

    ## Example
    ```prisma
    model Post {
      id   BigInt   @id @default(autoincrement())
      tags String[]
    }
    ```

    ## Fix
    Store the list as JSON (Prisma Client then reads and writes a JSON array):
    ```prisma
    model Post {
      id   BigInt @id @default(autoincrement())
      tags Json   @db.JsonB // ["a", "b"]
    }
    ```
    or, to filter and index by element, use a related model:
    ```prisma
    model Post {
      id   BigInt    @id @default(autoincrement())
      tags PostTag[]
    }
    model PostTag {
      postId BigInt
      tag    String
      post   Post   @relation(fields: [postId], references: [id])
      @@id([postId, tag])
    }
    ```
    """
    for m, f in ctx.lists():
        kind = "an enum list" if f.kind.value == "enum" else "a scalar list"
        model_name = f"{m.name}{f.name[:1].upper()}{f.name[1:]}"
        relation = f"a related model `{model_name}` with one row per element"
        json = json_field(ctx, f)
        help = f"Store it as JSON: `{json}`, or use {relation}." if json else f"Use {relation}."
        yield Finding(
            f"`{m.name}.{f.name}` is {kind} (`{f.type_name}[]`); DSQL has no array columns.",
            f.type_span, subject(m, f), help=help, fix=as_json(ctx, f) if json else None)


def as_json(ctx: Context, f: Field):
    """The list as a `Json` field: a native type goes, a list default becomes a JSON array string."""
    if f.kind is FieldKind.UNSUPPORTED:
        return None
    edits = [_fix.replace(f.type_span, "Json")]
    if f.native_type is not None:
        edits.append(_fix.drop(ctx, f.native_type.span))
    if f.default is not None:
        if f.default.kind != "list" or f.default.map:
            return None
        edits.append(_fix.replace(f.default.span,
                                  f"@default({_fix.prisma_string(_json.dumps(list(f.default.value)))})"))
    return _fix.fix(f"`{f.name} {f.type_name}[]` -> `{f.name} Json`", edits)
