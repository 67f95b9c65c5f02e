"""The deploy engine against real PostgreSQL with the DSQL emulation (prisma_dsql.rehearsal): history rows as
Prisma writes them, async jobs started without waiting and waited for only when needed, OCC retries, failed
builds, refusals, concurrent deploys, lost connections, directives and the dry run."""

from __future__ import annotations

import hashlib
import threading

import psycopg
import pytest

from prisma_dsql.connect import Connector, resolve_spec
from prisma_dsql.deploy import history
from prisma_dsql.deploy.dryrun import plan
from prisma_dsql.deploy.engine import DeployOptions, JobFailed, MigrationStateError, StatementFailed, deploy
from prisma_dsql.deploy.folder import FolderError, read_folder
from prisma_dsql.deploy.lock import LockHeld
from prisma_dsql.deploy.progress import Reporter
from prisma_dsql.deploy.status import ResolveError, resolve_applied, resolve_rolled_back, status
from prisma_dsql.deploy.steps import MigrationFileError
from tests.test_deploy_helpers import (
    HISTORY,
    HISTORY_STATEMENTS,
    catalog,
    connector,
    emulated,
    fast_options,
    history_rows,
    run_deploy,
    run_driver,
    write_folder,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def dsql_url(pg_database):
    return emulated(pg_database)


@pytest.fixture
def reference(pg_server, tmp_path_factory):
    """Catalog and history of an uninterrupted deploy of HISTORY (computed once per test that asks)."""
    from prisma_dsql.rehearsal import emulator

    name, url = pg_server.create_database("reference")
    try:
        emulator.install(url)
        folder = write_folder(tmp_path_factory.mktemp("ref"), HISTORY)
        run_deploy(url, folder)
        yield catalog(url), history_rows(url)
    finally:
        pg_server.drop_database(name)


def test_history_rows_as_prisma_writes_them(dsql_url, tmp_path):
    folder = write_folder(tmp_path, HISTORY)
    summary = run_deploy(dsql_url, folder)
    assert summary.applied == list(HISTORY) and summary.statements == HISTORY_STATEMENTS
    assert summary.jobs == 5 and summary.rounds == 3
    rows = history_rows(dsql_url)
    assert rows == [(name, hashlib.sha256(sql.encode()).hexdigest(), True, n, None, False)
                    for (name, sql), n in zip(HISTORY.items(), (7, 5, 8))]
    cat = catalog(dsql_url)
    assert all(valid for _, _, valid, _ in cat["indexes"])
    assert ("Post", "Post_authorId_fkey") in {(t, c) for t, c, _, ok in cat["constraints"] if ok}
    assert cat["data"]["User"] == [(1, "a@example.com", "n1"), (2, "b@example.com", "n2"),
                                   (3, "c@example.com", "n3")]
    again = run_deploy(dsql_url, folder)
    assert again.applied == [] and again.statements == 0 and history_rows(dsql_url) == rows


def test_history_table_is_prismas_ddl(dsql_url, tmp_path):
    run_deploy(dsql_url, write_folder(tmp_path, HISTORY))
    with psycopg.connect(dsql_url) as conn:
        cols = conn.execute("""SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                                      pg_get_expr(d.adbin, d.adrelid)
                               FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                               WHERE a.attrelid = '_prisma_migrations'::regclass AND a.attnum > 0 ORDER BY a.attnum""").fetchall()
        pk = conn.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = "
                          "'_prisma_migrations'::regclass AND contype = 'p'").fetchall()
    assert cols == [("id", "character varying(36)", True, None), ("checksum", "character varying(64)", True, None),
                    ("finished_at", "timestamp with time zone", False, None),
                    ("migration_name", "character varying(255)", True, None), ("logs", "text", False, None),
                    ("rolled_back_at", "timestamp with time zone", False, None),
                    ("started_at", "timestamp with time zone", True, "now()"),
                    ("applied_steps_count", "integer", True, "0")]
    assert pk == [("PRIMARY KEY (id)",)]


