"""A migration that fails at run time never leaves the running application worse off, and deploy finishes it
after the data is fixed: real PostgreSQL with the DSQL emulation (one statement per transaction, async jobs
that fail on duplicates or on rows a check rejects), and plain PostgreSQL (one transaction per migration).

What "the application" does here is what a running Prisma Client does: plain INSERTs on its own connection,
between the failed deploy and the next one."""

from __future__ import annotations

import psycopg
import pytest

from prisma_dsql.connect import Connector, resolve_spec
from prisma_dsql.deploy import atomic, undo
from prisma_dsql.deploy.engine import DeployOptions, JobFailed, StatementFailed, deploy
from prisma_dsql.deploy.folder import read_folder
from prisma_dsql.deploy.status import resolve_rolled_back, status
from tests.test_deploy_helpers import emulated, fast_options, history_rows, write_folder
from tests.test_deploy_helpers import run_deploy as _run_deploy

pytestmark = pytest.mark.postgres

INIT = {"20260101000000_init": """\
CREATE TABLE "User" ("id" BIGINT PRIMARY KEY, "email" TEXT, "role" TEXT);
INSERT INTO "User" VALUES (1, 'a@x', 'A'), (2, 'a@x', 'B'), (3, 'c@x', 'C');
"""}


def run_deploy(url, folder, options=None, **kw):
    """These tests stand for a write that raced in after the precondition check (deploy.preconditions), which
    would otherwise refuse the migration before its first statement: the check is off."""
    return _run_deploy(url, folder, options or fast_options(check_preconditions=False), **kw)


@pytest.fixture
def dsql_url(pg_database):
    return emulated(pg_database)


def _one(url: str, sql: str, args=()):
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(sql, args).fetchone()
        return row[0] if row else None


