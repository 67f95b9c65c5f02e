from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules._base import Context, Finding, rule


@rule("DSQL207", "decimal-index", Severity.ERROR,
      "A Decimal field in an index, unique or id on a DSQL version where NUMERIC is not indexable.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports `Decimal` fields used in `@id`, `@@id`, `@unique`, `@@unique` or `@@index` when the
    selected DSQL version cannot index NUMERIC columns.

    ## Why
    Until 2026-08-25 DSQL could not index NUMERIC columns at all (the same release raised NUMERIC
    precision to 1000). Primary keys and unique constraints are indexes, so they fail too.

    ## Example
    ```prisma
    model Rate {
      id     BigInt  @id @default(autoincrement())
      amount Decimal @db.Decimal(12, 2)
      @@index([amount])
    }
    ```

    ## Fix
    Index an integer in minor units instead:
    ```prisma
    model Rate {
      id          BigInt @id @default(autoincrement())
      amountCents BigInt
      @@index([amountCents])
    }
    ```
    or validate for `--dsql-version 2026-08-25` or later.
    """
    if ctx.profile.supports("numeric_precision_1000"):
        return
    decimals = {(m.name, f.name) for m, f in ctx.of_type("Decimal")}
    if not decimals:
        return
    for ix, f in ctx.index_fields():
        if (ix.model.name, f.name) in decimals and ix.kind != "fulltext":
            yield Finding(
                f"`{ix.model.name}.{f.name}` is a Decimal in {ix.describe()}; {ctx.target} cannot index "
                f"NUMERIC columns (NUMERIC indexes are {ctx.since('numeric_precision_1000')}).",
                ix.span if ix.from_field else f.span, f"{ix.model.name}.{f.name}",
                help=f"Index an integer in minor units instead (`{f.name}Cents BigInt`), or select "
                     f"`--dsql-version {ctx.first_version('numeric_precision_1000')}`.")
