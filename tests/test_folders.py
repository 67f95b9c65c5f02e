"""Migration folders as Prisma accepts them: the shared statement classifier, `BEGIN; ... COMMIT;` blocks (real
Prisma output around enum changes), `DO` blocks, a whole folder checked before the database is touched, byte
order marks and NULs, unreadable files, hostile folder names, and a tokenizer that stays linear on huge literals.

Databases are real PostgreSQL (tests/conftest.py fixtures); `connector()` without emulation is plain PostgreSQL,
the postgres target."""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import psycopg
import pytest

from prisma_dsql.connect import Connector, resolve_spec
from prisma_dsql.deploy.dryrun import plan as dry_run
from prisma_dsql.deploy.engine import deploy
from prisma_dsql.deploy.folder import FolderError, check_folder, read_folder
from prisma_dsql.deploy.status import status
from prisma_dsql.deploy.steps import MigrationFileError
from prisma_dsql.sql.classify import classify
from prisma_dsql.sql.split import split_sql
from tests.support.cli import run_cli
from tests.test_deploy_helpers import fast_options, run_deploy, write_folder

ROOT = Path(__file__).resolve().parents[1]

#: A real Prisma migration (a public project's `prisma/migrations/.../migration.sql`, Prisma 5's output for
#: removing an enum value): the enum change is wrapped in BEGIN; ... COMMIT; in the middle of the file.
PRISMA_ENUM_CHANGE = {
    "20240101000000_init": """\
-- CreateEnum
CREATE TYPE "MaritalStatus" AS ENUM ('SINGLE', 'MARRIED', 'UNMARRIED');

-- CreateTable
CREATE TABLE "patient_health_data" (
    "id" SERIAL NOT NULL,
    "maritalStatus" "MaritalStatus",
    CONSTRAINT "patient_health_data_pkey" PRIMARY KEY ("id")
);
""",
    "20240102000000_drop_single": """\
/*
  Warnings:

  - The values [SINGLE] on the enum `MaritalStatus` will be removed. If these variants are still used in the database, this will fail.

*/
-- AlterEnum
BEGIN;
CREATE TYPE "MaritalStatus_new" AS ENUM ('MARRIED', 'UNMARRIED');
ALTER TABLE "patient_health_data" ALTER COLUMN "maritalStatus" TYPE "MaritalStatus_new" USING ("maritalStatus"::text::"MaritalStatus_new");
ALTER TYPE "MaritalStatus" RENAME TO "MaritalStatus_old";
ALTER TYPE "MaritalStatus_new" RENAME TO "MaritalStatus";
DROP TYPE "MaritalStatus_old";
COMMIT;

-- AlterTable
ALTER TABLE "patient_health_data" ADD COLUMN "note" TEXT;
""",
}

DO_BLOCK = """\
CREATE TABLE "T" ("id" BIGINT PRIMARY KEY);
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'U') THEN
    CREATE TABLE "U" ("id" BIGINT PRIMARY KEY);
  END IF;
END
$$;
"""


