"""A live connection to PostgreSQL that behaves like Aurora DSQL: the rehearsal's core.

Contract
--------
``connect(url, options, **psycopg_kwargs)`` returns a real psycopg 3 :class:`DsqlConnection` (a
``psycopg.Connection`` whose cursors are :class:`DsqlCursor`) to the PostgreSQL at ``url``, after
``install(url)`` (:mod:`.server_objects`: schema ``sys``, ``sys.jobs``, ``sys.wait_for_job``).  SQL sent
through it (``conn.execute``, ``cursor.execute``, ``executemany``, ``conn.commit()``,
``with conn.transaction()``) behaves as on DSQL:

* Statements DSQL refuses (:data:`~.rules.RULES`) fail with a genuine server error (raised server-side
  by ``sys.emulation_raise``, so the client sees a ``psycopg.errors.*`` with DSQL's SQLSTATE, usually
  0A000, the rule's message, the offending part as DETAIL and the rule name as HINT) before anything of
  the statement runs.  A multi-statement query is checked whole before any of it runs.
* Transactions: at most one DDL per transaction and never DDL with DML (0A000, DSQL's messages);
  GRANT/REVOKE count as DDL; a multi-statement simple query is one transaction; SAVEPOINT (also
  psycopg's nested ``transaction()``) and isolation levels other than REPEATABLE READ are refused.
* ``CREATE [UNIQUE] INDEX ASYNC [[IF NOT EXISTS] name] ON ...`` returns one row ``job_id``.  In the
  statement's own transaction the index is created as DSQL shows it at once: in the catalog under its
  name (so a re-run gives 42P07), with its full definition, but not valid and not ready (built as a
  non-unique placeholder, then flagged in ``pg_index``).  The job row (``submitted``) commits with the
  transaction; the detached worker (:mod:`.worker`) builds it after the drawn duration with
  ``REINDEX``: valid on success; on failure (duplicate keys) the index stays INVALID and the job is
  ``failed`` with the server's message and detail.  IF NOT EXISTS on an existing name queues nothing and
  returns a NULL ``job_id``.
* ``ALTER TABLE ASYNC t VALIDATE CONSTRAINT c`` returns a ``job_id`` likewise (every run queues a new
  job); the plain form is refused.  ``DROP`` of an index, table or constraint cancels its open jobs.
* ``CALL sys.wait_for_job('id')`` returns one row ``succeeded``; refused (0A000) inside a transaction
  block; ``SELECT sys.wait_for_job(...)`` fails (it is a procedure).  ``sys.jobs`` is a plain table.
  Before waiting, the connection starts a worker if none runs (one that died is replaced and adopts the
  jobs it left); enqueuing a job and committing it do the same.
* ``occ_rate``: that fraction of the transactions that wrote (DDL or DML; read-only ones never
  conflict on DSQL) fails at COMMIT with 40001 ``... (OC000)`` and is rolled back; an autocommit
  statement is then run in its own transaction block so that it fails with no effect.
* More than 3000 rows modified in one transaction (inserts, updates and deletes of every table,
  cascades included, counted from ``pg_stat_xact_user_tables`` after each DML statement) fails with
  54000 and the transaction is rolled back (autocommit) or aborted.

Not modelled (see docs/rehearsal.md): real OCC conflicts (PostgreSQL locks and waits where DSQL would
fail a commit; OC001 catalog conflicts are not injected), DSQL's optimistic concurrency (the server's
REPEATABLE READ locks and waits), real job durations and job queueing, the 10 MiB / 300 s transaction
limits, connection lifetime (60 min), the count limits (tables, indexes, schemas), key-size limits,
DSQL's catalog quirks (btree_index, INCLUDE on primary keys), ``pg_stat_*`` and ``pg_database`` being
unavailable, what a pending unique index enforces, pipeline mode and COPY (passed through unchecked),
the results of a multi-statement query beyond the last statement's.
"""

from __future__ import annotations

import base64
import os
import random
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, Iterable

import psycopg
from psycopg import pq, sql
from psycopg.abc import Query
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import tuple_row
from psycopg.sql import Composable

