from __future__ import annotations

from typing import Iterator

from prisma_dsql.capabilities import INDEXED_TYPES, capability, type_base_name
from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules import _fix
from prisma_dsql.rules._base import Context, Finding, IndexLike, rule
from prisma_dsql.rules.json_column import json_type
from prisma_dsql.schema.model import Field, FieldKind

#: `@db.Json` / `@db.JsonB` -> the column type's base name.
_NATIVE = {"Json": "json", "JsonB": "jsonb"}
#: The JSON column types this rule is about (NUMERIC indexes are DSQL207's).
_JSON_TYPES = ("json", "jsonb")


def column_type(ctx: Context, fld: Field) -> str | None:
    """The base name of the column type a field becomes ("json", "jsonb", ...), for the fields
    this rule reads: Json fields and `Unsupported("...")`; None otherwise, or where the profile
    has no JSON column for a plain Json field (DSQL107 reports that)."""
    if fld.kind is FieldKind.UNSUPPORTED:
        return type_base_name(fld.unsupported) if fld.unsupported else None
    if fld.type_name != "Json":
        return None
    if fld.native_type is not None and fld.native_type.name in _NATIVE:
        return _NATIVE[fld.native_type.name]
    plain = json_type(ctx)
    return plain.lower() if plain else None


def unindexable(ctx: Context) -> dict[tuple[str, str], tuple[Field, str]]:
    """(model, field) -> (field, column type) of the JSON columns the profile cannot index."""
    def compute():
        out: dict[tuple[str, str], tuple[Field, str]] = {}
        for m, f in (*ctx.of_type("Json"), *ctx.of_type("Unsupported")):
            base = column_type(ctx, f)
            if base in _JSON_TYPES and not ctx.profile.supports(INDEXED_TYPES[base][0]):
                out[(m.name, f.name)] = (f, base)
        return out
    return ctx.memo("json-index.unindexable", compute)


def json_fields_in(ctx: Context, ix: IndexLike) -> list[str]:
    """Names of the fields of `ix` that are JSON columns the profile cannot index in a B-tree."""
    fields = unindexable(ctx)
    return [f.name for f in ix.fields if (ix.model.name, f.name) in fields] if fields else []


def btree_help(ctx: Context, ix: IndexLike) -> str | None:
    """Help for an index whose B-tree form would still hold a JSON column the profile cannot index
    (for rules that would otherwise advise that B-tree form), or None."""
    names = json_fields_in(ctx, ix)
    if not names:
        return None
    shown = ", ".join(f"`{n}`" for n in names)
    return (f"Drop the index: a B-tree index cannot hold the JSON {'column' if len(names) == 1 else 'columns'} "
            f"{shown} on {ctx.target} either (DSQL208). Index a scalar column extracted from the JSON instead.")


def drop_index_fix(ctx: Context, ix: IndexLike):
    """Dropping an `@@index` that no DSQL version of the profile can build (a JSON column in it).
    Uniques and ids are never dropped: that would lose a guarantee, not just speed."""
    if ix.kind != "index" or ix.from_field:
        return None
    return _fix.fix(f"remove `{ix.code()}`", [_fix.drop(ctx, ix.span)])


def _help(ix: IndexLike, fld: Field) -> str:
    opt = "?" if fld.is_optional else ""
    if ix.kind == "id":
        if len(ix.fields) > 1:
            rest = ", ".join(f.name for f in ix.fields if f.name != fld.name)
            return f"Leave `{fld.name}` out of the id (`@@id([{rest}])`) if the rest identifies a row, or use a scalar id."
        return (f"Use a scalar id (`id BigInt @id @default(autoincrement())`) and keep `{fld.name}` as a plain "
                "column.")
    if ix.kind == "unique":
        return (f"Enforce uniqueness on a scalar derived from the value instead (e.g. `{fld.name}Hash String{opt}`, a "
                f"hash of the normalized JSON written by the application, in place of `{fld.name}`), or drop the "
                f"`{ix.attribute}`.")
    return (f"Index a scalar column holding the value you look up, extracted from the JSON by the application "
            f"(e.g. `{fld.name}Key String{opt}` in place of `{fld.name}`), or drop the index.")


@rule("DSQL208", "json-index", Severity.ERROR,
      "A Json field in an index, unique or id: DSQL cannot build a B-tree index on json (or jsonb) columns.",
      fix="an `@@index` over a JSON column is removed; a unique or id needs a person.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports `Json` fields (and `Unsupported("json")` / `Unsupported("jsonb")` fields) used in `@id`,
    `@@id`, `@unique`, `@@unique` or a B-tree `@@index`. The column type is the one the field becomes
    on the selected DSQL version: `@db.Json` is `json`, `@db.JsonB` is `jsonb`, and a plain `Json`
    is `jsonb` where DSQL has it, else `json`. Indexes of another `type:` (`Gin`, ...) are DSQL201's.

    ## Why
    A B-tree index needs an operator class for the column type. `json` has none (it has no equality
    operator), so `CREATE INDEX` fails on it in PostgreSQL as in DSQL: `data type json has no default
    operator class for access method "btree"`. PostgreSQL has one for `jsonb`, but DSQL's
    documentation does not say it supports B-tree indexes on `jsonb`, so they are treated as
    unsupported too. That is the capability `jsonb_indexes` (marked uncertain) in
    `prisma_dsql/capabilities.py`: once confirmed, flipping it to a date lets `jsonb` indexes through
    this rule and the DSQL renderer alike. Primary keys and unique constraints are indexes, so they
    fail the same way. Even where it works, an index on a whole JSON document is rarely useful:
    queries filter on a value inside it.

    ## Example
    ```prisma
    model Event {
      id      BigInt @id @default(autoincrement())
      payload Json
      @@index([payload])
    }
    ```

    ## Fix
    Index a scalar column extracted from the JSON by the application, or drop the index:
    ```prisma
    model Event {
      id      BigInt @id @default(autoincrement())
      payload Json
      kind    String
      @@index([kind])
    }
    ```
    """
    fields = unindexable(ctx)
    if not fields:
        return
    for ix, ixf in ctx.index_fields():
        found = fields.get((ix.model.name, ixf.name))
        if found is None or ix.kind == "fulltext" or getattr(ix.obj, "type", None) not in (None, "BTree"):
            continue
        fld, base = found
        key, label = INDEXED_TYPES[base]
        if base == "json":
            why = "json has no B-tree operator class, in PostgreSQL either"
        else:
            why = ("DSQL is not known to support B-tree indexes on jsonb" if capability(key).uncertain
                   else "DSQL has no B-tree indexes on jsonb")
        yield Finding(
            f"`{ix.model.name}.{ixf.name}` is a {label} column in {ix.describe()}; {ctx.target} cannot index it "
            f"({why}).",
            ix.span if ix.from_field else ixf.span, f"{ix.model.name}.{ixf.name}",
            help=_help(ix, fld), fix=drop_index_fix(ctx, ix))