def plain_pg(url: str) -> Connector:
    """The postgres target: plain PostgreSQL, no DSQL emulation."""
    return Connector(resolve_spec(url=url, env={}))


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def cli(*args, cwd=None, preexec=None):
    """The CLI in this process (tests/support/cli.py); in a subprocess only when `preexec` rewrites its command line
    (run as another user, say)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DSQL_ENDPOINT")}
    if preexec is None:
        return run_cli(*args, cwd=cwd, env={**env, "NO_COLOR": "1"})
    argv = preexec([sys.executable, "-m", "prisma_dsql", *map(str, args)])
    return subprocess.run(argv, capture_output=True, text=True, cwd=cwd, env={**env, "NO_COLOR": "1"},
                          timeout=120, check=False)


# -- the classifier -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sql, kind", [
    ('CREATE TABLE "T" ("id" BIGINT)', "ddl"),
    ("drop index x", "ddl"),
    ("TRUNCATE t", "ddl"),
    ("GRANT SELECT ON t TO r", "ddl"),
    ("COMMENT ON TABLE t IS 'x'", "ddl"),
    ('CREATE UNIQUE INDEX ASYNC "i" ON "T"("a")', "async-ddl"),
    ("create index async i on t (a)", "async-ddl"),
    ('ALTER TABLE ASYNC "T" VALIDATE CONSTRAINT "c"', "async-ddl"),
    ("INSERT INTO t VALUES (1)", "dml"),
    ("update t set a = 1", "dml"),
    ("WITH x AS (SELECT 1) DELETE FROM t", "dml"),
    ("WITH x AS (SELECT 'delete') SELECT * FROM x", "other"),
    ("SELECT 1", "other"),
    ("SET search_path = app", "other"),
    ("DO $$ BEGIN NULL; END $$", "other"),
    ("BEGIN", "transaction-control"),
    ("START TRANSACTION ISOLATION LEVEL REPEATABLE READ", "transaction-control"),
    ("commit", "transaction-control"),
    ("END", "transaction-control"),
    ("ROLLBACK", "transaction-control"),
    ("SAVEPOINT a", "transaction-control"),
    ("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END", "ddl"),
])
def test_classifier_kinds(sql, kind):
    assert classify(sql) == kind
    (statement,) = split_sql(sql + ";")
    assert statement.kind == kind  # the splitter's statements speak the same vocabulary


def test_deploy_steps_follow_the_classifier():
    from prisma_dsql.deploy.steps import analyse

    for sql, step_kind in [("TRUNCATE t", "ddl"), ("INSERT INTO t VALUES (1)", "dml"),
                           ('CREATE INDEX ASYNC "i" ON "T"("a")', "async_index"), ("SET x = 1", "session")]:
        (statement,) = split_sql(sql)
        step = analyse(statement, 0)
        assert step.kind == step_kind and step.sql_kind == classify(sql)


# -- BEGIN; ... COMMIT; -------------------------------------------------------------------------------------------

def test_a_real_prisma_enum_change_deploys_on_postgresql(pg_database, tmp_path):
    folder = write_folder(tmp_path, PRISMA_ENUM_CHANGE)
    migration = read_folder(folder).migrations[1]
    assert [(b.begin_line, b.commit_line, b.statements) for b in migration.transaction_blocks] == [(8, 14, 5)]
    steps = migration.steps()
    assert len(steps) == 6 and all(s.block == 8 for s in steps[:5]) and steps[5].block is None
    assert not any(s.sql_kind == "transaction-control" for s in steps)
    with plain_pg(pg_database) as c:
        summary = deploy(c, folder, fast_options())
    assert summary.applied == list(PRISMA_ENUM_CHANGE)
    with psycopg.connect(pg_database) as conn:
        labels = [r[0] for r in conn.execute("SELECT enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid "
                                             "WHERE t.typname = 'MaritalStatus' ORDER BY enumsortorder")]
    assert labels == ["MARRIED", "UNMARRIED"]


def test_on_dsql_the_wrapper_is_dropped_and_said_so(tmp_path):
    folder = read_folder(write_folder(tmp_path, PRISMA_ENUM_CHANGE))
    notes = check_folder(folder, dsql=True)
    assert len(notes) == 1 and "20240102000000_drop_single" in notes[0] and "lines 8-14" in notes[0]
    assert "one statement per transaction" in notes[0]
    assert check_folder(folder, dsql=False) == []
    lines = dry_run(folder, None, 4)
    assert any("lines 8-14 are a BEGIN; ... COMMIT; block" in line and "dropped" in line for line in lines)
    assert not any(line.strip().upper() in ("BEGIN;", "COMMIT;") for line in lines)


@pytest.mark.parametrize("sql, message, line", [
    ("BEGIN;\nCREATE TABLE t (a INT);\n", "`BEGIN` with no `COMMIT` after it", 1),
    ("CREATE TABLE t (a INT);\nCOMMIT;\n", "`COMMIT` with no `BEGIN` before it", 2),
    ("BEGIN;\nBEGIN;\nCREATE TABLE t (a INT);\nCOMMIT;\n", "inside the transaction block opened at line 1", 2),
    ("BEGIN;\nCREATE TABLE t (a INT);\nROLLBACK;\n", "only `BEGIN; ... COMMIT;` blocks", 3),
    ("SAVEPOINT a;\n", "only `BEGIN; ... COMMIT;` blocks", 1),
    ("-- prisma-dsql:wait-for-jobs\nBEGIN;\nSELECT 1;\nCOMMIT;\n", "not before `BEGIN`", 1),
])
def test_unbalanced_transaction_control_is_refused_with_its_line(tmp_path, sql, message, line):
    folder = write_folder(tmp_path, {"20260101000000_a": sql})
    with pytest.raises(MigrationFileError) as exc:
        read_folder(folder).migrations[0].steps()
    assert exc.value.exit_code == 2 and message in str(exc.value)
    assert f"migration.sql:{line}:" in str(exc.value)


# -- DO blocks ------------------------------------------------------------------------------------------------

def test_a_do_block_runs_as_written_on_postgresql(pg_database, tmp_path):
    folder = write_folder(tmp_path, {"20260101000000_a": DO_BLOCK})
    with plain_pg(pg_database) as c:
        deploy(c, folder, fast_options())
    assert {"T", "U"} <= tables(pg_database)


def test_a_do_block_is_refused_on_dsql_with_its_line_before_anything_is_created(pg_database, tmp_path):
    folder = write_folder(tmp_path, {"20260101000000_a": 'CREATE TABLE "A" ("id" BIGINT PRIMARY KEY);\n',
                                     "20260102000000_b": DO_BLOCK})
    with pytest.raises(MigrationFileError) as exc:
        check_folder(read_folder(folder), dsql=True)
    assert "20260102000000_b/migration.sql:2:" in str(exc.value) and "no PL/pgSQL" in str(exc.value)
    assert exc.value.exit_code == 2
    # The rehearsal (DSQL's rules) refuses it before its server starts.
    from prisma_dsql.deploy.rehearse import rehearse

    with pytest.raises(MigrationFileError, match="DO` block"):
        rehearse(folder)


def test_deploy_checks_the_whole_folder_before_creating_its_own_tables(pg_database, tmp_path):
    """Today's bug: deploy created _prisma_migrations (and its lock) before refusing a later file."""
    folder = write_folder(tmp_path, {"20260101000000_a": 'CREATE TABLE "A" ("id" BIGINT PRIMARY KEY);\n',
                                     "20260102000000_b": "BEGIN;\nSELECT 1;\n"})
    with pytest.raises(MigrationFileError, match="20260102000000_b/migration.sql:1"):
        run_deploy(pg_database, folder)
    assert tables(pg_database) == set()  # neither "A" nor _prisma_migrations nor a lock table