from prisma_dsql.capabilities import DSQL_LIMITS
from prisma_dsql.rehearsal.rules import ASYNC_INDEX_RE as _ASYNC_INDEX_RE
from prisma_dsql.rehearsal.rules import ASYNC_VALIDATE_RE as _ASYNC_VALIDATE_RE
from prisma_dsql.rehearsal.rules import (
    OC000_MESSAGE,
    TRANSACTION_MESSAGES,
    WAIT_IN_BLOCK_MESSAGE,
    Violation,
    statement_kind,
    statement_violations,
    transaction_rule,
    transaction_violations,
)
from prisma_dsql.rehearsal.rules import WAIT_RE as _WAIT_RE
from prisma_dsql.rehearsal.server_objects import CANCEL_GONE_SQL as _CANCEL_GONE_SQL
from prisma_dsql.rehearsal.server_objects import CHANNEL, WAIT_TIMEOUT_SETTING, WORKER_LOCK, install
from prisma_dsql.rehearsal.worker import ENV_CONNINFO
from prisma_dsql.sql.split import SqlSplitError, Statement, mask_sql, split_sql

__all__ = ["ROW_LIMIT", "DsqlConnection", "DsqlCursor", "EmulationOptions", "connect", "install"]

ROW_LIMIT = DSQL_LIMITS["rows_per_transaction"]  # rows modified per transaction (capabilities.py)
ROW_LIMIT_MESSAGE = f"transaction row limit exceeded: at most {ROW_LIMIT} rows can be modified in a transaction"
SAVEPOINT_MESSAGE = "SAVEPOINT is not supported"
ISOLATION_MESSAGE = "only REPEATABLE READ isolation is supported"

_F = re.IGNORECASE | re.DOTALL
_DROPS_RE = re.compile(r"^DROP\b|^ALTER\s+TABLE\b.*\bDROP\b", _F)
_SAVEPOINT_RE = re.compile(r"^(?:SAVEPOINT|RELEASE|ROLLBACK\s+(?:WORK\s+|TRANSACTION\s+)?TO)\b", _F)
_ROLLBACK_RE = re.compile(r"^(?:ROLLBACK|ABORT)\b", _F)

_ROWS_SQL = """
SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::bigint
FROM pg_stat_xact_user_tables WHERE schemaname <> 'sys'
"""
_WORKER_ALIVE_SQL = """
SELECT EXISTS (SELECT 1 FROM pg_locks
               WHERE locktype = 'advisory' AND granted AND classid = %s AND objid = %s AND objsubid = 2
                 AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))
"""


@dataclass(frozen=True)
class EmulationOptions:
    """How the emulated cluster behaves beyond its fixed rules."""

    job_seconds: tuple[float, float] = (0.0, 0.0)  # each async job's duration, drawn uniformly
    occ_rate: float = 0.0  # probability that a writing transaction fails at COMMIT with 40001 (OC000)
    fail_job: str | None = None  # regex searched in a job's object name: such builds/validations fail
    seed: int | None = None
    wait_timeout: float = 300.0  # sys.wait_for_job returns succeeded = false after this many seconds

    def __post_init__(self) -> None:
        low, high = self.job_seconds
        if not 0 <= low <= high:
            raise ValueError(f"job_seconds must be 0 <= low <= high, not {self.job_seconds!r}")
        if not 0 <= self.occ_rate <= 1:
            raise ValueError(f"occ_rate must be within [0, 1], not {self.occ_rate!r}")
        if self.wait_timeout < 0:
            raise ValueError("wait_timeout must not be negative")
        if self.fail_job is not None:
            re.compile(self.fail_job)


@dataclass
class _Transaction:
    """What the current transaction did, for the transaction rules and the injections."""

    ddl: int = 0
    dml: int = 0
    jobs: int = 0
    rows_before: int | None = None  # the backend's modified-row counter when the first DML began

    @property
    def wrote(self) -> bool:
        return bool(self.ddl or self.dml)


_streams: dict[tuple[str, int, str], random.Random] = {}
_counter_lock = threading.Lock()
_spawned: list[subprocess.Popen[bytes]] = []
_last_spawn: dict[str, tuple[float, subprocess.Popen[bytes]]] = {}


