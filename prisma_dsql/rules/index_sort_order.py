from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules import _fix
from prisma_dsql.rules._base import Context, Finding, rule


@rule("DSQL202", "index-sort-order", Severity.WARNING,
      "`sort: Desc` in an index, unique or id; DSQL indexes have no sort order, so it is left out.",
      fix="removes `sort: Desc`.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports `sort: Desc` on the fields of `@@index`, `@@unique` and `@@id`, and on field-level
    `@unique(sort: Desc)` and `@id(sort: Desc)`.

    ## Why
    DSQL accepts no `ASC`/`DESC` in index column lists, so prisma-dsql creates the index without the
    sort order (a warning, not an error: the index is still created and used). A B-tree is read in
    both directions, so single-column indexes serve `ORDER BY ... DESC` as before; only a
    multi-column index with mixed directions loses the ability to return rows in that exact order
    without sorting. Prisma's own migrations would keep trying to add the `DESC` back, so drop it
    from the schema too.

    ## Example
    ```prisma
    model Post {
      id        BigInt   @id @default(autoincrement())
      createdAt DateTime
      @@index([createdAt(sort: Desc)])
    }
    ```

    ## Fix
    ```prisma
    model Post {
      id        BigInt   @id @default(autoincrement())
      createdAt DateTime
      @@index([createdAt])
    }
    ```
    """
    if ctx.profile.supports("index_sort_order"):
        return
    for ix, f in ctx.index_fields():
        if f.sort == "Desc" and ix.kind != "fulltext":
            where = f"The `{ix.attribute}` of" if ix.from_field else f"In {ix.describe()},"
            yield Finding(
                f"{where} `{ix.model.name}.{f.name}` has `sort: Desc`; DSQL indexes have no sort order, so the index "
                "is created without it.",
                ix.span if ix.from_field else f.span, f"{ix.model.name}.{f.name}",
                help=f"Write `{ix.code(sort=False)}`.",
                fix=_fix.fix("remove `sort: Desc`", [_fix.drop_argument(ctx, ix.span if ix.from_field else f.span,
                                                                        "sort")]))