# -- bytes in the file -----------------------------------------------------------------------------------------

def test_a_byte_order_mark_is_dropped_as_prisma_drops_it(pg_database, tmp_path):
    folder = write_folder(tmp_path, {"20260101000000_a": ""})
    path = folder / "20260101000000_a" / "migration.sql"
    data = b"\xef\xbb\xbfCREATE TABLE \"A\" (\"id\" BIGINT PRIMARY KEY);\n"
    path.write_bytes(data)
    migration = read_folder(folder).migrations[0]
    assert migration.steps()[0].text.startswith("CREATE TABLE")
    from prisma_dsql.deploy.folder import checksum

    assert migration.checksum == checksum(data)  # Prisma's checksum is of the bytes, mark included
    with plain_pg(pg_database) as c:
        deploy(c, folder, fast_options())
    assert "A" in tables(pg_database)


def test_a_nul_is_refused_clearly_before_anything_runs(pg_database, tmp_path):
    folder = write_folder(tmp_path, {"20260101000000_a": ""})
    (folder / "20260101000000_a" / "migration.sql").write_bytes(b"CREATE TABLE a (id int);\nSELECT '\x00';\n")
    with pytest.raises(FolderError) as exc:
        run_deploy(pg_database, folder)
    assert "migration.sql:2: a NUL character" in str(exc.value) and exc.value.exit_code == 2
    assert tables(pg_database) == set()