def _stream(purpose: str, seed: int | None, database: str) -> random.Random:
    """The random stream for ``purpose``: with a seed, one per (seed, database) in this process, shared by
    its connections, so that a run is reproducible on a fresh database while a retry on a new connection
    continues the draws instead of replaying them (and a job draw never shifts which commit fails)."""
    if seed is None:
        return random.Random()
    with _counter_lock:
        return _streams.setdefault((purpose, seed, database), random.Random(f"{purpose}:{seed}"))


_WORKER_BOOT = (
    "import sys; sys.path[:0] = sys.argv[1:]; from prisma_dsql.rehearsal.worker import main; sys.exit(main())"
)


def _import_roots() -> list[str]:
    import prisma_dsql

    roots = [os.path.dirname(os.path.dirname(os.path.abspath(m.__file__))) for m in (prisma_dsql, psycopg)]
    return list(dict.fromkeys(roots))


def _query_text(conn: psycopg.Connection[Any], query: Query) -> str | None:
    if isinstance(query, str):
        return query
    if isinstance(query, bytes):
        return query.decode(conn.info.encoding)
    if isinstance(query, Composable):
        return query.as_string(conn)
    return None


def _new_job_id(rng: random.Random) -> str:
    return base64.b32encode(rng.randbytes(16)).decode().lower().rstrip("=")[:26]


def _unquote(ident: str) -> str:
    ident = ident.strip()
    if ident.startswith('"'):
        return ident[1:-1].replace('""', '"')
    return ident.lower()


class DsqlCursor(psycopg.Cursor[Any]):
    """A psycopg cursor whose statements go through the DSQL emulation of its connection."""

    def execute(self, query: Query, params: Any = None, *, prepare: bool | None = None,
                binary: bool | None = None) -> DsqlCursor:  # fmt: skip
        conn = self.connection
        if not isinstance(conn, DsqlConnection):
            return super().execute(query, params, prepare=prepare, binary=binary)
        conn._emulate(self, query, params, prepare=prepare, binary=binary)
        return self

    def executemany(self, query: Query, params_seq: Iterable[Any], *, returning: bool = False) -> None:
        conn = self.connection
        if not isinstance(conn, DsqlConnection):
            return super().executemany(query, params_seq, returning=returning)
        conn._emulate_many(self, query, params_seq, returning=returning)

    def _raw_execute(self, query: Query, params: Any = None, **kwargs: Any) -> None:
        super().execute(query, params, **kwargs)

    def _raw_executemany(self, query: Query, params_seq: Iterable[Any], returning: bool) -> None:
        super().executemany(query, params_seq, returning=returning)


