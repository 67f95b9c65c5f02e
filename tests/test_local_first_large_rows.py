"""The local-first workflow with rows near DSQL's byte limit, end to end through the CLI: a required column with
a default added over 6,000 rows of 8 KiB is planned by `migrate dev` (shadow replay on the local DSQL) and
applied by `migrate deploy --url` onto the local Aurora DSQL (`prisma_dsql.localdsql`, which refuses a
transaction over 3,000 rows or 10 MiB for every client). The backfill's batches must be sized by bytes: at the
planned 1,500 rows a batch would write ~12 MiB and be refused."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import psycopg
import pytest

from tests.support import local_dsql
from tests.support.cli import run_cli

pytestmark = pytest.mark.postgres

ROWS = 6_000
BODY = 8 * 1024

V1 = """datasource db {
  provider = "postgresql"
}

model Doc {
  id   BigInt @id
  body String
}
"""

V2 = V1.replace("  body String\n", '  body String\n  status String @default("new")\n')


@pytest.fixture(scope="module")
def local():
    with local_dsql.running() as server:
        yield server


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DSQL_ENDPOINT")}
    return run_cli(*args, env=env, cwd=cwd)  # in this process (tests/support/cli.py)


def test_required_column_with_a_default_over_6000_rows_of_8_kib(local, tmp_path) -> None:
    url = local.create_database("large_rows")
    schema = tmp_path / "prisma" / "schema.prisma"
    schema.parent.mkdir()
    schema.write_text(V1)

    r = _cli("migrate", "dev", "--name", "init", str(schema), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = _cli("migrate", "deploy", "--url", url, "--schema", str(schema), cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr

    # The application's rows, written as DSQL allows: 500 rows (4 MiB) a transaction.
    with psycopg.connect(url) as conn:
        for start in range(0, ROWS, 500):
            with conn.transaction():
                with conn.cursor() as cur:
                    cur.executemany('INSERT INTO "Doc" (id, body) VALUES (%s, %s)',
                                    [(i, chr(65 + i % 26) * BODY) for i in range(start, start + 500)])

    schema.write_text(V2)
    r = _cli("migrate", "dev", "--name", "add_status", str(schema), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    (added,) = [p for p in (tmp_path / "prisma" / "migrations").iterdir() if p.name.endswith("_add_status")]
    script = (added / "migration.sql").read_text()
    assert "repeat-until-zero-rows" in script  # the backfill is batched, so the byte sizing is what is tested

    r = _cli("migrate", "deploy", "--url", url, "--schema", str(schema), cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    with psycopg.connect(url) as conn:
        assert conn.execute('SELECT count(*), count(*) FILTER (WHERE status = \'new\') FROM "Doc"').fetchone() \
            == (ROWS, ROWS)
        # The column is required now: the not-null check was validated, and it holds for new writes.
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute('INSERT INTO "Doc" (id, body, status) VALUES (-1, \'x\', NULL)')
        conn.rollback()
        assert conn.execute('INSERT INTO "Doc" (id, body) VALUES (-2, \'x\') RETURNING status').fetchone() \
            == ("new",)
    r = _cli("migrate", "status", "--url", url, "--schema", str(schema), cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
