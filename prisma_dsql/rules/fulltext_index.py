from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules import _fix
from prisma_dsql.rules._base import Context, Finding, rule


@rule("DSQL206", "fulltext-index", Severity.ERROR,
      "`@@fulltext`; DSQL has no full-text indexes.",
      fix="removes the `@@fulltext`.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports `@@fulltext` attributes.

    ## Why
    `@@fulltext` is a MySQL/MongoDB feature (Prisma rejects it on PostgreSQL), and DSQL has no
    full-text indexes (no tsvector columns, no GIN). Schemas moved from MySQL often still carry it.

    ## Example
    ```prisma
    model Post {
      id    BigInt @id @default(autoincrement())
      title String
      body  String
      @@fulltext([title, body])
    }
    ```

    ## Fix
    Remove it, and use a B-tree index for prefix searches (`startsWith`) or an external search
    service for full-text search:
    ```prisma
    model Post {
      id    BigInt @id @default(autoincrement())
      title String
      body  String
      @@index([title])
    }
    ```
    """
    if ctx.profile.supports("fulltext_indexes"):
        return
    for ix in ctx.indexes():
        if ix.kind != "fulltext":
            continue
        yield Finding(
            f"{ix.describe()} is a full-text index; DSQL has no full-text indexes.",
            ix.span, ix.subject,
            help=f"Remove `{ix.code()}`; for prefix searches use `@@index([{ix.fields[0].name}])`, for full-text "
                 "search an external search service.",
            fix=_fix.fix(f"remove `{ix.code()}`", [_fix.drop(ctx, ix.span)]))
