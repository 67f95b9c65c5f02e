from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules._base import Context, Finding, rule


@rule("DSQL301", "foreign-keys-unsupported", Severity.ERROR,
      "A relation needs a foreign key on a DSQL version without them; use relationMode = \"prisma\".")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports every relation (including implicit many-to-many join tables) when the selected DSQL
    version has no foreign keys and the datasource does not set `relationMode = "prisma"`.

    ## Why
    DSQL supports FOREIGN KEY constraints only since 2026-08-26. Before that, Prisma's default
    `relationMode = "foreignKeys"` produces constraints DSQL rejects. With `relationMode = "prisma"`
    Prisma creates no foreign keys and enforces relations and referential actions in Prisma Client.

    ## Example
    ```prisma
    datasource db {
      provider = "postgresql"
    }
    model Post {
      id       BigInt @id @default(autoincrement())
      authorId BigInt
      author   User   @relation(fields: [authorId], references: [id])
    }
    ```

    ## Fix
    ```prisma
    datasource db {
      provider     = "postgresql"
      relationMode = "prisma"
    }
    model Post {
      id       BigInt @id @default(autoincrement())
      authorId BigInt
      author   User   @relation(fields: [authorId], references: [id])
      @@index([authorId])
    }
    ```
    (without foreign keys nothing indexes `authorId` for you), or validate for
    `--dsql-version 2026-08-26` or later.
    """
    if ctx.schema.relation_mode == "prisma" or ctx.profile.supports("foreign_keys"):
        return
    version, since = ctx.first_version("foreign_keys"), ctx.since("foreign_keys")
    for rel, _, _ in ctx.relations:
        if rel.kind == "m-n":
            what = f"the implicit many-to-many table `{rel.join_table}` needs foreign keys"
            index = ""
        else:
            what = "it needs a foreign key"
            index = f" and `@@index([{', '.join(rel.fields)}])` to `{rel.from_model}`"
        yield Finding(
            f"The relation `{rel.from_model}.{rel.from_field}` -> `{rel.to_model}`: {what}, which "
            f"{ctx.target} does not support (foreign keys are {since}).",
            rel.span, f"{rel.from_model}.{rel.from_field}",
            help=f'Add `relationMode = "prisma"` to the datasource block{index}, or select '
                 f"`--dsql-version {version}` or later.")
