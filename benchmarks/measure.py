"""What the side-by-side benchmark scripts (bench_peers.py, bench_migrate.py) share: one fresh process timed, and
the machine's CPU named."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from pathlib import Path


def run(cmd: list[str], env: dict | None = None, cwd: Path | None = None) -> tuple[float, float, int, str]:
    """(wall seconds, peak RSS MiB, exit code, output) of one fresh process (peak RSS from wait4: the process and
    the children it reaped)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=cwd)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.stdout.close()
    return seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), out.decode(errors="replace")


def cpu_model() -> str:
    """The CPU's model name (/proc/cpuinfo), else what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
