from __future__ import annotations

import math
from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules import _fix
from prisma_dsql.rules._base import Context, Finding, IndexLike, rule
from prisma_dsql.schema.model import Field, FieldKind

#: How many bytes one character can take in UTF-8: the worst case for a declared length in characters.
UTF8_MAX = 4
#: Largest stored size of each fixed-width column type, by Prisma scalar (no native type) ...
_SCALAR_BYTES = {"Int": 4, "BigInt": 8, "Float": 8, "DateTime": 8, "Boolean": 1}
#: ... and by PostgreSQL native type without a length argument.
_NATIVE_BYTES = {"SmallInt": 2, "Integer": 4, "BigInt": 8, "Real": 4, "DoublePrecision": 8, "Money": 8,
                 "Oid": 4, "Uuid": 16, "Boolean": 1, "Date": 4, "Time": 8, "Timetz": 12, "Timestamp": 8,
                 "Timestamptz": 8}
#: Native types whose values have no declared bound.
_UNBOUNDED_NATIVE = {"Text", "Citext", "Xml", "ByteA", "Inet"}
#: Characters of the ids Prisma Client generates (ASCII: one byte each): function -> length by argument.
_GENERATED_LENGTH = {"uuid": lambda args: 36, "cuid": lambda args: 24 if args and args[0] == 2 else 25,
                     "ulid": lambda args: 26, "nanoid": lambda args: int(args[0]) if args else 21}
#: Prisma's default precision for `Decimal` without a native type: DECIMAL(65,30).
_PRISMA_DECIMAL_PRECISION = 65