def _app_insert(url: str, sql: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def _invalid_indexes(url: str) -> int:
    return _one(url, "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
                     "WHERE c.relname = 'User' AND NOT i.indisvalid")


def _row(url: str, name: str):
    return next(r for r in history_rows(url) if r[0] == name and not r[5])


# -- DSQL: a unique over duplicates, filed with other changes ----------------------------------------------------

def test_unique_over_duplicates_is_undone_app_keeps_writing_and_deploy_finishes_after_the_fix(dsql_url, tmp_path):
    run_deploy(dsql_url, write_folder(tmp_path, INIT))
    folder = write_folder(tmp_path, {**INIT, "20260102000000_unique": """\
ALTER TABLE "User" ADD COLUMN "nick" TEXT;
CREATE UNIQUE INDEX ASYNC "User_email_key" ON "User"("email");
CREATE TABLE "Tag" ("id" BIGINT PRIMARY KEY);
"""})
    with pytest.raises(JobFailed) as exc:
        run_deploy(dsql_url, folder)
    msg = str(exc.value)
    assert '"User_email_key" on "User": an INVALID index' in msg
    assert "it runs again statement 2 and finishes it, no resolve needed" in msg
    assert "migrate resolve --rolled-back 20260102000000_unique" in msg
    assert _invalid_indexes(dsql_url) == 0
    assert _one(dsql_url, "SELECT to_regclass('\"User_email_key\"')") is None
    row = _row(dsql_url, "20260102000000_unique")
    assert row[2] is False and row[3] == 3 and "prisma-dsql resume: run again statements [2], continue from " \
                                                "statement 4." in row[4]
    # The running application still inserts a duplicate (no INVALID unique index rejects it).
    _app_insert(dsql_url, "INSERT INTO \"User\" (id, email) VALUES (4, 'a@x')")
    # migrate status says deploy finishes it.
    with psycopg.connect(dsql_url, autocommit=True) as conn:
        from prisma_dsql.deploy import history
        st = status(history.read(conn), read_folder(folder))
    assert st.failed[0]["resumable"] is True
    from prisma_dsql.deploy.dryrun import plan as dry_run

    with psycopg.connect(dsql_url, autocommit=True) as conn:
        lines = dry_run(read_folder(folder), history.read(conn), 64)
    assert ("-- migration 20260102000000_unique: all 3 statements ran (failed before; first running again "
            "statement(s) 2, removed by the undo)") in lines
    assert "`prisma-dsql migrate deploy` continues it (no resolve needed)" in st.text(folder)
    # Fix the data, deploy again: no resolve; statement 2 runs again, the migration finishes.
    _app_insert(dsql_url, "DELETE FROM \"User\" WHERE id IN (2, 4)")
    summary = run_deploy(dsql_url, folder)
    assert summary.applied == ["20260102000000_unique"] and summary.resumed == ["20260102000000_unique"]
    row = _row(dsql_url, "20260102000000_unique")
    assert row[2] is True and row[3] == 3 and row[4] is None
    assert _one(dsql_url, "SELECT i.indisvalid AND i.indisunique FROM pg_index i JOIN pg_class c ON "
                          "c.oid = i.indexrelid WHERE c.relname = 'User_email_key'") is True
    assert _one(dsql_url, "SELECT to_regclass('\"Tag\"') IS NOT NULL") is True
    assert run_deploy(dsql_url, folder).applied == []


# -- DSQL: a required column with no default on a table with rows --------------------------------------------------

REQUIRED = """\
ALTER TABLE "User" ADD COLUMN "age" INTEGER;
ALTER TABLE "User" ADD CONSTRAINT "User_age_not_null" CHECK ("age" IS NOT NULL) NOT VALID;
ALTER TABLE ASYNC "User" VALIDATE CONSTRAINT "User_age_not_null";
"""


def test_required_column_never_leaves_an_enforced_not_valid_check(dsql_url, tmp_path):
    run_deploy(dsql_url, write_folder(tmp_path, INIT))
    folder = write_folder(tmp_path, {**INIT, "20260102000000_age": REQUIRED})
    with pytest.raises(JobFailed) as exc:
        run_deploy(dsql_url, folder)
    msg = str(exc.value)
    assert '"User_age_not_null" on "User": a NOT VALID constraint' in msg
    assert 'ALTER TABLE "User" DROP CONSTRAINT "User_age_not_null";' in msg
    assert _one(dsql_url, "SELECT count(*) FROM pg_constraint WHERE conname = 'User_age_not_null'") == 0
    # The column stays (its statement applied); the application's inserts, which do not know it, keep working.
    _app_insert(dsql_url, "INSERT INTO \"User\" (id, email) VALUES (9, 'n@x')")
    assert _row(dsql_url, "20260102000000_age")[3] == 3
    # Fix: give every row a value; deploy again adds the check again and validates it.
    _app_insert(dsql_url, 'UPDATE "User" SET "age" = 0 WHERE "age" IS NULL')
    assert run_deploy(dsql_url, folder).applied == ["20260102000000_age"]
    assert _one(dsql_url, "SELECT convalidated FROM pg_constraint WHERE conname = 'User_age_not_null'") is True
    with pytest.raises(psycopg.errors.CheckViolation):
        _app_insert(dsql_url, "INSERT INTO \"User\" (id, email) VALUES (10, 'm@x')")


def test_failed_statement_undoes_earlier_not_valid_check_and_resumes_without_resolve(dsql_url, tmp_path):
    """A statement (not a job) fails after a NOT VALID check was added: the check goes, the count stays."""
    run_deploy(dsql_url, write_folder(tmp_path, INIT))
    folder = write_folder(tmp_path, {**INIT, "20260102000000_mix": """\
ALTER TABLE "User" ADD CONSTRAINT "User_role_check" CHECK ("role" IN ('A', 'B', 'C')) NOT VALID;
INSERT INTO "User" (id, email, role) VALUES (1, 'dup@x', 'A');
CREATE TABLE "Done" ("id" BIGINT PRIMARY KEY);
"""})
    with pytest.raises(StatementFailed) as exc:
        run_deploy(dsql_url, folder)
    assert "SQLSTATE 23505" in str(exc.value) and "continues from statement 2 (running again statement 1 first)" \
        in str(exc.value)
    assert _one(dsql_url, "SELECT count(*) FROM pg_constraint WHERE conname = 'User_role_check'") == 0
    _app_insert(dsql_url, "INSERT INTO \"User\" (id, email, role) VALUES (7, 'z@x', 'Z')")  # not rejected
    _app_insert(dsql_url, "DELETE FROM \"User\" WHERE id IN (1, 7)")
    assert run_deploy(dsql_url, folder).applied == ["20260102000000_mix"]
    assert _one(dsql_url, "SELECT count(*) FROM pg_constraint WHERE conname = 'User_role_check'") == 1


# -- DSQL: resolve --rolled-back after an undo, then deploy from statement 1 ---------------------------------------

SWAP = """\
CREATE DOMAIN "Role_1234abcd_" AS TEXT CHECK (VALUE IN ('A', 'B'));
ALTER TABLE "User" ADD COLUMN "note" TEXT;
ALTER TABLE "User" ADD COLUMN "role__prisma_dsql_new" "Role_1234abcd_";

-- prisma-dsql:repeat-until-zero-rows
UPDATE "User" SET "role__prisma_dsql_new" = "role"::text::"Role_1234abcd_" WHERE ("id") IN (SELECT "id" FROM "User" WHERE "role__prisma_dsql_new" IS NULL AND "role" IS NOT NULL LIMIT 3000);
ALTER TABLE "User" DROP COLUMN "role";
ALTER TABLE "User" RENAME COLUMN "role__prisma_dsql_new" TO "role";
"""


def test_resolve_rolled_back_after_an_undo_then_deploy_starts_again_and_succeeds(dsql_url, tmp_path):
    run_deploy(dsql_url, write_folder(tmp_path, INIT))
    # Planned by migrate dev from another state (its fingerprint does not match): the check is skipped for the
    # first attempt only; the attempt after resolve --rolled-back is not refused for what the first one built.
    folder = write_folder(tmp_path, {**INIT, "20260102000000_swap": "-- prisma-dsql:fingerprint " + "ab" * 32
                                     + "\n" + SWAP})
    from prisma_dsql.migrations.fingerprint import FingerprintMoved

    with pytest.raises(FingerprintMoved):
        run_deploy(dsql_url, folder)
    with pytest.raises(StatementFailed) as exc:
        run_deploy(dsql_url, folder, fast_options(check_fingerprint=False, check_preconditions=False))
    msg = str(exc.value)
    assert "statement 4" in msg and "23514" in msg
    assert '"role__prisma_dsql_new" on "User": a temporary copy of a column' in msg
    assert '"Role_1234abcd_": a temporary domain no column uses' in msg
    # Nothing that holds the application's data was dropped: the original column and its values stay.
    assert _one(dsql_url, "SELECT string_agg(role, ',' ORDER BY id) FROM \"User\"") == "A,B,C"
    assert _one(dsql_url, "SELECT to_regtype('\"Role_1234abcd_\"')") is None
    assert _one(dsql_url, "SELECT count(*) FROM pg_attribute WHERE attname = 'note' AND NOT attisdropped "
                          "AND attrelid = '\"User\"'::regclass") == 1
    _app_insert(dsql_url, 'UPDATE "User" SET role = \'A\' WHERE role = \'C\'')
    with psycopg.connect(dsql_url, autocommit=True) as conn:
        resolve_rolled_back(conn, "20260102000000_swap")
    # From statement 1: the domain is created again, "note" (already there) is not added twice.
    summary = run_deploy(dsql_url, folder)
    assert summary.applied == ["20260102000000_swap"] and summary.resumed == []
    assert _one(dsql_url, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attname = 'role' "
                          "AND NOT attisdropped AND attrelid = '\"User\"'::regclass") == '"Role_1234abcd_"'
    rows = [r for r in history_rows(dsql_url) if r[0] == "20260102000000_swap"]
    assert [(r[2], r[5]) for r in rows] == [(False, True), (True, False)]


def test_failed_migration_without_undo_line_still_needs_resolve(dsql_url, tmp_path):
    """A failure recorded by an older prisma-dsql (no resume line) keeps Prisma's P3009."""
    from prisma_dsql.deploy.engine import MigrationStateError

    folder = write_folder(tmp_path, INIT)
    run_deploy(dsql_url, folder)
    with psycopg.connect(dsql_url, autocommit=True) as conn:
        conn.execute("UPDATE _prisma_migrations SET finished_at = NULL, logs = 'old failure'")
    with pytest.raises(MigrationStateError, match="P3009"):
        run_deploy(dsql_url, folder)


# -- plain PostgreSQL: one transaction -----------------------------------------------------------------------------

def _pg_deploy(url, folder):
    with Connector(resolve_spec(url=url, env={})) as c:
        return deploy(c, folder, DeployOptions(lock_lease=1.0, check_preconditions=False))


def test_plain_postgres_failure_changes_nothing_and_deploy_finishes_after_the_fix(pg_database, tmp_path):
    _pg_deploy(pg_database, write_folder(tmp_path, INIT))
    folder = write_folder(tmp_path, {**INIT, "20260102000000_dsql_folder": """\
CREATE TABLE "Tag" ("id" BIGINT PRIMARY KEY);
BEGIN;
ALTER TABLE "User" ADD COLUMN "nick" TEXT;
COMMIT;
ALTER TABLE "User" ADD CONSTRAINT "User_role_check" CHECK ("role" IN ('A', 'B')) NOT VALID;
CREATE UNIQUE INDEX ASYNC "User_email_key" ON "User"("email");
"""})
    with pytest.raises(StatementFailed) as exc:
        _pg_deploy(pg_database, folder)
    msg = str(exc.value)
    assert "statement 4" in msg and "23505" in msg
    assert "Nothing of statements 1-4 was applied: they ran in one transaction" in msg
    assert _one(pg_database, "SELECT to_regclass('\"Tag\"')") is None
    assert _one(pg_database, "SELECT count(*) FROM pg_attribute WHERE attname = 'nick' "
                             "AND attrelid = '\"User\"'::regclass") == 0
    assert _one(pg_database, "SELECT count(*) FROM pg_constraint WHERE conname = 'User_role_check'") == 0
    row = _row(pg_database, "20260102000000_dsql_folder")
    assert row[2] is False and row[3] == 0 and "23505" in row[4]  # as Prisma records it: failed, with logs
    _app_insert(pg_database, "INSERT INTO \"User\" (id, email, role) VALUES (5, 'a@x', 'Z')")
    _app_insert(pg_database, "DELETE FROM \"User\" WHERE id IN (2, 5)")
    assert _pg_deploy(pg_database, folder).applied == ["20260102000000_dsql_folder"]
    row = _row(pg_database, "20260102000000_dsql_folder")
    assert row[2] is True and row[3] == 4 and row[4] is None


def test_plain_postgres_runs_concurrently_built_index_outside_the_transaction(pg_database, tmp_path):
    folder = write_folder(tmp_path, {"20260101000000_a": """\
CREATE TABLE "A" ("id" BIGINT PRIMARY KEY, "v" TEXT);
CREATE INDEX CONCURRENTLY "A_v_idx" ON "A"("v");
CREATE TABLE "B" ("id" BIGINT PRIMARY KEY);
"""})
    assert _pg_deploy(pg_database, folder).applied == ["20260101000000_a"]
    assert _one(pg_database, "SELECT to_regclass('\"A_v_idx\"') IS NOT NULL") is True
    failing = write_folder(tmp_path / "f", {"20260101000000_b": """\
CREATE TABLE "C" ("id" BIGINT PRIMARY KEY);
VACUUM "A";
CREATE TABLE "C" ("id" BIGINT PRIMARY KEY);
"""})
    with pytest.raises(StatementFailed) as exc:
        _pg_deploy(pg_database, failing)
    assert "statement 3" in str(exc.value)
    # The statement before VACUUM committed in its own transaction; the failing one rolled back alone.
    assert _row(pg_database, "20260101000000_b")[3] == 2


def test_segments_put_statements_postgres_refuses_in_a_transaction_alone():
    from prisma_dsql.deploy.folder import read_folder as rf  # noqa: F401  (steps come from real files below)
    from prisma_dsql.deploy.steps import analyse
    from prisma_dsql.sql.split import split_sql as split

    sql = ('CREATE TABLE a (id int);\nCREATE INDEX CONCURRENTLY i ON a (id);\nALTER TYPE "R" ADD VALUE \'X\';\n'
           'SELECT 1;\n')
    steps = [analyse(s, i) for i, s in enumerate(split(sql))]
    assert atomic.segments(steps, 0, 160004) == [(0, 1, False), (1, 2, True), (2, 4, False)]
    assert atomic.segments(steps, 0, 110000) == [(0, 1, False), (1, 2, True), (2, 3, True), (3, 4, False)]
    assert atomic.segments(steps, 2, 160004) == [(2, 4, False)]


def test_undo_candidates_are_only_what_constrains_writers_or_is_scratch():
    from prisma_dsql.deploy.steps import analyse
    from prisma_dsql.sql.split import split_sql as split

    sql = """\
CREATE TABLE "Keep" ("id" BIGINT PRIMARY KEY);
ALTER TABLE "Keep" ADD COLUMN "x" TEXT;
ALTER TABLE "Keep" ADD CONSTRAINT "Keep_x_check" CHECK ("x" <> '') NOT VALID;
ALTER TABLE "Keep" ADD CONSTRAINT "Keep_valid_check" CHECK ("x" <> '');
CREATE UNIQUE INDEX ASYNC "Keep_x_key" ON "Keep"("x");
CREATE DOMAIN "Role_0badf00d_" AS TEXT;
CREATE DOMAIN "Role" AS TEXT;
ALTER TABLE "Keep" ADD COLUMN "x__prisma_dsql_new" TEXT;
CREATE TABLE "Keep__prisma_dsql_new" ("id" BIGINT PRIMARY KEY);
DROP TABLE "Other";
"""
    steps = [analyse(s, i) for i, s in enumerate(split(sql))]
    found = [(c.kind, c.name, c.step_index) for c in undo.candidates(steps)]
    assert found == [("invalid_index", "Keep_x_key", 4), ("not_valid_constraint", "Keep_x_check", 2),
                     ("temporary_column", "x__prisma_dsql_new", 7), ("temporary_table", "Keep__prisma_dsql_new", 8),
                     ("temporary_domain", "Role_0badf00d_", 5)]
    assert all("CASCADE" not in c.drop for c in undo.candidates(steps))
    # A copy already filled by a later applied statement stays (running again only its ADD COLUMN would lose the
    # copied rows when the swap goes on), and so does the domain that copy names.
    swap = [analyse(s, i) for i, s in enumerate(split(SWAP))]
    assert [c.kind for c in undo.candidates(swap[:3])] == ["temporary_column", "temporary_domain"]
    assert undo.candidates(swap[:4]) == []
    line = undo.resume_line([1, 4], 6)
    assert undo.parse_resume("error\n" + line) == ([1, 4], 6)
    assert undo.parse_resume("just an error") is None


# -- migration.sql says it is not for psql -------------------------------------------------------------------------

@pytest.mark.parametrize("target, header", [("dsql", True), ("postgres", False)])
def test_migrate_dev_writes_the_not_for_psql_header_only_for_dsql_backfills(dsql_url, tmp_path, target, header):
    from prisma_dsql.migrations.generate import DEPLOY_ONLY_HEADER
    from tests.test_folders import cli

    head = 'datasource db {\n  provider = "postgresql"\n}\n'
    schema = tmp_path / "prisma" / "schema.prisma"
    schema.parent.mkdir()
    schema.write_text(head + "model A {\n  id BigInt @id\n}\n")
    assert cli("migrate", "--from-empty", schema, "--target", target).returncode == 0
    schema.write_text(head + 'model A {\n  id BigInt @id\n  name String @default("x")\n}\n')
    dev = cli("migrate", "dev", "--name", "name", schema, "--target", target)
    assert dev.returncode == 0, dev.stderr
    folder = read_folder(tmp_path / "prisma" / "migrations")
    second = folder.migrations[1].script
    assert (DEPLOY_ONLY_HEADER in second) is header
    if header:
        assert second.index(DEPLOY_ONLY_HEADER) < second.index("prisma-dsql:repeat-until-zero-rows")
        assert run_deploy(dsql_url, folder.path).applied == [m.name for m in folder.migrations]


# -- as a user runs it ----------------------------------------------------------------------------------------------

def test_cli_failed_migration_then_status_then_deploy_again(pg_database, tmp_path):
    """plain PostgreSQL through the real CLI: exit 1 with what to do, status says deploy continues it, deploy
    again after the fix finishes it (exit 0), no resolve."""
    from tests.test_deploy_cli import run

    folder = write_folder(tmp_path, {**INIT, "20260102000000_u": 'CREATE UNIQUE INDEX ASYNC "User_email_key" '
                                                                  'ON "User"("email");\n'})
    r = run("migrate", "deploy", "--migrations-dir", str(folder), "--url", pg_database)
    assert r.returncode == 1 and "1 values of (email) that User holds more than once" in r.stderr, r.stderr
    r = run("migrate", "deploy", "--migrations-dir", str(folder), "--url", pg_database, "--skip-precondition-check")
    assert r.returncode == 1, r.stderr
    assert "20260102000000_u failed at statement 1" in r.stderr and "23505" in r.stderr
    assert "then run `prisma-dsql migrate deploy` again" in r.stderr
    r = run("migrate", "status", "--migrations-dir", str(folder), "--url", pg_database)
    assert r.returncode == 1 and "`prisma-dsql migrate deploy` continues it (no resolve needed)" in r.stdout + r.stderr
    _app_insert(pg_database, "DELETE FROM \"User\" WHERE id = 2")
    r = run("migrate", "deploy", "--migrations-dir", str(folder), "--url", pg_database)
    assert r.returncode == 0, r.stderr
    r = run("migrate", "status", "--migrations-dir", str(folder), "--url", pg_database)
    assert r.returncode == 0, r.stdout + r.stderr


# -- a migration planned by prisma-dsql (enum value removed, new unique, new column) -------------------------------

def _script(*args) -> str:
    from tests.test_folders import cli

    r = cli(*args, "--script")
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_planned_enum_check_and_unique_fail_twice_and_finish_without_losing_a_value(dsql_url, tmp_path):
    """A removed enum value (its table CHECK replaced: no column copy) and a new unique, both over bad data."""
    head = 'datasource db {\n  provider = "postgresql"\n}\n'
    v1, v2 = tmp_path / "v1", tmp_path / "v2"
    v1.mkdir(), v2.mkdir()
    (v1 / "schema.prisma").write_text(head + "enum Role {\n  A\n  B\n  C\n}\nmodel User {\n  id BigInt @id\n"
                                      "  email String\n  role Role @default(A)\n}\n")
    (v2 / "schema.prisma").write_text(head + "enum Role {\n  A\n  B\n}\nmodel User {\n  id BigInt @id\n"
                                      "  email String @unique\n  role Role @default(A)\n  nick String?\n}\n")
    init = _script("migrate", "--from-empty", v1 / "schema.prisma")
    change = _script("migrate", "diff", "--from-schema", v1, "--to-schema", v2)
    assert "CopyColumn" not in change and "User_role_enum_new" in change
    folder = write_folder(tmp_path, {"20260101000000_init": init})
    run_deploy(dsql_url, folder)
    _app_insert(dsql_url, "INSERT INTO \"User\" VALUES (1, 'a@x', 'A'), (2, 'a@x', 'B'), (3, 'c@x', 'C')")
    folder = write_folder(tmp_path, {"20260101000000_init": init, "20260102000000_change": change})
    name = "20260102000000_change"
    # 1. The unique build (or the new values' check) fails: what it built that constrains writers goes.
    with pytest.raises((JobFailed, StatementFailed)) as exc:
        run_deploy(dsql_url, folder)
    assert '"User_role_enum_new" on "User": a NOT VALID constraint' in str(exc.value)
    assert _invalid_indexes(dsql_url) == 0
    assert _one(dsql_url, "SELECT string_agg(role::text, ',' ORDER BY id) FROM \"User\"") == "A,B,C"
    _app_insert(dsql_url, "INSERT INTO \"User\" (id, email, role) VALUES (4, 'a@x', 'C')")  # the application goes on
    # 2. Fixed the data: deploy finishes the migration; every row and value is still there.
    _app_insert(dsql_url, "UPDATE \"User\" SET role = 'B' WHERE role = 'C'")
    _app_insert(dsql_url, "DELETE FROM \"User\" WHERE id IN (2, 4)")
    assert run_deploy(dsql_url, folder).applied == [name]
    assert _one(dsql_url, "SELECT string_agg(role::text, ',' ORDER BY id) FROM \"User\"") == "A,B"
    assert _one(dsql_url, "SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint "
                          "WHERE conrelid = '\"User\"'::regclass AND contype = 'c'") == "User_role_enum"
    assert _invalid_indexes(dsql_url) == 0 and _one(dsql_url, "SELECT to_regclass('\"User_email_key\"') "
                                                              "IS NOT NULL") is True
    row = _row(dsql_url, name)
    assert row[2] is True and row[4] is None


def test_foreign_key_over_orphans_is_undone_and_finished_after_the_fix(dsql_url, tmp_path):
    run_deploy(dsql_url, write_folder(tmp_path, INIT))
    folder = write_folder(tmp_path, {**INIT, "20260102000000_post": """\
CREATE TABLE "Post" ("id" BIGINT PRIMARY KEY, "authorId" BIGINT);
INSERT INTO "Post" VALUES (1, 1), (2, 99);
ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") NOT VALID;
ALTER TABLE ASYNC "Post" VALIDATE CONSTRAINT "Post_authorId_fkey";
"""})
    with pytest.raises(JobFailed) as exc:
        run_deploy(dsql_url, folder)
    assert '"Post_authorId_fkey" on "Post": a NOT VALID constraint' in str(exc.value)
    assert _one(dsql_url, "SELECT count(*) FROM pg_constraint WHERE conname = 'Post_authorId_fkey'") == 0
    _app_insert(dsql_url, 'INSERT INTO "Post" VALUES (3, 77)')  # the application is not stopped by the check
    _app_insert(dsql_url, 'DELETE FROM "Post" WHERE id IN (2, 3)')
    assert run_deploy(dsql_url, folder).applied == ["20260102000000_post"]
    assert _one(dsql_url, "SELECT convalidated FROM pg_constraint WHERE conname = 'Post_authorId_fkey'") is True
    assert _one(dsql_url, 'SELECT count(*) FROM "Post"') == 1  # the INSERT of statement 2 did not run again