def test_jobs_run_together_and_waits_only_where_needed(dsql_url, tmp_path):
    """Six builds of 0.3 s start back to back (their runs overlap in sys.jobs); the foreign key to Tag(label)
    waits for the unique build on label only."""
    idx = "\n".join(f'CREATE INDEX ASYNC "T_c{i}_idx" ON "T"("c{i}");' for i in range(6))
    folder = write_folder(tmp_path, {"20260101000000_a": f"""\
CREATE TABLE "T" ("id" BIGINT PRIMARY KEY, {", ".join(f'"c{i}" INT' for i in range(6))});
CREATE TABLE "Tag" ("id" BIGINT PRIMARY KEY, "label" TEXT);
{idx}
CREATE UNIQUE INDEX ASYNC "Tag_label_key" ON "Tag"("label");
ALTER TABLE "T" ADD COLUMN "label" TEXT;
ALTER TABLE "T" ADD CONSTRAINT "T_label_fkey" FOREIGN KEY ("label") REFERENCES "Tag"("label") NOT VALID;
"""})
    waits = []

    class Spy(Reporter):
        def waiting(self, what):
            waits.append(what)

    with connector(dsql_url, job_seconds=(0.3, 0.3)) as c:
        summary = deploy(c, folder, fast_options(), Spy())
    assert summary.jobs == 7
    assert waits[0].startswith("Tag_label_key before statement 11") and len(waits) == 2  # and all at the end
    with psycopg.connect(dsql_url) as conn:
        spans = conn.execute("SELECT start_time, update_time FROM sys.jobs WHERE object_name LIKE 'T\\_c%' "
                             "ORDER BY start_time").fetchall()
    assert len(spans) == 6
    assert max(s for s, _ in spans) < min(e for _, e in spans)  # the last started before the first finished


def test_max_jobs_caps_concurrent_jobs(dsql_url, tmp_path):
    idx = "\n".join(f'CREATE INDEX ASYNC "T_c{i}_idx" ON "T"("c{i}");' for i in range(4))
    folder = write_folder(tmp_path, {"20260101000000_a": f"""\
CREATE TABLE "T" ("id" BIGINT PRIMARY KEY, {", ".join(f'"c{i}" INT' for i in range(4))});
{idx}
"""})
    with connector(dsql_url, job_seconds=(0.1, 0.2)) as c:
        deploy(c, folder, fast_options(max_jobs=1))
    with psycopg.connect(dsql_url) as conn:
        spans = conn.execute("SELECT start_time, update_time FROM sys.jobs ORDER BY start_time").fetchall()
    assert len(spans) == 4
    assert all(spans[i + 1][0] >= spans[i][1] for i in range(3))  # never two at once


def test_occ_conflicts_on_30_percent_are_retried(dsql_url, tmp_path, reference):
    folder = write_folder(tmp_path, HISTORY)
    summary = run_deploy(dsql_url, folder, occ_rate=0.3, seed=7)
    assert summary.applied == list(HISTORY)
    assert summary.retries.get("occ", 0) >= 3
    assert f"{summary.retries['occ']} after OCC conflicts (40001)" in summary.text()
    assert (catalog(dsql_url), history_rows(dsql_url)) == reference


def test_lost_connection_is_retried(dsql_url, tmp_path, reference):
    """The server ends the deploy's backend before statements 4, 9 and 15: the engine reconnects and goes on."""
    killed = []

    class Killer(Reporter):
        def statement(self, name, step, count):
            if (name, step.index) in {("20260101000000_init", 3), ("20260102000000_seed", 1),
                                      ("20260103000000_more", 2)}:
                pid = c.connection().info.backend_pid
                with psycopg.connect(dsql_url, autocommit=True) as admin:
                    admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
                killed.append(pid)

    folder = write_folder(tmp_path, HISTORY)
    with connector(dsql_url) as c:
        summary = deploy(c, folder, fast_options(), Killer())
    assert len(killed) == 3 and summary.retries.get("connection", 0) >= 3
    assert (catalog(dsql_url), history_rows(dsql_url)) == reference


