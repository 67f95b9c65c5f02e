from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules._base import Context, Finding, rule


@rule("DSQL402", "too-many-index-columns", Severity.ERROR,
      "An index, unique or primary key over more than 8 fields.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports `@@id`, `@@unique` and `@@index` attributes that list more fields than DSQL allows in one
    index or primary key (8).

    ## Why
    DSQL limits indexes and primary keys to 8 columns; CREATE TABLE or CREATE INDEX fails beyond that.

    ## Example
    ```prisma
    model Reading {
      a Int
      b Int
      c Int
      d Int
      e Int
      f Int
      g Int
      h Int
      i Int
      @@id([a, b, c, d, e, f, g, h, i])
    }
    ```

    ## Fix
    Key the table on a surrogate id and keep at most 8 fields per index:
    ```prisma
    model Reading {
      id BigInt @id @default(autoincrement())
      a  Int
      // ...
      @@index([a, b, c, d])
    }
    ```
    """
    limit = ctx.profile.limit("columns_per_index")
    if limit is None:
        return
    for ix in ctx.indexes():
        n = len(ix.fields)
        if n <= limit or ix.kind == "fulltext":
            continue
        if ix.kind == "id":
            help = ("Key the model on a surrogate id (`id BigInt @id @default(autoincrement())`) and drop "
                    f"`@@id`; keep at most {limit} fields in any `@@unique`.")
        else:
            help = f"List at most {limit} fields: keep the most selective ones first."
        yield Finding(
            f"{ix.describe()} has {n} fields; DSQL allows at most {limit} columns per index or primary key.",
            ix.span, ix.subject, help=help)
