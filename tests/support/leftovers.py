"""One temporary folder per test run, and no embedded PostgreSQL left running after it.

Every embedded server a test run starts (the ``pg_server`` fixture, tests that start their own, and
the CLI's ``migrate dev`` / ``--rehearse`` running in subprocesses) keeps its data directory under
``tempfile.gettempdir()``. :func:`begin` points ``TMPDIR`` (inherited by subprocesses and by the
pytest-xdist workers, which start after it) at a folder of this run's own; :func:`finish` stops any
postmaster still running from a data directory in that folder and removes the folder.

Why a server could be left behind before: a command that starts an embedded server stops it from
an ``atexit`` hook or a ``with`` block, which never run when the process is killed — by a test's
``subprocess.run(..., timeout=...)`` on a loaded machine (SIGKILL), by a crashed or killed xdist
worker, or by Ctrl-C twice. The postmaster is a daemon of its own (``pg_ctl start``), so it outlived
the process that started it. Only servers under this run's folder are touched: other runs on the
same machine (parallel checkouts) keep theirs.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

#: Set by the first process of a run (the xdist controller, or plain pytest); workers inherit it.
ENV_SESSION_DIR = "PRISMA_DSQL_TEST_SESSION_DIR"


def begin() -> Path | None:
    """Create this run's temporary folder and make it the temporary folder of every process the run
    starts; ``None`` in an xdist worker or a nested run (the outer process owns the folder)."""
    if os.environ.get(ENV_SESSION_DIR):
        return None
    # Short: a Unix socket path (pgdata/.s.PGSQL.5432) must stay under ~107 bytes.
    folder = Path(tempfile.mkdtemp(prefix="pdt-", dir=tempfile.gettempdir()))
    os.environ[ENV_SESSION_DIR] = str(folder)
    os.environ["TMPDIR"] = str(folder)
    tempfile.tempdir = str(folder)
    return folder


def running_postmasters(folder: Path) -> list[tuple[int, Path]]:
    """(pid, data directory) of every live postmaster whose data directory lies under `folder`."""
    found = []
    for pidfile in folder.rglob("postmaster.pid"):
        try:
            lines = pidfile.read_text(errors="replace").splitlines()
            pid = int(lines[0])
        except (OSError, ValueError, IndexError):
            continue
        if _is_postgres(pid, pidfile.parent):
            found.append((pid, pidfile.parent))
    return found


def _is_postgres(pid: int, datadir: Path) -> bool:
    # The pid file can be stale and its pid reused: only a live `postgres -D <this dir>` counts.
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True  # no /proc (macOS): the pid file is the postmaster's own while it runs
    # argv[0] is the postgres binary (the postmaster keeps its command line; backends retitle theirs).
    return bool(cmdline) and os.path.basename(cmdline[0]).startswith(b"postgres")


def stop_postmaster(pid: int, wait: float = 10.0) -> None:
    """Immediate shutdown (SIGQUIT: the postmaster stops its children and exits), then SIGKILL."""
    for sig in (signal.SIGQUIT, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)


def finish(folder: Path, keep_files: bool = False, background: bool = False) -> list[Path]:
    """Stop what is left running under `folder` and remove it; returns the data directories stopped.

    With `background`, the servers are still stopped here, and the folder is then removed by a detached process
    (:func:`remove_in_background`): a full run leaves tens of thousands of files there (the virtualenvs and Node
    projects of the install tests), and deleting them took 30-50 s after the summary on a loaded machine."""
    stopped = []
    for pid, datadir in running_postmasters(folder):
        stop_postmaster(pid)
        stopped.append(datadir)
    if not keep_files:
        if background:
            remove_in_background(folder)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return stopped


def remove_in_background(folder: Path) -> None:
    """Delete `folder` from a process of its own, in a session of its own (it outlives this one, and Ctrl-C here
    does not stop it half way); if that process cannot start, delete it here."""
    import subprocess
    import sys

    code = "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)"
    try:
        subprocess.Popen([sys.executable, "-c", code, str(folder)], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                         cwd=folder.parent)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