def test_an_unreadable_migration_exits_2_in_every_command(tmp_path):
    from tests.support.unprivileged import without_dac_override

    folder = write_folder(tmp_path, {"20260101000000_a": "SELECT 1;\n"})
    sql = folder / "20260101000000_a" / "migration.sql"
    schema = tmp_path / "schema.prisma"
    schema.write_text('datasource db {\n  provider = "postgresql"\n}\nmodel A {\n  id BigInt @id\n}\n')
    os.chmod(sql, 0)
    try:
        for args in (["migrate", "deploy", "--dry-run", "--migrations-dir", folder],
                     ["migrate", "status", "--migrations-dir", folder, "--url", "postgresql://u@127.0.0.1:1/x"],
                     ["migrate", "diff", "--from-migrations", folder, "--to-schema", schema],
                     ["plan", schema, "--from-migrations", folder],
                     ["migrate", "dev", "--name", "x", schema, "--migrations-dir", folder]):
            proc = cli(*args, preexec=without_dac_override)
            assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
            assert "permission denied" in proc.stderr and "Traceback" not in proc.stderr
            assert "internal error" not in proc.stderr
    finally:
        os.chmod(sql, 0o644)


# -- what reaches the terminal ------------------------------------------------------------------------------------

def test_multi_line_errors_print_line_breaks(tmp_path):
    folder = write_folder(tmp_path, {"20260101000000_a": "SELECT 1;\n"})
    (folder / "20260101000000_b").mkdir()  # no migration.sql: a one-line error
    proc = cli("migrate", "deploy", "--dry-run", "--migrations-dir", folder)
    assert proc.returncode == 2 and "\\u{a}" not in proc.stderr
    from prisma_dsql.cli.main import _error

    import io
    import contextlib

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        _error("first line\nsecond line \x1b[2J \x07")
    assert err.getvalue() == "error: first line\nsecond line \\u{1b}[2J \\u{7}\n"


def test_folder_names_are_rendered_safely(pg_database, tmp_path):
    hostile = "20260101000000_a\x1b]0;owned\x07\x1b[31m"
    folder = write_folder(tmp_path, {hostile: 'CREATE TABLE "A" ("id" BIGINT PRIMARY KEY);\n'})
    lines = "\n".join(dry_run(read_folder(folder), None, 4))
    assert "\x1b" not in lines and "\x07" not in lines and "\\u{1b}]0;owned\\u{7}" in lines
    proc = cli("migrate", "deploy", "--dry-run", "--migrations-dir", folder)
    assert proc.returncode == 0 and "\x1b" not in proc.stdout + proc.stderr and "\x07" not in proc.stdout
    proc = cli("migrate", "status", "--url", pg_database, "--migrations-dir", folder)  # pending: listed
    assert proc.returncode == 1 and "\x07" not in proc.stdout and "\\u{7}" in proc.stdout
    proc = cli("migrate", "deploy", "--url", pg_database, "--migrations-dir", folder)
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout + proc.stderr and "\x07" not in proc.stdout + proc.stderr
    assert "\\u{1b}]0;owned" in proc.stdout


def test_status_and_resolve_do_not_suggest_rehearse(tmp_path):
    folder = write_folder(tmp_path, {"20260101000000_a": "SELECT 1;\n"})
    for args in (["migrate", "status"], ["migrate", "resolve", "--applied", "20260101000000_a"]):
        proc = cli(*args, "--migrations-dir", folder, cwd=tmp_path)
        assert proc.returncode == 2 and "no database to connect to" in proc.stderr, proc.stderr
        assert "--rehearse" not in proc.stderr
    proc = cli("migrate", "deploy", "--migrations-dir", folder, cwd=tmp_path)
    assert proc.returncode == 2 and "--rehearse" in proc.stderr


