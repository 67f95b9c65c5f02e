from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules._base import Context, Finding, rule


@rule("DSQL504", "view-not-migrated", Severity.INFO,
      "A view: DSQL supports views, but migrations do not create them; write the CREATE VIEW yourself.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Notes each `view` block: DSQL supports views, but neither Prisma Migrate nor prisma-dsql creates
    them from the schema.

    ## Why
    A Prisma `view` only describes the columns for Prisma Client; the `CREATE VIEW` statement must
    be written by hand. On DSQL it must be a plain view (no materialized views), and its query may
    use only what DSQL supports. The migration that creates it must hold no other DDL (one DDL
    statement per transaction).

    ## Example
    ```prisma
    view ActiveUser {
      id    BigInt @unique
      email String
    }
    ```

    ## Fix
    Add a migration with only the view:
    ```sql
    CREATE VIEW "ActiveUser" AS SELECT id, email FROM "User" WHERE "deletedAt" IS NULL;
    ```
    """
    if not ctx.profile.supports("views"):
        return
    for v in ctx.schema.views:
        yield Finding(
            f'View `{v.name}` is not created by migrations: add `CREATE VIEW "{v.db_name}" AS SELECT ...` in a '
            "migration of its own (DSQL supports plain views, not materialized ones).",
            v.name_span, v.name)
