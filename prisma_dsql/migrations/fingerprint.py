"""A plan knows where it starts: the fingerprint directive of a generated migration.sql, and the check that a
database is still where the migration was planned from.

Contract
--------
* :func:`render(hash)` is the directive line ``-- prisma-dsql:fingerprint <hash>`` (``hash``: the plan's
  ``Plan.fingerprint``, SHA-256 of the normalized catalog it starts from). ``migrate dev`` writes it as the
  first line of every migration.sql it generates; deploy and the rehearsal read it as a comment.
  :func:`parse(script)` returns the hash from the lines before the first statement (None without one).
  (Until ``prisma_dsql.sql.directives`` lands, this module renders and parses that one directive.)
* :func:`database_fingerprint(catalog, profile, loaded)`: the fingerprint a plan computed from that database
  would carry (the catalog as the database stores it, without extensions unless the schema manages them, as
  the planner sees it).
* :func:`check(...)` (``plan --url``) and :func:`check_before_deploy(connector, folder)` (``migrate deploy``,
  before anything runs): the database's fingerprint against the first pending migration that carries one (a
  migration already started, being resumed, is not checked: it moved the database itself); when it moved,
  :class:`FingerprintMoved` (exit 1) names what differs (the database compared with the migrations before it,
  replayed into a shadow database) and how to go on (``--skip-fingerprint-check`` for folders edited by hand).
  Deploy does not know the Prisma schema, so it accepts the fingerprint as DSQL or PostgreSQL store the catalog,
  with or without extensions (:func:`candidate_fingerprints`).
"""

from __future__ import annotations

from dataclasses import replace

from prisma_dsql.errors import PrismaDsqlError
from prisma_dsql.sql.directives import ARGUMENTS, LINE, PREFIX
from prisma_dsql.sql.directives import FINGERPRINT as NAME

#: The directive's argument (the sha-256), as the one directives module spells it.
_HASH = ARGUMENTS[NAME]
#: Set (to anything) to deploy without the fingerprint check (a folder edited by hand); `plan` takes
#: --skip-fingerprint-check.
SKIP_ENV = "PRISMA_DSQL_SKIP_FINGERPRINT_CHECK"
#: How much of the head of a file is looked at for the directive (it is written on the first line).
_HEAD_CHARS = 64 * 1024


class FingerprintMoved(PrismaDsqlError):
    """The database is not where the pending migration was planned from."""

    exit_code = 1


def render(fingerprint: str) -> str:
    return f"{PREFIX}{NAME} {fingerprint}\n"


def parse(script: str) -> str | None:
    """The fingerprint written among the comment lines before the first statement, or None."""
    in_block = False
    for line in script[:_HEAD_CHARS].splitlines():
        text = line.strip()
        if in_block:
            in_block = "*/" not in text
            continue
        if not text:
            continue
        if text.startswith("/*"):
            in_block = "*/" not in text[2:]
            continue
        if not text.startswith("--"):
            return None
        m = LINE.match(text)
        if m is not None and m.group("name") == NAME and _HASH.match(m.group("rest")):
            return m.group("rest").strip()
    return None


def database_fingerprint(catalog, profile, loaded=None) -> str:
    """The fingerprint of a database's (introspected) catalog as the planner computes it."""
    from prisma_dsql.introspect.stored import stored_form

    if loaded is None or "postgresqlExtensions" not in loaded.schema.preview_features:
        catalog = replace(catalog, extensions=())
    return stored_form(catalog, profile).fingerprint()


def first_pending(folder, applied: set[str]):
    """The first migration of ``folder`` not in ``applied`` and its fingerprint, or (None, None) when that
    migration carries none (hand-written) or nothing is pending."""
    for m in folder.migrations:
        if m.name in applied:
            continue
        return m, parse(m.script)
    return None, None


def check(live_catalog, folder, applied: set[str], profile, loaded=None) -> str | None:
    """Refuse (:class:`FingerprintMoved`) when the first pending migration of ``folder`` was planned from
    another catalog than ``live_catalog``. Returns the name of the migration checked (None: nothing to check)."""
    migration, expected = first_pending(folder, applied)
    if migration is None or expected is None:
        return None
    actual = database_fingerprint(live_catalog, profile, loaded)
    if actual == expected:
        return migration.name
    raise _moved(migration, expected, actual,
                 _differences(live_catalog, folder, migration, applied, profile, loaded), "plan")