def test_status_agrees_with_deploy_on_an_edited_interrupted_migration(pg_database, tmp_path):
    from prisma_dsql.deploy import history
    from prisma_dsql.deploy.engine import MigrationStateError

    folder = write_folder(tmp_path, {"20260101000000_a": 'CREATE TABLE "A" ("id" BIGINT PRIMARY KEY);\n'
                                                         'CREATE TABLE "B" ("id" BIGINT PRIMARY KEY);\n'})
    with psycopg.connect(pg_database, autocommit=True) as conn:  # an interrupted run of the original file
        history.ensure_table(conn)
        row = history.start(conn, "20260101000000_a", read_folder(folder).migrations[0].checksum)
        conn.execute('CREATE TABLE "A" ("id" BIGINT PRIMARY KEY)')
        history.record_steps(conn, row, 1)
    with psycopg.connect(pg_database) as conn:
        unchanged = status(history.read(conn), read_folder(folder))
    assert unchanged.interrupted[0]["resumable"] and "resumes it" in unchanged.text(folder)
    (folder / "20260101000000_a" / "migration.sql").write_text('CREATE TABLE "A" ("id" BIGINT PRIMARY KEY);\n')
    with psycopg.connect(pg_database) as conn:
        edited = status(history.read(conn), read_folder(folder))
    text = edited.text(folder)
    assert not edited.interrupted[0]["resumable"] and "refuses to resume it" in text and "resumes it" not in text
    with pytest.raises(MigrationStateError, match="modified after it started"):
        with plain_pg(pg_database) as c:
            deploy(c, folder, fast_options())


# -- the tokenizer on hostile sizes ---------------------------------------------------------------------------

@pytest.mark.parametrize("body", ["x" * 4_000_000, "a\n" * 2_000_000, "\\\\" * 2_000_000 + "\\'"])
def test_split_is_linear_and_bounded_on_one_huge_literal(body):
    """A 50 MB migration.sql holding one string literal took 6.4 GB and 16 s; memory is now a few copies
    of the text (benchmarks/split_huge_literal.py measures the 50 MB case)."""
    prefix = "E'" if body.endswith("\\'") else "'"
    script = "CREATE TABLE t (a text);\nINSERT INTO t VALUES (" + prefix + body + "');\nSELECT 1;\n"
    tracemalloc.start()
    try:
        statements = split_sql(script)
        from prisma_dsql.deploy.steps import analyse, directives_by_statement

        directives = directives_by_statement(script, statements, "m.sql")
        steps = [analyse(s, i, "m.sql", d) for i, (s, d) in enumerate(zip(statements, directives))]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [s.kind for s in steps] == ["ddl", "dml", "dml"]
    assert statements[2].line == 3 + body.count("\n")
    assert peak < 8 * len(script) + 10_000_000, peak  # was ~130x the file


# -- migrate diff --exit-code -----------------------------------------------------------------------------------

def test_diff_exit_code_is_2_for_differences_that_lose_data(tmp_path):
    before = tmp_path / "before.prisma"
    after = tmp_path / "after.prisma"
    head = 'datasource db {\n  provider = "postgresql"\n}\n'
    before.write_text(head + "model A {\n  id BigInt @id\n}\nmodel B {\n  id BigInt @id\n}\n")
    after.write_text(head + "model A {\n  id BigInt @id\n}\n")
    dropped = cli("migrate", "diff", "--from-schema", before, "--to-schema", after, "--exit-code")
    assert dropped.returncode == 2, dropped.stderr
    assert "DropTable" in dropped.stderr or "accept-data-loss" in dropped.stderr
    assert cli("migrate", "diff", "--from-schema", before, "--to-schema", after).returncode == 1
    assert cli("migrate", "diff", "--from-schema", after, "--to-schema", after, "--exit-code").returncode == 0
    for target in ("dsql", "postgres"):
        proc = cli("migrate", "diff", "--from-schema", before, "--to-schema", after, "--exit-code", "--target",
                   target)
        assert proc.returncode == 2, (target, proc.stderr)


# -- PSL104 ---------------------------------------------------------------------------------------------------

def test_an_index_field_with_order_is_accepted_as_prisma_7_accepts_it(tmp_path):
    """`@@index([w, id(order: Desc)])`: Prisma 7.10 validates it and ignores `order:` (its diff writes
    `CREATE INDEX "A_w_id_idx" ON "A"("w", "id")`); we refused it with PSL104 and blocked every command."""
    schema = tmp_path / "schema.prisma"
    schema.write_text('datasource db {\n  provider = "postgresql"\n}\nmodel A {\n  id BigInt @id\n  w  Int\n'
                      "  @@index([w, id(order: Desc)])\n}\n")
    proc = cli("validate", schema)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "warning[PSL104]" in proc.stdout and "sort: Desc" in proc.stdout
    sql = cli("migrate", "--from-empty", schema, "--script", "--target", "postgres")
    assert sql.returncode == 0 and 'CREATE INDEX "A_w_id_idx" ON "A"("w", "id");' in sql.stdout


