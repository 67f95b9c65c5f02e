from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules._base import Context, Finding, is_id, rule, subject
from prisma_dsql.rules.autoincrement_identity import NARROW_INTEGER_TYPES, widen_identity


@rule("DSQL103", "identity-native-type", Severity.ERROR,
      "`autoincrement()` on a `@db.Integer` or `@db.SmallInt` column; DSQL identity columns are BIGINT.",
      fix="the field becomes `BigInt` without `@db.Integer`/`@db.SmallInt`, with every field referencing it.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports `@default(autoincrement())` on a field whose native type is `@db.Integer` or
    `@db.SmallInt`.

    ## Why
    DSQL creates identity columns only as BIGINT (`IDENTITY on int/smallint` is refused). A plain
    `Int` field is widened to BIGINT silently (see autoincrement-identity), but an explicit narrower
    native type says the column must be INTEGER or SMALLINT, which DSQL cannot generate values for.

    ## Example
    ```prisma
    model Ticket {
      id Int @id @default(autoincrement()) @db.Integer
    }
    ```

    ## Fix
    ```prisma
    model Ticket {
      id BigInt @id @default(autoincrement())
    }
    ```
    (or drop `@db.Integer` and keep `Int`: the column becomes BIGINT).
    """
    if not ctx.profile.supports("identity_columns"):
        return  # autoincrement-unsupported reports these fields
    for m, f in ctx.with_default("autoincrement"):
        nt = f.native_type
        if nt is None or nt.name not in NARROW_INTEGER_TYPES:
            continue
        yield Finding(
            f"`{m.name}.{f.name}` is `@{ctx.db}.{nt.name}` with autoincrement(), but DSQL identity columns "
            "must be BIGINT.",
            nt.span, subject(m, f),
            help=f"Write `{f.name} BigInt{' @id' if is_id(m, f) else ''} @default(autoincrement())` without "
                 f"`@{ctx.db}.{nt.name}`.",
            fix=widen_identity(ctx, m, f))
