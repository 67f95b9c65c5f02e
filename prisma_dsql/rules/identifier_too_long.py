from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules._base import Context, Finding, rule, short_name
from prisma_dsql.rules._names import written_names

_HOW = {
    "@@map": 'Shorten it with `@@map("{short}")`.',
    "@map": 'Shorten it with `@map("{short}")`.',
    "map:": 'Give a shorter name: `map: "{short}"`.',
    '@relation("...")': 'Give the relation a shorter name on both sides: `@relation("{short}")`.',
}


@rule("DSQL406", "identifier-too-long", Severity.ERROR,
      "A table, column, enum or `map:` name longer than 63 bytes.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports names the DDL would use as written that are longer than 63 bytes (UTF-8): table names
    (model name or `@@map`), column names (field name or `@map`), enum domain names, implicit
    many-to-many table names (`_<RelationName>`) and `map:` names of ids, uniques, indexes and foreign
    keys. Names Prisma makes itself (`User_email_key`, ...) are not reported: Prisma cuts them to 63
    bytes (see identifier-collision for what that can cause).

    ## Why
    PostgreSQL and DSQL identifiers hold 63 bytes. A longer name is cut by the database, so the name
    in the database differs from the one in the schema, and every later migration sees a difference
    it cannot resolve. Prisma itself rejects `map:` names over 63 bytes.

    ## Example
    ```prisma
    model CustomerSubscriptionBillingPeriodAdjustmentLineItemHistoryEntry {
      id BigInt @id @default(autoincrement())
    }
    ```

    ## Fix
    ```prisma
    model CustomerSubscriptionBillingPeriodAdjustmentLineItemHistoryEntry {
      id BigInt @id @default(autoincrement())
      @@map("subscription_adjustment_history")
    }
    ```
    """
    limit = ctx.profile.limit("identifier_bytes")
    if limit is None:
        return
    seen: set[tuple] = set()
    for o in written_names(ctx):
        if o.prisma_named or not o.renamed_by:
            continue
        if len(o.name) <= limit // 4:
            continue
        size = len(o.name.encode("utf-8"))
        if size <= limit or (o.name, o.span) in seen:
            continue
        seen.add((o.name, o.span))
        short = short_name(o.name)
        yield Finding(
            f"The {o.kind} name `{o.name}` is {size} bytes; DSQL identifiers hold at most {limit}, so the database "
            "would cut it.",
            o.span, o.subject, help=_HOW[o.renamed_by].format(short=short))
