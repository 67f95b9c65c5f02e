from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules import _fix
from prisma_dsql.rules._base import Context, Finding, is_indexed, plural, rule

#: How many relations the message names before "and N more".
NAMED = 3


@rule("DSQL301", "foreign-keys-unsupported", Severity.ERROR,
      "Relations need foreign keys on a DSQL version without them; use relationMode = \"prisma\".",
      fix="adds `relationMode = \"prisma\"` to the datasource, unless Prisma would then reject the schema (cascading self-relations).")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports, once for the whole schema, the relations (including implicit many-to-many join tables)
    that need foreign keys when the selected DSQL version has none and the datasource does not set
    `relationMode = "prisma"`. The finding points at the datasource block, where the one fix for all
    of them goes, and names the relations.

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
    Without foreign keys nothing indexes `authorId` for you: relation-index (DSQL303) then names
    each relation whose fields need an `@@index`. Or validate for `--dsql-version 2026-08-26` or later.
    """
    if ctx.schema.relation_mode == "prisma" or ctx.profile.supports("foreign_keys"):
        return
    relations = ctx.relations
    if not relations:
        return
    names = [f"`{rel.from_model}.{rel.from_field}` -> `{rel.to_model}`"
             + (f" (join table `{rel.join_table}`)" if rel.kind == "m-n" else "") for rel, _, _ in relations]
    listed = ", ".join(names[:NAMED]) + (f" and {len(names) - NAMED} more" if len(names) > NAMED else "")
    unindexed = sum(1 for rel, owner, _ in relations if rel.kind != "m-n" and not is_indexed(owner, rel.fields))
    ds = ctx.schema.datasource
    span = (ds.name_span if ds is not None else None) or relations[0][0].span
    index_advice = (f"; {plural(unindexed, 'relation')} then need{'s' if unindexed == 1 else ''} an `@@index` on "
                    "its fields (relation-index, DSQL303, will say which)" if unindexed else "")
    yield Finding(
        f"{plural(len(relations), 'relation')} need{'s' if len(relations) == 1 else ''} foreign keys, which "
        f"{ctx.target} does not support (foreign keys are {ctx.since('foreign_keys')}): {listed}.",
        span, ctx.datasource_label,
        help=f'Add `relationMode = "prisma"` to the datasource block: Prisma Client then enforces all '
             f"{plural(len(relations), 'relation')} itself{index_advice}. Or select "
             f"`--dsql-version {ctx.first_version('foreign_keys')}` or later.",
        fix=_fix.fix('`relationMode = "prisma"`', [_fix.insert_line_before_close(ctx, ds.span, 'relationMode = "prisma"')])
        if ds is not None and ds.relation_mode_span is None else None)
