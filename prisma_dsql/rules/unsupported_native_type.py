from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules import _fix
from prisma_dsql.rules._base import Context, Finding, declare, rule, subject

#: Native type -> (capability that allows it, SQL name, replacement type, replacement native type).
NATIVE_TYPES: dict[str, tuple[str, str, str, str]] = {
    "Inet": ("column_type_inet", "inet", "String", "VarChar(49)"),
    "Citext": ("column_type_citext", "citext", "String", ""),
    "Money": ("column_type_money", "money", "Decimal", "Decimal(19, 4)"),
    "Xml": ("column_type_xml", "xml", "String", ""),
    "Bit": ("column_type_bit", "bit", "Bytes", ""),
    "VarBit": ("column_type_bit", "varbit", "Bytes", ""),
    "Oid": ("column_type_oid", "oid", "BigInt", ""),
}

_EXTRA_ADVICE = {
    "Inet": " (validate the address in the application)",
    "Citext": ' and query with `mode: "insensitive"`; for case-insensitive uniqueness also store a lower-cased '
              "copy in an `@unique` field",
    "Bit": " (or a `String` of 0 and 1)",
    "VarBit": " (or a `String` of 0 and 1)",
}


@rule("DSQL108", "unsupported-native-type", Severity.ERROR,
      "A native type DSQL has no columns of: @db.Inet, Citext, Money, Xml, Bit, VarBit, Oid.",
      fix="`@db.Citext` and `@db.Xml` are dropped (plain `String`), `@db.Inet` becomes `@db.VarChar(49)`; `Money`, `Bit`, `VarBit` and `Oid` change the Prisma type too, so only for fields without a default that no relation uses.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports `@db.Inet`, `@db.Citext`, `@db.Money`, `@db.Xml`, `@db.Bit`, `@db.VarBit` and `@db.Oid`
    (unless the capability table says the selected DSQL version has that column type).

    ## Why
    DSQL supports a fixed set of column types. `inet` and `citext` (an extension) are not among them;
    `money`, `xml`, `bit`/`varbit` and `oid` are not documented as column types either (these four
    are marked uncertain in the capability table and are easy to flip). The CREATE TABLE would fail.

    ## Example
    ```prisma
    model Session {
      id    BigInt @id @default(autoincrement())
      ip    String @db.Inet
      email String @db.Citext
    }
    ```

    ## Fix
    ```prisma
    model Session {
      id    BigInt @id @default(autoincrement())
      ip    String @db.VarChar(49)
      email String // query with mode: "insensitive"
    }
    ```
    `@db.Money` becomes `Decimal @db.Decimal(19, 4)`, `@db.Xml` a `String`, `@db.Bit`/`@db.VarBit`
    `Bytes`, `@db.Oid` a `BigInt`.
    """
    for m, f in ctx.with_native_type():
        nt = f.native_type
        if nt.name not in NATIVE_TYPES:
            continue
        key, sql, type_name, native = NATIVE_TYPES[nt.name]
        if ctx.profile.supports(key):
            continue
        instead = declare(f, type_name, f"@{ctx.db}.{native}" if native else "")
        yield Finding(
            f"`{m.name}.{f.name}` uses `@{ctx.db}.{nt.name}`, but DSQL has no {sql} columns.",
            nt.span, subject(m, f),
            help=f"Write `{instead}`{_EXTRA_ADVICE.get(nt.name, '')}.",
            fix=_replacement(ctx, m, f, type_name, native, instead))


def _replacement(ctx: Context, m, f, type_name: str, native: str, instead: str):
    edits = []
    if f.type_name != type_name:
        # A new Prisma type: not for a relation's key (both sides must keep one type) nor over a
        # default written for the old type.
        if _fix.in_relation(ctx.schema, m.name, f.name) or f.default is not None:
            return None
        edits.append(_fix.retype(f, type_name))
    if native:
        edits.append(_fix.replace(f.native_type.span, f"@{ctx.db}.{native}"))
    else:
        edits.append(_fix.drop(ctx, f.native_type.span))
    return _fix.fix(f"`{instead}`", edits)
