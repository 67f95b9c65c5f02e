from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules._base import Context, Finding, plural, rule


@rule("DSQL403", "too-many-columns", Severity.ERROR, "A model with more than 255 columns.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Counts the columns of each model (scalar, enum and `Unsupported` fields, including `@ignore`d
    ones, which Prisma still creates; relation fields have no column) and reports a model with more
    than DSQL's limit (255).

    ## Why
    DSQL allows at most 255 columns per table; CREATE TABLE fails beyond that.

    ## Example
    ```prisma
    model Customer {
      id      BigInt @id @default(autoincrement())
      field1  String
      // ... field2 to field299
      field300 String
    }
    ```

    ## Fix
    Split rarely used fields into a one-to-one model, or group them into a Json field:
    ```prisma
    model Customer {
      id      BigInt           @id @default(autoincrement())
      details CustomerDetails?
    }
    model CustomerDetails {
      customerId BigInt   @id
      customer   Customer @relation(fields: [customerId], references: [id])
      // ... the rarely used fields
    }
    ```
    """
    limit = ctx.profile.limit("columns_per_table")
    if limit is None:
        return
    for m in ctx.tables:
        n = ctx.column_count(m)
        if n <= limit:
            continue
        yield Finding(
            f"`{m.name}` has {n} columns; DSQL allows at most {limit} per table.",
            m.name_span, m.name,
            help=f"Move at least {plural(n - limit, 'field')} into a one-to-one model (`details {m.name}Details?`) "
                 "or a Json field.")
