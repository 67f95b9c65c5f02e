"""A PostgreSQL wire-protocol proxy that makes the embedded PostgreSQL answer as Aurora DSQL does.

Contract
--------
:class:`Proxy` listens on TCP (``host``, ``port``; port 0 picks a free one) and forwards each client
connection to the embedded server's private Unix socket.  Startup and authentication pass through (the
embedded server trusts local connections); SSL and GSS encryption requests are declined with ``N`` (the
connection is local); CancelRequest is forwarded.  Every Query, Parse, Bind, Close and Sync goes through
a :class:`~.session.Session`, which decides what PostgreSQL receives instead, and every ErrorResponse
and ReadyForQuery coming back goes through it too (DSQL's errors in place of the markers; transaction
state).  Other messages (COPY data, Describe, Execute, ...) pass unchanged.

Before the first connection to a database is forwarded, the local DSQL's server objects are installed
in it (:func:`~.server_objects.install`).  When a session queues a job or waits on one, a job worker
(:class:`~prisma_dsql.rehearsal.worker.Worker`, in a thread of this process, connected straight to the
server) is started for that database unless one runs.

The proxy runs an asyncio loop in a thread of its own (:meth:`Proxy.start` / :meth:`Proxy.stop`).
"""

from __future__ import annotations

import asyncio
import random
import struct
import threading
from concurrent.futures import Future
from typing import Any

from prisma_dsql.capabilities import Profile
from prisma_dsql.localdsql.session import Session

__all__ = ["Proxy"]

_SSL_REQUEST = 80877103
_GSSENC_REQUEST = 80877104
_CANCEL_REQUEST = 80877102
_MAX_STARTUP = 10_000
_MAX_MESSAGE = 1 << 30


def _cstring(body: bytes, at: int) -> tuple[bytes, int]:
    end = body.index(b"\0", at)
    return body[at:end], end + 1


def _error_fields(body: bytes) -> dict[str, str]:
    fields: dict[str, str] = {}
    at = 0
    while at < len(body) and body[at] != 0:
        code = chr(body[at])
        value, at = _cstring(body, at + 1)
        fields[code] = value.decode("utf-8", "replace")
    return fields


def _error_body(fields: dict[str, str]) -> bytes:
    return b"".join(k.encode() + v.encode("utf-8") + b"\0" for k, v in fields.items()) + b"\0"


