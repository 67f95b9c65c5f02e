from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules._base import Context, Finding, rule, setting
from prisma_dsql.rules.enum_as_domain import uses_domains

STRATEGY_NONE = setting("translate", "enum-strategy", "none")
STRATEGY_DOMAIN = setting("translate", "enum-strategy", "domain")


@rule("DSQL105", "enum-unsupported", Severity.ERROR,
      "An enum that cannot be created: DSQL has no enum types, and the domain translation is off or "
      "unavailable.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports every enum when it cannot be translated to a domain: because the translation is turned
    off (`[translate] enum-strategy = "none"` in prisma-dsql.toml), or because the selected
    target has no `CREATE DOMAIN`. The message names which of the two it is.

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
    if uses_domains(ctx) or ctx.profile.supports("enum_types"):
        return
    if ctx.options.enum_strategy != "domain":
        cause = f"and enum translation to a domain is off ({STRATEGY_NONE})"
        fix = f"Set {STRATEGY_DOMAIN}"
    else:
        cause = (f"and {ctx.target} has no domains to translate it to "
                 f"(domains are {ctx.since('domains')})")
        fix = f"Select a DSQL version with domains (`--dsql-version {ctx.first_version('domains')}` or later)"
    for e in ctx.schema.enums:
        yield Finding(
            f"Enum `{e.name}` cannot be created: DSQL has no enum types, {cause}.",
            e.name_span, f"enum {e.name}",
            help=f"{fix}, or replace `{e.name}` with `String` fields.")
