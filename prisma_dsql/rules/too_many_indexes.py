from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules._base import Context, Finding, plural, rule


@rule("DSQL401", "too-many-indexes", Severity.ERROR,
      "A table with more than 24 indexes, counting its primary key and unique indexes.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Counts the indexes the DDL creates for each model, the way DSQL counts them: the primary key,
    one unique index per `@unique` / `@@unique`, and one index per `@@index`. Reports a model with
    more than DSQL's limit (24).

    ## Why
    DSQL allows at most 24 indexes per table, and primary keys and unique constraints are indexes.
    The `CREATE INDEX ASYNC` beyond the limit fails, leaving the migration half applied.

    ## Example
    ```prisma
    model Event {
      id BigInt @id      // index 1: the primary key
      a  String @unique  // indexes 2-5: four unique fields
      // ...
      @@index([orgId])   // indexes 6-25: twenty @@index attributes
      // ...
    }
    ```

    ## Fix
    Drop indexes no query needs, and merge indexes that share leading fields: `@@index([orgId, createdAt])`
    also serves the queries `@@index([orgId])` served.
    ```prisma
    model Event {
      id        BigInt   @id @default(autoincrement())
      orgId     BigInt
      createdAt DateTime
      @@index([orgId, createdAt])
    }
    ```
    """
    limit = ctx.profile.limit("indexes_per_table")
    if limit is None:
        return
    for m in ctx.tables:
        pk = 1 if m.primary_key is not None else 0
        uniques = len(m.uniques)
        plain = sum(1 for i in m.indexes if i.kind == "index")
        total = pk + uniques + plain
        if total <= limit:
            continue
        yield Finding(
            f"`{m.name}` would have {total} indexes ({pk} primary key, {uniques} unique, {plain} other); DSQL allows "
            f"at most {limit} per table.",
            m.name_span, m.name,
            help=f"Remove at least {plural(total - limit, 'index', 'indexes')} (`@@index`, `@unique`): merge "
                 "indexes that share leading fields (`@@index([a, b])` also serves `@@index([a])`).")
