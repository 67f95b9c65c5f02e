"""The rehearsal's job runner: a detached process that builds ASYNC indexes and validates constraints.

Contract
--------
:func:`main` in a process of its own (``python -I``, the client's import folders first on ``sys.path``;
``python -m prisma_dsql.rehearsal.worker`` works too), with the database's conninfo in the environment
variable :data:`ENV_CONNINFO` (never on the command line, where ``ps`` shows it).  The emulated connection
(:mod:`prisma_dsql.rehearsal.emulator`) starts it in its own session, so it outlives a client killed
with SIGKILL, whenever it enqueues a job and none is running.

* One worker per database: it holds the advisory lock :data:`~.server_objects.WORKER_LOCK`; a second
  one exits at once.
* It picks up every ``submitted`` job (also ``processing`` jobs left by a worker that died), marks it
  ``processing``, waits the job's drawn duration (``sys.emulated_job_runs``), then:
  INDEX_BUILD: ``REINDEX INDEX`` of the placeholder the client created (invalid, not ready); on success
  the index is valid, on failure (e.g. duplicate keys) it stays INVALID, as DSQL leaves it.
  VALIDATE_CONSTRAINT: ``ALTER TABLE ... VALIDATE CONSTRAINT``; on failure the constraint stays NOT VALID.
  The job ends ``completed``, or ``failed`` with the server's message and detail in ``details``, or
  ``cancelled`` when its object is gone.  A job marked failed-by-injection fails without building.
* It exits after :data:`IDLE_EXIT_SECONDS` without work, or when its connection is lost (server stopped,
  database dropped).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

import psycopg
from psycopg import sql

from prisma_dsql.rehearsal.server_objects import CHANNEL, WORKER_LOCK

ENV_CONNINFO = "PRISMA_DSQL_REHEARSAL_CONNINFO"
IDLE_EXIT_SECONDS = 30.0
BUILDERS = 4  # concurrent builds; each holds one connection while it runs
_APP = f"prisma-dsql rehearsal worker {os.getpid()}"  # the process id, for whoever must find it


def _error_details(exc: psycopg.Error) -> str:
    diag = exc.diag
    primary = diag.message_primary or str(exc).strip()
    return f"{primary}: {diag.message_detail}" if diag.message_detail else primary


class Worker:
    def __init__(self, conninfo: str, *, idle_exit: float = IDLE_EXIT_SECONDS) -> None:
        self.conninfo = conninfo
        self.idle_exit = idle_exit
        self._due: dict[str, float] = {}  # job_id -> monotonic time its build may start
        self._running: set[str] = set()
        self._lock = threading.Lock()
        self._local = threading.local()
        self._connections: list[psycopg.Connection] = []

    # -- main loop

    def run(self) -> int:
        conn = psycopg.connect(self.conninfo, autocommit=True, application_name=_APP)
        try:
            if not conn.execute("SELECT pg_try_advisory_lock(%s, %s)", WORKER_LOCK).fetchone()[0]:
                return 0  # another worker serves this database
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
            with ThreadPoolExecutor(BUILDERS, thread_name_prefix="build") as pool:
                self._loop(conn, pool)
        except psycopg.OperationalError:
            return 0  # server stopped or database dropped: nothing left to do
        finally:
            conn.close()
            for c in self._connections:
                c.close()
        return 0

    def _loop(self, conn: psycopg.Connection, pool: ThreadPoolExecutor) -> None:
        idle_since = time.monotonic()
        while True:
            self._adopt(conn)
            now = time.monotonic()
            with self._lock:
                ready = [job for job, due in self._due.items() if due <= now]
                for job in ready:
                    del self._due[job]
                    self._running.add(job)
                busy = bool(self._due or self._running)
                next_due = min(self._due.values(), default=now + 0.5)
            for job in ready:
                future: Future[None] = pool.submit(self._run_job, job)
                future.add_done_callback(lambda _f, job=job: self._finished(job))
            if busy:
                idle_since = now
            elif now - idle_since > self.idle_exit:
                if not self._still_needed(conn):
                    return
                idle_since = now
            timeout = max(0.01, min(next_due - now, 0.5))
            for _ in conn.notifies(timeout=timeout, stop_after=1):
                pass

    def _finished(self, job: str) -> None:
        with self._lock:
            self._running.discard(job)

    def _adopt(self, conn: psycopg.Connection) -> None:
        """Schedule open jobs this worker does not know yet."""
        rows = conn.execute(
            """SELECT j.job_id, j.status, r.duration_seconds,
                      extract(epoch FROM clock_timestamp() - j.update_time)::float8
               FROM sys.jobs j JOIN sys.emulated_job_runs r USING (job_id)
               WHERE j.status IN ('submitted', 'processing')"""
        ).fetchall()
        now = time.monotonic()
        for job_id, status, duration, elapsed in rows:
            with self._lock:
                if job_id in self._due or job_id in self._running:
                    continue
            if status == "submitted":
                conn.execute(
                    "UPDATE sys.jobs SET status = 'processing', update_time = clock_timestamp() "
                    "WHERE job_id = %s AND status = 'submitted'",
                    (job_id,),
                )
                remaining = duration
            else:  # left processing by a worker that died
                remaining = max(0.0, duration - elapsed)
            with self._lock:
                self._due[job_id] = now + remaining

    def _still_needed(self, conn: psycopg.Connection) -> bool:
        """Before exiting: release the lock, then look once more (a client that saw the lock held and so
        started no worker committed its job before this look)."""
        conn.execute("SELECT pg_advisory_unlock(%s, %s)", WORKER_LOCK)
        open_jobs = conn.execute("SELECT count(*) FROM sys.jobs WHERE status IN ('submitted', 'processing')")
        if open_jobs.fetchone()[0] == 0:
            return False
        return bool(conn.execute("SELECT pg_try_advisory_lock(%s, %s)", WORKER_LOCK).fetchone()[0])

    # -- one job

    def _connection(self) -> psycopg.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = psycopg.connect(self.conninfo, autocommit=True, application_name=_APP)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def _run_job(self, job_id: str) -> None:
        try:
            conn = self._connection()
            row = conn.execute(
                """SELECT j.status, j.job_type, j.object_id, r.forced_failure
                   FROM sys.jobs j JOIN sys.emulated_job_runs r USING (job_id) WHERE j.job_id = %s""",
                (job_id,),
            ).fetchone()
            if row is None or row[0] != "processing":
                return  # cancelled meanwhile
            _status, job_type, object_id, forced_failure = row
            if forced_failure:
                self._finish(conn, job_id, "failed", forced_failure)
                return
            statement = self._statement(conn, job_type, object_id)
            if statement is None:
                self._finish(conn, job_id, "cancelled", "the object of the job no longer exists")
                return
            try:
                conn.execute(statement)
            except psycopg.OperationalError:
                raise
            except psycopg.Error as exc:
                self._finish(conn, job_id, "failed", _error_details(exc))
                return
            self._finish(conn, job_id, "completed", None)
        except psycopg.OperationalError:
            pass  # connection lost: the job stays processing; the next worker adopts it

    @staticmethod
    def _statement(conn: psycopg.Connection, job_type: str, object_id: int) -> sql.Composable | None:
        if job_type == "INDEX_BUILD":
            row = conn.execute(
                """SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE c.oid = %s AND c.relkind = 'i'""",
                (object_id,),
            ).fetchone()
            return None if row is None else sql.SQL("REINDEX INDEX {}").format(sql.Identifier(*row))
        if job_type == "VALIDATE_CONSTRAINT":
            row = conn.execute(
                """SELECT n.nspname, c.relname, con.conname FROM pg_constraint con
                   JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE con.oid = %s""",
                (object_id,),
            ).fetchone()
            if row is None:
                return None
            return sql.SQL("ALTER TABLE {} VALIDATE CONSTRAINT {}").format(
                sql.Identifier(row[0], row[1]), sql.Identifier(row[2])
            )
        return None

    @staticmethod
    def _finish(conn: psycopg.Connection, job_id: str, status: str, details: str | None) -> None:
        conn.execute(
            "UPDATE sys.jobs SET status = %s, details = %s, update_time = clock_timestamp() "
            "WHERE job_id = %s AND status = 'processing'",
            (status, details, job_id),
        )


def main() -> int:
    conninfo = os.environ.pop(ENV_CONNINFO, "")
    if not conninfo:
        print(f"{ENV_CONNINFO} is not set", file=sys.stderr)
        return 2
    try:
        return Worker(conninfo).run()
    except psycopg.Error:
        return 1


if __name__ == "__main__":
    sys.exit(main())
