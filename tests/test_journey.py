"""A user's journey, end to end on real PostgreSQL under the DSQL emulation: the first migration, rows written
by the application, a changed schema, `migrate dev`, `migrate deploy`, and the database afterwards.

samples/evolution/v1 -> v2 needs most strategies at once: a column made required with a default (batched
backfill + NOT VALID check + async validate), an enum value added (a column moved onto a new domain and
back), a new table with a unique index, a foreign key added to an existing table (NOT VALID + validate).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest

from tests.support.cli import run_cli

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[1]
EVOLUTION = ROOT / "samples" / "evolution"


def cli(*args, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    proc = run_cli(*args, cwd=cwd, env=env)  # in this process (tests/support/cli.py)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def deploy(url: str, folder: Path):
    """`prisma-dsql migrate deploy` against the emulated cluster at `url` (the engine, in process)."""
    from prisma_dsql.connect import Connector, resolve_spec
    from prisma_dsql.deploy.engine import deploy as run_deploy
    from prisma_dsql.deploy.rehearse import emulator_factory

    with Connector(resolve_spec(url=url, env={}), factory=emulator_factory(url)) as connector:
        return run_deploy(connector, folder)


def test_first_migration_rows_then_the_next_migration(tmp_path, pg_database):
    from prisma_dsql.rehearsal import emulator

    emulator.install(pg_database)
    project = tmp_path / "shop"
    (project / "prisma").mkdir(parents=True)
    shutil.copy(EVOLUTION / "v1" / "schema.prisma", project / "prisma" / "schema.prisma")
    assert cli("migrate", "--from-empty", cwd=project).returncode == 0
    migrations = project / "prisma" / "migrations"
    assert deploy(pg_database, migrations).applied

    with psycopg.connect(pg_database, autocommit=True) as conn:  # the application writes
        conn.execute("""INSERT INTO "Customer" (email, name) VALUES ('a@x', 'Ann'), ('b@x', NULL)""")
        conn.execute("""INSERT INTO "Order" ("customerId", status, total)
                        SELECT id, 'PAID', 12.5 FROM "Customer" WHERE email = 'a@x'""")

    shutil.copy(EVOLUTION / "v2" / "schema.prisma", project / "prisma" / "schema.prisma")
    dev = cli("migrate", "dev", "--name", "catalogue", cwd=project)
    assert dev.returncode == 0, dev.stderr
    summary = deploy(pg_database, migrations)
    assert [n.split("_", 1)[1] for n in summary.applied] == ["catalogue"] and summary.rounds >= 2

    with psycopg.connect(pg_database, autocommit=True) as conn:
        assert conn.execute('SELECT email, name FROM "Customer" ORDER BY id').fetchall() == [
            ("a@x", "Ann"), ("b@x", "unknown")]
        assert conn.execute('SELECT status::text, total FROM "Order"').fetchall()[0][0] == "PAID"
        conn.execute("""INSERT INTO "Product" (sku, title) VALUES ('S1', 'Socks')""")
        conn.execute("""UPDATE "Order" SET status = 'SHIPPED', "productId" = (SELECT id FROM "Product")""")
        with pytest.raises(psycopg.errors.CheckViolation):  # the new domain holds the new values only
            conn.execute("""UPDATE "Order" SET status = 'LOST'""")
        with pytest.raises(psycopg.errors.CheckViolation):  # name is required now
            conn.execute("""INSERT INTO "Customer" (email, name) VALUES ('c@x', NULL)""")

    # The database now is what the schema says: nothing to plan, through the CLI too.
    same = cli("migrate", "diff", "--from-url", pg_database, "--to-schema", "prisma/schema.prisma", "--exit-code",
               cwd=project)
    assert same.returncode == 0, same.stdout + same.stderr
    again = cli("migrate", "dev", "--name", "nothing", cwd=project)
    assert again.returncode == 0 and "Already in sync" in again.stderr
