from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules import _fix
from prisma_dsql.rules._base import Context, Finding, declare, rule, subject

#: Prisma's column type for a Decimal field without a native type: DECIMAL(65,30).
PRISMA_DEFAULT_PRECISION = 65


def decimal_precision(fld) -> int | None:
    """The precision of a Decimal field's column, or None when it has none (plain NUMERIC)."""
    nt = fld.native_type
    if nt is None:
        return PRISMA_DEFAULT_PRECISION
    if nt.name == "Decimal" and nt.args:
        try:
            return int(nt.args[0])
        except ValueError:
            return None
    return None


@rule("DSQL110", "decimal-precision", Severity.ERROR,
      "A Decimal column with more precision than the DSQL version allows (Prisma's default is 65).",
      fix="writes `@db.Decimal(<limit>, 10)`, or lowers the precision of the `@db.Decimal` written (keeping the scale where it fits).")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports `Decimal` fields whose column precision exceeds what the selected DSQL version allows:
    a `Decimal` without `@db.Decimal` (Prisma's default is `DECIMAL(65,30)`), or `@db.Decimal(p, s)`
    with a larger `p`.

    ## Why
    Before 2026-08-25 DSQL allows NUMERIC precision up to 38 (later up to 1000). Prisma's default
    `DECIMAL(65,30)` fails `CREATE TABLE` there.

    ## Example
    ```prisma
    model Product {
      id    BigInt  @id @default(autoincrement())
      price Decimal
    }
    ```

    ## Fix
    Give the precision and scale you need, at most 38 digits:
    ```prisma
    model Product {
      id    BigInt  @id @default(autoincrement())
      price Decimal @db.Decimal(19, 4)
    }
    ```
    """
    limit = ctx.profile.limit("numeric_precision")
    if limit is None:
        return
    for m, f in ctx.of_type("Decimal"):
        if f.kind.value != "scalar":
            continue
        precision = decimal_precision(f)
        if precision is None or precision <= limit:
            continue
        fix = declare(f, "Decimal", f"@{ctx.db}.Decimal({limit}, 10)")
        if f.native_type is None:
            yield Finding(
                f"`{m.name}.{f.name}` has no `@{ctx.db}.Decimal`, so it becomes DECIMAL(65,30); "
                f"{ctx.target} allows a precision of at most {limit}.",
                f.type_span, subject(m, f),
                help=f"Give precision and scale: `{fix}` (precision at most {limit}).",
                fix=_fix.fix(f"`{fix}`", [_fix.insert_after(f.type_span, f" @{ctx.db}.Decimal({limit}, 10)")]))
        else:
            yield Finding(
                f"`{m.name}.{f.name}` has precision {precision}; {ctx.target} allows at most {limit}.",
                f.native_type.span, subject(m, f),
                help=f"Write `{fix}` (precision at most {limit}, scale as you need).",
                fix=_narrowed(ctx, f, limit))


def _narrowed(ctx: Context, f, limit: int):
    """`@db.Decimal(p, s)` -> `@db.Decimal(limit, min(s, limit))`: as many digits after the point as
    fit, the rest before it."""
    args = f.native_type.args
    try:
        scale = int(args[1]) if len(args) > 1 else 0
    except ValueError:
        return None
    native = f"@{ctx.db}.Decimal({limit}, {min(scale, limit)})"
    return _fix.fix(f"`{native}`", [_fix.replace(f.native_type.span, native)])
