"""Where the two sides of a diff come from: nothing, a schema, a migrations folder, or a database.

Contract: `read_side(side, profile, ...)` returns a `SideCatalog`: the catalog of that side as the
profile sees it, row estimates where a database was read (pg_class.reltuples, never COUNT(*)),
and the loaded schema where the side is one. A migrations folder is replayed into a throwaway
embedded PostgreSQL (Prisma's shadow database), through the DSQL rehearsal on the DSQL target so
that a migration DSQL would refuse fails here first, then read back. Databases are read with
`prisma_dsql.introspect`. Errors are `PrismaDsqlError`s with one clear message; a password never
appears in them.

Shadow database: by default an embedded PostgreSQL 16 with no contrib extensions; a folder that creates an
extension it lacks (pgcrypto, pg_trgm, citext, ...) is refused before anything runs, naming the extension
and `--shadow-database-url`. With ``Side.shadow`` (`--shadow-database-url URL`, a PostgreSQL the user gives,
as Prisma's) the folder is replayed on that server instead: in a new database created there and dropped
afterwards, as Prisma does; where the user may not create databases, in the URL's own database, only if it
holds nothing (checked first), and emptied again afterwards. Nothing else on that server is touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from prisma_dsql.capabilities import Profile
from prisma_dsql.catalog.model import Catalog
from prisma_dsql.errors import PrismaDsqlError, UsageError
from prisma_dsql.loader import LoadedSchema


#: How long each async job of the shadow replay takes (seconds, drawn uniformly). Long enough that a statement
#: sent right after an ASYNC build (1-5 ms later through the local DSQL) still finds it pending, so that a
#: dependency the engine failed to wait for fails here too; the rehearsal's longer draws
#: (prisma_dsql.deploy.rehearse.REHEARSAL_JOB_SECONDS, 0.05-0.3 s) only lengthened the wait before each
#: migration is recorded (the slowest of its jobs: 2.4 s of a 5 s replay of 11 migrations). The replay proves
#: ordering and waits, not timing.
SHADOW_JOB_SECONDS = (0.02, 0.05)


class ShadowReplayError(PrismaDsqlError):
    """A migration of the folder fails in the shadow database."""

    exit_code = 1


class ShadowExtensionMissing(PrismaDsqlError):
    """The folder creates an extension the embedded shadow database does not ship."""

    exit_code = 1


class ShadowUnavailable(PrismaDsqlError):
    """--shadow-database-url cannot be used (unreachable, or not a PostgreSQL server). Exit 1, not the usage
    error's 2: under `migrate diff --exit-code`, 2 means differences."""

    exit_code = 1


class ShadowNotEmpty(PrismaDsqlError):
    """--shadow-database-url names a database that holds objects, and no new database may be created there."""

    exit_code = 1


@dataclass(frozen=True)
class Side:
    kind: str
    value: str | None = None
    #: For a migrations side: the PostgreSQL to replay it on (`--shadow-database-url`); None: embedded.
    shadow: str | None = field(default=None, compare=False)

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


class ShadowServer:
    """The throwaway server a migrations folder is replayed on, started early: its initdb runs in a process of
    its own while the command parses its schema (:func:`start_shadow`). :meth:`get` waits for it and puts the
    local DSQL in front on the DSQL target (raising what starting raised); :meth:`stop` stops whatever was
    started: call it in a ``finally``, so that no server outlives the command. No thread is involved.
    ``checked``: the folder it was started for and what :func:`check_replayable` read of it, so that the replay
    does not read and check it a second time."""

    def __init__(self, profile: Profile, checked: tuple[Path, object] | None = None) -> None:
        from prisma_dsql.rehearsal.embedded import EmbeddedPostgres

        self.profile = profile
        self.checked = checked
        self._postgres = EmbeddedPostgres(wait=False)
        self._server = None

    def get(self):
        if self._server is None:
            postgres, self._postgres = self._postgres, None
            if postgres is None:
                raise PrismaDsqlError("the shadow server was stopped")
            if self.profile.target == "dsql":  # the local Aurora DSQL (prisma_dsql.localdsql) in front
                from prisma_dsql.localdsql.server import LocalDsql

                self._server = LocalDsql(profile=self.profile, job_seconds=SHADOW_JOB_SECONDS, embedded=postgres)
            else:
                self._server = postgres.ready()
        return self._server

    def stop(self) -> None:
        server, self._server = self._server, None
        postgres, self._postgres = self._postgres, None
        for what in (server, postgres):
            if what is not None:
                what.stop()


