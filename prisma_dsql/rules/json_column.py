from __future__ import annotations

from typing import Iterator

from prisma_dsql.capabilities import JSON_COLUMN_TYPES, capability
from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules import _fix
from prisma_dsql.rules._base import Context, Finding, declare, rule, subject
from prisma_dsql.schema.model import Field

#: `@db.JsonB` / `@db.Json` -> the capability its column type needs.
CAPABILITY = {"JsonB": "jsonb_columns", "Json": "json_columns"}
#: The column type of each capability, and the native type that asks for it.
_SQL = {key: sql for key, sql in JSON_COLUMN_TYPES}
_NATIVE = {key: name for name, key in CAPABILITY.items()}


def json_type(ctx: Context) -> str | None:
    """The column type a `Json` field without a native type becomes on this profile ("JSONB",
    "JSON"), or None when the profile has no JSON columns."""
    return ctx.profile.first_supported(JSON_COLUMN_TYPES)


def json_field(ctx: Context, fld: Field) -> str | None:
    """`name Json` (with the field's optionality), or None when the profile has no JSON columns."""
    return declare(fld, "Json") if json_type(ctx) else None


def as_string(ctx: Context, f: Field):
    """The field as `String` holding the serialized JSON (a Json default is a string already)."""
    edits = [_fix.retype(f, "String")]
    if f.native_type is not None:
        edits.append(_fix.drop(ctx, f.native_type.span))
    return _fix.fix(f"`{declare(f, 'String')}` (serialized JSON)", edits)


def _earliest_json_capability() -> str:
    dated = [key for key, _ in JSON_COLUMN_TYPES if capability(key).since is not None]
    return min(dated, key=lambda key: capability(key).since)


@rule("DSQL107", "json-column", Severity.ERROR,
      "A Json field on a DSQL version without JSON columns, or with `@db.JsonB` / `@db.Json` it lacks.",
      fix="`@db.JsonB`/`@db.Json` becomes the native type the version has; without JSON columns, the field becomes `String`.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports `Json` fields the selected DSQL version cannot store:
    - a `Json` field without a native type, on a version with neither `json` nor `jsonb` columns
      (with either, it becomes JSONB where DSQL has it, else JSON);
    - `@db.JsonB` or `@db.Json` on a version without that column type. The help says which type a
      plain `Json` field becomes instead.

    ## Why
    DSQL gained `json` columns in May 2026 and `jsonb` columns in June 2026 (both dates unconfirmed;
    they are single entries in the capability table). Before that, a Json field cannot be stored as
    JSON at all. A TEXT column is no substitute: Prisma Client's JSON path filters fail on it
    (`operator does not exist: text #> text[]`). A `json` column behaves exactly like `jsonb` for
    Prisma Client, so a plain `Json` field uses whichever the version has.

    ## Example
    ```prisma
    model Event {
      id      BigInt @id @default(autoincrement())
      payload Json   @db.JsonB
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
    or drop the native type (`payload Json`): it becomes JSON on that version and JSONB on later
    ones. On a version with neither, store the serialized value in a `String` field and parse it in
    the application (no JSON filters), or validate for a newer DSQL version.
    """
    plain = json_type(ctx)
    earliest = _earliest_json_capability()
    for m, f in ctx.of_type("Json"):
        if f.is_list or f.kind.value != "scalar":
            continue
        native = f.native_type.name if f.native_type and f.native_type.name in CAPABILITY else None
        if native is None:
            if plain is not None:
                continue
            yield Finding(
                f"`{m.name}.{f.name}` is a Json field, but {ctx.target} has no JSON column types "
                f"(json columns are {ctx.since(earliest)}).",
                f.type_span, subject(m, f),
                help=f"Store the serialized JSON in `{declare(f, 'String')}` (JSON filters will not work), or "
                     f"validate for a DSQL version with JSON columns (`--dsql-version {ctx.first_version(earliest)}` "
                     "or later).", fix=as_string(ctx, f))
            continue
        key = CAPABILITY[native]
        if ctx.profile.supports(key):
            continue
        sql = _SQL[key]
        if plain is not None:
            alternative = _NATIVE[next(k for k, t in JSON_COLUMN_TYPES if t == plain)]
            help = (f"Write `{declare(f, 'Json', f'@{ctx.db}.{alternative}')}`, or `{declare(f, 'Json')}` without a "
                    f"native type: on {ctx.target} it becomes a {plain} column.")
            fix = _fix.fix(f"`@{ctx.db}.{alternative}`", [_fix.replace(f.native_type.span, f"@{ctx.db}.{alternative}")])
        else:
            help = (f"Store the serialized JSON in `{declare(f, 'String')}` (JSON filters will not work), or "
                    f"validate for a DSQL version with {sql} columns (`--dsql-version {ctx.first_version(key)}` "
                    "or later).")
            fix = as_string(ctx, f)
        yield Finding(
            f"`{m.name}.{f.name}` would be a {sql} column (`@{ctx.db}.{native}`), which {ctx.target} does not have "
            f"({sql} columns are {ctx.since(key)}).",
            f.native_type.span, subject(m, f), help=help, fix=fix)
