from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules._base import Context, Finding, rule
from prisma_dsql.sql.names import quote


def uses_domains(ctx: Context) -> bool:
    return ctx.options.enum_strategy == "domain" and ctx.profile.supports("domains")


_quote = quote  # sql.names is pure: fine for validate's light imports


def domain_sql(enum, default_schema: str = "public") -> str:
    """The CREATE DOMAIN the enum becomes; schema-qualified when the enum is in another `@@schema`,
    as the migration writes it."""
    values = ", ".join("'" + v.db_name.replace("'", "''") + "'" for v in enum.values)
    name = _quote(enum.db_name)
    if enum.schema and enum.schema != default_schema:
        name = f"{_quote(enum.schema)}.{name}"
    return f"CREATE DOMAIN {name} AS TEXT CHECK (VALUE IN ({values}))"


@rule("DSQL104", "enum-as-domain", Severity.INFO,
      "An enum becomes a DOMAIN over TEXT with a CHECK; orderBy then sorts alphabetically.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Explains what each enum becomes on DSQL: `CREATE DOMAIN "<enum>" AS TEXT CHECK (VALUE IN (...))`,
    with the database names of the values (after `@map`) and of the enum (after `@@map`).

    ## Why
    DSQL has no `CREATE TYPE ... AS ENUM`. Prisma Client sends every enum value as
    `CAST($1::text AS "<enum>")`, so a type with the enum's name must exist: a domain over TEXT keeps
    every query working, and the CHECK keeps out values the enum does not have. One difference
    remains: `orderBy` on an enum column sorts the values alphabetically, not in declaration order.

    ## Example
    ```prisma
    enum Priority {
      LOW
      MEDIUM
      HIGH
    }
    ```
    becomes `CREATE DOMAIN "Priority" AS TEXT CHECK (VALUE IN ('LOW', 'MEDIUM', 'HIGH'))`, and
    `orderBy: { priority: "asc" }` returns HIGH, LOW, MEDIUM.

    ## Fix
    Nothing is required. Where the order matters, sort by a number instead:
    ```prisma
    model Task {
      id            BigInt   @id @default(autoincrement())
      priority      Priority
      priorityOrder Int      // 0 = LOW, 1 = MEDIUM, 2 = HIGH
    }
    ```
    """
    if not uses_domains(ctx):
        return
    ds = ctx.schema.datasource
    default_schema = ds.default_schema if ds is not None else "public"
    for e in ctx.schema.enums:
        if not e.values:
            continue
        yield Finding(
            f"Enum `{e.name}` becomes a DOMAIN over TEXT with a CHECK of its {len(e.values)} "
            f"value{'s' if len(e.values) != 1 else ''} (DSQL has no enum types); Prisma Client works with it, "
            "but orderBy sorts its values alphabetically, not in declaration order.",
            e.name_span, f"enum {e.name}",
            notes=(f"DDL: {domain_sql(e, default_schema)}",))