def check_replayable(directory: Path, profile: Profile):
    """The folder, read and checked as a replay needs it (a wrong provider, an unreadable or unsplittable file, a
    DO block on DSQL), before any server starts; errors as :func:`replay_migrations` raises them."""
    from prisma_dsql.deploy.folder import check_folder, read_folder

    if not directory.is_dir():
        raise UsageError(f"{directory}: no such migrations folder")
    folder = read_folder(directory)
    check_folder(folder, dsql=profile.target == "dsql")
    return folder


def start_shadow(directory: Path, profile: Profile) -> ShadowServer:
    """Check the folder (:func:`check_replayable`), then start the embedded shadow server for it in the
    background; pass the result to :func:`replay_migrations` as ``server`` and stop it afterwards."""
    return ShadowServer(profile, (directory, check_replayable(directory, profile)))


def replayed_side(from_side: Side, to_side: Side) -> Side | None:
    """The side of a diff that is replayed on an embedded server (the first migrations side without
    ``--shadow-database-url``), if any."""
    return next((s for s in (from_side, to_side) if s.kind == "migrations" and s.shadow is None), None)


def shadow_for(from_side: Side, to_side: Side, profile: Profile) -> ShadowServer | None:
    """:func:`start_shadow` for the :func:`replayed_side` of a diff (None when there is none): a command calls
    it as early as it can, so that the server starts while the rest of the command loads."""
    side = replayed_side(from_side, to_side)
    return start_shadow(Path(side.value), profile) if side is not None else None


def replay_migrations(directory: Path, profile: Profile, declared: tuple[str, ...] = (),
                      shadow_url: str | None = None, server: ShadowServer | None = None) -> SideCatalog:
    """Apply every migration of `directory` to a new database with the deploy engine and read it back: an
    embedded one (through the DSQL rehearsal on the DSQL target, so a statement DSQL refuses fails here), or
    one on the server of `shadow_url` (see the module docstring). ``server``: the embedded server
    :func:`start_shadow` started for this folder (the caller stops it); without one, one is started and stopped
    here."""
    # The whole folder is checked before a server starts (by start_shadow when it started `server`).
    if server is not None and server.checked is not None and server.checked[0] == directory:
        folder = server.checked[1]
    else:
        folder = check_replayable(directory, profile)
    if shadow_url is not None:
        return _replay_on(shadow_url, directory, profile, declared)
    own = server is None
    if own:
        server = ShadowServer(profile)
    try:
        shadow = server.get()
        # The server is this replay's alone and thrown away after it: the folder goes into its first database
        # (where the local DSQL's objects are already installed), not a second one made for it.
        url = shadow.url
        _check_extensions(url, folder, directory)
        _deploy_into(url, directory)
        return _read_back(url, profile, declared)
    finally:
        if own:
            server.stop()


#: `CREATE EXTENSION [IF NOT EXISTS] name` in a migration (a quoted or bare name).
_CREATE_EXTENSION = re.compile(r'\bCREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:"([^"]+)"|([A-Za-z_][\w-]*))',
                               re.IGNORECASE)


def extensions_created(folder) -> dict[str, str]:
    """The extensions the folder's migrations create: name -> the first migration that does."""
    found: dict[str, str] = {}
    for migration in folder.migrations:
        for match in _CREATE_EXTENSION.finditer(migration.script):
            found.setdefault(match.group(1) or match.group(2), migration.name)
    return found


def _check_extensions(url: str, folder, directory: Path) -> None:
    """Refuse, before anything runs, a folder that creates an extension the embedded server does not ship."""
    import psycopg

    wanted = extensions_created(folder)
    if not wanted:
        return
    with psycopg.connect(url, autocommit=True) as conn:
        available = {r[0] for r in conn.execute("SELECT name FROM pg_available_extensions")}
    missing = sorted(n for n in wanted if n not in available)
    if missing:
        names = ", ".join(f"{n} (in {wanted[n]})" for n in missing)
        raise ShadowExtensionMissing(
            f"the migrations in {directory} create the PostgreSQL extension{'s' if len(missing) > 1 else ''} "
            f"{names}, which the embedded shadow database does not ship: pass --shadow-database-url with a "
            "PostgreSQL server that has it (the shadow database is created there and dropped afterwards)")


def _deploy_into(url: str, directory: Path) -> None:
    from prisma_dsql.connect import Connector, resolve_spec
    from prisma_dsql.deploy.engine import DeployOptions, deploy

    with Connector(resolve_spec(url=url, env={})) as connector:
        try:
            # The shadow is built from the folder itself: no fingerprint to hold it to.
            deploy(connector, directory, DeployOptions(check_fingerprint=False))
        except PrismaDsqlError as exc:
            raise ShadowReplayError(f"the migrations in {directory} do not apply to a shadow database: {exc}") \
                from None


