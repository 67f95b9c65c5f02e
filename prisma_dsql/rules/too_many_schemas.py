from __future__ import annotations

from typing import Iterator

from prisma_dsql.capabilities import DSQL_BUILTIN_SCHEMAS
from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules._base import Context, Finding, rule


def created_schemas(ctx: Context) -> list[str]:
    """The schemas the migration creates, besides DSQL's own: those holding a table (a model; an
    implicit many-to-many table lives in one of its models' schemas) or an enum (a type or a domain).
    Views are not migrated, and a schema listed in the datasource but used by nothing is not
    created (Prisma's diff creates only the schemas in use), so neither counts."""
    default = ctx.schema.datasource.default_schema if ctx.schema.datasource else "public"
    used = dict.fromkeys(x.schema or default for x in (*ctx.tables, *ctx.schema.enums))
    return [s for s in used if s not in DSQL_BUILTIN_SCHEMAS]


@rule("DSQL405", "too-many-schemas", Severity.ERROR,
      "The models and enums use more schemas than DSQL allows (10 besides public).")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Counts the schemas the migration creates besides `public`: those that hold a model or an enum
    (`@@schema("...")`). Schemas listed in the datasource's `schemas` but used by nothing are not
    created, so they do not count; neither do views, which are not migrated.

    ## Why
    A DSQL cluster holds at most 10 schemas besides `public` and `sys`; `CREATE SCHEMA` fails beyond
    that. Schemas of other applications in the cluster count too.

    ## Example
    ```prisma
    datasource db {
      provider = "postgresql"
      schemas  = ["public", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"]
    }
    model A {
      id BigInt @id
      @@schema("a")
    }
    // ... one model in each of "b" to "k"
    ```

    ## Fix
    Merge schemas, keeping at most 10 besides `public` in use:
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
    own = created_schemas(ctx)
    if len(own) <= limit:
        return
    shown = ", ".join(f'"{s}"' for s in own[:limit + 2]) + (", ..." if len(own) > limit + 2 else "")
    yield Finding(
        f"The models and enums use {len(own)} schemas besides `public` ({shown}); a DSQL cluster holds at most "
        f"{limit}.",
        ds.schemas_span or ds.name_span, ctx.datasource_label,
        help=f"Keep at most {limit} schemas besides \"public\" in use: move the models and enums of the others "
             "(`@@schema(\"...\")`) into the remaining ones.")