def test_failing_unique_build_stops_and_drops_the_invalid_index(dsql_url, tmp_path):
    folder = write_folder(tmp_path, {"20260101000000_a": """\
CREATE TABLE "U" ("id" BIGINT PRIMARY KEY, "email" TEXT);
INSERT INTO "U" VALUES (1, 'same'), (2, 'same');
CREATE UNIQUE INDEX ASYNC "U_email_key" ON "U"("email");
CREATE TABLE "After" ("id" BIGINT PRIMARY KEY);
"""})
    with pytest.raises(JobFailed) as exc:
        run_deploy(dsql_url, folder)
    msg = str(exc.value)
    assert 'unique index "U_email_key" on "U" failed' in msg and "failed" in msg
    assert "statement 3" in msg and "migration.sql:3" in msg
    assert 'Removed (so that the running application keeps working):' in msg
    assert '"U_email_key" on "U": an INVALID index' in msg and 'DROP INDEX "U_email_key";' in msg
    assert "migrate deploy` again: it runs again statement 3 and finishes it, no resolve needed" in msg
    with psycopg.connect(dsql_url) as conn:
        assert conn.execute("SELECT to_regclass('\"U_email_key\"')").fetchone()[0] is None
        details = conn.execute("SELECT details FROM sys.jobs WHERE object_name = 'U_email_key'").fetchone()[0]
    assert details and details.split("\n")[0] in msg  # the job's own details are in the message
    (row,) = history_rows(dsql_url)
    assert row[2] is False and row[3] == 4 and row[4] and "U_email_key" in row[4]  # failed: logs, not finished
    # Deploy again checks the preconditions first: the duplicates are still there, so it refuses before running
    # anything, and the failed row is left as it was.
    from prisma_dsql.deploy.preconditions import PreconditionFailed

    with pytest.raises(PreconditionFailed, match=r"1 values of \(email\) that U holds more than once"):
        run_deploy(dsql_url, folder)
    assert history_rows(dsql_url) == [row]
    with psycopg.connect(dsql_url, autocommit=True) as conn:
        assert conn.execute("SELECT to_regclass('\"U_email_key\"')").fetchone()[0] is None
        assert "rolled back" in resolve_rolled_back(conn, "20260101000000_a")
        with pytest.raises(ResolveError, match="P3012"):
            resolve_rolled_back(conn, "20260101000000_a")


def test_non_retryable_error_stops_with_statement_line_and_message(dsql_url, tmp_path):
    folder = write_folder(tmp_path, {"20260101000000_a": """\
CREATE TABLE "U" ("id" BIGINT PRIMARY KEY);

-- a comment
INSERT INTO "U" VALUES (1),
  (1);
CREATE TABLE "Never" ("id" BIGINT PRIMARY KEY);
"""})
    with pytest.raises(StatementFailed) as exc:
        run_deploy(dsql_url, folder)
    msg = str(exc.value)
    assert "statement 2" in msg and "migration.sql:4" in msg and "INSERT INTO \"U\" VALUES (1)," in msg
    assert "SQLSTATE 23505" in msg and "duplicate key" in msg
    assert exc.value.exit_code == 1
    (row,) = history_rows(dsql_url)
    assert row[3] == 1 and "23505" in row[4]
    with psycopg.connect(dsql_url) as conn:
        assert conn.execute("SELECT to_regclass('\"Never\"')").fetchone()[0] is None


def test_dsql_refusal_is_not_retried(dsql_url, tmp_path):
    folder = write_folder(tmp_path, {"20260101000000_a": 'CREATE TABLE "A" ("id" BIGINT PRIMARY KEY);\n'
                                                          'CREATE INDEX "A_idx" ON "A"("id");\n'})
    with pytest.raises(StatementFailed, match="SQLSTATE 0A000") as exc:
        run_deploy(dsql_url, folder)
    assert "migration.sql:2" in str(exc.value)


