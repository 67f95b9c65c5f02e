from __future__ import annotations

import re
from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules._base import Context, Finding, rule, subject

#: SQL function -> (where it comes from, the `@default(...)` to use instead).
MISSING_FUNCTIONS: dict[str, tuple[str, str]] = {
    "uuid_generate_v1": ("the uuid-ossp extension", 'dbgenerated("gen_random_uuid()")'),
    "uuid_generate_v1mc": ("the uuid-ossp extension", 'dbgenerated("gen_random_uuid()")'),
    "uuid_generate_v3": ("the uuid-ossp extension", "uuid()"),
    "uuid_generate_v4": ("the uuid-ossp extension", 'dbgenerated("gen_random_uuid()")'),
    "uuid_generate_v5": ("the uuid-ossp extension", "uuid()"),
    "uuid_generate_v7": ("the pg_uuidv7 extension", "uuid(7)"),
    "uuidv7": ("PostgreSQL 18", "uuid(7)"),
    "gen_random_bytes": ("the pgcrypto extension", "a value generated in the application"),
    "crypt": ("the pgcrypto extension", "a value computed in the application"),
    "gen_salt": ("the pgcrypto extension", "a value computed in the application"),
    "digest": ("the pgcrypto extension", "a value computed in the application"),
    "hmac": ("the pgcrypto extension", "a value computed in the application"),
    "nanoid": ("an extension or a PL/pgSQL function", "nanoid()"),
    "generate_ulid": ("an extension or a PL/pgSQL function", "ulid()"),
    "gen_ulid": ("an extension or a PL/pgSQL function", "ulid()"),
    "ulid_generate": ("an extension or a PL/pgSQL function", "ulid()"),
    "gen_random_ulid": ("an extension or a PL/pgSQL function", "ulid()"),
}
#: Functions that work once the profile has a capability.
CAPABILITY_FUNCTIONS = {"nextval": "sequences", "currval": "sequences", "setval": "sequences"}

_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_$]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_$]*)*)\s*\(")


def called_functions(sql: str) -> list[str]:
    """Lower-case names (schema prefix removed) of the functions an SQL expression calls."""
    return [m.group(1).split(".")[-1].strip().lower() for m in _CALL.finditer(sql)]


@rule("DSQL111", "dbgenerated-function", Severity.ERROR,
      "`dbgenerated(\"...\")` calls a function DSQL does not have (e.g. uuid_generate_v4()).")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports `@default(dbgenerated("..."))` expressions that call functions DSQL lacks: those of
    extensions (`uuid_generate_v4()` from uuid-ossp, `gen_random_bytes()` and `crypt()` from pgcrypto,
    `uuid_generate_v7()`), the usual PL/pgSQL id generators (`nanoid()`, `generate_ulid()`), and
    `nextval()` on DSQL versions without sequences.

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
            if name in MISSING_FUNCTIONS:
                origin, instead = MISSING_FUNCTIONS[name]
                if instead.startswith("a value"):
                    help = f"Remove the default and use {instead}."
                else:
                    help = f"Write `@default({instead})`."
                yield Finding(
                    f"`{m.name}.{f.name}` defaults to `{args[0]}`, but `{name}()` comes from {origin}, which DSQL "
                    "does not support.",
                    f.default.span, subject(m, f), help=help)
            elif name in CAPABILITY_FUNCTIONS and not ctx.profile.supports(CAPABILITY_FUNCTIONS[name]):
                key = CAPABILITY_FUNCTIONS[name]
                yield Finding(
                    f"`{m.name}.{f.name}` defaults to `{args[0]}`, but {ctx.target} has no sequences "
                    f"({ctx.since(key)}).",
                    f.default.span, subject(m, f),
                    help="Generate the value in the application (`@default(uuid(7))` for ids), or validate for a "
                         f"version with sequences (`--dsql-version {ctx.first_version(key)}`).")
