from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules._base import Context, Finding, plural, rule

#: Tables a deployed schema brings besides its own: Prisma's migration history and the lease table
#: `prisma-dsql migrate deploy` locks with (DSQL has no advisory locks).
BOOKKEEPING_TABLES = ("_prisma_migrations", "_prisma_dsql_lock")


@rule("DSQL404", "too-many-tables", Severity.ERROR,
      "More tables than a DSQL cluster holds (1000), counting implicit many-to-many tables.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Counts the tables the schema creates: one per model (`@@ignore` models are created too), one per
    implicit many-to-many relation (`_<RelationName>`), Prisma's `_prisma_migrations` history table
    and the `_prisma_dsql_lock` table `prisma-dsql migrate deploy` locks with. Reports the schema when the count exceeds DSQL's limit of 1000 tables per cluster, at
    the first model past the limit.

    ## Why
    A DSQL cluster holds at most 1000 tables; creating more fails. Tables of other applications in
    the same cluster count too, so leave room.

    ## Example
    A schema of 990 models with 12 implicit many-to-many relations like this one needs 1004 tables
    (990 + 12 + `_prisma_migrations` + `_prisma_dsql_lock`):
    ```prisma
    model Post {
      id   BigInt @id @default(autoincrement())
      tags Tag[]  // the table _PostToTag
    }
    ```

    ## Fix
    Replace implicit many-to-many relations you rarely use with a Json list of ids, merge models
    that share a shape, or split the schema across clusters:
    ```prisma
    model Post {
      id     BigInt @id @default(autoincrement())
      tagIds Json   @db.JsonB // instead of tags Tag[]
    }
    ```
    """
    limit = ctx.profile.limit("tables")
    if limit is None:
        return
    models = ctx.tables
    joins = [rel for rel, _, _ in ctx.relations if rel.kind == "m-n"]
    total = len(models) + len(joins) + len(BOOKKEEPING_TABLES)
    if total <= limit:
        return
    index = limit - len(BOOKKEEPING_TABLES)  # the first table past the limit (bookkeeping tables count first)
    if index < len(models):
        span, subj = models[index].name_span, models[index].name
    else:
        rel = joins[index - len(models)]
        span, subj = rel.span, f"{rel.from_model}.{rel.from_field}"
    yield Finding(
        f"The schema creates {total:,} tables ({plural(len(models), 'model')}, "
        f"{plural(len(joins), 'implicit many-to-many table')}, `{BOOKKEEPING_TABLES[0]}` and "
        f"`{BOOKKEEPING_TABLES[1]}`); a DSQL cluster holds at most "
        f"{limit:,}. `{subj}` is table {limit + 1:,}.",
        span, subj,
        help=f"Remove at least {plural(total - limit, 'model')} or implicit many-to-many relations (a Json list "
             "of ids can replace a rarely used `Tag[]`), or split the schema across clusters.")