def test_tampered_file_after_start_is_refused(dsql_url, tmp_path):
    folder = write_folder(tmp_path, HISTORY)
    assert run_driver(dsql_url, folder, crash_at="recorded:3").returncode == -9
    (folder / "20260101000000_init" / "migration.sql").write_text(HISTORY["20260101000000_init"] + "SELECT 1;\n")
    with pytest.raises(MigrationStateError, match="modified after it started"):
        run_deploy(dsql_url, folder)
    (folder / "20260101000000_init" / "migration.sql").write_text(HISTORY["20260101000000_init"])
    assert run_deploy(dsql_url, folder).resumed == ["20260101000000_init"]


def test_edited_applied_migration_is_reported_not_rerun(dsql_url, tmp_path):
    folder = write_folder(tmp_path, HISTORY)
    run_deploy(dsql_url, folder)
    (folder / "20260102000000_seed" / "migration.sql").write_text("-- changed\n")
    summary = run_deploy(dsql_url, folder)
    assert summary.applied == [] and any("modified after it was applied" in w for w in summary.warnings)
    with psycopg.connect(dsql_url) as conn:
        st = status(history.read(conn), read_folder(folder))
    assert st.edited == ["20260102000000_seed"] and st.exit_code == 1


def test_folder_problems_exit_2(tmp_path):
    with pytest.raises(FolderError, match="no migrations folder") as exc:
        read_folder(tmp_path / "nope")
    assert exc.value.exit_code == 2
    folder = write_folder(tmp_path, HISTORY, lock='provider = "mysql"\n')
    with pytest.raises(FolderError, match='names "mysql"') as exc:
        read_folder(folder)
    assert exc.value.exit_code == 2


@pytest.mark.parametrize("sql, message, line", [
    ("-- prisma-dsql:repeat-until-zero\nUPDATE t SET a = 1;\n", "unknown directive `-- prisma-dsql:repeat-until-zero`", 1),
    ("SELECT 1;\n-- prisma-dsql:wait-for-jobs\n", "is not right before a statement", 2),
    ("-- prisma-dsql:repeat-until-zero-rows\nCREATE TABLE t (a INT);\n", "must come right before an INSERT", 1),
    ("BEGIN;\nCREATE TABLE t (a INT);\n", "with no `COMMIT`", 1),
    ("CREATE TABLE t (a INT);\nROLLBACK;\n", "only `BEGIN; ... COMMIT;` blocks", 2),
    ("CREATE TABLE t (a TEXT DEFAULT 'x);\n", "unterminated", 1),
])
def test_bad_migration_files_exit_2_with_file_and_line(tmp_path, sql, message, line):
    folder = write_folder(tmp_path, {"20260101000000_a": sql})
    with pytest.raises((MigrationFileError, FolderError)) as exc:
        read_folder(folder).migrations[0].steps()
    assert exc.value.exit_code == 2 and message in str(exc.value)
    assert f"migration.sql:{line}:" in str(exc.value)


def test_bad_directive_refused_before_anything_runs(dsql_url, tmp_path):
    folder = write_folder(tmp_path, {"20260101000000_a": 'CREATE TABLE "A" ("id" BIGINT PRIMARY KEY);\n',
                                     "20260102000000_b": "-- prisma-dsql:frobnicate\nSELECT 1;\n"})
    with pytest.raises(MigrationFileError, match="20260102000000_b/migration.sql:1"):
        run_deploy(dsql_url, folder)
    with psycopg.connect(dsql_url) as conn:
        assert conn.execute("SELECT to_regclass('\"A\"')").fetchone()[0] is None


def test_backfill_loop_is_bounded(dsql_url, tmp_path):
    folder = write_folder(tmp_path, {"20260101000000_a": """\
CREATE TABLE "B" ("id" BIGINT PRIMARY KEY, "n" INT);
INSERT INTO "B" VALUES (1, 0);
-- prisma-dsql:repeat-until-zero-rows
UPDATE "B" SET "n" = "n" + 1;
"""})
    with pytest.raises(StatementFailed, match="still changed rows after 25 rounds") as exc:
        run_deploy(dsql_url, folder, fast_options(max_rounds=25))
    assert "migration.sql:4" in str(exc.value)


