from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules import _fix
from prisma_dsql.rules._base import Context, Finding, rule

_INSTEAD = {
    "pgcrypto": "`gen_random_uuid()` is built in; hash and encrypt in the application",
    "uuid-ossp": 'use `@default(dbgenerated("gen_random_uuid()"))` or `@default(uuid())`',
    "uuid_ossp": 'use `@default(dbgenerated("gen_random_uuid()"))` or `@default(uuid())`',
    "citext": 'use `String` and `mode: "insensitive"` filters',
    "pg_trgm": "DSQL has no trigram indexes; search in the application or an external service",
    "postgis": "store GeoJSON in a `Json` field",
    "vector": "store embeddings in another service",
    "hstore": "use a `Json` field",
}


@rule("DSQL501", "extensions", Severity.ERROR,
      "PostgreSQL extensions in the datasource (`extensions = [...]`); DSQL has no extensions.",
      fix="removes the extension from `extensions = [...]` (the whole line for the last one).")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports each extension listed in the datasource's `extensions` property.

    ## Why
    DSQL does not support `CREATE EXTENSION`. The extension's types, functions and index methods
    are not there either, so whatever the schema uses them for must change.

    ## Example
    ```prisma
    datasource db {
      provider   = "postgresql"
      extensions = [pgcrypto, citext]
    }
    ```

    ## Fix
    ```prisma
    datasource db {
      provider = "postgresql"
    }
    ```
    and replace what used them: `gen_random_uuid()` is built in; `@db.Citext` becomes `String`.
    """
    if ctx.profile.supports("extensions"):
        return
    ds = ctx.schema.datasource
    if ds is None:
        return
    for ext in ds.extensions:
        instead = _INSTEAD.get(ext.name)
        yield Finding(
            f"The datasource lists the extension `{ext.name}`; DSQL supports no extensions.",
            ext.span, f"{ctx.datasource_label} extension {ext.name}",
            help=f"Remove `{ext.name}` from `extensions = [...]`" + (f"; {instead}." if instead else "."),
            fix=_fix.fix(f"remove `{ext.name}`", [
                _fix.drop_property(ctx, ds.extensions_span, "extensions") if len(ds.extensions) == 1
                else _fix.drop_list_item(ctx, ext.span)]) if ds.extensions_span else None)
