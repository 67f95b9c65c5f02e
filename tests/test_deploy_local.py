"""Local-first: a migrations folder generated for Aurora DSQL deploys onto plain PostgreSQL too. The kind of
server is read from the server (no sys.jobs: plain PostgreSQL), `CREATE INDEX ASYNC` / `ALTER TABLE ASYNC ...
VALIDATE` run in their PostgreSQL forms and every wait is satisfied. Real CLI, real embedded PostgreSQL, no
emulation."""

from __future__ import annotations

import subprocess

import psycopg
import pytest

from tests.support.cli import run_cli
from tests.test_deploy_helpers import ROOT, write_folder

pytestmark = pytest.mark.postgres


def _cli(*args: str) -> subprocess.CompletedProcess:
    return run_cli(*args, cwd=ROOT)  # in this process (tests/support/cli.py)


def _script(*args: str) -> str:
    proc = _cli("migrate", "diff", *args, "--script")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_a_dsql_folder_from_samples_deploys_onto_plain_postgresql(pg_database, tmp_path):
    init = _script("--from-empty", "--to-schema", "samples/evolution/v1")
    evolve = _script("--from-schema", "samples/evolution/v1", "--to-schema", "samples/evolution/v2")
    assert "CREATE UNIQUE INDEX ASYNC" in init and "ALTER TABLE ASYNC" in evolve
    assert "-- prisma-dsql:repeat-until-zero-rows" in evolve
    folder = write_folder(tmp_path, {"20260101000000_init": init})

    first = _cli("migrate", "deploy", "--migrations-dir", str(folder), "--url", pg_database)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Plain PostgreSQL (no sys.jobs)" in first.stdout
    with psycopg.connect(pg_database, autocommit=True) as conn:
        assert conn.execute("SELECT to_regclass('sys.jobs')").fetchone()[0] is None
        conn.execute('INSERT INTO "Customer" ("email") SELECT \'c\' || g || \'@example.com\' '
                     "FROM generate_series(1, 40) g")
        conn.execute('INSERT INTO "Order" ("customerId", "status", "total") SELECT 1 + g % 40, '
                     "CASE WHEN g % 2 = 0 THEN 'PAID' ELSE 'PENDING' END, g FROM generate_series(1, 90) g")

    write_folder(tmp_path, {"20260201000000_evolve": evolve})
    second = _cli("migrate", "deploy", "--migrations-dir", str(folder), "--url", pg_database)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "relation \"sys.jobs\" does not exist" not in second.stdout + second.stderr

    with psycopg.connect(pg_database) as conn:
        invalid = conn.execute("SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                               "JOIN pg_namespace n ON n.oid = c.relnamespace "
                               "WHERE n.nspname = 'public' AND NOT i.indisvalid").fetchone()[0]
        unvalidated = conn.execute("SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON "
                                   "n.oid = c.connamespace WHERE n.nspname = 'public' AND NOT c.convalidated"
                                   ).fetchone()[0]
        names = conn.execute("SELECT count(*) FROM \"Customer\" WHERE \"name\" = 'unknown'").fetchone()[0]
        statuses = dict(conn.execute('SELECT "status", count(*) FROM "Order" GROUP BY 1').fetchall())
        indexes = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}
        history = conn.execute("SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL "
                               "AND logs IS NULL").fetchone()[0]
    assert invalid == 0 and unvalidated == 0
    assert names == 40 and statuses == {"PAID": 45, "PENDING": 45}
    assert {"Customer_email_key", "Order_customerId_idx", "Product_sku_key"} <= indexes
    assert history == 2

    status = _cli("migrate", "status", "--migrations-dir", str(folder), "--url", pg_database)
    assert status.returncode == 0, status.stdout + status.stderr


def test_hand_written_wait_call_is_satisfied_on_postgresql(pg_database, tmp_path):
    folder = write_folder(tmp_path, {"20260101000000_init": """\
CREATE TABLE "T" ("id" BIGINT NOT NULL, CONSTRAINT "T_pkey" PRIMARY KEY ("id"));
CREATE INDEX ASYNC "T_id_idx" ON "T"("id");
CALL sys.wait_for_job('0');
-- prisma-dsql:wait-for-jobs
ALTER INDEX "T_id_idx" RENAME TO "T_id_idx2";
"""})
    proc = _cli("migrate", "deploy", "--migrations-dir", str(folder), "--url", pg_database)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with psycopg.connect(pg_database) as conn:
        assert conn.execute("SELECT to_regclass('\"T_id_idx2\"') IS NOT NULL").fetchone()[0]


def test_dry_run_against_postgresql_shows_the_forms_that_run(pg_database, tmp_path):
    folder = write_folder(tmp_path, {"20260101000000_init": """\
CREATE TABLE "T" ("id" BIGINT NOT NULL, CONSTRAINT "T_pkey" PRIMARY KEY ("id"));
CREATE UNIQUE INDEX ASYNC "T_id_key" ON "T"("id");
CALL sys.wait_for_job('0');
"""})
    proc = _cli("migrate", "deploy", "--dry-run", "--migrations-dir", str(folder), "--url", pg_database)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "(plain PostgreSQL: no sys.jobs)" in proc.stdout
    assert 'CREATE UNIQUE INDEX "T_id_key" ON "T"("id");' in proc.stdout and "ASYNC" not in proc.stdout
    assert "satisfied, PostgreSQL has no jobs" in proc.stdout and "async job started" not in proc.stdout
    with psycopg.connect(pg_database) as conn:
        assert conn.execute("SELECT to_regclass('\"T\"')").fetchone()[0] is None  # nothing changed
