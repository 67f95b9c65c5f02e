from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules._base import Context, Finding, declare, rule, subject
from prisma_dsql.schema.model import Field

#: Prisma's Json maps to JSONB unless `@db.Json` says otherwise.
CAPABILITY = {"JsonB": "jsonb_columns", "Json": "json_columns"}


def best_json_type(ctx: Context) -> str | None:
    """The native JSON type to advise on this profile: "JsonB", "Json", or None when neither exists."""
    for name in ("JsonB", "Json"):
        if ctx.profile.supports(CAPABILITY[name]):
            return name
    return None


def json_field(ctx: Context, fld: Field) -> str | None:
    """`name Json @db.JsonB` (or `@db.Json`) for this profile, or None when DSQL has no JSON columns."""
    best = best_json_type(ctx)
    return declare(fld, "Json", f"@{ctx.db}.{best}") if best else None


@rule("DSQL107", "json-column", Severity.ERROR,
      "A Json field whose column type (JSONB by default, or @db.Json) the DSQL version lacks.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports `Json` fields when the selected DSQL version has no column of the type Prisma would
    create: JSONB by default or with `@db.JsonB`, JSON with `@db.Json`. It says which native type
    works instead, when one does.

    ## Why
    DSQL gained `json` columns in May 2026 and `jsonb` columns in June 2026 (both dates unconfirmed;
    they are single entries in the capability table). Before that, a Json field cannot be stored as
    JSON at all. A TEXT column is no substitute: Prisma Client's JSON path filters fail on it
    (`operator does not exist: text #> text[]`). A `json` column behaves exactly like `jsonb` for
    Prisma Client.

    ## Example
    ```prisma
    model Event {
      id      BigInt @id @default(autoincrement())
      payload Json
    }
    ```
    (checked against a version with `json` but not yet `jsonb` columns)

    ## Fix
    ```prisma
    model Event {
      id      BigInt @id @default(autoincrement())
      payload Json   @db.Json
    }
    ```
    On a version with neither, store the serialized value in a `String` field and parse it in the
    application (no JSON filters), or validate for a newer DSQL version.
    """
    best = best_json_type(ctx)
    for m, f in ctx.of_type("Json"):
        if f.is_list or f.kind.value != "scalar":
            continue
        nt = f.native_type.name if f.native_type and f.native_type.name in CAPABILITY else "JsonB"
        if ctx.profile.supports(CAPABILITY[nt]):
            continue
        sql = nt.upper()
        span = f.native_type.span if f.native_type else f.type_span
        if best:
            help = f"Write `{json_field(ctx, f)}`."
        else:
            help = (f"Store the serialized JSON in `{declare(f, 'String')}` (JSON filters will not work), or "
                    f"validate for a DSQL version with JSON columns (`--dsql-version {ctx.first_version('json_columns')}`).")
        yield Finding(
            f"`{m.name}.{f.name}` would be a {sql} column, which {ctx.target} does not have "
            f"({sql} columns are {ctx.since(CAPABILITY[nt])}).",
            span, subject(m, f), help=help)
