"""The local Aurora DSQL as one object: embedded PostgreSQL 16 + the DSQL proxy in front of it.

Contract
--------
``LocalDsql(data_dir=None, port=0, profile=None, embedded=None)`` starts an embedded PostgreSQL 16
(:class:`~prisma_dsql.rehearsal.embedded.EmbeddedPostgres`: persistent in ``data_dir``, or throwaway; or takes
over ``embedded``, a throwaway one still starting),
installs the local DSQL's objects in database ``postgres`` and serves the proxy (:mod:`.proxy`) on
``127.0.0.1:port`` (0: a free port).  ``url`` is what clients use
(``postgresql://postgres@127.0.0.1:PORT/postgres``; no password: the server trusts local connections);
``url_for(database)`` names another database; ``create_database()`` makes a fresh one (straight on the
server: clients cannot, as on DSQL).  ``stop()`` (or the ``with`` block's end) stops the proxy, the job
workers and PostgreSQL; a throwaway server's folder is deleted.

:class:`PortBusy` (exit 2): the port is taken; it is checked before PostgreSQL starts.
"""

from __future__ import annotations

import errno
import socket
from pathlib import Path

from prisma_dsql.capabilities import Profile, dsql_profile
from prisma_dsql.errors import UsageError

__all__ = ["DEFAULT_JOB_SECONDS", "LocalDsql", "PortBusy"]

#: How long each async job takes here (seconds, drawn uniformly): long enough that a client that does not
#: wait sees a pending job, short enough for development (real builds take 5-30 s).
DEFAULT_JOB_SECONDS = (0.2, 1.0)
HOST = "127.0.0.1"


class PortBusy(UsageError):
    """The port asked for is in use."""


def _check_port(port: int) -> None:
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortBusy(f"port {port} on {HOST} is already in use: stop what listens there or pass "
                               "another --port") from None
            raise UsageError(f"cannot listen on {HOST}:{port} ({exc.strerror})") from None


class LocalDsql:
    """See the module docstring."""

    def __init__(self, data_dir: Path | str | None = None, *, port: int = 0, profile: Profile | None = None,
                 job_seconds: tuple[float, float] = DEFAULT_JOB_SECONDS, seed: int | None = None,
                 embedded=None) -> None:
        from prisma_dsql.rehearsal.embedded import EmbeddedPostgres, database_url

        try:
            if not 0 <= port <= 65535:
                raise UsageError(f"--port must be between 1 and 65535, not {port}")
            self.profile = profile if profile is not None else dsql_profile()
            _check_port(port)
        except BaseException:
            if embedded is not None:
                embedded.stop()
            raise
        # ``embedded``: a throwaway EmbeddedPostgres(wait=False) whose initdb the caller started earlier (the
        # shadow replay starts it before parsing the schema); it is waited for here, and stopped with this.
        self.embedded = embedded.ready() if embedded is not None else EmbeddedPostgres(data_dir)
        self._database_url = database_url
        try:
            from prisma_dsql.localdsql.proxy import Proxy
            from prisma_dsql.localdsql.server_objects import install

            install(self.embedded.url, self.profile)
            assert self.embedded.socket_dir is not None
            self.proxy = Proxy(str(self.embedded.socket_dir / ".s.PGSQL.5432"), self.direct_url, self.profile,
                               host=HOST, port=port, job_seconds=job_seconds, seed=seed)
            try:
                self.proxy.start()
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise PortBusy(f"port {port} on {HOST} is already in use: stop what listens there or pass "
                                   "another --port") from None
                raise UsageError(f"cannot listen on {HOST}:{port} ({exc.strerror})") from None
        except BaseException:
            self.embedded.stop()
            raise
        self.port = self.proxy.port
        self.url = f"postgresql://postgres@{HOST}:{self.port}/postgres"

    @property
    def version(self) -> str:
        return self.embedded.version

    def direct_url(self, database: str) -> str:
        """A superuser URL of ``database`` on the server itself, past the proxy (for the tool's own use)."""
        return self._database_url(self.embedded.url, database)

    def url_for(self, database: str) -> str:
        return f"postgresql://postgres@{HOST}:{self.port}/{database}"

    def create_database(self, prefix: str = "db") -> str:
        """A new empty database (its local DSQL objects installed); its URL through the proxy."""
        from prisma_dsql.localdsql.server_objects import install
        from prisma_dsql.rehearsal.embedded import _database_name

        direct = self.embedded.create_database(prefix)
        install(direct, self.profile)
        return self.url_for(_database_name(direct))

    def stop(self) -> None:
        proxy = getattr(self, "proxy", None)
        try:
            if proxy is not None:
                proxy.stop()
        finally:
            self.embedded.stop()

    def __enter__(self) -> LocalDsql:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