def _message(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("!i", len(body) + 4) + body


class Proxy:
    """See the module docstring."""

    def __init__(self, backend_socket: str, conninfo_for: Any, profile: Profile, *, host: str = "127.0.0.1",
                 port: int = 0, job_seconds: tuple[float, float] = (0.2, 1.0), seed: int | None = None) -> None:
        self.backend_socket = backend_socket
        self.conninfo_for = conninfo_for  # database name -> superuser conninfo straight to the server
        self.profile = profile
        self.host = host
        self.port = port
        self.job_seconds = job_seconds
        self._rng = random.Random(seed)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._workers: dict[str, threading.Thread] = {}
        self._workers_lock = threading.Lock()
        self._installed: set[str] = set()
        self._tasks: set[asyncio.Task[Any]] = set()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Bind and serve in a background thread; OSError (e.g. the port is busy) is raised here."""
        ready: Future[None] = Future()
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            # A connection's failure ends that connection; it never reaches the user's terminal as a traceback.
            self._loop.set_exception_handler(lambda _loop, _context: None)
            try:
                self._server = self._loop.run_until_complete(
                    asyncio.start_server(self._handle, self.host, self.port, reuse_address=True)
                )
            except BaseException as exc:
                ready.set_exception(exc)
                return
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set_result(None)
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="localdsql-proxy", daemon=True)
        self._thread.start()
        ready.result()

    def stop(self) -> None:
        loop = self._loop
        if loop is None or self._thread is None:
            return

        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.sleep(0)

        if loop.is_running():
            asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)
        loop.close()
        self._loop = None

    # ------------------------------------------------------------------ helpers

    def _ensure_installed(self, database: str) -> None:
        if database in self._installed:
            return
        from prisma_dsql.localdsql.server_objects import install

        try:
            install(self.conninfo_for(database), self.profile)
        except Exception:  # no such database, or it refuses connections: the server tells the client
            return
        self._installed.add(database)

    def ensure_worker(self, database: str) -> None:
        from prisma_dsql.rehearsal.worker import Worker

        with self._workers_lock:
            thread = self._workers.get(database)
            if thread is not None and thread.is_alive():
                return
            worker = Worker(self.conninfo_for(database))
            thread = threading.Thread(target=worker.run, name=f"localdsql-jobs-{database}", daemon=True)
            self._workers[database] = thread
            thread.start()

    # ------------------------------------------------------------------ connections

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        backend_writer: asyncio.StreamWriter | None = None
        try:
            startup = await self._startup(reader, writer)
            if startup is None:
                return
            raw, database = startup
            await asyncio.get_running_loop().run_in_executor(None, self._ensure_installed, database)
            backend_reader, backend_writer = await asyncio.open_unix_connection(self.backend_socket)
            backend_writer.write(raw)
            await backend_writer.drain()
            session = Session(self.profile, self.job_seconds, random.Random(self._rng.random()))
            state = {"outstanding": 0}
            upstream = asyncio.ensure_future(self._client_to_server(reader, backend_writer, session, state, database))
            downstream = asyncio.ensure_future(self._server_to_client(backend_reader, writer, session, state))
            try:
                await asyncio.wait({upstream, downstream}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                # Either side closing ends the other; a closed connection's IncompleteReadError is not news.
                for t in (upstream, downstream):
                    t.cancel()
                await asyncio.gather(upstream, downstream, return_exceptions=True)
        except (asyncio.IncompleteReadError, ConnectionError, OSError, asyncio.CancelledError, ValueError):
            pass
        finally:
            for w in (backend_writer, writer):
                if w is not None:
                    try:
                        w.close()
                    except Exception:
                        pass
            self._tasks.discard(task)

    async def _startup(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> tuple[bytes, str] | None:
        while True:
            header = await reader.readexactly(8)
            length, code = struct.unpack("!ii", header)
            if not 8 <= length <= _MAX_STARTUP:
                return None
            body = await reader.readexactly(length - 8)
            if code in (_SSL_REQUEST, _GSSENC_REQUEST):
                writer.write(b"N")
                await writer.drain()
                continue
            if code == _CANCEL_REQUEST:
                try:
                    _r, w = await asyncio.open_unix_connection(self.backend_socket)
                    w.write(header + body)
                    await w.drain()
                    w.close()
                except OSError:
                    pass
                return None
            params: dict[str, str] = {}
            parts = body.split(b"\0")
            for key, value in zip(parts[0::2], parts[1::2]):
                if key:
                    params[key.decode("utf-8", "replace")] = value.decode("utf-8", "replace")
            database = params.get("database") or params.get("user") or "postgres"
            return header + body, database

    @staticmethod
    async def _off_loop(size: int, fn: Any, *args: Any) -> Any:
        """``fn(*args)``; a long statement (checking it takes about 2 s per MB) is checked in a thread, so
        that the other connections are not held up meanwhile."""
        if size < 65536:
            return fn(*args)
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

    @staticmethod
    async def _messages(reader: asyncio.StreamReader) -> Any:
        """Yield batches of (kind, body) as they arrive: every whole message of each read, so that a reply
        of many messages is forwarded with one write."""
        buf = bytearray()
        while True:
            chunk = await reader.read(1 << 18)
            if not chunk:
                return
            buf += chunk
            batch: list[tuple[bytes, bytes]] = []
            at = 0
            while len(buf) - at >= 5:
                (length,) = struct.unpack_from("!i", buf, at + 1)
                if not 4 <= length <= _MAX_MESSAGE:
                    raise ValueError("malformed message length")
                if len(buf) - at < 1 + length:
                    break
                batch.append((bytes(buf[at : at + 1]), bytes(buf[at + 5 : at + 1 + length])))
                at += 1 + length
            del buf[:at]
            if batch:
                yield batch

    async def _client_to_server(self, reader: asyncio.StreamReader, backend: asyncio.StreamWriter,
                                session: Session, state: dict[str, int], database: str) -> None:
        async for batch in self._messages(reader):
            out: list[bytes] = []
            done = False
            for kind, body in batch:
                if kind == b"Q":
                    text = body[:-1].decode("utf-8", "surrogateescape")
                    new = await self._off_loop(len(body), session.simple_query, text)
                    body = new.encode("utf-8", "surrogateescape") + b"\0"
                    state["outstanding"] += 1
                elif kind == b"P":
                    name, at = _cstring(body, 0)
                    query, at = _cstring(body, at)
                    new = await self._off_loop(len(body), session.parse, name.decode("utf-8", "surrogateescape"),
                                               query.decode("utf-8", "surrogateescape"))
                    body = name + b"\0" + new.encode("utf-8", "surrogateescape") + b"\0" + body[at:]
                elif kind == b"B":
                    portal, at = _cstring(body, 0)
                    statement, at = _cstring(body, at)
                    new = session.bind(statement.decode("utf-8", "surrogateescape"))
                    body = portal + b"\0" + new.encode("utf-8", "surrogateescape") + b"\0" + body[at:]
                elif kind == b"C" and body[:1] == b"S":
                    session.close(_cstring(body, 1)[0].decode("utf-8", "surrogateescape"))
                elif kind == b"S":
                    session.sync()
                    state["outstanding"] += 1
                out.append(_message(kind, body))
                if kind == b"X":
                    done = True
                    break
            backend.write(b"".join(out))
            await backend.drain()
            if session.wants_worker:
                session.wants_worker = False
                self.ensure_worker(database)
            if done:
                return

    async def _server_to_client(self, backend: asyncio.StreamReader, writer: asyncio.StreamWriter,
                                session: Session, state: dict[str, int]) -> None:
        async for batch in self._messages(backend):
            out: list[bytes] = []
            for kind, body in batch:
                if kind == b"E":
                    fields = session.rewrite_error(_error_fields(body))
                    if fields is not None:
                        body = _error_body(fields)
                elif kind == b"Z":
                    state["outstanding"] = max(0, state["outstanding"] - 1)
                    session.ready(body[:1].decode(), state["outstanding"] == 0)
                out.append(_message(kind, body))
            writer.write(b"".join(out))
            await writer.drain()
