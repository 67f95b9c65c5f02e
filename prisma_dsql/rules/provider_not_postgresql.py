from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules import _fix
from prisma_dsql.rules._base import Context, Finding, rule

POSTGRES_PROVIDERS = ("postgresql", "postgres")


@rule("DSQL001", "provider-not-postgresql", Severity.ERROR,
      "The datasource provider is not PostgreSQL; DSQL speaks only PostgreSQL.",
      fix="writes `provider = \"postgresql\"` when the schema uses no native types and no composite types (sqlite, mysql, sqlserver, cockroachdb).")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports a datasource whose `provider` is anything but `"postgresql"`.

    ## Why
    Aurora DSQL is PostgreSQL-compatible and nothing else: Prisma must generate PostgreSQL SQL and
    connect with a PostgreSQL driver. The rest of the schema is still checked as if it were PostgreSQL,
    so one run shows everything a move to DSQL involves.

    ## Example
    ```prisma
    datasource db {
      provider = "mysql"
    }
    ```

    ## Fix
    ```prisma
    datasource db {
      provider = "postgresql"
    }
    ```
    Then replace MySQL-only attributes (`@@fulltext`, `@db.TinyInt`, ...) as the other findings say.
    """
    ds = ctx.schema.datasource
    if ds is None or ds.provider is None or ds.provider in POSTGRES_PROVIDERS:
        return
    yield Finding(
        f'The datasource provider is "{ds.provider}"; Aurora DSQL is PostgreSQL-compatible only.',
        ds.provider_span or ds.name_span, ctx.datasource_label,
        help='Write `provider = "postgresql"` in the datasource block.', fix=_fix_provider(ctx))


#: Providers whose schemas Prisma also accepts as PostgreSQL ones when they use no native types (`@db.*`,
#: named differently per database) and no composite types (MongoDB's).
_PORTABLE = ("sqlite", "mysql", "sqlserver", "cockroachdb")


def _fix_provider(ctx: Context):
    ds = ctx.schema.datasource
    if ds.provider not in _PORTABLE or ds.provider_span is None or ctx.schema.composite_types:
        return None
    if any(f.native_type is not None for m in (*ctx.schema.models, *ctx.schema.views) for f in m.fields):
        return None
    return _fix.fix('`provider = "postgresql"`', [_fix.replace(ds.provider_span, '"postgresql"')])
