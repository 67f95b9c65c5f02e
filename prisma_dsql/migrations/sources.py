"""Where the two sides of a diff come from: nothing, a schema, a migrations folder, or a database.

Contract: `read_side(side, profile, ...)` returns a `SideCatalog`: the catalog of that side as the
profile sees it, row estimates where a database was read (pg_class.reltuples, never COUNT(*)),
and the loaded schema where the side is one. A migrations folder is replayed into a throwaway
embedded PostgreSQL (Prisma's shadow database), through the DSQL rehearsal on the DSQL target so
that a migration DSQL would refuse fails here first, then read back. Databases are read with
`prisma_dsql.introspect`. Errors are `PrismaDsqlError`s with one clear message; a password never
appears in them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from prisma_dsql.capabilities import Profile
from prisma_dsql.catalog.model import Catalog
from prisma_dsql.errors import PrismaDsqlError, UsageError
from prisma_dsql.loader import LoadedSchema

class ShadowReplayError(PrismaDsqlError):
    """A migration of the folder fails in the shadow database."""

    exit_code = 1


@dataclass(frozen=True)
class Side:
    kind: str
    value: str | None = None

    def describe(self) -> str:
        return {"empty": "an empty database", "schema": f"the schema {self.value}",
                "migrations": f"the migrations in {self.value}", "url": "the database at --url",
                "config-datasource": "the datasource of prisma.config.ts"}[self.kind]


@dataclass(frozen=True)
class SideCatalog:
    catalog: Catalog
    row_estimates: dict = field(default_factory=dict)
    loaded: LoadedSchema | None = None


def pick_side(prefix: str, **given) -> Side:
    """The one `--{prefix}-*` option given; a usage error for none or several."""
    chosen = [(k, v) for k, v in given.items() if v not in (None, False)]
    if len(chosen) != 1:
        names = ", ".join(f"--{prefix}-{k.replace('_', '-')}" for k in given)
        raise UsageError(f"give exactly one of {names}")
    kind, value = chosen[0]
    return Side(kind.replace("_", "-"), None if value is True else str(value))


def read_database(url: str | None, *, config: bool = False, schemas: tuple[str, ...] | None = None,
                  profile: Profile | None = None, declared: tuple[str, ...] = ()) -> SideCatalog:
    """The database's catalog, limited to the schemas the Prisma schema manages (``schemas``, else
    :func:`~prisma_dsql.introspect.scope.managed_schemas` of ``declared`` and the URL's ``?schema=``):
    nothing else in it is read, so nothing else can be planned."""
    from prisma_dsql.connect import open_connection, resolve_spec
    from prisma_dsql.introspect import introspect_database
    from prisma_dsql.introspect.scope import managed_schemas

    spec = resolve_spec(url=url) if not config else resolve_spec()
    scope = tuple(schemas) if schemas is not None else managed_schemas(declared, spec.schema)
    conn = open_connection(spec)
    try:
        result = introspect_database(conn, schemas=scope, profile=profile)
    finally:
        conn.close()
    return SideCatalog(result.catalog, dict(result.row_estimates))


def replay_migrations(directory: Path, profile: Profile, declared: tuple[str, ...] = ()) -> SideCatalog:
    """Apply every migration of `directory` to a new embedded database with the deploy engine (through the
    DSQL rehearsal on the DSQL target, so a statement DSQL refuses fails here) and read it back."""
    import psycopg

    from prisma_dsql.connect import Connector, resolve_spec
    from prisma_dsql.deploy.engine import DeployOptions, deploy
    from prisma_dsql.deploy.folder import check_folder, read_folder
    from prisma_dsql.introspect import introspect_database
    from prisma_dsql.rehearsal.embedded import start_embedded

    if not directory.is_dir():
        raise UsageError(f"{directory}: no such migrations folder")
    # The whole folder is checked (wrong provider, unreadable or unsplittable file, a DO block on DSQL) before a
    # server starts.
    check_folder(read_folder(directory), dsql=profile.target == "dsql")
    if profile.target == "dsql":  # the local Aurora DSQL (prisma_dsql.localdsql) on a throwaway folder
        from prisma_dsql.deploy.rehearse import REHEARSAL_JOB_SECONDS
        from prisma_dsql.localdsql.server import LocalDsql

        server = LocalDsql(profile=profile, job_seconds=REHEARSAL_JOB_SECONDS)
    else:
        server = start_embedded()
    with server:
        url = server.create_database("shadow")
        with Connector(resolve_spec(url=url, env={})) as connector:
            try:
                # The shadow is built from the folder itself: no fingerprint to hold it to.
                deploy(connector, directory, DeployOptions(check_fingerprint=False))
            except PrismaDsqlError as exc:
                raise ShadowReplayError(f"the migrations in {directory} do not apply to a shadow database: {exc}") \
                    from None
        with psycopg.connect(url, autocommit=True) as conn:
            # The schemas the Prisma schema manages (as for a live database), never the emulation's own.
            from prisma_dsql.introspect.scope import managed_schemas

            result = introspect_database(conn, schemas=managed_schemas(declared), profile=profile)
    return SideCatalog(result.catalog, {})
