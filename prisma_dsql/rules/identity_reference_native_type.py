from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules._base import Context, Finding, declare, rule, subject
from prisma_dsql.rules.autoincrement_identity import NARROW_INTEGER_TYPES, identity_references, widen_identity


@rule("DSQL112", "identity-reference-native-type", Severity.WARNING,
      "A `@db.Integer` / `@db.SmallInt` field referencing an autoincrement id; DSQL makes it BIGINT.",
      fix="the same fix as the autoincrement id the field references (DSQL102): the id and every field referencing it become `BigInt`.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports fields with `@db.Integer` or `@db.SmallInt` that reference an `@default(autoincrement())`
    field, directly or through other relation fields, on DSQL versions with identity columns.

    ## Why
    DSQL identity columns are BIGINT only, so an autoincrement id becomes a BIGINT column and every
    column referencing it is created as BIGINT too, or the foreign key types would not match. An
    explicit `@db.Integer` or `@db.SmallInt` asks for a narrower column than the one created: the
    schema and the database disagree, and a later diff or `prisma db pull` shows the difference.

    ## Example
    ```prisma
    model User {
      id     Int     @id @default(autoincrement())
      quotes Quote[]
    }
    model Quote {
      id       BigInt @id @default(autoincrement())
      authorId Int    @db.SmallInt
      author   User   @relation(fields: [authorId], references: [id])
    }
    ```

    ## Fix
    Declare what the database holds: `BigInt` without the narrow native type (or with
    `@db.BigInt`), here and on the id:
    ```prisma
    model User {
      id     BigInt  @id @default(autoincrement())
      quotes Quote[]
    }
    model Quote {
      id       BigInt @id @default(autoincrement())
      authorId BigInt
      author   User   @relation(fields: [authorId], references: [id])
    }
    ```
    """
    widened = identity_references(ctx)
    if not widened:
        return
    for m, f in ctx.with_native_type():
        nt = f.native_type
        if nt.name not in NARROW_INTEGER_TYPES or (m.name, f.name) not in widened:
            continue
        ref, origin = widened[(m.name, f.name)]
        target = (f"the autoincrement id `{ref}`" if ref == origin
                  else f"`{ref}`, which references the autoincrement id `{origin}`")
        yield Finding(
            f"`{m.name}.{f.name}` is `@{ctx.db}.{nt.name}`, but it references {target}: DSQL identity columns are "
            f"BIGINT only and the columns referencing them follow, so this column is created as BIGINT, not "
            f"{nt.name.upper()}.",
            nt.span, subject(m, f),
            help=f"Write `{declare(f, 'BigInt')}` without `@{ctx.db}.{nt.name}` (or with `@{ctx.db}.BigInt`).",
            fix=_origin_fix(ctx, origin))


def _origin_fix(ctx: Context, origin: str):
    """The autoincrement field's fix: it widens this field together with the id it references."""
    model_name, _, field_name = origin.partition(".")
    m = ctx.schema.model(model_name)
    f = m.field(field_name) if m is not None else None
    return widen_identity(ctx, m, f) if f is not None else None
