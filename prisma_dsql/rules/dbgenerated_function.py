from __future__ import annotations

from typing import Iterator

from prisma_dsql.capabilities import FUNCTIONS, called_functions, capability
from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules import _fix
from prisma_dsql.rules._base import Context, Finding, rule, subject

#: What to write instead of a default calling a function of `capabilities.FUNCTIONS` that DSQL
#: never has (the table, shared with the DDL renderer, says where each function comes from).
INSTEAD: dict[str, str] = {
    "uuid_generate_v1": 'dbgenerated("gen_random_uuid()")',
    "uuid_generate_v1mc": 'dbgenerated("gen_random_uuid()")',
    "uuid_generate_v3": "uuid()",
    "uuid_generate_v4": 'dbgenerated("gen_random_uuid()")',
    "uuid_generate_v5": "uuid()",
    "uuid_generate_v7": "uuid(7)",
    "uuidv7": "uuid(7)",
    "gen_random_bytes": "a value generated in the application",
    "crypt": "a value computed in the application",
    "gen_salt": "a value computed in the application",
    "digest": "a value computed in the application",
    "hmac": "a value computed in the application",
    "nanoid": "nanoid()",
    "generate_ulid": "ulid()",
    "gen_ulid": "ulid()",
    "ulid_generate": "ulid()",
    "gen_random_ulid": "ulid()",
}


@rule("DSQL111", "dbgenerated-function", Severity.ERROR,
      "`dbgenerated(\"...\")` calls a function DSQL does not have (e.g. uuid_generate_v4()).",
      fix="`@default(dbgenerated(\"uuid_generate_v4()\"))` and the like become the built-in or Prisma-generated default of the table above, when the default is exactly that call; functions computed in the application need a person.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports `@default(dbgenerated("..."))` expressions that call functions DSQL lacks: those of
    extensions (`uuid_generate_v4()` from uuid-ossp, `gen_random_bytes()` and `crypt()` from pgcrypto,
    `uuid_generate_v7()`), the usual PL/pgSQL id generators (`nanoid()`, `generate_ulid()`), and
    `nextval()` on DSQL versions without sequences. The functions and where they come from are
    `FUNCTIONS` in the capability table, which the DDL renderer checks too: such a default is
    refused even with this rule turned off.

    ## Why
    DSQL supports no extensions and no PL/pgSQL, so the default expression fails when the table is
    created. `gen_random_uuid()` is built in and works.

    ## Example
    ```prisma
    model Account {
      id String @id @default(dbgenerated("uuid_generate_v4()")) @db.Uuid
    }
    ```

    ## Fix
    ```prisma
    model Account {
      id String @id @default(dbgenerated("gen_random_uuid()")) @db.Uuid
    }
    ```
    or let Prisma Client generate it: `@default(uuid())`, `@default(uuid(7))`, `@default(ulid())`.
    """
    for m, f in ctx.with_default("dbgenerated"):
        args = f.default.args
        if not args or not isinstance(args[0], str):
            continue
        for name in dict.fromkeys(called_functions(args[0])):
            if name not in FUNCTIONS:
                continue
            key, origin = FUNCTIONS[name]
            if ctx.profile.supports(key):
                continue
            if capability(key).since is None:
                instead = INSTEAD.get(name, "a value generated in the application")
                fix = None
                if instead.startswith("a value"):
                    help = f"Remove the default and use {instead}."
                else:
                    help = f"Write `@default({instead})`."
                    fix = _default_fix(f, name, instead)
                yield Finding(
                    f"`{m.name}.{f.name}` defaults to `{args[0]}`, but `{name}()` comes from {origin}, which DSQL "
                    "does not support.",
                    f.default.span, subject(m, f), help=help, fix=fix)
            else:
                yield Finding(
                    f"`{m.name}.{f.name}` defaults to `{args[0]}`, but {ctx.target} has no {origin} "
                    f"({ctx.since(key)}).",
                    f.default.span, subject(m, f),
                    help="Generate the value in the application (`@default(uuid(7))` for ids), or validate for a "
                         f"version with {origin} (`--dsql-version {ctx.first_version(key)}`).")


def _default_fix(f, name: str, instead: str):
    """`@default(<instead>)` when the default is exactly a call of `name` without arguments (anything
    more, `uuid_generate_v4()::text`, is an expression a replacement could change the meaning of);
    Prisma's own generators only on String fields."""
    if f.default.args[0].replace(" ", "") != f"{name}()":
        return None
    if not instead.startswith("dbgenerated") and f.type_name != "String":
        return None
    mapped = f", map: {_fix.prisma_string(f.default.map)}" if f.default.map else ""
    return _fix.fix(f"`@default({instead})`", [_fix.replace(f.default.span, f"@default({instead}{mapped})")])
