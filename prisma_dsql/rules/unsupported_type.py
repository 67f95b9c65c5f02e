from __future__ import annotations

from typing import Iterator

from prisma_dsql.capabilities import column_type_capability, type_base_name
from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules import _fix
from prisma_dsql.rules.json_column import json_type
from prisma_dsql.rules._base import Context, Finding, rule, subject

_ADVICE = {
    "tsvector": "DSQL has no full-text search; drop the column and search in the application or another service",
    "tsquery": "DSQL has no full-text search; drop the column",
    "hstore": "use `Json` (hstore is an extension)",
    "ltree": "store the path in a `String` (ltree is an extension)",
    "cidr": "use `String`",
    "macaddr": "use `String`",
    "inet": "use `String`",
    "point": "use two `Float` fields, or `Json` holding GeoJSON",
    "geometry": "use `Json` holding GeoJSON (PostGIS is an extension)",
    "geography": "use `Json` holding GeoJSON (PostGIS is an extension)",
    "vector": "store embeddings elsewhere, or as `Bytes` (pgvector is an extension)",
}

#: SQL type -> the Prisma type that holds its values (a mechanical fix; other types have none).
_AS = {"citext": "String", "inet": "String", "cidr": "String", "macaddr": "String", "macaddr8": "String",
       "ltree": "String", "hstore": "Json"}


@rule("DSQL109", "unsupported-type", Severity.ERROR,
      "An `Unsupported(\"...\")` field whose SQL type DSQL cannot store.",
      fix="`Unsupported(\"...\")` becomes `String` for citext, inet, cidr, macaddr and ltree, `Json` for hstore and array types (fields no relation uses, without a default other than `dbgenerated`); other types need a person.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports `Unsupported("<sql type>")` fields unless the SQL type is one DSQL has as a column
    type (integer and numeric types, character types, text, date/time types, interval, boolean,
    bytea, uuid, and json/jsonb on versions that have them). The list is the capability table's
    `COLUMN_TYPES`, which the DDL renderer checks too: a type missing from it is refused even with
    this rule turned off.

    ## Why
    `Unsupported` passes a raw SQL type into CREATE TABLE. The types people reach for it with
    (`tsvector`, `point`, PostGIS `geometry`, `cidr`, `hstore`, pgvector's `vector`, arrays) are
    missing on DSQL: extensions and array columns are not supported at all, so the table cannot be
    created.

    ## Example
    ```prisma
    model Document {
      id     BigInt                   @id @default(autoincrement())
      search Unsupported("tsvector")?
    }
    ```

    ## Fix
    Drop the column or store the value in a supported type:
    ```prisma
    model Place {
      id       BigInt @id @default(autoincrement())
      location Json   // GeoJSON instead of Unsupported("geometry(Point, 4326)")
    }
    ```
    """
    for m, f in ctx.of_type("Unsupported"):
        if f.unsupported is None:
            continue
        needed = column_type_capability(f.unsupported)
        if not needed or ctx.profile.supports(needed):
            continue
        base = type_base_name(f.unsupported)
        if needed == "array_columns":
            what, advice = "array columns", "use `Json` or a related model"
        else:
            what = f"{base} columns"
            advice = _ADVICE.get(base.split(" ")[0], "use a Prisma type DSQL supports (String, Json, Bytes, ...)")
        yield Finding(
            f'`{m.name}.{f.name}` is `Unsupported("{f.unsupported}")`; DSQL has no {what}.',
            f.type_span, subject(m, f), help=advice[:1].upper() + advice[1:] + ".",
            fix=_replacement(ctx, m, f, base))


def _replacement(ctx: Context, m, f, base: str):
    # An array column holds a list: as a scalar list does, it becomes Json.
    new = "Json" if base.endswith("[]") else _AS.get(base.lower())
    if new is None or f.is_list or _fix.in_relation(ctx.schema, m.name, f.name):
        return None
    if new == "Json" and json_type(ctx) is None:
        return None
    if f.default is not None and f.default.function != "dbgenerated":
        return None
    return _fix.fix(f"`{f.name} {new}`", [_fix.retype(f, new)])
