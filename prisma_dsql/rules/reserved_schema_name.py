from __future__ import annotations

from typing import Iterator

from prisma_dsql.capabilities import DSQL_RESERVED_SCHEMA_PREFIXES, DSQL_RESERVED_SCHEMAS
from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules._base import Context, Finding, rule


def is_reserved(name: str) -> bool:
    return name.lower() in DSQL_RESERVED_SCHEMAS or name.lower().startswith(DSQL_RESERVED_SCHEMA_PREFIXES)


@rule("DSQL503", "reserved-schema-name", Severity.ERROR,
      "A schema named `sys`, `information_schema` or `pg_*`, which DSQL reserves.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports names in the datasource's `schemas` (used by `@@schema`) that DSQL reserves: `sys`
    (DSQL's own schema, with `sys.jobs`), `information_schema`, and names starting with `pg_`.

    ## Why
    `CREATE SCHEMA` fails for these names, and tables placed there would mix with the system
    catalog.

    ## Example
    ```prisma
    datasource db {
      provider = "postgresql"
      schemas  = ["public", "sys"]
    }
    ```

    ## Fix
    ```prisma
    datasource db {
      provider = "postgresql"
      schemas  = ["public", "system_data"]
    }
    ```
    and `@@schema("system_data")` on the models that used `sys`.
    """
    ds = ctx.schema.datasource
    if ds is None:
        return
    for name in ds.schemas:
        if not is_reserved(name):
            continue
        yield Finding(
            f'The schema name "{name}" is reserved by DSQL and PostgreSQL.',
            ds.schemas_span or ds.name_span, ctx.datasource_label,
            help=f'Use another name in `schemas = [...]` and `@@schema("...")`, e.g. "app_{name.lower()}".')