def _read_back(url: str, profile: Profile, declared: tuple[str, ...]) -> SideCatalog:
    import psycopg

    from prisma_dsql.introspect import introspect_database
    from prisma_dsql.introspect.scope import managed_schemas

    with psycopg.connect(url, autocommit=True) as conn:
        # The schemas the Prisma schema manages (as for a live database), never the emulation's own.
        result = introspect_database(conn, schemas=managed_schemas(declared), profile=profile)
    return SideCatalog(result.catalog, {})


#: The user's schemas of a database (the server's own and temporary ones left out).
_SCHEMAS = ("SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND nspname NOT LIKE 'pg\\_%'")
_USER_OBJECTS = """
SELECT n.nspname, count(c.oid) + (SELECT count(*) FROM pg_type t WHERE t.typnamespace = n.oid
                                   AND t.typtype IN ('e', 'd') )
  FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp_%'
   AND n.nspname NOT LIKE 'pg_toast_temp_%'
 GROUP BY n.oid, n.nspname
"""


def _replay_on(shadow_url: str, directory: Path, profile: Profile, declared: tuple[str, ...]) -> SideCatalog:
    """Replay the folder on the user's PostgreSQL: in a new database there (dropped afterwards), or, where
    databases cannot be created, in the URL's database if it is empty (emptied again afterwards)."""
    import uuid
    from dataclasses import replace

    import psycopg
    from psycopg import sql

    from prisma_dsql.connect import open_connection, resolve_spec
    from prisma_dsql.redact import redact

    spec = replace(resolve_spec(url=shadow_url, env={}), source="--shadow-database-url")
    if spec.is_dsql:
        raise ShadowUnavailable("--shadow-database-url must name a PostgreSQL server, not Aurora DSQL (the shadow "
                         "database is created and dropped there)")
    try:
        admin = open_connection(spec)
    except PrismaDsqlError as exc:
        raise ShadowUnavailable(f"--shadow-database-url: cannot connect ({exc})") from None
    except psycopg.Error as exc:
        raise ShadowUnavailable(f"--shadow-database-url: cannot connect ({redact(str(exc), spec.secrets())})") from None
    name = f"prisma_dsql_shadow_{uuid.uuid4().hex[:12]}"
    try:
        try:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            created = True
        except psycopg.errors.InsufficientPrivilege:
            created = False
        if not created:
            return _replay_in_place(admin, spec, directory, profile, declared)
        url = spec_url(replace(spec, dbname=name))
        try:
            return _replay_there(url, directory, profile, declared)
        finally:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    finally:
        admin.close()


def _replay_there(url: str, directory: Path, profile: Profile, declared: tuple[str, ...]) -> SideCatalog:
    _deploy_into(url, directory)
    return _read_back(url, profile, declared)


def _replay_in_place(conn, spec, directory: Path, profile: Profile, declared: tuple[str, ...]) -> SideCatalog:
    from psycopg import sql

    objects = dict(conn.execute(_USER_OBJECTS).fetchall())
    extensions = {r[0] for r in conn.execute("SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'")}
    busy = sorted(n for n, count in objects.items() if count)
    if busy or extensions:
        what = ", ".join([f"schema {n}" for n in busy] + [f"extension {e}" for e in sorted(extensions)])
        raise ShadowNotEmpty(f"--shadow-database-url: cannot create a database on that server, and its database "
                             f"{spec.dbname} is not empty ({what}); give an empty database (nothing in it is "
                             "changed)")
    try:
        return _replay_there(spec_url(spec), directory, profile, declared)
    finally:
        # Back to empty: the schemas the replay made go, the ones that were there (empty) are made anew.
        for (schema,) in conn.execute(_SCHEMAS).fetchall():
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
            if schema in objects:
                conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        for (ext,) in conn.execute("SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'").fetchall():
            conn.execute(sql.SQL("DROP EXTENSION IF EXISTS {} CASCADE").format(sql.Identifier(ext)))


def spec_url(spec) -> str:
    """A ``postgresql://`` URL for ``spec`` (password included: for the driver only, never shown)."""
    from urllib.parse import quote, urlencode

    params = dict(spec.params)
    host = spec.host
    if host.startswith("/"):  # a socket directory goes in the query
        params["host"], host = host, ""
    auth = ""
    if spec.user:
        auth = quote(spec.user, safe="") + (f":{quote(spec.password, safe='')}" if spec.password else "") + "@"
    port = f":{spec.port}" if spec.port else ""
    query = f"?{urlencode(params)}" if params else ""
    return f"postgresql://{auth}{host}{port}/{quote(spec.dbname, safe='')}{query}"