# -- scope: only the schemas the Prisma schema manages ------------------------------------------------------------

def test_managed_schemas_as_prisma_decides_them():
    from prisma_dsql.introspect.scope import managed_schemas

    assert managed_schemas(("auth", "app"), "other") == ("auth", "app")
    assert managed_schemas((), "app") == ("app",)
    assert managed_schemas() == ("public",)


def test_a_table_in_an_unmanaged_schema_is_never_planned_as_a_drop(pg_database, tmp_path):
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute('CREATE SCHEMA "audit"')
        conn.execute('CREATE TABLE "audit"."Log" ("id" BIGINT PRIMARY KEY)')
        conn.execute('CREATE TABLE "public"."A" ("id" BIGINT PRIMARY KEY)')
        conn.execute('CREATE TABLE "public"."Old" ("id" BIGINT PRIMARY KEY)')
    schema = tmp_path / "schema.prisma"
    schema.write_text('datasource db {\n  provider = "postgresql"\n}\nmodel A {\n  id BigInt @id\n}\n')
    proc = cli("migrate", "diff", "--from-url", pg_database, "--to-schema", schema, "--script",
               "--accept-data-loss", "--target", "postgres")
    assert proc.returncode == 0, proc.stderr
    assert 'DROP TABLE "Old"' in proc.stdout  # the managed schema is planned...
    assert "audit" not in proc.stdout and "Log" not in proc.stdout  # ...nothing outside it is
    # `?schema=audit`: only "audit" is managed (its Log is Prisma's to drop, as Prisma would); public's tables
    # are not.
    sep = "&" if "?" in pg_database else "?"
    scoped = cli("migrate", "diff", "--from-url", f"{pg_database}{sep}schema=audit", "--to-schema", schema,
                 "--script", "--accept-data-loss", "--target", "postgres")
    assert scoped.returncode == 0, scoped.stderr
    assert '"Old"' not in scoped.stdout and 'DROP TABLE "audit"."Log"' in scoped.stdout
    # `schemas = ["public"]` in the datasource reads public only, too.
    schema.write_text('datasource db {\n  provider = "postgresql"\n  schemas = ["public"]\n}\n'
                      'model A {\n  id BigInt @id\n  @@schema("public")\n}\n')
    declared = cli("plan", schema, "--url", pg_database, "--accept-data-loss", "--format", "json")
    assert declared.returncode == 0, declared.stderr
    assert "Log" not in declared.stdout and "Old" in declared.stdout


# -- a plan knows where it starts ---------------------------------------------------------------------------------

def test_a_generated_migration_carries_its_fingerprint_and_plan_url_checks_it(pg_database, tmp_path):
    from prisma_dsql.migrations.fingerprint import parse

    head = 'datasource db {\n  provider = "postgresql"\n}\n'
    schema = tmp_path / "prisma" / "schema.prisma"
    schema.parent.mkdir()
    schema.write_text(head + "model A {\n  id BigInt @id\n}\n")
    migrations = tmp_path / "prisma" / "migrations"
    assert cli("migrate", "--from-empty", schema, "--target", "postgres").returncode == 0
    deployed = cli("migrate", "deploy", "--url", pg_database, "--migrations-dir", migrations)
    assert deployed.returncode == 0, deployed.stderr
    schema.write_text(head + "model A {\n  id BigInt @id\n  n  Int?\n}\n")
    dev = cli("migrate", "dev", "--name", "add_n", schema, "--target", "postgres")
    assert dev.returncode == 0, dev.stderr
    (second,) = [p for p in migrations.iterdir() if p.name.endswith("_add_n")]
    text = (second / "migration.sql").read_text()
    assert text.startswith("-- prisma-dsql:fingerprint ") and parse(text) is not None
    assert read_folder(migrations).migrations[1].steps()  # deploy reads the directive as a comment
    ok = cli("plan", schema, "--url", pg_database, "--target", "postgres")
    assert ok.returncode == 0, ok.stderr
    assert f"where {second.name} was planned from" in ok.stderr
    with psycopg.connect(pg_database, autocommit=True) as conn:  # someone changes the database by hand
        conn.execute('CREATE TABLE "Intruder" ("id" BIGINT PRIMARY KEY)')
    moved = cli("plan", schema, "--url", pg_database, "--target", "postgres")
    assert moved.returncode == 1, moved.stderr
    assert f"migration {second.name} was planned from another database state" in moved.stderr
    assert "Intruder" in moved.stderr and "--skip-fingerprint-check" in moved.stderr
    skipped = cli("plan", schema, "--url", pg_database, "--target", "postgres", "--skip-fingerprint-check",
                  "--accept-data-loss")
    assert skipped.returncode == 0 and "planned from" not in skipped.stderr, skipped.stderr
    # deploy refuses it too, before anything runs, and says what differs.
    refused = cli("migrate", "deploy", "--url", pg_database, "--migrations-dir", migrations)
    assert refused.returncode == 1 and "planned from another database state" in refused.stderr, refused.stderr
    assert "Intruder" in refused.stderr and "--skip-fingerprint-check" in refused.stderr
    with psycopg.connect(pg_database) as conn:
        names = [r[0] for r in conn.execute("SELECT migration_name FROM _prisma_migrations")]
        assert names == [p.name for p in sorted(migrations.iterdir()) if p.is_dir()][:1]
    deployed = cli("migrate", "deploy", "--url", pg_database, "--migrations-dir", migrations,
                   "--skip-fingerprint-check")
    assert deployed.returncode == 0, deployed.stderr


