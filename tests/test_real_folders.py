"""Real projects' Prisma migration folders get Prisma's verdict from `migrate diff --from-migrations M
--to-schema S --target postgres --exit-code`: 0 in sync, 2 drift (a dropped table included). A folder that
creates an extension the embedded shadow database lacks is refused with one clear message; with
`--shadow-database-url` it replays on the user's PostgreSQL, in a database created and dropped there (or in
the URL's own database when it is empty and no database may be created, emptied again afterwards).

Folders, sources and licences: tests/fixtures/folders/README.md. Real CLI, real PostgreSQL.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest

from prisma_dsql.rehearsal.embedded import database_url
from tests.support.cli import run_cli
from tests.support.tools import tool_missing

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = Path(__file__).parent / "fixtures" / "folders"
#: In-sync folders that need no contrib extension, and a model of each with no relation (dropped in a copy).
IN_SYNC = {"hoppscotch": "InfraConfig", "saas-starter-kit": "VerificationToken"}


def _diff(folder: Path, schema: Path, *extra: str) -> subprocess.CompletedProcess:
    return run_cli("migrate", "diff", "--from-migrations", folder / "migrations", "--to-schema", schema, "--target",
                   "postgres", "--exit-code", *extra, cwd=ROOT)  # in this process (tests/support/cli.py)


def _without_model(schema: Path, model: str, tmp_path: Path) -> Path:
    text = schema.read_text(encoding="utf-8")
    cut = re.sub(rf"^model {model} \{{.*?^\}}\n", "", text, count=1, flags=re.DOTALL | re.MULTILINE)
    assert cut != text
    out = tmp_path / "schema.prisma"
    out.write_text(cut, encoding="utf-8")
    return out


@pytest.mark.parametrize("name", sorted(IN_SYNC))
def test_a_real_folder_in_sync_with_its_schema_exits_0(name):
    proc = _diff(FOLDERS / name, FOLDERS / name / "schema.prisma")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No changes" in proc.stdout


@pytest.mark.parametrize("name", sorted(IN_SYNC))
def test_a_table_dropped_from_the_schema_exits_2(name, tmp_path):
    schema = _without_model(FOLDERS / name / "schema.prisma", IN_SYNC[name], tmp_path)
    proc = _diff(FOLDERS / name, schema)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"table {IN_SYNC[name]} would be dropped" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_folder_needing_an_extension_the_embedded_server_lacks_is_refused_clearly():
    proc = _diff(FOLDERS / "umami", FOLDERS / "umami" / "schema.prisma")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert "extension pgcrypto (in 01_init)" in proc.stderr and "--shadow-database-url" in proc.stderr


def _shadow_databases(url: str) -> list[str]:
    with psycopg.connect(url, autocommit=True) as conn:
        return [r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'prisma_dsql_shadow_%'")]


def test_a_shadow_database_url_replays_there_and_drops_what_it_created(pg_server, tmp_path):
    name = "hoppscotch"
    proc = _diff(FOLDERS / name, FOLDERS / name / "schema.prisma", "--shadow-database-url", pg_server.url)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    schema = _without_model(FOLDERS / name / "schema.prisma", IN_SYNC[name], tmp_path)
    proc = _diff(FOLDERS / name, schema, "--shadow-database-url", pg_server.url)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert _shadow_databases(pg_server.url) == []


@pytest.fixture
def no_createdb_role(pg_server):
    """A role that may not create databases, and an empty database it owns: (url, admin url of that db)."""
    role, db = f"r_{uuid.uuid4().hex[:8]}", f"shadow_own_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server.url, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN NOCREATEDB')
        conn.execute(f'CREATE DATABASE "{db}" OWNER "{role}"')
    admin = database_url(pg_server.url, db)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'ALTER SCHEMA public OWNER TO "{role}"')
    user_url = re.sub(r"//[^@/]*@", f"//{role}@", admin) if "@" in admin else admin.replace("//", f"//{role}@", 1)
    try:
        yield user_url, admin
    finally:
        with psycopg.connect(pg_server.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def test_without_createdb_the_urls_own_database_is_used_only_empty_and_left_empty(no_createdb_role):
    user_url, admin = no_createdb_role
    name = "saas-starter-kit"
    proc = _diff(FOLDERS / name, FOLDERS / name / "schema.prisma", "--shadow-database-url", user_url)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with psycopg.connect(admin, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                            "WHERE n.nspname = 'public'").fetchone()[0] == 0
        conn.execute('CREATE TABLE public.keep_me (a int)')
    proc = _diff(FOLDERS / name, FOLDERS / name / "schema.prisma", "--shadow-database-url", user_url)
    assert proc.returncode == 1 and "is not empty (schema public)" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    with psycopg.connect(admin, autocommit=True) as conn:  # nothing the user had is touched
        assert conn.execute("SELECT to_regclass('public.keep_me')").fetchone()[0] == "keep_me"


def _system_postgres(tmp: Path) -> tuple[str, callable] | None:
    """A throwaway cluster of the machine's own PostgreSQL (which ships contrib), or None."""
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not bins or shutil.which("runuser") is None or os.geteuid() != 0:
        return None
    bindir = bins[-1].parent
    if not any(Path("/usr/share/postgresql").glob("*/extension/pgcrypto.control")):
        return None
    tmp.mkdir(parents=True, exist_ok=True)
    shutil.chown(tmp, "postgres")
    data, port = tmp / "data", 20000 + uuid.uuid4().int % 20000
    run = lambda *a: subprocess.run(["runuser", "-u", "postgres", "--", *a], capture_output=True, text=True,
                                    timeout=120, check=False)
    if run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres").returncode != 0:
        return None
    started = run(str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(tmp / "log"), "-o",
                  f"-p {port} -k {tmp} -c listen_addresses=''", "start")
    if started.returncode != 0:
        return None
    return (f"postgresql://postgres@/postgres?host={tmp}&port={port}",
            lambda: run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"))


@pytest.fixture(scope="module")
def contrib_postgres(tmp_path_factory):
    url = os.environ.get("PRISMA_DSQL_TEST_SHADOW_URL")
    if url:
        yield url
        return
    started = _system_postgres(Path("/tmp") / f"pdsql_shadow_{uuid.uuid4().hex[:8]}")
    if started is None:
        # The machine image ships Debian's postgresql-15 with contrib; under CI its absence fails the run.
        tool_missing("no PostgreSQL with contrib extensions (Debian's postgresql + postgresql-contrib, run as "
                     "root; or set PRISMA_DSQL_TEST_SHADOW_URL)")
    url, stop = started
    try:
        yield url
    finally:
        stop()
        shutil.rmtree(Path(url.split("host=")[1].split("&")[0]), ignore_errors=True)


def test_a_folder_with_pgcrypto_replays_on_the_shadow_database_url_and_shows_its_drift(contrib_postgres):
    proc = _diff(FOLDERS / "umami", FOLDERS / "umami" / "schema.prisma", "--shadow-database-url", contrib_postgres)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    # The one real difference at that commit: @@index([visitId]) of SessionReplay has no migration.
    assert re.findall(r"^\d+\. (\w+ .*?)\s", proc.stdout, re.MULTILINE) == ["CreateIndex index"], proc.stdout
    assert "session_replay_visit_id_idx" in proc.stdout
    assert _shadow_databases(contrib_postgres) == []


def test_an_unreachable_or_dsql_shadow_url_exits_1_without_its_password():
    name = "hoppscotch"
    for url, says in (("postgresql://u:s3cretpw@127.0.0.1:1/db", "cannot connect"),
                      ("postgresql://u:s3cretpw@abc.dsql.us-east-1.on.aws/postgres", "not Aurora DSQL")):
        proc = _diff(FOLDERS / name, FOLDERS / name / "schema.prisma", "--shadow-database-url", url)
        assert proc.returncode == 1, proc.stderr  # never 2: under --exit-code that means differences
        assert says in proc.stderr and "s3cretpw" not in proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr


def test_migrate_dev_replays_on_the_shadow_database_url(pg_server, tmp_path):
    name = "hoppscotch"
    folder = tmp_path / "migrations"
    shutil.copytree(FOLDERS / name / "migrations", folder)
    schema = _without_model(FOLDERS / name / "schema.prisma", IN_SYNC[name], tmp_path)
    proc = run_cli("migrate", "dev", "--name", "drop_infra", "--schema", schema, "--migrations-dir", folder,
                   "--target", "postgres", "--accept-data-loss", "--shadow-database-url", pg_server.url, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    written = sorted(folder.glob("*_drop_infra/migration.sql"))
    assert len(written) == 1 and 'DROP TABLE "InfraConfig"' in written[0].read_text(encoding="utf-8")
    assert _shadow_databases(pg_server.url) == []
