"""Preconditions on real databases: `migrate deploy` refuses a migration whose statements would fail on the rows
already there, before any of them runs, and deploys it after the data is fixed; `plan --url` and
`migrate dev --url` show the same counts. Real CLI, real embedded PostgreSQL (plain, and behind the local DSQL
proxy); no emulation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from prisma_dsql.rehearsal.embedded import EmbeddedUnavailable
from tests.test_deploy_helpers import ROOT, write_folder

pytestmark = pytest.mark.postgres

HEAD = 'datasource db {\n  provider = "postgresql"\n}\n\n'
V1 = HEAD + ("model User {\n  id      BigInt  @id\n  email   String  @unique\n  nick    String?\n"
             "  profile String?\n}\n")
#: A new unique over duplicate values, filed together with a dropped column.
V2 = HEAD + "model User {\n  id      BigInt  @id\n  email   String  @unique\n  nick    String? @unique\n}\n"


def cli(*args, cwd=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DSQL_ENDPOINT")}
    return subprocess.run([sys.executable, "-m", "prisma_dsql", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT, env={**env, "NO_COLOR": "1"}, timeout=300, check=False)


@pytest.fixture(scope="module")
def local_dsql():
    from prisma_dsql.localdsql.server import LocalDsql

    try:
        server = LocalDsql()
    except EmbeddedUnavailable as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL unavailable on this platform: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["postgresql", "local-dsql"])
def database(request, pg_database) -> str:
    if request.param == "postgresql":
        return pg_database
    return request.getfixturevalue("local_dsql").create_database(request.node.name[-30:])


def _rows(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql).fetchall()


def _exec(url: str, sql: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def _history(url: str) -> list[tuple]:
    return _rows(url, "SELECT migration_name, finished_at IS NOT NULL, logs IS NULL, applied_steps_count "
                      "FROM _prisma_migrations ORDER BY started_at")


def test_a_unique_over_duplicates_with_a_dropped_column_is_refused_before_anything_changes(database, tmp_path):
    schema = tmp_path / "prisma" / "schema.prisma"
    schema.parent.mkdir()
    schema.write_text(V1)
    migrations = tmp_path / "prisma" / "migrations"
    dev = cli("migrate", "dev", "--name", "init", schema)
    assert dev.returncode == 0, dev.stderr
    first = cli("migrate", "deploy", "--url", database, "--migrations-dir", migrations)
    assert first.returncode == 0, first.stdout + first.stderr
    _exec(database, """INSERT INTO "User" (id, email, nick, profile) VALUES
        (1, 'a@x', 'same', 'p1'), (2, 'b@x', 'same', 'p2'), (3, 'c@x', NULL, 'p3'), (4, 'd@x', NULL, 'p4'),
        (5, 'e@x', 'twice', 'p5'), (6, 'f@x', 'twice', 'p6'), (7, 'g@x', 'once', 'p7')""")

    schema.write_text(V2)
    planned = cli("plan", schema, "--url", database, "--accept-data-loss", "--skip-fingerprint-check")
    assert planned.returncode == 1, planned.stdout + planned.stderr
    assert "2 values of (nick) that User holds more than once" in planned.stderr
    dev = cli("migrate", "dev", "--name", "nick_unique", schema, "--accept-data-loss")
    assert dev.returncode == 0, dev.stderr
    (second,) = [p for p in migrations.iterdir() if p.name.endswith("_nick_unique")]
    text = (second / "migration.sql").read_text()
    assert 'DROP COLUMN "profile"' in text and "CREATE UNIQUE INDEX" in text

    refused = cli("migrate", "deploy", "--url", database, "--migrations-dir", migrations)
    out = refused.stdout + refused.stderr
    assert refused.returncode == 1, out
    assert "1 precondition fails" in out and "nothing was run and nothing recorded" in out
    assert "2 values of (nick) that User holds more than once" in out
    assert "'same' x2" in out and "'twice' x2" in out
    assert "Traceback" not in out
    # Nothing changed: the dropped column's data is there, and the migration is not in the history at all.
    assert _rows(database, 'SELECT id, profile FROM "User" ORDER BY id') == [(i, f"p{i}") for i in range(1, 8)]
    assert [r[0] for r in _history(database)] == [p.name for p in sorted(migrations.iterdir()) if p.is_dir()][:1]
    again = cli("migrate", "deploy", "--url", database, "--migrations-dir", migrations)
    assert again.returncode == 1 and "holds more than once" in again.stdout + again.stderr

    _exec(database, """UPDATE "User" SET nick = nick || id WHERE id IN (2, 6)""")
    done = cli("migrate", "deploy", "--url", database, "--migrations-dir", migrations)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [(r[1], r[2]) for r in _history(database)] == [(True, True), (True, True)]
    assert _rows(database, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'User' "
                           "AND column_name = 'profile'") == [(0,)]
    with pytest.raises(psycopg.errors.UniqueViolation):
        _exec(database, """INSERT INTO "User" (id, email, nick) VALUES (8, 'h@x', 'once')""")