def test_deploy_accepts_the_database_a_migration_was_planned_from(pg_database, tmp_path):
    """`migrate dev` against the folder (a shadow replay), then deploy on the real database: it matches."""
    head = 'datasource db {\n  provider = "postgresql"\n}\n'
    schema = tmp_path / "prisma" / "schema.prisma"
    schema.parent.mkdir()
    schema.write_text(head + "model A {\n  id BigInt @id\n  v Decimal\n}\n")
    migrations = tmp_path / "prisma" / "migrations"
    assert cli("migrate", "--from-empty", schema).returncode == 0
    from prisma_dsql.migrations.fingerprint import check_before_deploy
    from tests.test_deploy_helpers import emulated
    from tests.test_deploy_helpers import run_deploy as deploy_emulated

    url = emulated(pg_database)  # the DSQL target's folder, deployed through DSQL's rules
    assert deploy_emulated(url, migrations).applied  # the first migration (Prisma's own shape: no fingerprint)
    schema.write_text(head + "model A {\n  id BigInt @id\n  v Decimal\n}\nmodel B {\n  id BigInt @id\n}\n")
    dev = cli("migrate", "dev", "--name", "b", schema)
    assert dev.returncode == 0, dev.stderr
    folder = read_folder(migrations)
    with Connector(resolve_spec(url=url, env={})) as c:
        assert check_before_deploy(c, folder) == folder.migrations[1].name  # checked, and it matches
    summary = deploy_emulated(url, migrations)
    assert summary.applied == [folder.migrations[1].name]


@pytest.mark.parametrize("line, message", [
    ("-- prisma-dsql:fingerprint abc\nSELECT 1;\n", "takes one argument"),
    ("SELECT 1;\n-- prisma-dsql:fingerprint " + "a" * 64 + "\nSELECT 2;\n", "before the first statement"),
])
def test_a_malformed_fingerprint_directive_is_refused(tmp_path, line, message):
    folder = write_folder(tmp_path, {"20260101000000_a": line})
    with pytest.raises(MigrationFileError, match=message):
        read_folder(folder).migrations[0].steps()


# -- one Project ------------------------------------------------------------------------------------------------

def test_the_diff_and_migrate_commands_no_longer_import_each_other():
    import ast

    for module, other in (("diff_cmd", "migrate_cmd"),):
        tree = ast.parse((ROOT / "prisma_dsql" / "cli" / f"{module}.py").read_text())
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert f"prisma_dsql.cli.{other}" not in imported