@rule("DSQL408", "key-size", Severity.WARNING,
      "A primary key, unique or index whose columns can hold more than DSQL's 1 KiB key size.",
      fix="declares `@db.VarChar(n)` on the key's string columns that have no bound (n at least 32); keys of bounded columns are not narrowed.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Adds up, for every `@id`/`@@id`, `@unique`/`@@unique` and `@@index`, the largest size each of its
    columns can store, and reports the key when that sum can exceed DSQL's key size limit (1,024
    bytes) or has no bound at all: a `String` without a length (`TEXT`), `Bytes`. Json keys and
    non-B-tree indexes are left to `json-index` and `index-method`.

    How the size is counted: `@db.VarChar(n)` and `@db.Char(n)` count 4 bytes per character (the
    UTF-8 worst case: DSQL's limit is in bytes, the declaration in characters); fixed-width types
    count their width (`Int` 4, `BigInt` 8, `DateTime` 8, `@db.Uuid` 16, `Boolean` 1, `Decimal`
    2 bytes per 4 digits plus 8); an enum counts its longest value. Strings that Prisma Client fills
    with `uuid()` (36 characters), `cuid()` (25), `cuid(2)` (24), `ulid()` (26) or `nanoid(n)`
    (`n`, default 21) count that many bytes, so such ids get no finding, nor do the foreign keys
    that reference them. Row and column headers are not counted.

    ## Why
    DSQL caps the combined size of a primary key's columns, and of a secondary index's columns, at
    1 KiB; PostgreSQL allows about 2.7 KB. Most Prisma schemas put unbounded `String` (TEXT)
    columns in uniques and indexes (URLs, slugs, titles, e-mail addresses): `CREATE INDEX` works,
    then an INSERT or UPDATE with a long value fails with 54000 `key size too large` on DSQL only.

    ## Example
    ```prisma
    model Link {
      id  BigInt @id @default(autoincrement())
      url String @unique
    }
    ```

    ## Fix
    Bound the columns so the key fits in 1,024 bytes counted as above: with one string column,
    `@db.VarChar(256)` (256 x 4 = 1,024 bytes). Or, when values can be longer, key on a hash of the
    value that your code fills (a SHA-256 hex digest is 64 ASCII characters):
    ```prisma
    model Link {
      id      BigInt @id @default(autoincrement())
      url     String
      urlHash String @unique @db.Char(64)
    }
    ```
    """
    limit = ctx.profile.limit("key_bytes")
    if limit is None:
        return
    sized: dict[tuple[str, str], int | None | str] = {}  # a field is in several keys: size it once
    for ix in ctx.indexes():
        if ix.kind == "fulltext" or getattr(ix.obj, "type", None) not in (None, "BTree"):
            continue  # not a B-tree: refused by index-method (DSQL201) or fulltext-index
        sizes = []
        model = ix.model
        for index_field in ix.fields:
            f = model.field(index_field.name)
            if f is None:
                break
            key = (model.name, f.name)
            if key not in sized:
                sized[key] = _max_bytes(ctx, f, model.name)
            sizes.append((f, sized[key]))
        else:
            if len(sizes) == 1 and isinstance(sizes[0][1], int) and sizes[0][1] <= limit:
                continue  # the common case: one bounded column
            finding = _finding(ctx, ix, sizes, limit)
            if finding is not None:
                yield finding


def _references(ctx: Context) -> dict[tuple[str, str], tuple[str, str]]:
    """(model, foreign key field) -> (referenced model, referenced field), for every 1-1 and 1-n relation."""
    def build() -> dict[tuple[str, str], tuple[str, str]]:
        out = {}
        for r in ctx.schema.relations:
            for own, ref in zip(r.fields, r.references):
                out[(r.from_model, own)] = (r.to_model, ref)
        return out
    return ctx.memo("key_size.references", build)


def _max_bytes(ctx: Context, f: Field, model_name: str = "") -> int | None | str:
    """Largest stored size of the column in bytes; None: no bound; "?": unknown (not checked)."""
    nt = f.native_type
    generated = _generated_length(f)
    if generated is None and f.type_name == "String":
        # A foreign key holds the values of the id it references: a generated id's length bounds it too.
        target = _references(ctx).get((model_name, f.name))
        referenced = ctx.schema.model(target[0]) if target else None
        ref_field = referenced.field(target[1]) if referenced else None
        if ref_field is not None:
            generated = _generated_length(ref_field)
    if f.kind is FieldKind.ENUM:
        enum = ctx.schema.enum(f.type_name)
        return max((len(v.db_name.encode("utf-8")) for v in enum.values), default=0) if enum else "?"
    if f.kind is not FieldKind.SCALAR:
        return "?"
    if nt is not None:
        if nt.name in ("VarChar", "Char") and nt.args:
            declared = _int(nt.args[0]) * UTF8_MAX
            return min(declared, generated) if generated is not None else declared
        if nt.name == "Decimal" and nt.args:
            return _decimal_bytes(_int(nt.args[0]))
        if nt.name in _NATIVE_BYTES:
            return _NATIVE_BYTES[nt.name]
        if nt.name in ("Bit", "VarBit") and nt.args:
            return math.ceil(_int(nt.args[0]) / 8)
        if nt.name in ("Json", "JsonB"):
            return "?"  # json keys are json-index's (DSQL208)
        if nt.name in _UNBOUNDED_NATIVE or nt.name in ("VarChar", "Char", "Bit", "VarBit"):
            return generated
        return "?"
    if f.type_name in _SCALAR_BYTES:
        return _SCALAR_BYTES[f.type_name]
    if f.type_name == "Decimal":
        return _decimal_bytes(_PRISMA_DECIMAL_PRECISION)
    if f.type_name in ("String", "Bytes"):
        return generated
    return "?"


def _generated_length(f: Field) -> int | None:
    d = f.default
    if d is None or d.kind != "function" or d.function not in _GENERATED_LENGTH or f.type_name != "String":
        return None
    try:
        return _GENERATED_LENGTH[d.function](d.args)
    except (TypeError, ValueError):
        return None


def _decimal_bytes(precision: int) -> int:
    # PostgreSQL's numeric: a base-10000 digit (2 bytes) per 4 decimal digits, plus its 8-byte header.
    return 8 + 2 * math.ceil(precision / 4)


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0


def _finding(ctx: Context, ix: IndexLike, sizes: list[tuple[Field, int | None | str]], limit: int) -> Finding | None:
    if any(size == "?" for _, size in sizes):
        return None
    unbounded = [f for f, size in sizes if size is None]
    total = sum(size for _, size in sizes if isinstance(size, int))
    if not unbounded and total <= limit:
        return None
    what = ix.describe()
    what = what[0].upper() + what[1:]
    if unbounded:
        names = ", ".join(f"`{f.name}` ({_declared(ctx, f)})" for f in unbounded)
        message = (f"{what} has no bounded size: {names} can hold any length, and {ctx.target} refuses keys over "
                   f"{limit:,} bytes (54000 key size too large) when a long value is written.")
    else:
        message = (f"{what} can take {total:,} bytes (UTF-8 worst case: 4 bytes per character), more than the "
                   f"{limit:,} bytes {ctx.target} allows in a key (54000 key size too large).")
    return Finding(message, ix.span, ix.subject, help=_advice(ctx, sizes, limit), fix=_bound_fix(ctx, sizes, limit))


def _declared(ctx: Context, f: Field) -> str:
    if f.native_type is not None:
        args = f"({', '.join(f.native_type.args)})" if f.native_type.args else ""
        return f"`{f.type_name} @{ctx.db}.{f.native_type.name}{args}`"
    return f"`{f.type_name}`"


#: The shortest `@db.VarChar(n)` the fix writes; a key that needs shorter columns is left to people.
MIN_FIX_CHARS = 32


def _bound_fix(ctx: Context, sizes: list[tuple[Field, int | None | str]], limit: int):
    """The advised `@db.VarChar(n)` on each unbounded string column of the key, when n is a usable length."""
    if not any(size is None for _, size in sizes):
        return None  # every column has a bound: narrowing declared lengths could cut existing values
    bound = _bound(sizes, limit)
    if bound is None or bound[1] < MIN_FIX_CHARS:
        return None
    strings, n = bound
    native = f"@{ctx.db}.VarChar({n})"
    edits = [_fix.replace(f.native_type.span, native) if f.native_type is not None
             else _fix.insert_after(f.type_span, f" {native}") for f in strings]
    return _fix.fix(", ".join(f"`{f.name} String {native}`" for f in strings), edits)


def _advice(ctx: Context, sizes: list[tuple[Field, int | None | str]], limit: int) -> str:
    """`@db.VarChar(n)` for the string columns, with n chosen so the whole key fits at 4 bytes per character;
    else a hashed key column."""
    hashed = ("key on a hashed column instead: a `String @db.Char(64)` holding the SHA-256 hex digest of the "
              "value, filled by your code, in place of the long column(s) in the key.")
    bound = _bound(sizes, limit)
    if bound is None:
        return f"Shorten the key, or {hashed}"
    strings, n = bound
    columns = ", ".join(f"`{f.name} String @{ctx.db}.VarChar({n})`" for f in strings)
    return (f"Declare {columns}: {n} characters x 4 bytes (UTF-8 worst case)"
            f"{' each' if len(strings) > 1 else ''} keeps the key within {limit:,} bytes; or {hashed}")


def _bound(sizes: list[tuple[Field, int | None | str]], limit: int) -> tuple[list[Field], int] | None:
    """The string columns to bound and their length in characters, or None when bounding them cannot
    make the key fit."""
    def is_string(f: Field) -> bool:
        nt = f.native_type
        return f.type_name == "String" and (nt is None or nt.name in ("VarChar", "Char", "Text"))

    # Bound the unbounded string columns and keep the others as declared; when every column is bounded
    # and the sum is still too large, share the budget among all the length-declared string columns.
    strings = [f for f, size in sizes if size is None and is_string(f)]
    if not any(size is None for _, size in sizes):
        strings = [f for f, _ in sizes if is_string(f) and f.native_type is not None
                   and f.native_type.name in ("VarChar", "Char")]
    others = [size for f, size in sizes if f not in strings]
    if not strings or any(size is None for size in others):
        return None
    budget = limit - sum(size for size in others if isinstance(size, int))
    n = budget // (UTF8_MAX * len(strings))
    return (strings, n) if n >= 1 else None
