"""The server-side half of the DSQL emulation: schema ``sys`` as DSQL has it, plus what the worker needs.

Contract
--------
``install(url)`` creates, idempotently and safely when several processes call it at once:

``sys.jobs``                  DSQL's job table (job_id, status, details, job_type, class_id, object_id,
                              object_name, start_time, update_time).  status: submitted -> processing ->
                              completed | failed | cancelled.
``sys.emulated_job_runs``     per job: how long it takes and whether it is made to fail (not on DSQL).
``sys.wait_for_job(job_id)``  a procedure (``CALL`` only, as on DSQL) returning one row ``succeeded``:
                              true once the job completed; false when it failed or was cancelled, when no
                              such job exists, or after ``prisma_dsql.wait_timeout`` seconds (a session
                              setting, default 300).  Inside a transaction block it fails (2D000; the
                              emulated connection refuses it before, with DSQL's 0A000).
``sys.emulation_raise(...)``  raises an error with a given SQLSTATE, message, detail and hint, so that the
                              client's refusals are genuine server errors.

Jobs are announced on the NOTIFY channel :data:`CHANNEL` (delivered when the enqueuing transaction
commits).  One worker process per database holds the advisory lock :data:`WORKER_LOCK` while it runs.
"""

from __future__ import annotations

import threading

__all__ = ["CHANNEL", "WAIT_TIMEOUT_SETTING", "WORKER_LOCK", "install"]

CHANNEL = "prisma_dsql_rehearsal_jobs"
WAIT_TIMEOUT_SETTING = "prisma_dsql.wait_timeout"
WORKER_LOCK = (0x5D51, 0x10B5)  # (classid, objid) of pg_try_advisory_lock(int4, int4)
_INSTALL_LOCK = (0x5D51, 0x1257)
VERSION = "prisma-dsql rehearsal 2"

INSTALL_SQL = f"""
CREATE SCHEMA IF NOT EXISTS sys;
CREATE TABLE IF NOT EXISTS sys.jobs (
    job_id      text PRIMARY KEY,
    status      text NOT NULL,
    details     text,
    job_type    text NOT NULL,
    class_id    oid,
    object_id   oid,
    object_name text,
    start_time  timestamptz NOT NULL DEFAULT clock_timestamp(),
    update_time timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS jobs_open ON sys.jobs (status) WHERE status IN ('submitted', 'processing');
CREATE TABLE IF NOT EXISTS sys.emulated_job_runs (
    job_id           text PRIMARY KEY REFERENCES sys.jobs ON DELETE CASCADE,
    duration_seconds float8 NOT NULL,
    forced_failure   text
);

CREATE OR REPLACE FUNCTION sys.emulation_raise(code text, message text, detail text DEFAULT NULL,
                                               hint text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    IF detail IS NULL AND hint IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message;
    ELSIF hint IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message, DETAIL = detail;
    ELSIF detail IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message, HINT = hint;
    ELSE
        RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message, DETAIL = detail, HINT = hint;
    END IF;
END
$f$;

CREATE OR REPLACE PROCEDURE sys.wait_for_job(job_id text, INOUT succeeded boolean DEFAULT NULL)
LANGUAGE plpgsql AS $p$
DECLARE
    timeout  float8 := coalesce(nullif(current_setting('{WAIT_TIMEOUT_SETTING}', true), '')::float8, 300);
    deadline timestamptz := clock_timestamp() + make_interval(secs => timeout);
    st       text;
BEGIN
    -- COMMIT is allowed only when CALL runs outside a transaction block: inside one this fails (2D000).
    -- The emulated connection refuses that case first, with DSQL's 0A000.
    COMMIT;
    LOOP
        SELECT j.status INTO st FROM sys.jobs j WHERE j.job_id = wait_for_job.job_id;
        IF NOT FOUND OR st IN ('failed', 'cancelled') THEN
            succeeded := false;
            RETURN;
        ELSIF st = 'completed' THEN
            succeeded := true;
            RETURN;
        ELSIF clock_timestamp() >= deadline THEN
            succeeded := false;
            RETURN;
        END IF;
        PERFORM pg_sleep(0.005);  -- a job's end is seen within 5 ms (a wait is on every migration's path)
        COMMIT;  -- a fresh snapshot of sys.jobs, and no transaction held open while waiting
    END LOOP;
END
$p$;
COMMENT ON SCHEMA sys IS '{VERSION}';
"""

_installed: set[str] = set()
_installed_lock = threading.Lock()

#: Jobs whose index or constraint was dropped are cancelled, as DSQL cancels them (run after a DROP).
CANCEL_GONE_SQL = """
UPDATE sys.jobs j SET status = 'cancelled', details = 'the object of the job was dropped',
                      update_time = clock_timestamp()
WHERE j.status IN ('submitted', 'processing')
  AND CASE j.job_type
        WHEN 'INDEX_BUILD' THEN NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = j.object_id)
        WHEN 'VALIDATE_CONSTRAINT' THEN NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.oid = j.object_id)
        ELSE false END
"""


def install(url: str) -> None:
    """Create schema ``sys`` and its objects in the database at ``url`` (idempotent; needs CREATE rights)."""
    with _installed_lock:
        if url in _installed:
            return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        current = conn.execute("SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = 'sys'")
        row = current.fetchone()
        if row is None or row[0] != VERSION:
            with conn.transaction():
                # Concurrent CREATE ... IF NOT EXISTS can still collide in the catalog: serialise installers.
                conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", _INSTALL_LOCK)
                conn.execute(INSTALL_SQL)
    with _installed_lock:
        _installed.add(url)
