from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules._base import Context, Finding, rule

FEATURE = "postgresqlExtensions"


@rule("DSQL502", "extensions-preview-feature", Severity.WARNING,
      "The `postgresqlExtensions` preview feature; DSQL has no extensions to manage.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports a generator that enables the `postgresqlExtensions` preview feature.

    ## Why
    With it, Prisma Migrate manages extensions with `CREATE EXTENSION` / `DROP EXTENSION`, which
    DSQL refuses. Without extensions the feature has nothing to do.

    ## Example
    ```prisma
    generator client {
      provider        = "prisma-client"
      previewFeatures = ["postgresqlExtensions"]
    }
    ```

    ## Fix
    ```prisma
    generator client {
      provider = "prisma-client"
    }
    ```
    """
    if ctx.profile.supports("extensions"):
        return
    for g in ctx.schema.generators:
        if FEATURE not in g.preview_features:
            continue
        span = next((cv.span for name, cv in g.properties if name == "previewFeatures"), g.name_span)
        rest = [f'"{f}"' for f in g.preview_features if f != FEATURE]
        help = (f"Write `previewFeatures = [{', '.join(rest)}]`." if rest else "Remove `previewFeatures`.")
        yield Finding(
            f"Generator `{g.name}` enables `{FEATURE}`; DSQL has no extensions for Prisma Migrate to manage.",
            span, f"generator {g.name}", help=help)