def _differences(live_catalog, folder, migration, applied, profile, loaded) -> list[str]:
    """What the database has that the migrations before ``migration`` do not leave, and the reverse: the
    steps a plan from those migrations (replayed into a shadow database) to the database would take."""
    import shutil
    import tempfile
    from pathlib import Path

    from prisma_dsql.migrations.evolve import plan_between_catalogs
    from prisma_dsql.migrations.sources import replay_migrations
    from prisma_dsql.plan import PlanOptions

    before = [m for m in folder.migrations if m.name < migration.name]
    with tempfile.TemporaryDirectory(prefix="prisma-dsql-fp-") as tmp:
        root = Path(tmp) / "migrations"
        root.mkdir()
        for m in before:
            (root / m.name).mkdir()
            shutil.copyfile(m.path, root / m.name / "migration.sql")
        try:
            from prisma_dsql.introspect.scope import declared_schemas

            expected = replay_migrations(root, profile, declared_schemas(loaded)).catalog
        except Exception as exc:  # no embedded server here, a folder that does not replay: say so, still refuse
            return [f"(the migrations before it could not be replayed to compare: {exc})"]
    if loaded is None or "postgresqlExtensions" not in loaded.schema.preview_features:
        expected, live_catalog = replace(expected, extensions=()), replace(live_catalog, extensions=())
    target = replace(live_catalog, default_schema=expected.default_schema)
    evo = plan_between_catalogs(expected, target, profile, PlanOptions(True, True))
    if evo.plan is None:
        return [evo.refusal or "the database differs in a way that cannot be planned"]
    return [f"{s.label} {s.subject}".strip() + (f": {s.reason}" if s.reason else "") for s in evo.plan.steps]


def check_url(url: str, directory, profile, loaded=None) -> str | None:
    """:func:`check` for the database at ``url`` (read-only: its catalog, in the schemas the Prisma schema
    manages, and its ``_prisma_migrations``) and the migrations folder ``directory``."""
    from prisma_dsql.connect import open_connection, resolve_spec
    from prisma_dsql.deploy import history
    from prisma_dsql.deploy.folder import read_folder
    from prisma_dsql.introspect import introspect_database
    from prisma_dsql.introspect.scope import declared_schemas, managed_schemas

    folder = read_folder(directory)
    if not any(parse(m.script) for m in folder.migrations):
        return None  # a folder of hand-written (or Prisma's) migrations: nothing to check against
    spec = resolve_spec(url=url)
    conn = open_connection(spec)
    try:
        live = introspect_database(conn, schemas=managed_schemas(declared_schemas(loaded), spec.schema),
                                   profile=profile).catalog
        applied = {r.migration_name for r in history.read(conn) if r.applied}
    finally:
        conn.close()
    return check(live, folder, applied, profile, loaded)


def candidate_fingerprints(conn, url_schema: str | None) -> set[str]:
    """The fingerprints a plan from this database could carry, when the deploy does not know the Prisma schema:
    as DSQL and as PostgreSQL store the catalog, with and without extensions, over the schemas a schema without
    ``schemas = [...]`` manages (the URL's ``?schema=``, else public) and over every user schema (a multi-schema
    project). A moved database matches none of them."""
    from prisma_dsql.capabilities import dsql_profile, postgres_profile
    from prisma_dsql.introspect import introspect
    from prisma_dsql.introspect.scope import managed_schemas
    from prisma_dsql.introspect.stored import stored_form

    found: set[str] = set()
    for scope in (managed_schemas((), url_schema), None):
        for profile in (dsql_profile(), postgres_profile()):
            catalog = introspect(conn, schemas=scope, profile=profile)
            for keep_extensions in (False, True):
                shown = catalog if keep_extensions else replace(catalog, extensions=())
                found.add(stored_form(shown, profile).fingerprint())
    return found


def check_before_deploy(connector, folder) -> str | None:
    """``migrate deploy``'s check, before anything runs: the first pending migration (not started before: a
    resumed one has moved the database itself) carrying a fingerprint must start from this database. Returns the
    name checked, None when there is nothing to check; raises :class:`FingerprintMoved`."""
    import os

    from prisma_dsql.deploy import history

    if os.environ.get(SKIP_ENV) or not any(parse(m.script) for m in folder.migrations):
        return None
    conn = connector.connection()
    spec = connector.spec
    rows = history.read(conn)
    applied = {r.migration_name for r in rows if r.applied}
    # Any row, rolled back included: a migration started again after `migrate resolve --rolled-back` moved the
    # database itself in its first attempt (deploy skips what that attempt built; docs/deploy.md).
    started = {r.migration_name for r in rows}
    migration, expected = first_pending(folder, applied)
    if migration is None or expected is None or migration.name in started:
        return None
    found = candidate_fingerprints(conn, spec.schema)
    if expected in found:
        return migration.name
    from prisma_dsql.capabilities import dsql_profile, postgres_profile
    from prisma_dsql.introspect import introspect
    from prisma_dsql.introspect.scope import managed_schemas

    profile = dsql_profile() if spec.is_dsql else postgres_profile()
    live = introspect(conn, schemas=managed_schemas((), spec.schema), profile=profile)
    raise _moved(migration, expected, database_fingerprint(live, profile),
                 _differences(live, folder, migration, applied, profile, None), "deploy")


def _moved(migration, expected: str, actual: str, differences: list[str], command: str) -> FingerprintMoved:
    shown = "\n".join(f"  - {d}" for d in differences[:20])
    more = f"\n  ... and {len(differences) - 20} more" if len(differences) > 20 else ""
    return FingerprintMoved(
        f"migration {migration.name} was planned from another database state (fingerprint {expected[:12]}...; "
        f"the database is at {actual[:12]}...): it changed since the plan was made"
        + (f". What differs from the migrations before it:\n{shown}{more}\n" if differences else ".\n")
        + "Plan again from this database (`prisma-dsql migrate dev --url ...`), or, for a migration edited by "
          + "hand, pass --skip-fingerprint-check")
