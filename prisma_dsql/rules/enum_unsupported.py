from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules._base import Context, Finding, rule
from prisma_dsql.rules.enum_as_domain import uses_domains


@rule("DSQL105", "enum-unsupported", Severity.ERROR,
      "An enum with enum translation turned off (`enum-strategy = \"none\"`); DSQL has no enum types.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports every enum when enum translation is turned off (`enum-strategy = "none"` under
    `[translate]` in prisma-dsql.toml).

    ## Why
    DSQL has no `CREATE TYPE ... AS ENUM`. Without the domain translation there is no type named
    after the enum, and Prisma Client fails every write and filter on the enum's columns with
    `type "public.<enum>" does not exist`.

    ## Example
    ```toml
    # prisma-dsql.toml
    [translate]
    enum-strategy = "none"
    ```
    ```prisma
    enum Role {
      USER
      ADMIN
    }
    ```

    ## Fix
    Turn the translation back on (the default):
    ```toml
    [translate]
    enum-strategy = "domain"
    ```
    or replace the enum with a string:
    ```prisma
    model User {
      id   BigInt @id @default(autoincrement())
      role String @default("USER") // USER or ADMIN
    }
    ```
    """
    if uses_domains(ctx):
        return
    for e in ctx.schema.enums:
        yield Finding(
            f"Enum `{e.name}` cannot be created: DSQL has no enum types, and enum translation is off "
            '(`enum-strategy = "none"`).',
            e.name_span, f"enum {e.name}",
            help='Set `enum-strategy = "domain"` under `[translate]` in prisma-dsql.toml, or replace '
                 f'`{e.name}` with `String` fields.')
