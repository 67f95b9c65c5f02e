from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules import _fix
from prisma_dsql.rules._base import Context, Finding, rule, subject

#: Native type -> the profile limit on its declared length (DSQL counts bytes).
LENGTH_LIMITS = {"Char": "char_bytes", "VarChar": "varchar_bytes"}


@rule("DSQL114", "string-length", Severity.ERROR,
      "A `@db.Char(n)` or `@db.VarChar(n)` longer than DSQL allows (4,096 and 65,535 bytes).",
      fix="writes the longest length the version allows.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports `@db.Char(n)` with `n` above 4,096 and `@db.VarChar(n)` with `n` above 65,535.

    ## Why
    DSQL limits `char(n)` to 4,096 bytes and `varchar(n)` to 65,535 bytes; PostgreSQL allows far
    longer declarations, so `CREATE TABLE` succeeds there and fails on DSQL. The limit is in bytes:
    text outside ASCII takes 2 to 4 bytes per character in UTF-8, so a value can hit the limit with
    fewer characters than declared.

    ## Example
    ```prisma
    model Article {
      id   BigInt @id @default(autoincrement())
      body String @db.VarChar(100000)
    }
    ```

    ## Fix
    Declare at most the limit, or use `TEXT` (a plain `String` without a native type):
    ```prisma
    model Article {
      id   BigInt @id @default(autoincrement())
      body String
    }
    ```
    """
    for m, f in ctx.with_native_type():
        nt = f.native_type
        key = LENGTH_LIMITS.get(nt.name)
        limit = ctx.profile.limit(key) if key else None
        if limit is None or not nt.args:
            continue
        try:
            length = int(nt.args[0])
        except ValueError:
            continue
        if length > limit:
            yield Finding(
                f"`{m.name}.{f.name}` is `@{ctx.db}.{nt.name}({length})`; {ctx.target} allows at most "
                f"{limit:,} bytes for {nt.name.lower()}(n).", nt.span, subject(m, f),
                help=f"Write `@{ctx.db}.{nt.name}({limit})` or less, or drop the native type for TEXT: "
                     f"`{f.name} String{'?' if f.is_optional else ''}`.",
                fix=_fix.fix(f"`@{ctx.db}.{nt.name}({limit})`",
                             [_fix.replace(nt.span, f"@{ctx.db}.{nt.name}({limit})")]))
