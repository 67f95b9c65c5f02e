from __future__ import annotations

from typing import Iterator

from prisma_dsql.capabilities import DSQL_BUILTIN_SCHEMAS
from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules._base import Context, Finding, rule


@rule("DSQL405", "too-many-schemas", Severity.ERROR,
      "More schemas in the datasource than DSQL allows (10 besides public).")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Counts the schemas listed in the datasource's `schemas` (besides `public`) and reports a list
    longer than DSQL's limit of 10.

    ## Why
    A DSQL cluster holds at most 10 schemas besides `public` and `sys`; `CREATE SCHEMA` fails beyond
    that. Schemas of other applications in the cluster count too.

    ## Example
    ```prisma
    datasource db {
      provider = "postgresql"
      schemas  = ["public", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"]
    }
    ```

    ## Fix
    Merge schemas, keeping at most 10 besides `public`:
    ```prisma
    datasource db {
      provider = "postgresql"
      schemas  = ["public", "billing", "auth"]
    }
    ```
    """
    limit = ctx.profile.limit("schemas")
    ds = ctx.schema.datasource
    if limit is None or ds is None:
        return
    own = [s for s in ds.schemas if s not in DSQL_BUILTIN_SCHEMAS]
    if len(own) <= limit:
        return
    yield Finding(
        f"The datasource lists {len(own)} schemas besides `public`; a DSQL cluster holds at most {limit}.",
        ds.schemas_span or ds.name_span, ctx.datasource_label,
        help=f"List at most {limit} schemas besides \"public\" in `schemas = [...]` and move the models of the others "
             "(`@@schema(\"...\")`).")