def test_a_project_reads_prisma_config_ts_once_for_everything_it_answers(tmp_path, monkeypatch):
    from prisma_dsql import prisma_config
    from prisma_dsql.project import Project

    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "schema.prisma").write_text('datasource db {\n  provider = "postgresql"\n}\n'
                                                  "model A {\n  id BigInt @id\n}\n")
    (tmp_path / "prisma.config.ts").write_text(
        'import { defineConfig, env } from "prisma/config";\n'
        'export default defineConfig({\n  schema: "db/schema.prisma",\n'
        '  migrations: { path: "db/history" },\n  datasource: { url: env("MY_URL") },\n});\n')
    parsed = []
    real = prisma_config.parse_prisma_config
    monkeypatch.setattr(prisma_config, "parse_prisma_config", lambda text, path: parsed.append(path) or real(text, path))
    project = Project(cwd=tmp_path)
    assert project.schema_path == tmp_path / "db" / "schema.prisma"
    assert project.migrations_dir == tmp_path / "db" / "history"
    profile, _options, _adjust = project.settings(target="postgres")
    assert profile.target == "postgres"
    for name in ("DATABASE_URL", "DSQL_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MY_URL", "postgresql://app@db.example:5432/shop")
    spec = project.datasource()  # prisma.config.ts's datasource, from the same (cached) file
    assert (spec.host, spec.dbname, spec.source) == ("db.example", "shop", "prisma.config.ts")
    assert len(parsed) == 1, parsed
    # An edited file is read again (the cache is keyed on the file's identity and mtime).
    import time

    time.sleep(0.01)
    (tmp_path / "prisma.config.ts").write_text('export default { schema: "db/schema.prisma" };\n')
    assert Project(cwd=tmp_path).migrations_dir == tmp_path / "db" / "migrations"
    assert len(parsed) == 2


@pytest.mark.parametrize("target", ["dsql", "postgres"])
def test_the_planner_steps_and_the_classifier_agree(target):
    """One vocabulary: every step the planner makes is the kind the classifier reads from its SQL."""
    from prisma_dsql.capabilities import profile_for
    from prisma_dsql.migrations.evolve import plan_between_sides
    from prisma_dsql.migrations.sources import Side
    from prisma_dsql.plan import PlanOptions

    pairs = [(Side("schema", str(ROOT / "samples/evolution/v1")), Side("schema", str(ROOT / "samples/evolution/v2"))),
             (Side("schema", str(ROOT / "samples/evolution/v2")), Side("schema", str(ROOT / "samples/evolution/v1")))]
    pairs += [(Side("empty"), Side("schema", str(p))) for p in sorted((ROOT / "samples").iterdir())
              if (p / "schema.prisma").is_file()]
    seen = set()
    for before, after in pairs:
        evo = plan_between_sides(before, after, profile_for(target), plan_options=PlanOptions(True, True))
        if evo.plan is None:
            continue  # a sample DSQL refuses (the point of that sample)
        for step in evo.plan.steps:
            assert classify(step.sql) == step.kind, (step.kind, step.sql)
            seen.add(step.kind)
    assert {"ddl"} <= seen and (target == "postgres" or {"dml", "async-ddl"} <= seen)


@pytest.mark.parametrize("target", ["postgres", "dsql"])
def test_a_first_migration_written_by_dev_deploys_on_an_empty_database(pg_database, tmp_path, target):
    """`migrate dev` with no folder yet plans from an empty database: a new database matches that fingerprint."""
    schema = tmp_path / "prisma" / "schema.prisma"
    schema.parent.mkdir()
    schema.write_text('datasource db {\n  provider = "postgresql"\n}\nmodel A {\n  id BigInt @id\n  n Int?\n}\n')
    dev = cli("migrate", "dev", "--name", "init", schema, "--target", target)
    assert dev.returncode == 0, dev.stderr
    migrations = tmp_path / "prisma" / "migrations"
    (first,) = read_folder(migrations).migrations
    assert first.script.startswith("-- prisma-dsql:fingerprint ")
    from prisma_dsql.migrations.fingerprint import check_before_deploy
    from tests.test_deploy_helpers import connector, emulated

    # The DSQL target's folder goes through DSQL's rules (the emulation); the postgres one onto plain PostgreSQL.
    with (connector(emulated(pg_database)) if target == "dsql" else plain_pg(pg_database)) as c:

        assert check_before_deploy(c, read_folder(migrations)) == first.name
        assert deploy(c, migrations, fast_options()).applied == [first.name]
