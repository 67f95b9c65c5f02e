from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules import _fix
from prisma_dsql.rules._base import Context, Finding, ops_code, rule
from prisma_dsql.rules.json_index import btree_help, drop_index_fix


@rule("DSQL203", "index-operator-class", Severity.ERROR,
      "`ops:` (an operator class) in an index; DSQL has no operator classes.",
      fix="removes `ops: ...`; an `@@index` over a JSON column is removed.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports index fields with `ops:`, e.g. `@@index([name(ops: raw("gin_trgm_ops"))], type: Gin)`
    or `@@index([data(ops: JsonbPathOps)], type: Gin)`.

    ## Why
    DSQL's index column lists accept no operator classes; most operator classes belong to GIN/GiST
    indexes or to extensions (`pg_trgm`), none of which DSQL has.

    ## Example
    ```prisma
    model Item {
      id   BigInt @id @default(autoincrement())
      name String
      @@index([name(ops: raw("text_pattern_ops"))])
    }
    ```

    ## Fix
    ```prisma
    model Item {
      id   BigInt @id @default(autoincrement())
      name String
      @@index([name])
    }
    ```
    """
    if ctx.profile.supports("index_operator_classes"):
        return
    for ix, f in ctx.index_fields():
        if f.ops is not None and ix.kind != "fulltext":
            yield Finding(
                f"`{ix.model.name}.{f.name}` has `ops: {ops_code(f.ops)}` in {ix.describe()}; DSQL indexes take no "
                "operator classes.",
                f.span, f"{ix.model.name}.{f.name}",
                help=btree_help(ctx, ix) or f"Write `{ix.code(ops=False, type=False)}`.",
                fix=drop_index_fix(ctx, ix) if btree_help(ctx, ix)
                else _fix.fix(f"remove `ops: {ops_code(f.ops)}`", [_fix.drop_argument(ctx, f.span, "ops")]))
