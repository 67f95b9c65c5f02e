from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules import _fix
from prisma_dsql.rules._base import Context, Finding, rule
from prisma_dsql.schema.model import Index


@rule("DSQL204", "partial-index", Severity.ERROR,
      "`where:` (a partial index) on a DSQL version without partial indexes.",
      fix="an `@@index` loses `where:` (it then covers every row); a partial `@@unique` needs a person.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports `@@index(..., where: ...)` and `@@unique(..., where: ...)` when the selected DSQL version
    has no partial indexes.

    ## Why
    DSQL accepts `CREATE INDEX ASYNC ... WHERE predicate` only since 2026-09-15. Dropping the `WHERE`
    from a plain index just makes it cover every row; dropping it from a unique index changes what it
    allows (uniqueness over all rows instead of the matching ones), so decide that one deliberately.

    ## Example
    ```prisma
    model Account {
      id        BigInt  @id @default(autoincrement())
      email     String
      deletedAt DateTime?
      @@unique([email], where: { deletedAt: null })
    }
    ```

    ## Fix
    Validate for a DSQL version with partial indexes (`--dsql-version 2026-09-15` or later), or
    drop the condition where that is acceptable:
    ```prisma
    model Account {
      id        BigInt  @id @default(autoincrement())
      email     String
      deletedAt DateTime?
      @@index([email])
    }
    ```
    """
    if ctx.profile.supports("partial_indexes"):
        return
    version = ctx.first_version("partial_indexes")
    for ix in ctx.indexes():
        where_span = getattr(ix.obj, "where_span", None)
        if not isinstance(ix.obj, Index) or ix.obj.where is None:
            continue
        if ix.kind == "unique":
            help = (f"Select a DSQL version with partial indexes (`--dsql-version {version}`); "
                    f"`{ix.code(where=False)}` would make the values unique across all rows, and `@@index` without `where:` would not enforce "
                    "uniqueness.")
        else:
            help = f"Write `{ix.code(where=False)}` (it then covers every row), or select `--dsql-version {version}`."
        # A unique index without its `where:` would refuse rows the partial one allowed: no fix.
        fix = (_fix.fix("remove `where:` (the index then covers every row)", [_fix.drop_argument(ctx, ix.span, "where")])
               if ix.kind == "index" else None)
        yield Finding(
            f"{ix.describe()} is a partial index (`where:`), which {ctx.target} does not support "
            f"(partial indexes are {ctx.since('partial_indexes')}).",
            where_span or ix.span, ix.subject, help=help, fix=fix)
