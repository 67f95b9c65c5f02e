"""DSQL's async jobs as the deploy engine sees them: sys.jobs, sys.wait_for_job, and what a failed job leaves.

Contract
--------
* :func:`statuses(conn, ids)` reads ``sys.jobs`` for many jobs in one query: job_id -> :class:`JobState`.
* :func:`wait_call(conn, job_id)` runs ``CALL sys.wait_for_job('<id>')`` (a procedure; it must run outside a
  transaction block, so ``conn`` is in autocommit) and returns its ``succeeded``. ``False`` is not a failure
  by itself: it can mean the wait timed out; callers read :func:`statuses` to know.
* :func:`find_jobs(conn, obj)` lists the jobs of an index or constraint, newest first (for resume and for
  "did this enqueue commit?").
* :func:`index_state(conn, obj)`: ``"valid"``, ``"invalid"`` (building, or a failed build's leftover) or
  ``"missing"``; :func:`constraint_validated(conn, obj)`.
* :func:`cleanup_sql(conn, obj)`: the ``DROP INDEX`` that removes the INVALID index a failed unique build
  leaves (it still enforces uniqueness, and ``CREATE INDEX ... IF NOT EXISTS`` would silently accept it), or
  ``None`` when there is nothing to drop.
* Plain PostgreSQL (the local-first workflow: a DSQL folder deployed onto PostgreSQL) has no jobs:
  :func:`has_jobs(conn)` tells the kind of server from the server itself (is there a ``sys.jobs``?);
  :func:`postgres_form(text)` is an async statement's PostgreSQL equivalent (``CREATE INDEX ASYNC`` ->
  ``CREATE INDEX``, ``ALTER TABLE ASYNC ... VALIDATE`` -> ``ALTER TABLE ... VALIDATE``), which runs to
  completion, so nothing is left to wait for; :func:`is_wait_call` spots a hand-written
  ``CALL sys.wait_for_job(...)``, already satisfied there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from prisma_dsql.capabilities import DSQL_JOB_STATEMENTS
from prisma_dsql.deploy.steps import JobObject

TERMINAL_OK = {"completed", "succeeded", "success", "done"}
TERMINAL_FAILED = {"failed", "cancelled", "canceled", "error"}


@dataclass(frozen=True)
class JobState:
    job_id: str
    status: str
    details: str | None
    job_type: str | None = None
    object_name: str | None = None

    @property
    def ok(self) -> bool:
        return self.status.lower() in TERMINAL_OK

    @property
    def failed(self) -> bool:
        return self.status.lower() in TERMINAL_FAILED

    @property
    def running(self) -> bool:
        return not (self.ok or self.failed)

    def describe(self) -> str:
        text = f"job {self.job_id}: {self.status}"
        if self.job_type:
            text += f" ({self.job_type})"
        if self.details:
            text += f": {self.details}"
        return text


_COLUMNS = "job_id::text, status::text, details::text, job_type::text, object_name::text"


def statuses(conn, ids) -> dict[str, JobState]:
    ids = [str(i) for i in ids]
    if not ids:
        return {}
    rows = conn.execute(f"SELECT {_COLUMNS} FROM sys.jobs WHERE job_id::text = ANY(%s)", (ids,)).fetchall()
    return {r[0]: JobState(*r) for r in rows}


def wait_call(conn, job_id: str) -> bool:
    from psycopg import sql

    row = conn.execute(sql.SQL("CALL sys.wait_for_job({})").format(sql.Literal(str(job_id)))).fetchone()
    return bool(row[0]) if row is not None else False


def _object_names(obj: JobObject) -> list[str]:
    return [obj.name, f'"{obj.name}"', f"{obj.table}.{obj.name}", f'"{obj.table}"."{obj.name}"']


def find_jobs(conn, obj: JobObject) -> list[JobState]:
    names = _object_names(obj)
    rows = conn.execute(f"SELECT {_COLUMNS} FROM sys.jobs WHERE object_name::text = ANY(%s) "
                        "OR split_part(object_name::text, '.', 2) = %s ORDER BY start_time DESC",
                        (names, obj.name)).fetchall()
    wanted = _JOB_TYPES[obj.kind]
    return [JobState(*r) for r in rows if (r[3] or wanted).upper() == wanted]


#: JobObject.kind -> the job_type sys.jobs reports for it (from the profile's DSQL_JOB_STATEMENTS).
_JOB_TYPES = {"index": DSQL_JOB_STATEMENTS["CREATE [UNIQUE] INDEX ASYNC"],
              "constraint": DSQL_JOB_STATEMENTS["ALTER TABLE ASYNC ... VALIDATE CONSTRAINT"]}

_INDEX = ("SELECT i.indisvalid, n.nspname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
          "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_class t ON t.oid = i.indrelid "
          "WHERE c.relname = %s AND t.relname = %s")


def index_state(conn, obj: JobObject) -> str:
    row = conn.execute(_INDEX, (obj.name, obj.table)).fetchone()
    if row is None:
        return "missing"
    return "valid" if row[0] else "invalid"


def constraint_validated(conn, obj: JobObject) -> bool | None:
    row = conn.execute("SELECT c.convalidated FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
                       "WHERE c.conname = %s AND t.relname = %s", (obj.name, obj.table)).fetchone()
    return None if row is None else bool(row[0])


def cleanup_sql(conn, obj: JobObject) -> str | None:
    if obj.kind != "index":
        return None
    row = conn.execute(_INDEX, (obj.name, obj.table)).fetchone()
    if row is None or row[0]:
        return None
    return f'DROP INDEX "{row[1]}"."{obj.name.replace(chr(34), chr(34) * 2)}"'


def referenced_table(conn, constraint: str, table: str) -> tuple[str, tuple[str, ...]] | None:
    """(table, columns) a foreign key points at (for waiting on their unique index build before VALIDATE)."""
    row = conn.execute("SELECT f.relname, array(SELECT a.attname::text FROM unnest(c.confkey) k "
                       "JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k) "
                       "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
                       "JOIN pg_class f ON f.oid = c.confrelid WHERE c.conname = %s AND t.relname = %s "
                       "AND c.contype = 'f'", (constraint, table)).fetchone()
    return (row[0], tuple(row[1])) if row else None


def has_jobs(conn) -> bool:
    """True on Aurora DSQL (and on a local DSQL that emulates it): the server has ``sys.jobs``."""
    row = conn.execute("SELECT to_regclass('sys.jobs') IS NOT NULL").fetchone()
    return bool(row and row[0])


_LEAD = r"^((?:\s|--[^\n]*\n|/\*.*?\*/)*"
_ASYNC_FORMS = (re.compile(_LEAD + r"CREATE\s+(?:UNIQUE\s+)?INDEX\s+)ASYNC\b\s*", re.IGNORECASE | re.DOTALL),
                re.compile(_LEAD + r"ALTER\s+TABLE\s+)ASYNC\b\s*", re.IGNORECASE | re.DOTALL))
_WAIT_CALL = re.compile(_LEAD + r")CALL\s+sys\s*\.\s*wait_for_job\s*\(", re.IGNORECASE | re.DOTALL)


def postgres_form(text: str) -> str:
    """``text`` without DSQL's ``ASYNC`` (unchanged when it has none)."""
    for form in _ASYNC_FORMS:
        m = form.match(text)
        if m:
            return m.group(1) + text[m.end():]
    return text


def is_wait_call(text: str) -> bool:
    return _WAIT_CALL.match(text) is not None