class DsqlConnection(psycopg.Connection[Any]):
    """A psycopg connection that behaves like DSQL; made by :func:`connect` (see the module docstring)."""

    _options: EmulationOptions
    _tx: _Transaction
    _worker_conninfo: str

    def _setup(self, options: EmulationOptions, worker_conninfo: str) -> None:
        self._options = options
        self._tx = _Transaction()
        self._worker_conninfo = worker_conninfo
        self._occ_rng = _stream("occ", options.seed, worker_conninfo)
        self._job_rng = _stream("job", options.seed, worker_conninfo)
        self._fail_re = re.compile(options.fail_job) if options.fail_job else None

    @property
    def options(self) -> EmulationOptions:
        return self._options

    # ------------------------------------------------------------------ raw access (no emulation)

    def _raw(self, query: Query, params: Any = None) -> psycopg.Cursor[Any]:
        cur = psycopg.Cursor(self, row_factory=tuple_row)
        cur.execute(query, params)
        return cur

    def _refuse(self, code: str, message: str, detail: str | None = None, hint: str | None = None) -> None:
        """Raise a genuine server error with this SQLSTATE (it aborts an open transaction, as on DSQL)."""
        try:
            self._raw("SELECT sys.emulation_raise(%s, %s, %s, %s)", (code, message, detail, hint))
        except psycopg.Error as exc:
            raise exc.with_traceback(None) from None
        raise AssertionError("sys.emulation_raise returned")  # pragma: no cover

    def _refuse_violation(self, v: Violation) -> None:
        self._refuse(v.sqlstate, v.message, v.part or None, f"refused by the DSQL rehearsal (rule {v.rule})")

    # ------------------------------------------------------------------ transactions

    def _in_block(self) -> bool:
        return not self.autocommit or self.pgconn.transaction_status != pq.TransactionStatus.IDLE

    def _exec_command(self, command: Any, result_format: pq.Format = pq.Format.TEXT) -> Any:
        # psycopg sends COMMIT/ROLLBACK/SAVEPOINT of commit(), rollback() and transaction() through here.
        if self._pipeline or not hasattr(self, "_tx"):
            return super()._exec_command(command, result_format)
        text = command.as_bytes(self) if isinstance(command, Composable) else command
        if isinstance(text, str):
            text = text.encode()
        head = text.lstrip()[:16].upper()
        if head.startswith(b"COMMIT"):
            return self._dsql_commit_gen(command, result_format)
        if head.startswith(b"SAVEPOINT"):
            return self._refuse_gen(SAVEPOINT_MESSAGE)
        if head.startswith(b"BEGIN") and re.search(rb"ISOLATION\s+LEVEL\s+(?!REPEATABLE\s+READ)", text, re.I):
            return self._refuse_gen(ISOLATION_MESSAGE)  # psycopg's isolation_level on a non-autocommit connection
        if head.startswith(b"ROLLBACK") and not re.match(rb"ROLLBACK\s+(TO|PREPARED)", head):
            self._tx = _Transaction()
        return super()._exec_command(command, result_format)

    def _refuse_gen(self, message: str) -> Any:
        yield from super()._exec_command(
            sql.SQL("SELECT sys.emulation_raise('0A000', {})").format(sql.Literal(message))
        )

    def _dsql_commit_gen(self, command: Any, result_format: pq.Format) -> Any:
        tx, self._tx = self._tx, _Transaction()
        status = self.pgconn.transaction_status
        if status == pq.TransactionStatus.INTRANS and tx.wrote and self._occ_hit():
            try:
                yield from super()._exec_command(
                    sql.SQL("SELECT sys.emulation_raise('40001', {})").format(sql.Literal(OC000_MESSAGE))
                )
            except psycopg.Error as exc:
                yield from super()._exec_command(b"ROLLBACK")
                raise exc.with_traceback(None) from None
        result = yield from super()._exec_command(command, result_format)
        if tx.jobs:
            alive = yield from super()._exec_command(
                sql.SQL(_WORKER_ALIVE_SQL.replace("%s", "{}")).format(*map(sql.Literal, WORKER_LOCK))
            )
            if alive is None or alive.get_value(0, 0) != b"t":
                self._spawn_worker()
        return result

    def _occ_hit(self) -> bool:
        rate = self._options.occ_rate
        return rate > 0 and self._occ_rng.random() < rate

    def _commit_now(self) -> None:
        with self.lock:
            self.wait(self._exec_command(b"COMMIT"))

    def _rollback_quietly(self) -> None:
        if self.pgconn.transaction_status in (pq.TransactionStatus.INTRANS, pq.TransactionStatus.INERROR):
            with self.lock:
                self.wait(super()._exec_command(b"ROLLBACK"))
        self._tx = _Transaction()

    # ------------------------------------------------------------------ statements

    def _emulate(self, cur: DsqlCursor, query: Query, params: Any, *, prepare: bool | None,
                 binary: bool | None) -> None:  # fmt: skip
        text = _query_text(self, query)
        try:
            statements = split_sql(text) if text is not None and not self._pipeline else None
        except SqlSplitError:
            statements = None  # the server reports the syntax error
        status = self.pgconn.transaction_status
        if not statements or status == pq.TransactionStatus.INERROR:
            cur._raw_execute(query, params, prepare=prepare, binary=binary)  # server: 25P02 / syntax error
            return
        if status == pq.TransactionStatus.IDLE:
            self._tx = _Transaction()
        for st in statements:  # refused statements fail before anything runs
            if violations := statement_violations(st):
                self._refuse_violation(violations[0])
        if len(statements) == 1:
            self._statement(cur, statements[0], query, params, prepare=prepare, binary=binary)
            return
        if params is not None:
            cur._raw_execute(query, params, prepare=prepare, binary=binary)  # server: cannot prepare many
            return
        self._many_statements(cur, statements)

    def _many_statements(self, cur: DsqlCursor, statements: list[Statement]) -> None:
        kinds = [statement_kind(mask_sql(st.text)) for st in statements]
        if "begin" in kinds or "end" in kinds:  # explicit blocks inside: statement by statement
            for v in transaction_violations(statements):  # ... once the whole is known to pass
                self._refuse("0A000", v.message, None, f"statement at line {v.line}")
            for st in statements:
                self._statement(cur, st, st.text, None)
            return
        # One implicit transaction: check all of it before running any of it.
        implicit = not self._in_block()
        ddl, dml = self._tx.ddl, self._tx.dml
        for st, kind in zip(statements, kinds):
            if _WAIT_RE.match(mask_sql(st.text)):
                self._refuse("0A000", WAIT_IN_BLOCK_MESSAGE)
            if rule := transaction_rule(kind, ddl, dml):
                self._refuse("0A000", TRANSACTION_MESSAGES[rule], None, f"statement at line {st.line}")
            ddl, dml = ddl + (kind == "ddl"), dml + (kind == "dml")
        if implicit:
            self._raw("BEGIN")
        try:
            for st in statements:
                self._statement(cur, st, st.text, None, in_block=True)
        except BaseException:
            if implicit:
                self._rollback_quietly()
            raise
        if implicit:
            self._commit_now()

    def _statement(self, cur: DsqlCursor, st: Statement, query: Query, params: Any, *,
                   prepare: bool | None = None, binary: bool | None = None,
                   in_block: bool | None = None) -> None:  # fmt: skip
        masked = mask_sql(st.text)
        kind = statement_kind(masked)
        if in_block is None:
            in_block = self._in_block()
        if kind == "end":
            if _ROLLBACK_RE.match(masked):
                cur._raw_execute(query, params)
                self._tx = _Transaction()
                return
            tx = self._tx
            if self.pgconn.transaction_status == pq.TransactionStatus.INTRANS and tx.wrote and self._occ_hit():
                self._tx = _Transaction()
                try:
                    self._refuse("40001", OC000_MESSAGE)
                finally:
                    self._rollback_quietly()
            cur._raw_execute(query, params)
            self._tx = _Transaction()
            if tx.jobs:
                self._ensure_worker()
            return
        if kind == "begin":
            cur._raw_execute(query, params)
            self._tx = _Transaction()
            return
        if _SAVEPOINT_RE.match(masked):
            self._refuse("0A000", SAVEPOINT_MESSAGE)
        if _WAIT_RE.match(masked):
            if in_block:
                self._refuse("0A000", WAIT_IN_BLOCK_MESSAGE)
            self._ensure_worker()  # a worker that died (killed, machine slept) is replaced; it adopts its jobs
            cur._raw_execute(query, params, prepare=prepare, binary=binary)
            return
        if in_block and (rule := transaction_rule(kind, self._tx.ddl, self._tx.dml)):
            self._refuse("0A000", TRANSACTION_MESSAGES[rule])
        index = _ASYNC_INDEX_RE.match(masked)
        validate = _ASYNC_VALIDATE_RE.match(masked)
        # Autocommit: a write runs in a block of its own, so that an injected failure (OCC, row limit)
        # leaves no effect and a job row commits with its DDL, as one DSQL transaction.
        wrap = not in_block and kind in ("ddl", "dml")
        if wrap:
            self._raw("BEGIN")
        try:
            self._count(kind)
            if index:
                job_id = self._enqueue_index(st.text, index)
                cur._raw_execute("SELECT %s::text AS job_id", (job_id,))
            elif validate:
                job_id = self._enqueue_validate(st.text, validate)
                cur._raw_execute("SELECT %s::text AS job_id", (job_id,))
            else:
                cur._raw_execute(query, params, prepare=prepare, binary=binary)
                if kind == "ddl" and _DROPS_RE.match(masked):
                    self._raw(_CANCEL_GONE_SQL)
            if kind == "dml":
                self._check_row_limit()
        except BaseException:
            if wrap:
                self._rollback_quietly()
            raise
        if wrap:
            self._commit_now()

    def _emulate_many(self, cur: DsqlCursor, query: Query, params_seq: Iterable[Any], *, returning: bool) -> None:
        text = _query_text(self, query)
        statements = split_sql(text) if text else []
        if len(statements) != 1 or self._pipeline:
            cur._raw_executemany(query, params_seq, returning)
            return
        if self.pgconn.transaction_status == pq.TransactionStatus.IDLE:
            self._tx = _Transaction()
        (st,) = statements
        if violations := statement_violations(st):
            self._refuse_violation(violations[0])
        masked = mask_sql(st.text)
        if _ASYNC_INDEX_RE.match(masked) or _ASYNC_VALIDATE_RE.match(masked) or _WAIT_RE.match(masked):
            for params in params_seq:  # job statements one at a time
                self._statement(cur, st, query, params)
            return
        kind = statement_kind(masked)
        if not self._in_block():  # autocommit: each execution is its own transaction
            for params in params_seq:
                self._statement(cur, st, query, params)
            return
        if rule := transaction_rule(kind, self._tx.ddl, self._tx.dml):
            self._refuse("0A000", TRANSACTION_MESSAGES[rule])
        self._count(kind)
        cur._raw_executemany(query, params_seq, returning)
        if kind == "dml":
            self._check_row_limit()

    def _count(self, kind: str) -> None:
        tx = self._tx
        tx.ddl += kind == "ddl"
        tx.dml += kind == "dml"
        if kind == "dml" and tx.rows_before is None:
            # pg_stat_xact_* also hold counts of earlier transactions not yet flushed (PostgreSQL 15+),
            # so the limit is checked on the growth since this transaction's first DML.
            (tx.rows_before,) = self._raw(_ROWS_SQL).fetchone()

    def _check_row_limit(self) -> None:
        (rows,) = self._raw(_ROWS_SQL).fetchone()
        modified = rows - (self._tx.rows_before or 0)
        if modified > ROW_LIMIT:
            self._refuse("54000", ROW_LIMIT_MESSAGE, f"{modified} rows modified")

    # ------------------------------------------------------------------ async jobs

    def _enqueue_index(self, text: str, m: re.Match[str]) -> str | None:
        table = text[m.start("table") : m.end("table")]
        # The placeholder: the same definition without ASYNC and UNIQUE (a unique build could fail here,
        # where DSQL fails later, in the job); uniqueness is set in pg_index right after.
        placeholder = text[: m.start("async")] + text[m.end("async") :]
        if m.group("unique"):  # before ASYNC in the text, so its offsets still hold
            placeholder = placeholder[: m.start("unique")] + placeholder[m.end("unique") :]
        (before,) = self._raw(
            "SELECT coalesce(array_agg(indexrelid), '{}') FROM pg_index WHERE indrelid = %s::regclass", (table,)
        ).fetchone()
        self._raw(placeholder)
        row = self._raw(
            """SELECT i.indexrelid, c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
               WHERE i.indrelid = %s::regclass AND NOT i.indexrelid = ANY(%s)""",
            (table, before),
        ).fetchone()
        if row is None:
            return None  # IF NOT EXISTS and the name exists: nothing queued
        index_oid, index_name = row
        self._raw(
            "UPDATE pg_index SET indisunique = %s, indisvalid = false, indisready = false WHERE indexrelid = %s",
            (bool(m.group("unique")), index_oid),
        )
        # A no-op catalog update of the table: its cached index facts (e.g. key columns) are rebuilt.
        self._raw("UPDATE pg_class SET relhasindex = true WHERE oid = %s::regclass", (table,))
        return self._enqueue("INDEX_BUILD", "pg_class", index_oid, index_name)

    def _enqueue_validate(self, text: str, m: re.Match[str]) -> str:
        table = text[m.start("table") : m.end("table")]
        constraint = _unquote(text[m.start("constraint") : m.end("constraint")])
        row = self._raw(
            "SELECT oid FROM pg_constraint WHERE conrelid = %s::regclass AND conname = %s", (table, constraint)
        ).fetchone()
        if row is None:
            relation = _unquote(table.split(".")[-1])
            self._refuse("42704", f'constraint "{constraint}" of relation "{relation}" does not exist')
        return self._enqueue("VALIDATE_CONSTRAINT", "pg_constraint", row[0], constraint)

    def _enqueue(self, job_type: str, catalog: str, object_oid: int, object_name: str) -> str:
        options = self._options
        job_id = _new_job_id(self._job_rng)
        duration = self._job_rng.uniform(*options.job_seconds)
        failure = None
        if self._fail_re is not None and self._fail_re.search(object_name):
            failure = f"injected failure: {object_name!r} matches fail_job {options.fail_job!r}"
        self._raw(
            """INSERT INTO sys.jobs (job_id, status, job_type, class_id, object_id, object_name)
               VALUES (%s, 'submitted', %s, %s::regclass, %s, %s)""",
            (job_id, job_type, catalog, object_oid, object_name),
        )
        self._raw("INSERT INTO sys.emulated_job_runs VALUES (%s, %s, %s)", (job_id, duration, failure))
        self._raw(sql.SQL("NOTIFY {}").format(sql.Identifier(CHANNEL)))
        self._tx.jobs += 1
        self._ensure_worker()  # early, so that it is up when the transaction commits
        return job_id

    def _ensure_worker(self) -> None:
        (alive,) = self._raw(_WORKER_ALIVE_SQL, WORKER_LOCK).fetchone()
        if not alive:
            self._spawn_worker()

    def _spawn_worker(self) -> None:
        key = self._worker_conninfo
        now = time.monotonic()
        with _counter_lock:
            for earlier in list(_spawned):  # reap the ones that exited
                if earlier.poll() is not None:
                    _spawned.remove(earlier)
            last = _last_spawn.get(key)
            if last is not None and now - last[0] < 2.0 and last[1].poll() is None:
                return  # one is starting; it takes the lock within a second
            env = {**os.environ, ENV_CONNINFO: key}
            # -I: nothing from the current folder or PYTHON* variables is imported; the worker runs the
            # code this process runs (the folders prisma_dsql and psycopg were imported from).  Own
            # session: it survives its client (kill -9, Ctrl-C), as DSQL's jobs survive a lost connection.
            proc = subprocess.Popen(
                [sys.executable, "-I", "-c", _WORKER_BOOT, *_import_roots()],
                env=env,
                cwd=os.path.dirname(os.path.abspath(sys.executable)),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
                close_fds=True,
            )
            _spawned.append(proc)
            _last_spawn[key] = (now, proc)


