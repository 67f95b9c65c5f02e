"""A deploy lock for a database without advisory locks: a lease row in a small table of ours.

Contract
--------
* Table ``_prisma_dsql_lock (name TEXT PRIMARY KEY, holder TEXT, since TIMESTAMPTZ, expires_at TIMESTAMPTZ)``,
  created when missing (DDL, its own transaction). One row per lock name (``deploy``).
* :meth:`Lease.acquire`: ``INSERT ... ON CONFLICT DO NOTHING``; when another holder's row is there, it is taken
  over only once ``expires_at`` has passed (an UPDATE conditional on the old holder and the expiry, so of two
  deploys taking over the same dead lease only one wins: OCC makes the other fail or match no row). Otherwise
  it polls until ``wait`` seconds have passed, then raises :class:`LockHeld` (exit 1) naming the holder and
  since when. Times are the database's (``now()``), so clocks of the machines do not matter.
* While held, a heartbeat thread with its own connection pushes ``expires_at`` forward every ``lease / 4``
  seconds; a process that dies (kill -9) stops renewing and its lease expires ``lease`` seconds later.
  When a renewal finds the row no longer ours, :attr:`Lease.lost` is set and the engine stops before its
  next statement (:meth:`Lease.check` raises :class:`LockLost`).
* :meth:`Lease.release` deletes our row.
"""

from __future__ import annotations

import getpass
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable

from prisma_dsql.errors import PrismaDsqlError
from prisma_dsql.sql.names import quote

TABLE = "_prisma_dsql_lock"
CREATE_TABLE = (f"CREATE TABLE IF NOT EXISTS {TABLE} (name TEXT PRIMARY KEY, holder TEXT NOT NULL, "
                "since TIMESTAMPTZ NOT NULL, expires_at TIMESTAMPTZ NOT NULL)")
DEFAULT_LEASE = 60.0
DEFAULT_WAIT = 120.0  # longer than a lease, so a dead holder's lease is always taken over within the wait


class LockHeld(PrismaDsqlError):
    exit_code = 1


class LockLost(PrismaDsqlError):
    exit_code = 1


def holder_name() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # no user name in some containers
        user = "?"
    return f"{user}@{socket.gethostname()} pid {os.getpid()} ({uuid.uuid4().hex[:8]})"


class Lease:
    def __init__(self, open_conn: Callable[[], object], *, name: str = "deploy", lease: float = DEFAULT_LEASE,
                 wait: float = DEFAULT_WAIT, poll: float = 1.0, on_wait: Callable[[str], None] | None = None,
                 run: Callable, schema: str | None = None) -> None:
        """``run(fn)`` calls ``fn(conn)`` on the engine's connection, with its retries; ``open_conn()`` makes a
        new autocommit connection for the heartbeat, which needs its own."""
        self.open_conn = open_conn
        self.name = name
        self.lease = lease
        self.wait = wait
        self.poll = min(poll, max(0.05, lease / 4))
        self.on_wait = on_wait
        self.run = run
        #: the table, schema-qualified when a schema is given (a migration's SET search_path must not move it)
        self.table = TABLE if schema is None else quote(schema) + "." + TABLE
        self.holder = holder_name()
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn = None

    def acquire(self) -> None:
        self.run(self._ensure_table)
        deadline = time.monotonic() + self.wait
        announced = False
        while True:
            other = self.run(self._try)
            if other is None:
                break
            holder, since, expires_in = other
            if time.monotonic() >= deadline:
                raise LockHeld(f"another deploy holds the lock: {holder}, since {since:%Y-%m-%d %H:%M:%S %Z} "
                               f"(lease ends in {max(0, int(expires_in))} s unless renewed); waited "
                               f"{int(self.wait)} s. Run again when it is done (--lock-wait sets how long to wait)")
            if not announced and self.on_wait:
                self.on_wait(f"waiting for the deploy lock held by {holder} since "
                             f"{since:%Y-%m-%d %H:%M:%S %Z}")
                announced = True
            time.sleep(min(self.poll, max(0.05, deadline - time.monotonic())))
        self._start_heartbeat()

    def _ensure_table(self, conn) -> None:
        import psycopg

        if not conn.execute("SELECT to_regclass(%s) IS NULL", (self.table,)).fetchone()[0]:
            return
        try:
            conn.execute(CREATE_TABLE.replace(TABLE, self.table, 1))
        except psycopg.Error as exc:
            # Two deploys creating it at once: DSQL fails one with 40001 (retried by the runner); PostgreSQL
            # with 42P07/42710 or a unique violation in its catalog. Either way the table is there now.
            if getattr(exc, "sqlstate", None) not in ("42P07", "42710", "23505") or conn.execute(
                    "SELECT to_regclass(%s) IS NULL", (self.table,)).fetchone()[0]:
                raise

    def _try(self, conn):
        """None when we hold the lock now, else (holder, since, seconds until expiry) of the other holder."""
        row = conn.execute(f"INSERT INTO {self.table} (name, holder, since, expires_at) "
                           f"VALUES (%s, %s, now(), now() + %s * interval '1 second') "
                           "ON CONFLICT (name) DO NOTHING RETURNING holder",
                           (self.name, self.holder, self.lease)).fetchone()
        if row is not None:
            return None
        current = conn.execute(f"SELECT holder, since, expires_at, extract(epoch FROM expires_at - now()) "
                               f"FROM {self.table} WHERE name = %s", (self.name,)).fetchone()
        if current is None:  # released between our two statements: try again at once
            return self._try(conn)
        holder, since, expires_at, expires_in = current
        if holder == self.holder:
            return None
        if expires_in is not None and float(expires_in) <= 0:
            took = conn.execute(f"UPDATE {self.table} SET holder = %s, since = now(), "
                                "expires_at = now() + %s * interval '1 second' "
                                "WHERE name = %s AND holder = %s AND expires_at = %s RETURNING holder",
                                (self.holder, self.lease, self.name, holder, expires_at)).fetchone()
            if took is not None:
                self.took_over = holder
                return None
        return holder, since, float(expires_in or 0)

    took_over: str | None = None

    def _start_heartbeat(self) -> None:
        self._thread = threading.Thread(target=self._beat, name="prisma-dsql-lease", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        interval = max(0.05, self.lease / 4)
        failures = 0
        while not self._stop.wait(interval):
            try:
                if self._conn is None or self._conn.closed:
                    self._conn = self.open_conn()
                row = self._conn.execute(f"UPDATE {self.table} SET expires_at = now() + %s * interval '1 second' "
                                         "WHERE name = %s AND holder = %s RETURNING holder",
                                         (self.lease, self.name, self.holder)).fetchone()
                failures = 0
                if row is None:
                    self.lost.set()
                    return
            except Exception:  # a failed renewal is retried at the next beat; the lease has slack for three
                failures += 1
                self._close_conn()
                if failures * interval >= self.lease:
                    self.lost.set()
                    return

    def check(self) -> None:
        if self.lost.is_set():
            raise LockLost("the deploy lock was lost (its lease could not be renewed and another deploy may have "
                           "taken it over); stopped before the next statement. Run deploy again to resume")

    def _close_conn(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:
                pass

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._close_conn()
        if not self.lost.is_set():
            self.run(lambda conn: conn.execute(f"DELETE FROM {self.table} WHERE name = %s AND holder = %s",
                                               (self.name, self.holder)))
