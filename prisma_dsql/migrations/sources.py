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

SIDE_KINDS = ("empty", "schema", "migrations", "url", "config-datasource")


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


def read_database(url: str | None, *, config: bool = False, schemas: tuple[str, ...] | None = None) -> SideCatalog:
    from prisma_dsql.connect import open_connection, resolve_spec
    from prisma_dsql.introspect import introspect_database

    spec = resolve_spec(url=url) if not config else resolve_spec()
    conn = open_connection(spec)
    try:
        result = introspect_database(conn, schemas=schemas)
    finally:
        conn.close()
    return SideCatalog(result.catalog, dict(result.row_estimates))


def replay_migrations(directory: Path, profile: Profile) -> SideCatalog:
    """Apply every migration of `directory` to a new embedded database (DSQL rules enforced on the
    DSQL target) and read it back."""
    from prisma_dsql.introspect import introspect_database
    from prisma_dsql.rehearsal.embedded import start_embedded

    migrations = _migration_files(directory)
    with start_embedded() as server:
        url = server.create_database("shadow")
        for name, path in migrations:
            _apply_file(url, path, name, profile)
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            result = introspect_database(conn)
    return SideCatalog(result.catalog, {})


def _migration_files(directory: Path) -> list[tuple[str, Path]]:
    from prisma_dsql.migrations.folder import MIGRATION_FILE, existing_migrations

    if not directory.is_dir():
        raise UsageError(f"{directory}: no such migrations folder")
    out = []
    for name in existing_migrations(directory):
        path = directory / name / MIGRATION_FILE
        if not path.is_file():
            raise ShadowReplayError(f"{directory / name} holds no {MIGRATION_FILE}")
        out.append((name, path))
    return out


def _apply_file(url: str, path: Path, name: str, profile: Profile) -> None:
    """One migration file, one statement per transaction, honouring the planner's directives."""
    import psycopg

    from prisma_dsql.plan.model import DIRECTIVE_PREFIX, REPEAT_UNTIL_ZERO_ROWS, WAIT_FOR_JOBS
    from prisma_dsql.sql.split import SqlSplitError, split_sql

    try:
        statements = split_sql(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ShadowReplayError(f"{path}: cannot be read ({exc})") from None
    except SqlSplitError as exc:
        raise ShadowReplayError(f"{path}:{exc.line}: {exc}") from None
    if profile.target == "dsql":
        from prisma_dsql.rehearsal import emulator

        emulator.install(url)
        conn = emulator.connect(url, autocommit=True)
    else:
        conn = psycopg.connect(url, autocommit=True)
    jobs: list[str] = []
    with conn:
        for st in statements:
            directives = [c.strip()[len(DIRECTIVE_PREFIX):].strip() for c in st.leading_comments
                          if c.strip().startswith(DIRECTIVE_PREFIX)]
            try:
                if WAIT_FOR_JOBS in directives:
                    _wait(conn, jobs, path, st)
                    jobs = []
                if REPEAT_UNTIL_ZERO_ROWS in directives:
                    for _ in range(10_000_000):
                        if conn.execute(st.text).rowcount == 0:
                            break
                    continue
                cur = conn.execute(st.text)
                if cur.description and cur.description[0].name == "job_id":
                    jobs.append(cur.fetchone()[0])
            except psycopg.Error as exc:
                raise ShadowReplayError(
                    f"migration {name} fails in the shadow database at {path}:{st.line}: "
                    f"{(exc.diag.message_primary or str(exc)).strip()}") from None
        _wait(conn, jobs, path, None)


def _wait(conn, jobs: list[str], path: Path, st) -> None:
    for job in jobs:
        row = conn.execute("CALL sys.wait_for_job(%s)", (job,)).fetchone()
        if not row or not row[0]:
            detail = conn.execute("SELECT status, details FROM sys.jobs WHERE job_id = %s", (job,)).fetchone()
            where = f"{path}:{st.line}" if st is not None else str(path)
            raise ShadowReplayError(f"an async job of {where} failed in the shadow database: {detail}")