def test_two_concurrent_deploys_apply_each_migration_once(dsql_url, tmp_path, reference):
    folder = write_folder(tmp_path, HISTORY)
    results = []

    def one():
        try:
            results.append(run_deploy(dsql_url, folder, fast_options(lock_wait=60), job_seconds=(0.1, 0.3)))
        except Exception as exc:  # noqa: BLE001 - recorded and asserted below
            results.append(exc)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert all(not isinstance(r, Exception) for r in results), results
    assert sorted(len(r.applied) for r in results) == [0, 3]  # one applied all, the other waited and found none
    assert (catalog(dsql_url), history_rows(dsql_url)) == reference


def test_second_deploy_exits_naming_the_holder(dsql_url, tmp_path):
    with psycopg.connect(dsql_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE _prisma_dsql_lock (name TEXT PRIMARY KEY, holder TEXT NOT NULL, "
                     "since TIMESTAMPTZ NOT NULL, expires_at TIMESTAMPTZ NOT NULL)")
        conn.execute("INSERT INTO _prisma_dsql_lock VALUES ('deploy', 'ci@runner-7 pid 4242 (abcd1234)', now(), "
                     "now() + interval '1 hour')")
    folder = write_folder(tmp_path, HISTORY)
    with pytest.raises(LockHeld) as exc:
        run_deploy(dsql_url, folder, fast_options(lock_wait=0.5))
    assert "ci@runner-7 pid 4242" in str(exc.value) and "since" in str(exc.value) and exc.value.exit_code == 1
    assert history_rows(dsql_url) == []


def test_expired_lease_is_taken_over(dsql_url, tmp_path):
    with psycopg.connect(dsql_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE _prisma_dsql_lock (name TEXT PRIMARY KEY, holder TEXT NOT NULL, "
                     "since TIMESTAMPTZ NOT NULL, expires_at TIMESTAMPTZ NOT NULL)")
        conn.execute("INSERT INTO _prisma_dsql_lock VALUES ('deploy', 'dead@host pid 1 (x)', now() - interval '1 hour', "
                     "now() - interval '1 minute')")
    summary = run_deploy(dsql_url, write_folder(tmp_path, HISTORY))
    assert summary.lock_taken_over_from == "dead@host pid 1 (x)" and len(summary.applied) == 3
    with psycopg.connect(dsql_url) as conn:
        assert conn.execute("SELECT count(*) FROM _prisma_dsql_lock").fetchone()[0] == 0  # released


def test_resolve_applied_like_prisma(dsql_url, tmp_path):
    folder = write_folder(tmp_path, HISTORY)
    with psycopg.connect(dsql_url, autocommit=True) as conn:
        with pytest.raises(ResolveError, match="P3017"):
            resolve_applied(conn, read_folder(folder), "20990101000000_nope")
        resolve_applied(conn, read_folder(folder), "20260101000000_init")
        with pytest.raises(ResolveError, match="P3008"):
            resolve_applied(conn, read_folder(folder), "20260101000000_init")
        with pytest.raises(ResolveError, match="P3011"):
            resolve_rolled_back(conn, "20260102000000_seed")
    assert history_rows(dsql_url) == [("20260101000000_init",
                                       hashlib.sha256(HISTORY["20260101000000_init"].encode()).hexdigest(),
                                       True, 0, None, False)]


def test_dry_run_lists_statements_and_waits(tmp_path):
    lines = plan(read_folder(write_folder(tmp_path, HISTORY)), None, max_jobs=64)
    text = "\n".join(lines)
    assert text.count("-- statement ") == HISTORY_STATEMENTS
    assert "-- wait for: Tag_label_key\n-- statement 4, line 4" in text
    assert "-- wait for all 3 async job(s), then record 20260101000000_init as applied" in text
    assert "-- wait for: Post_title_idx\n-- statement 7, line 8" in text
    assert "-- statement 4, line 6 (repeated until it changes no row; its LIMIT sized from the measured rows)" in text
    capped = "\n".join(plan(read_folder(write_folder(tmp_path, HISTORY)), None, max_jobs=1))
    assert "-- wait for a job slot (--max-jobs 1): User_email_key" in capped


def test_plain_postgres_without_async(pg_database, tmp_path):
    """No emulation: the engine also deploys plain PostgreSQL migrations (Prisma's own SQL)."""
    folder = write_folder(tmp_path, {"20260101000000_a": """\
CREATE TABLE "User" ("id" SERIAL NOT NULL, "email" TEXT NOT NULL, CONSTRAINT "User_pkey" PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
"""})
    with Connector(resolve_spec(url=pg_database, env={})) as c:
        summary = deploy(c, folder, DeployOptions(lock_lease=1.0))
    assert summary.applied == ["20260101000000_a"] and summary.jobs == 0


def test_retries_used_up_leave_a_resumable_migration(dsql_url, tmp_path, reference):
    """With no retries allowed, an injected conflict stops the deploy (exit 1, no error logged: interrupted); the
    next deploy resumes it and ends as an uninterrupted run."""
    from prisma_dsql.deploy.runner import RetriesExhausted, RetryPolicy
    from prisma_dsql.errors import PrismaDsqlError

    folder = write_folder(tmp_path, HISTORY)
    stopped = 0
    for seed in range(1, 30):
        try:
            run_deploy(dsql_url, folder, fast_options(retry=RetryPolicy(max_retries=0)), occ_rate=0.05, seed=seed)
            break
        except (RetriesExhausted, PrismaDsqlError) as exc:
            assert exc.exit_code == 1 and "retr" in str(exc)
            stopped += 1
            assert all(not logs for _, _, _, _, logs, _ in history_rows(dsql_url))
    assert stopped >= 1
    assert (catalog(dsql_url), history_rows(dsql_url)) == reference


def test_session_settings_survive_a_resume(dsql_url, tmp_path):
    """`SET search_path` in a migration: statements after a crash still run where it pointed."""
    folder = write_folder(tmp_path, {"20260101000000_a": """\
CREATE SCHEMA "app";
SET search_path = "app";
CREATE TABLE "Thing" ("id" BIGINT PRIMARY KEY);
CREATE TABLE "Other" ("id" BIGINT PRIMARY KEY);
"""})
    assert run_driver(dsql_url, folder, crash_at="recorded:3").returncode == -9
    run_deploy(dsql_url, folder)
    with psycopg.connect(dsql_url) as conn:
        where = conn.execute("SELECT relname, relnamespace::regnamespace::text FROM pg_class "
                             "WHERE relname IN ('Thing', 'Other') ORDER BY 1").fetchall()
    assert where == [("Other", "app"), ("Thing", "app")]


def test_lost_lease_stops_before_the_next_statement(dsql_url, tmp_path, reference):
    """Another deploy took the lease over (ours looked dead): the heartbeat notices, the deploy stops before its
    next statement, and a later deploy resumes."""
    import time

    from prisma_dsql.deploy.lock import LockLost

    class Thief(Reporter):
        def statement(self, name, step, count):
            if (name, step.index) == ("20260102000000_seed", 2):
                with psycopg.connect(dsql_url, autocommit=True) as conn:
                    conn.execute("UPDATE _prisma_dsql_lock SET holder = 'thief', expires_at = now() - interval '1 s'")
                time.sleep(0.8)  # a few heartbeats (lease 1 s: one every 0.25 s)

    folder = write_folder(tmp_path, HISTORY)
    with connector(dsql_url) as c, pytest.raises(LockLost, match="lock was lost"):
        deploy(c, folder, fast_options(), Thief())
    rows = history_rows(dsql_url)
    # statement 3 (already past its check when the lease was taken) ran; statement 4 did not
    assert [r[2] for r in rows] == [True, False] and rows[1][3] == 3 and rows[1][4] is None  # interrupted
    assert run_deploy(dsql_url, folder).resumed == ["20260102000000_seed"]
    assert (catalog(dsql_url), history_rows(dsql_url)) == reference
