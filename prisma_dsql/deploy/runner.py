"""Run one database call with DSQL's retries: OCC conflicts and lost connections.

Contract
--------
:meth:`Runner.call(fn, probe=None)` runs ``fn(conn)`` on the current connection (a
:class:`prisma_dsql.connect.Connector` recycles it before 55 minutes) and returns its result.

* Retryable: SQLSTATE 40001 (``OC000`` rows changed, ``OC001`` catalog changed), a lost connection (class 08,
  57P01-57P03, a closed connection, DSQL's ``XX000 server unavailable``) and a failed reconnect. At most
  ``max_retries`` retries per call, after a full-jitter exponential backoff (``base * 2**attempt`` capped at
  ``cap`` seconds); a first connection that fails is not retried (a wrong host or password says so at once).
  Each retry is counted in :attr:`Runner.retries` by kind (``occ``, ``connection``).
* ``probe(conn)`` is for statements that must not run twice (DDL, async enqueues): after a retryable error it
  is asked before running again; a result other than ``None``/``False`` means the first run had committed and
  is returned as :class:`Committed` instead of running ``fn`` again.
* Anything else (syntax, 23503, 23505, 54000, 25P02, ...) is raised at once. So is the last retryable error
  once retries are exhausted, as :class:`RetriesExhausted` (exit 1) wrapping it.
* Session settings (``SET search_path ...`` run by a migration) are replayed on every new connection.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prisma_dsql.capabilities import DSQL_SQLSTATES
from prisma_dsql.connect import ConnectError, Connector
from prisma_dsql.errors import PrismaDsqlError

_CONNECTION_STATES = {"08000", "08001", "08003", "08004", "08006", "08007", "57P01", "57P02", "57P03"}


class RetriesExhausted(PrismaDsqlError):
    exit_code = 1

    def __init__(self, message: str, error: BaseException, kind: str) -> None:
        super().__init__(message)
        self.error = error
        self.kind = kind


@dataclass(frozen=True)
class Committed:
    """The call's statement had committed before the error that interrupted it; ``value`` is the probe's."""

    value: Any


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 8
    base: float = 0.05
    cap: float = 5.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.cap, self.base * (2 ** attempt)))


def classify(exc: BaseException, conn=None) -> str | None:
    """"occ", "connection" or None (not retryable)."""
    import psycopg

    if isinstance(exc, ConnectError):
        return "connection" if exc.exit_code == 1 else None
    if not isinstance(exc, psycopg.Error):
        return None
    state = getattr(exc, "sqlstate", None)
    if state == DSQL_SQLSTATES["occ_conflict"]:
        return "occ"
    if state in _CONNECTION_STATES:
        return "connection"
    if state == "XX000" and "unavailable" in str(exc).lower():
        return "connection"
    if isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)) and (
            state is None or (conn is not None and conn.closed)):
        return "connection"
    return None


class Runner:
    def __init__(self, connector: Connector, policy: RetryPolicy = RetryPolicy(), *,
                 on_retry: Callable[[str, int, float, BaseException], None] | None = None,
                 rng: random.Random | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self.connector = connector
        self.policy = policy
        self.on_retry = on_retry
        self.rng = rng or random.Random()
        self.sleep = sleep
        self.retries: Counter[str] = Counter()
        self.session: list[str] = []
        self._conn_seen = None

    def connection(self):
        conn = self.connector.connection()
        if conn is not self._conn_seen:
            for text in self.session:
                conn.execute(text)
            self._conn_seen = conn
        return conn

    def call(self, fn: Callable[[Any], Any], *, probe: Callable[[Any], Any] | None = None) -> Any:
        attempt = 0
        uncertain = False
        while True:
            conn = None
            try:
                conn = self.connection()
                if uncertain and probe is not None:
                    done = probe(conn)
                    if done is not None and done is not False:
                        return Committed(done)
                return fn(conn)
            except Exception as exc:
                kind = classify(exc, conn)
                if kind is None or (isinstance(exc, ConnectError) and not self.connector.opened_count):
                    raise  # never connected: a wrong address or password, not a connection lost on the way
                if conn is not None and not conn.closed and kind == "occ":
                    _rollback_quietly(conn)
                if attempt >= self.policy.max_retries:
                    raise RetriesExhausted(f"gave up after {attempt} retr{'y' if attempt == 1 else 'ies'}: "
                                           f"{_first_line(exc)}", exc, kind) from None
                attempt += 1
                self.retries[kind] += 1
                uncertain = True
                if kind == "connection":
                    self.connector.close()
                delay = self.policy.delay(attempt, self.rng)
                if self.on_retry:
                    self.on_retry(kind, attempt, delay, exc)
                self.sleep(delay)


def _rollback_quietly(conn) -> None:
    try:
        conn.rollback()
    except Exception:
        pass


def _first_line(exc: BaseException) -> str:
    from prisma_dsql.redact import redact

    text = str(exc).strip().splitlines()
    return redact(text[0]) if text else type(exc).__name__