_PSYCOPG_ARGS = ("autocommit", "prepare_threshold", "context", "row_factory")


def connect(url: str, options: EmulationOptions = EmulationOptions(), **kwargs: Any) -> DsqlConnection:
    """A :class:`DsqlConnection` to the PostgreSQL at ``url`` (installs schema ``sys`` if missing).

    ``kwargs`` are psycopg's (``autocommit``, ``row_factory``, conninfo parameters such as ``password``);
    a ``cursor_factory`` must derive from :class:`DsqlCursor`.
    """
    cursor_factory = kwargs.pop("cursor_factory", DsqlCursor)
    if not issubclass(cursor_factory, DsqlCursor):
        raise TypeError("cursor_factory must derive from DsqlCursor")
    psycopg_args = {k: kwargs.pop(k) for k in _PSYCOPG_ARGS if k in kwargs}
    info = conninfo_to_dict(make_conninfo(url, **kwargs))
    conninfo = make_conninfo("", **info)
    install(conninfo)
    settings = f"-c {WAIT_TIMEOUT_SETTING}={options.wait_timeout:g} -c client_connection_check_interval=1000"
    session = make_conninfo(conninfo, options=f"{info.get('options', '')} {settings}".strip())
    conn = DsqlConnection.connect(session, cursor_factory=cursor_factory, **psycopg_args)
    conn._setup(options, conninfo)
    return conn
