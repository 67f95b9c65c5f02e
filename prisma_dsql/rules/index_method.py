from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules import _fix
from prisma_dsql.rules._base import Context, Finding, rule
from prisma_dsql.rules.json_index import btree_help, drop_index_fix

_WHY = {
    "Hash": "a B-tree index serves the same equality lookups",
    "Brin": "a B-tree index serves the same range scans",
    "Gin": "DSQL has no GIN indexes, so JSON containment, array and full-text searches cannot use an index",
    "Gist": "DSQL has no GiST indexes (no geometric, range or exclusion indexes)",
    "SpGist": "DSQL has no SP-GiST indexes",
}


@rule("DSQL201", "index-method", Severity.ERROR,
      "`@@index(type: ...)` other than BTree; DSQL builds only B-tree indexes.",
      fix="removes `type: ...` (a B-tree index); an `@@index` over a JSON column is removed (no B-tree can hold it).")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports `@@index` attributes with `type: Hash`, `Gin`, `Gist`, `SpGist` or `Brin`.

    ## Why
    DSQL's `CREATE INDEX ASYNC` accepts no `USING` clause: every index is a B-tree. Hash and BRIN
    indexes can simply become B-tree indexes; GIN and GiST ones have no equivalent on DSQL.

    ## Example
    ```prisma
    model Article {
      id    BigInt @id @default(autoincrement())
      title String
      @@index([title], type: Hash)
    }
    ```

    ## Fix
    ```prisma
    model Article {
      id    BigInt @id @default(autoincrement())
      title String
      @@index([title])
    }
    ```
    """
    if ctx.profile.supports("index_methods"):
        return
    for ix in ctx.indexes():
        itype = getattr(ix.obj, "type", None)
        if ix.kind == "fulltext" or itype in (None, "BTree"):
            continue
        yield Finding(
            f"{ix.describe()} uses `type: {itype}`, but DSQL builds only B-tree indexes.",
            ix.span, ix.subject,
            help=btree_help(ctx, ix)
            or f"Write `{ix.code(type=False, ops=False)}` ({_WHY.get(itype, 'B-tree is the only method')}).",
            fix=drop_index_fix(ctx, ix) if btree_help(ctx, ix)
            else _fix.fix(f"remove `type: {itype}`", [_fix.drop_argument(ctx, ix.span, "type")]))
