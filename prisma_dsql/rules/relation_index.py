from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules import _fix
from prisma_dsql.rules._base import Context, Finding, is_indexed, rule


@rule("DSQL303", "relation-index", Severity.WARNING,
      "With relationMode = \"prisma\", a relation's scalar fields have no index.",
      fix="adds `@@index([<fields>])` to the model.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    With `relationMode = "prisma"`, reports one-to-one and one-to-many relations whose `fields`
    are not the leading fields of any `@id`, `@@id`, `@unique`, `@@unique` or `@@index` of the model.

    ## Why
    `relationMode = "prisma"` is how a schema runs on DSQL versions without foreign keys. Prisma Client
    then checks and applies referential actions itself, with queries on the relation's fields:
    deleting a `User` first looks for its `Post` rows by `authorId`. Without an index each of those is
    a full scan of the table, and on DSQL a scan also widens the set of rows that optimistic
    concurrency checks at commit, so concurrent writes conflict (OC000) more often.

    ## Example
    ```prisma
    datasource db {
      provider     = "postgresql"
      relationMode = "prisma"
    }
    model Post {
      id       BigInt @id @default(autoincrement())
      authorId BigInt
      author   User   @relation(fields: [authorId], references: [id])
    }
    ```

    ## Fix
    ```prisma
    model Post {
      id       BigInt @id @default(autoincrement())
      authorId BigInt
      author   User   @relation(fields: [authorId], references: [id])
      @@index([authorId])
    }
    ```
    """
    if ctx.schema.relation_mode != "prisma":
        return
    for rel, owner, _ in ctx.relations:
        if rel.kind == "m-n" or not rel.fields:
            continue
        if is_indexed(owner, rel.fields):
            continue
        yield Finding(
            f"`{rel.from_model}.{', '.join(rel.fields)}` has no index: with relationMode = \"prisma\", Prisma Client "
            f"finds the `{rel.from_model}` rows of a `{rel.to_model}` by scanning the table.",
            rel.span, f"{rel.from_model}.{rel.from_field}",
            help=f"Add `@@index([{', '.join(rel.fields)}])` to `{rel.from_model}`.",
            fix=_fix.fix(f"add `@@index([{', '.join(rel.fields)}])`",
                         [_fix.insert_line_before_close(ctx, owner.span, f"@@index([{', '.join(rel.fields)}])")]))
