"""Preconditions on real databases: `migrate deploy` refuses a migration whose statements would fail on the rows
already there, before any of them runs, and deploys it after the data is fixed; `plan --url` and
`migrate dev --url` show the same counts. Real CLI, real embedded PostgreSQL (plain, and behind the local DSQL
proxy); no emulation."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg
import pytest

from tests.support import local_dsql as local_dsql_server
from tests.support.cli import run_cli
from tests.test_deploy_helpers import ROOT, write_folder

pytestmark = pytest.mark.postgres

HEAD = 'datasource db {\n  provider = "postgresql"\n}\n\n'
V1 = HEAD + ("model User {\n  id      BigInt  @id\n  email   String  @unique\n  nick    String?\n"
             "  profile String?\n}\n")
#: A new unique over duplicate values, filed together with a dropped column.
V2 = HEAD + "model User {\n  id      BigInt  @id\n  email   String  @unique\n  nick    String? @unique\n}\n"


def cli(*args, cwd=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DSQL_ENDPOINT")}
    return run_cli(*args, cwd=cwd or ROOT, env={**env, "NO_COLOR": "1"})  # in this process (tests/support/cli.py)


@pytest.fixture(scope="module")
def local_dsql():
    with local_dsql_server.running() as server:
        yield server


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


# -- one test per kind of precondition: refused with the count and samples, nothing recorded, then deployed ----------

BASE = """
CREATE TABLE "User" ("id" BIGINT PRIMARY KEY, "email" TEXT, "role" TEXT, "age" TEXT);
CREATE TABLE "Post" ("id" BIGINT PRIMARY KEY, "authorId" BIGINT);
INSERT INTO "User" VALUES (1, 'a@x', 'USER', '41'), (2, NULL, 'ADMIN', '42'), (3, 'c@x', 'GUEST', 'old');
INSERT INTO "Post" VALUES (10, 1), (11, 9), (12, NULL);
"""

KINDS = {
    "missing": ('ALTER TABLE "User" ALTER COLUMN "email" SET NOT NULL;\n',
                "1 rows of User without a value in email", "(id=2, email=NULL",
                """UPDATE "User" SET "email" = 'b@x' WHERE "id" = 2"""),
    "rows": ('ALTER TABLE "User" ADD COLUMN "score" INTEGER;\n'
             'ALTER TABLE "User" ADD CONSTRAINT "User_score_not_null" CHECK ("score" IS NOT NULL) NOT VALID;\n'
             'ALTER TABLE ASYNC "User" VALIDATE CONSTRAINT "User_score_not_null";\n',
             "3 rows of User, which the new required column score without a default cannot be given",
             "add a default to score (@default), or add it optional",
             'DELETE FROM "User"'),
    "violations": ('ALTER TABLE "User" ADD CONSTRAINT "User_role_check" CHECK ("role" IN (\'USER\', \'ADMIN\')) '
                   "NOT VALID;\n"
                   'ALTER TABLE ASYNC "User" VALIDATE CONSTRAINT "User_role_check";\n',
                   "1 rows of User that break CHECK (\"role\" IN ('USER', 'ADMIN'))", "'GUEST' x1",
                   """UPDATE "User" SET "role" = 'USER' WHERE "role" = 'GUEST'"""),
    "orphans": ('ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES '
                '"User"("id");\n',
                "1 rows of Post whose (authorId) match no row of User", "9 x1",
                'UPDATE "Post" SET "authorId" = NULL WHERE "authorId" = 9'),
    "unconvertible": ('ALTER TABLE "User" ALTER COLUMN "age" SET DATA TYPE INTEGER USING ("age"::INTEGER);\n',
                      "1 values of User.age that do not convert to INTEGER", "'old' x1",
                      """UPDATE "User" SET "age" = '40' WHERE "age" = 'old'"""),
    "enum": ("CREATE TYPE \"Role\" AS ENUM ('USER', 'ADMIN');\n"
             'ALTER TABLE "User" ALTER COLUMN "role" SET DATA TYPE "Role" USING ("role"::text::"Role");\n',
             "1 values of User.role that are not labels of Role", "'GUEST' x1",
             """UPDATE "User" SET "role" = 'ADMIN' WHERE "role" = 'GUEST'"""),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_of_precondition_refuses_then_deploys_after_the_fix(kind, pg_database, tmp_path):
    migration, counted, sample, fix = KINDS[kind]
    _exec(pg_database, BASE)
    folder = write_folder(tmp_path, {"20260101000000_change": migration})
    refused = cli("migrate", "deploy", "--url", pg_database, "--migrations-dir", folder)
    out = refused.stdout + refused.stderr
    assert refused.returncode == 1 and counted in out and sample in out, out
    assert "Traceback" not in out
    assert _history(pg_database) == []  # nothing recorded, not even as started
    assert _rows(pg_database, "SELECT count(*) FROM pg_constraint WHERE contype <> 'p' AND "
                              "connamespace = 'public'::regnamespace") == [(0,)]  # nothing added
    assert _rows(pg_database, "SELECT to_regtype('\"Role\"'), count(*) FROM information_schema.columns "
                              "WHERE table_name = 'User'") == [(None, 4)]
    _exec(pg_database, fix)
    done = cli("migrate", "deploy", "--url", pg_database, "--migrations-dir", folder)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Preconditions of 20260101000000_change: " in done.stdout and "checked, no row in the way" in done.stdout
    assert [(r[1], r[2]) for r in _history(pg_database)] == [(True, True)]


def test_a_new_required_column_on_the_local_dsql_is_never_half_added_and_inserts_go_on(local_dsql, tmp_path):
    url = local_dsql.create_database("required_column")
    _exec(url, 'CREATE TABLE "User" ("id" BIGINT PRIMARY KEY, "email" TEXT)')
    _exec(url, """INSERT INTO "User" VALUES (1, 'a@x'), (2, 'b@x')""")
    folder = write_folder(tmp_path, {"20260101000000_score": KINDS["rows"][0]})
    refused = cli("migrate", "deploy", "--url", url, "--migrations-dir", folder)
    assert refused.returncode == 1 and "2 rows of User, which the new required column score" in refused.stderr
    assert _rows(url, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'User' "
                      "AND column_name = 'score'") == [(0,)]
    _exec(url, """INSERT INTO "User" VALUES (3, 'c@x')""")  # the application writes on
    assert _history(url) == []


def test_a_resumed_migration_checks_the_statements_it_has_not_run(local_dsql, tmp_path):
    # the local DSQL: one statement per transaction (plain PostgreSQL runs a migration in one transaction)
    pg_database = local_dsql.create_database("resumed")
    for statement in BASE.strip().split(";\n"):  # one DDL per transaction there
        _exec(pg_database, statement)
    folder = write_folder(tmp_path, {"20260101000000_two": (
        'CREATE TABLE "Tag" ("id" BIGINT PRIMARY KEY);\n'
        'CREATE UNIQUE INDEX ASYNC "User_email_key" ON "User"("email");\n')})
    env = {**os.environ, "PRISMA_DSQL_TEST_CRASH_AT": "recorded:1"}
    # A 1 s lease (the hidden --lock-lease): the killed deploy's lock is taken over after 1 s, not the default 60 s;
    # the takeover itself is tested in tests/test_deploy.py.
    crashed = subprocess.run([sys.executable, "-m", "prisma_dsql", "migrate", "deploy", "--url", pg_database,
                              "--migrations-dir", str(folder), "--lock-lease", "1"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=300, check=False)
    assert crashed.returncode != 0
    assert [(r[1], r[3]) for r in _history(pg_database)] == [(False, 1)]  # interrupted after statement 1
    _exec(pg_database, """UPDATE "User" SET "email" = 'a@x' WHERE "id" = 3""")
    refused = cli("migrate", "deploy", "--url", pg_database, "--migrations-dir", folder)
    assert refused.returncode == 1 and "1 values of (email) that User holds more than once" in refused.stderr
    assert "statement 2 (" in refused.stderr
    assert [(r[1], r[2], r[3]) for r in _history(pg_database)] == [(False, True, 1)]  # untouched: still resumable
    _exec(pg_database, """UPDATE "User" SET "email" = 'c@x' WHERE "id" = 3""")
    done = cli("migrate", "deploy", "--url", pg_database, "--migrations-dir", folder)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [(r[1], r[2], r[3]) for r in _history(pg_database)] == [(True, True, 2)]


REQUIRED = HEAD + "model User {\n  id    BigInt @id\n  email String\n  score Int\n}\n"


@pytest.mark.parametrize("target", ["dsql", "postgres"])
def test_plan_and_dev_with_a_url_refuse_a_required_column_without_a_default_naming_the_fix(target, pg_database,
                                                                                            tmp_path):
    _exec(pg_database, 'CREATE TABLE "User" ("id" BIGINT PRIMARY KEY, "email" TEXT NOT NULL);\n'
                       """INSERT INTO "User" VALUES (1, 'a@x')""")
    schema = tmp_path / "schema.prisma"
    schema.write_text(REQUIRED)
    migrations = tmp_path / "migrations"
    for args in (("plan", schema, "--url", pg_database),
                 ("migrate", "dev", "--name", "score", schema, "--url", pg_database, "--migrations-dir", migrations)):
        proc = cli(*args, "--target", target)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "! precondition fails: step" in proc.stderr
        assert "1 rows of User, which the new required column" in proc.stderr
        assert "add a default" in proc.stderr and "optional" in proc.stderr and "Refused:" in proc.stderr
    assert not migrations.exists() or not any(migrations.iterdir())  # nothing written
    schema.write_text(REQUIRED.replace("score Int", "score Int @default(0)"))
    ok = cli("plan", schema, "--url", pg_database, "--target", target)
    assert ok.returncode == 0, ok.stderr


ENUM_V1 = HEAD + ("enum Role {\n  USER\n  ADMIN\n  GUEST\n}\n\nmodel User {\n  id      BigInt @id\n  role    Role\n"
                  "  profile String?\n}\n")


def test_an_enum_value_removed_over_rows_holding_it_is_refused_on_the_local_dsql(local_dsql, tmp_path):
    url = local_dsql.create_database("enum_value")
    schema = tmp_path / "prisma" / "schema.prisma"
    schema.parent.mkdir()
    schema.write_text(ENUM_V1)
    migrations = tmp_path / "prisma" / "migrations"
    assert cli("migrate", "dev", "--name", "init", schema).returncode == 0
    assert cli("migrate", "deploy", "--url", url, "--migrations-dir", migrations).returncode == 0
    _exec(url, """INSERT INTO "User" VALUES (1, 'USER', 'p1'), (2, 'GUEST', 'p2'), (3, 'GUEST', 'p3')""")
    schema.write_text(ENUM_V1.replace("  GUEST\n", "").replace("  profile String?\n", ""))
    dev = cli("migrate", "dev", "--name", "no_guest", schema, "--accept-data-loss", "--allow-rebuild")
    assert dev.returncode == 0, dev.stderr
    refused = cli("migrate", "deploy", "--url", url, "--migrations-dir", migrations)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "'GUEST' x2" in refused.stderr and "nothing was run and nothing recorded" in refused.stderr
    assert _rows(url, 'SELECT id, role::text, profile FROM "User" ORDER BY id') == [
        (1, "USER", "p1"), (2, "GUEST", "p2"), (3, "GUEST", "p3")]
    assert len(_history(url)) == 1
    _exec(url, """UPDATE "User" SET role = 'ADMIN' WHERE role = 'GUEST'""")
    done = cli("migrate", "deploy", "--url", url, "--migrations-dir", migrations)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _rows(url, 'SELECT id, role::text FROM "User" ORDER BY id') == [(1, "USER"), (2, "ADMIN"), (3, "ADMIN")]


def test_a_check_whose_query_fails_on_the_data_refuses_and_one_on_a_renamed_column_is_noted(pg_database, tmp_path):
    _exec(pg_database, BASE)
    folder = write_folder(tmp_path, {"20260101000000_checks": (
        'ALTER TABLE "User" ADD CONSTRAINT "User_age_check" CHECK ("age"::int > 0);\n'
        'ALTER TABLE "User" ADD CONSTRAINT "User_role_check" CHECK (NOT ("role" = \'GUEST\'));\n')})
    refused = cli("migrate", "deploy", "--url", pg_database, "--migrations-dir", folder)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "2 preconditions fail" in refused.stderr
    assert 'the rows make the check itself fail' in refused.stderr and 'invalid input syntax' in refused.stderr
    assert "1 rows of User that break CHECK (NOT (\"role\" = 'GUEST'))" in refused.stderr
    assert "(id=3, email='c@x', role='GUEST', age='old')" in refused.stderr  # no single column: the row
    assert _history(pg_database) == []

    renamed = write_folder(tmp_path / "b", {"20260101000000_rename": (
        'ALTER TABLE "User" RENAME COLUMN "email" TO "mail";\n'
        'ALTER TABLE "User" ALTER COLUMN "mail" SET NOT NULL;\n'
        'ALTER TABLE "User" ADD CONSTRAINT "User_mail_check" CHECK ("mail" <> \'\');\n')})
    refused = cli("migrate", "deploy", "--url", pg_database, "--migrations-dir", renamed)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "1 rows of User without a value in mail" in refused.stderr  # counted on "email": not renamed yet
    _exec(pg_database, """UPDATE "User" SET "email" = 'b@x' WHERE "id" = 2""")
    done = cli("migrate", "deploy", "--url", pg_database, "--migrations-dir", renamed)
    assert done.returncode == 0, done.stdout + done.stderr
    assert ('20260101000000_rename: statement 3 (line 3): CountViolations not checked: column "mail" does not exist'
            in done.stdout)


def test_dev_with_a_url_writes_the_migration_with_its_failing_preconditions_said_and_plan_json_has_them(
        pg_database, tmp_path):
    _exec(pg_database, 'CREATE TABLE "User" ("id" BIGINT PRIMARY KEY, "email" TEXT NOT NULL, "nick" TEXT);\n'
                       """INSERT INTO "User" VALUES (1, 'a@x', 'same'), (2, 'b@x', 'same'), (3, 'c@x', NULL)""")
    schema = tmp_path / "schema.prisma"
    schema.write_text(HEAD + "model User {\n  id    BigInt  @id\n  email String\n  nick  String? @unique\n}\n")
    as_json = cli("plan", schema, "--url", pg_database, "--format", "json")
    assert as_json.returncode == 1, as_json.stderr
    import json

    data = json.loads(as_json.stdout)
    assert data["ok"] is False and data["plan"] is not None
    assert [(p["kind"], p["count"], p["samples"]) for p in data["preconditions"]] == [
        ("CountDuplicates", 1, [["same", "2"]])]
    migrations = tmp_path / "migrations"
    dev = cli("migrate", "dev", "--name", "nick", schema, "--url", pg_database, "--migrations-dir", migrations)
    assert dev.returncode == 0, dev.stderr
    assert "! precondition fails: step 1: 1 values of (nick) that User holds more than once" in dev.stderr
    assert "refuses this migration until the data is fixed" in dev.stderr
    (written,) = [p for p in migrations.iterdir() if p.is_dir()]
    assert "CREATE UNIQUE INDEX" in (written / "migration.sql").read_text()


def test_a_planned_required_column_without_a_default_is_refused_by_deploy_and_inserts_go_on(local_dsql, tmp_path):
    url = local_dsql.create_database("planned_required")
    schema = tmp_path / "prisma" / "schema.prisma"
    schema.parent.mkdir()
    schema.write_text(HEAD + "model User {\n  id    BigInt @id\n  email String\n}\n")
    migrations = tmp_path / "prisma" / "migrations"
    assert cli("migrate", "dev", "--name", "init", schema).returncode == 0
    assert cli("migrate", "deploy", "--url", url, "--migrations-dir", migrations).returncode == 0
    _exec(url, """INSERT INTO "User" VALUES (1, 'a@x'), (2, 'b@x')""")
    schema.write_text(HEAD + "model User {\n  id    BigInt @id\n  email String\n  score Int\n}\n")
    dev = cli("migrate", "dev", "--name", "score", schema)  # the shadow database has no rows: it is planned
    assert dev.returncode == 0, dev.stderr
    refused = cli("migrate", "deploy", "--url", url, "--migrations-dir", migrations)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "2 rows of User, which the new required column score without a default cannot be given" in refused.stderr
    assert "add a default to score (@default), or add it optional" in refused.stderr
    assert _rows(url, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'User' "
                      "AND column_name = 'score'") == [(0,)]
    assert _rows(url, "SELECT count(*) FROM pg_constraint WHERE conname LIKE '%score%'") == [(0,)]
    _exec(url, """INSERT INTO "User" VALUES (3, 'c@x')""")  # the application writes on
    assert len(_history(url)) == 1
