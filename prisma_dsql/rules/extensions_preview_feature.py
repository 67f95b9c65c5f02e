from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules import _fix
from prisma_dsql.rules._base import Context, Finding, rule

FEATURE = "postgresqlExtensions"


@rule("DSQL502", "extensions-preview-feature", Severity.WARNING,
      "The `postgresqlExtensions` preview feature; DSQL has no extensions to manage.",
      fix="removes `postgresqlExtensions` from `previewFeatures` once the datasource lists no extensions.")
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
            span, f"generator {g.name}", help=help, fix=_fix_features(ctx, span, rest))


def _fix_features(ctx: Context, span, rest: list[str]):
    # Only once the datasource lists no extensions: Prisma rejects `extensions` without the feature.
    ds = ctx.schema.datasource
    if ds is not None and ds.extensions:
        return None
    text = ctx.text(span)
    if text is None or not text.startswith("previewFeatures"):
        return None
    if rest:
        return _fix.fix(f"remove `\"{FEATURE}\"`", [_fix.replace(span, f"previewFeatures = [{', '.join(rest)}]")])
    return _fix.fix("remove `previewFeatures`", [_fix.drop(ctx, span)])
