from __future__ import annotations

from typing import Iterator

from prisma_dsql.capabilities import DSQL_NUMERIC_DEFAULT
from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules import _fix
from prisma_dsql.rules._base import Context, Finding, declare, rule, subject


@rule("DSQL113", "decimal-default-precision", Severity.WARNING,
      "`@db.Decimal` without precision: NUMERIC(18,6) on DSQL, unbounded on PostgreSQL.",
      fix="writes `@db.Decimal(18, 6)`: what DSQL makes of it anyway.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports `Decimal` fields with a bare `@db.Decimal` (no precision and scale).

    ## Why
    On PostgreSQL a NUMERIC column without precision holds any number exactly. DSQL gives such a
    column the default precision and scale (18, 6): at most 12 digits before the decimal point, and
    values rounded to 6 digits after it. The same schema then stores different numbers on the two
    databases, without an error on DSQL.

    ## Example
    ```prisma
    model Rate {
      id    BigInt  @id @default(autoincrement())
      value Decimal @db.Decimal
    }
    ```

    ## Fix
    Write the precision and scale you need (here DSQL's default, made explicit):
    ```prisma
    model Rate {
      id    BigInt  @id @default(autoincrement())
      value Decimal @db.Decimal(18, 6)
    }
    ```
    """
    p, s = DSQL_NUMERIC_DEFAULT
    for m, f in ctx.with_native_type():
        nt = f.native_type
        if nt.name != "Decimal" or nt.args or f.type_name != "Decimal":
            continue
        yield Finding(
            f"`{m.name}.{f.name}` is `@{ctx.db}.Decimal` without precision: DSQL makes it NUMERIC({p},{s}) (at most "
            f"{p - s} digits before the point, rounded to {s} after it), where PostgreSQL keeps any number exactly.",
            nt.span, subject(m, f),
            help=f"Write the precision and scale you need, e.g. `{declare(f, 'Decimal', f'@{ctx.db}.Decimal({p}, {s})')}` "
                 "to keep DSQL's default.",
            fix=_fix.fix(f"`@{ctx.db}.Decimal({p}, {s})` (what DSQL makes of it)",
                         [_fix.replace(nt.span, f"@{ctx.db}.Decimal({p}, {s})")]))
