from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules._base import Context, Finding, rule, subject
from prisma_dsql.rules.json_column import json_field


@rule("DSQL106", "scalar-list", Severity.ERROR,
      "A scalar or enum list (`String[]`); DSQL has no array columns.")
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
            f.type_span, subject(m, f), help=help)
