"""Run ``prisma-dsql`` inside the test process: the same ``prisma_dsql.cli.main.main`` that the console script and
``python -m prisma_dsql`` call, with its exit code, stdout and stderr captured.

``run_cli(*args, cwd=None, env=None, stdin="") -> subprocess.CompletedProcess[str]``
    ``args`` are converted with ``str``; ``cwd`` is the working folder for the call; ``env`` REPLACES the
    environment for the call (as ``subprocess.run(env=...)`` does; ``None``: the current one); ``stdin`` is the
    text the command reads.  The result has ``returncode`` (what ``main`` exits with), ``stdout`` and ``stderr``
    (text, as a subprocess' pipes give it: not a terminal, so no colour; with ``text=False`` the bytes written,
    UTF-8 as on a pipe, undecoded).  The working folder, the environment and
    the standard streams are restored afterwards, whatever happens.

Why: a subprocess costs an interpreter start and the imports (0.5-1 s on a loaded 2-core machine) per call, and
most CLI tests are about what a command prints and exits with, not about the process.  Tests that ARE about the
process (the console script, signals, timeouts, a hang, what is imported at start-up, ``python -m``) keep
``subprocess.run``: tests/test_cli.py, tests/test_hostile_input.py, tests/test_cache.py, tests/test_npx_wrapper.py,
tests/test_packaging.py, tests/test_test_leftovers.py and the crash tests.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

__all__ = ["run_cli"]


def _stream() -> io.TextIOWrapper:
    # A real text stream over bytes (it has .buffer and .reconfigure, as sys.stdout has), not a terminal.
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", newline=None, write_through=True)


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    data = stream.buffer.getvalue()
    # As `subprocess.run(text=True)` decodes a pipe: universal newlines.
    return data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")


def run_cli(*args, cwd: str | os.PathLike | None = None, env: dict[str, str] | None = None,
            stdin: str = "", text: bool = True) -> subprocess.CompletedProcess:
    from prisma_dsql.cli.main import main

    argv = [str(a) for a in args]
    saved_cwd = os.getcwd()
    saved_env = dict(os.environ)
    saved_streams = sys.stdin, sys.stdout, sys.stderr
    out, err = _stream(), _stream()
    code: int | None = None
    try:
        if cwd is not None:
            os.chdir(Path(cwd))
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8")
        sys.stdout, sys.stderr = out, err
        try:
            main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        else:
            raise AssertionError(f"prisma-dsql {argv}: main() returned instead of exiting")
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        if os.environ != saved_env:  # also what the command itself set
            os.environ.clear()
            os.environ.update(saved_env)
        os.chdir(saved_cwd)
    if not text:  # the bytes as written, as `subprocess.run` without text=True gives them
        out.flush()
        err.flush()
        return subprocess.CompletedProcess(["prisma-dsql", *argv], code, out.buffer.getvalue(), err.buffer.getvalue())
    return subprocess.CompletedProcess(["prisma-dsql", *argv], code, _text(out), _text(err))
