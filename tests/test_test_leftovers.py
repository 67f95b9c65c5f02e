"""The test run's own safety net: an embedded PostgreSQL whose process was killed is found and stopped.

A command that starts an embedded server (``migrate dev``, ``--rehearse``) stops it from a ``with``
block or an ``atexit`` hook, neither of which runs on SIGKILL (a test's subprocess timeout on a
loaded machine): the postmaster outlived it. tests/support/leftovers.py sweeps the run's folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support import leftovers

ROOT = Path(__file__).resolve().parent.parent


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A stopped child of ours would be a zombie until reaped; the postmaster is not our child.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True


@pytest.mark.postgres
def test_a_killed_command_leaves_no_server_running() -> None:
    import tempfile

    # Not tmp_path: pgdata/.s.PGSQL.5432 must stay a short path (a Unix socket's limit).
    folder = Path(tempfile.mkdtemp(prefix="lo-"))
    starter = textwrap.dedent(
        """
        import time
        from prisma_dsql.rehearsal.embedded import start_embedded
        pg = start_embedded()
        print(pg.url, flush=True)
        time.sleep(300)
        """
    )
    env = {**os.environ, "TMPDIR": str(folder)}
    proc = subprocess.Popen([sys.executable, "-c", starter], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=ROOT)
    try:
        url = proc.stdout.readline().strip()
        if not url:
            proc.kill()
            pytest.fail(f"the embedded server did not start: {proc.communicate()[1][-2000:]}")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()
    # Killed: its `with`/atexit clean-up never ran, the postmaster is still there.
    running = leftovers.running_postmasters(folder)
    assert len(running) == 1
    pid, datadir = running[0]
    assert datadir.is_relative_to(folder) and _alive(pid)

    stopped = leftovers.finish(folder)

    assert stopped == [datadir]
    assert not _alive(pid)
    assert not folder.exists()


def test_a_stale_pid_file_is_not_a_server(tmp_path: Path) -> None:
    datadir = tmp_path / "pgdata"
    datadir.mkdir()
    # Our own pid is alive but is not a postgres: the sweep must leave it alone.
    (datadir / "postmaster.pid").write_text(f"{os.getpid()}\n{datadir}\n")
    assert leftovers.running_postmasters(tmp_path) == []
    (datadir / "postmaster.pid").write_text("not a pid\n")
    assert leftovers.running_postmasters(tmp_path) == []


def test_the_run_has_its_own_temporary_folder() -> None:
    import tempfile

    folder = os.environ.get(leftovers.ENV_SESSION_DIR)
    assert folder and Path(tempfile.gettempdir()) == Path(folder)


def test_the_folder_can_be_removed_in_the_background(tmp_path: Path) -> None:
    """What pytest_unconfigure does: servers stopped first (as above), the files removed by a detached process."""
    import time

    folder = tmp_path / "run"
    (folder / "venv" / "lib").mkdir(parents=True)
    for i in range(200):
        (folder / "venv" / "lib" / f"{i}.py").write_text("x = 1\n")
    assert leftovers.finish(folder, background=True) == []
    deadline = time.monotonic() + 120  # a wait for the detached process, not a claim about its speed
    while folder.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not folder.exists()
