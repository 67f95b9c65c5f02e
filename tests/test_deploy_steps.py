"""Statement analysis (what a statement is and needs), the scheduler's waits, and the commit probe: the catalog says
"not yet" before each kind of DDL runs and "committed" after (real PostgreSQL)."""

from __future__ import annotations

import psycopg
import pytest

from prisma_dsql.deploy.probe import committed
from prisma_dsql.deploy.schedule import Scheduler
from prisma_dsql.deploy.steps import JobObject, analyse
from prisma_dsql.sql.split import split_sql


def step(sql: str, index: int = 0):
    (st,) = split_sql(sql)
    return analyse(st, index)


@pytest.mark.parametrize("sql, kind, obj", [
    ('CREATE UNIQUE INDEX ASYNC "User_email_key" ON "User"("email")', "async_index",
     JobObject("index", "User_email_key", "User", True, ("email",))),
    ('create index async if not exists idx on "auth"."Session" (lower(token))', "async_index",
     JobObject("index", "idx", "Session", False, ())),
    ('ALTER TABLE ASYNC "Post" VALIDATE CONSTRAINT "Post_authorId_fkey"', "async_validate",
     JobObject("constraint", "Post_authorId_fkey", "Post")),
    ("UPDATE t SET a = 1", "dml", None),
    ("WITH x AS (SELECT 1) DELETE FROM t", "dml", None),
    ("SET search_path = app", "session", None),
    ('CREATE TABLE "T" ("id" BIGINT PRIMARY KEY)', "ddl", None),
])
def test_kinds_and_job_objects(sql, kind, obj):
    s = step(sql)
    assert (s.kind, s.job_object) == (kind, obj)


def test_needs():
    assert step('ALTER TABLE "T" ADD CONSTRAINT "k" UNIQUE USING INDEX "T_a_idx"').needs_names >= {"T_a_idx"}
    assert step('DROP INDEX IF EXISTS "a", public."B"').needs_names == {"a", "B"}
    assert step('ALTER TABLE "T" DROP COLUMN "c"').needs_tables == {"T"}
    assert step('ALTER TABLE "T" ADD COLUMN "c" TEXT').needs_tables == frozenset()
    assert step('DROP TABLE "A", b').needs_tables == {"A", "b"}
    fk = step('ALTER TABLE "P" ADD CONSTRAINT "f" FOREIGN KEY ("u") REFERENCES "U"("email", "org") NOT VALID')
    assert fk.reference_columns == (("U", ("email", "org")),) and fk.adds_constraint == "f"


def test_scheduler_waits_only_for_what_a_step_needs():
    sched = Scheduler(max_jobs=3)
    sched.started("j1", JobObject("index", "U_email_key", "U", True, ("email",)))
    sched.started("j2", JobObject("index", "U_name_idx", "U", False, ("name",)))
    sched.started("j3", JobObject("index", "P_t_idx", "P", False, ("t",)))
    assert sched.over_cap() and sched.oldest() == "j1"
    assert sched.blockers(step('CREATE INDEX ASYNC "x" ON "U"("a")')) == []
    assert sched.blockers(step('ALTER TABLE "P" ADD CONSTRAINT "f" FOREIGN KEY ("u") REFERENCES "U"("id") '
                               "NOT VALID")) == []
    fk = step('ALTER TABLE "P" ADD CONSTRAINT "f" FOREIGN KEY ("u") REFERENCES "U"("email") NOT VALID')
    assert sched.blockers(fk) == ["j1"]
    sched.note(fk)
    assert sched.blockers(step('ALTER TABLE ASYNC "P" VALIDATE CONSTRAINT "f"')) == ["j1"]
    assert sched.blockers(step('ALTER TABLE "U" RENAME COLUMN "a" TO "b"')) == ["j1", "j2"]
    assert sched.blockers(step('DROP INDEX "P_t_idx"')) == ["j3"]
    (st,) = split_sql("-- prisma-dsql:wait-for-jobs\nSELECT 1")
    assert sched.blockers(analyse(st, 0, directives=(("wait-for-jobs", 1),))) == ["j1", "j2", "j3"]
    sched.finished("j1")
    assert sched.blockers(fk) == [] and not sched.over_cap()


#: (setup, statement): before the statement the probe says "not committed", after it "committed".
PROBES = [
    ("", 'CREATE TABLE "T" ("id" BIGINT PRIMARY KEY)'),
    ("", 'CREATE SCHEMA "app"'),
    ("", 'CREATE DOMAIN "Role" AS TEXT CHECK (VALUE IN (\'A\', \'B\'))'),
    ("", "CREATE SEQUENCE s CACHE 1"),
    ('CREATE SCHEMA "app"; CREATE TABLE "app"."T" ("id" BIGINT PRIMARY KEY, "a" INT)',
     'CREATE INDEX "T_a_idx" ON "app"."T"("a")'),
    ('CREATE TABLE "T" ("id" BIGINT PRIMARY KEY)', 'ALTER TABLE "T" ADD COLUMN "c" TEXT'),
    ('CREATE TABLE "T" ("id" BIGINT PRIMARY KEY, "c" INT)', 'ALTER TABLE "T" ADD CONSTRAINT "T_c" CHECK (c > 0)'),
    ('CREATE TABLE "T" ("id" BIGINT PRIMARY KEY, "c" INT)', 'ALTER TABLE "T" DROP COLUMN "c"'),
    ('CREATE TABLE "T" ("id" BIGINT PRIMARY KEY, "c" INT CONSTRAINT "T_c" CHECK (c > 0))',
     'ALTER TABLE "T" DROP CONSTRAINT "T_c"'),
    ('CREATE TABLE "T" ("id" BIGINT PRIMARY KEY)', 'ALTER TABLE "T" RENAME TO "U"'),
    ('CREATE TABLE "T" ("id" BIGINT PRIMARY KEY, "c" INT)', 'ALTER TABLE "T" RENAME COLUMN "c" TO "d"'),
    ('CREATE TABLE "T" ("id" BIGINT PRIMARY KEY)', 'DROP TABLE "T"'),
    ('CREATE TABLE "T" ("id" BIGINT PRIMARY KEY, "c" INT); CREATE INDEX "T_c_idx" ON "T"("c")', 'DROP INDEX "T_c_idx"'),
]


@pytest.mark.postgres
@pytest.mark.parametrize("setup, sql", PROBES, ids=[p[1][:40] for p in PROBES])
def test_probe_before_and_after(pg_database, setup, sql):
    s = step(sql)
    with psycopg.connect(pg_database, autocommit=True) as conn:
        if setup:
            conn.execute(setup)
        assert committed(conn, s) is False
        conn.execute(sql)
        assert committed(conn, s) is True


@pytest.mark.parametrize("sql", ['ALTER TABLE "T" ALTER COLUMN "c" SET DEFAULT 1', "COMMENT ON TABLE t IS 'x'",
                                 "CREATE OR REPLACE VIEW v AS SELECT 1"])
def test_statements_safe_to_run_again_are_never_skipped(sql):
    assert committed(None, step(sql)) is False
