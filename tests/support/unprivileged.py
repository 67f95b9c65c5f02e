"""Run a command without the power to ignore file permissions, also when the tests run as root (CI does).

Root reads and writes any file whatever its mode, so permission checks would have to be skipped there.
Instead, `without_dac_override(argv)` prefixes a command with util-linux's `setpriv`, which drops the
DAC_OVERRIDE and DAC_READ_SEARCH capabilities from the bounding and inheritable sets: the process keeps
uid 0 (it can still run the interpreter under /root) but obeys the mode bits like anyone else. For a
non-root user the command is returned as it is.
"""

from __future__ import annotations

import os
import shutil

import pytest

_CAPS = "-dac_override,-dac_read_search"


def without_dac_override(argv: list[str]) -> list[str]:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return argv
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        if os.environ.get("CI"):
            pytest.fail("running as root without util-linux's setpriv: permission checks cannot run")
        pytest.skip("running as root without util-linux's setpriv")
    return [setpriv, f"--bounding-set={_CAPS}", f"--inh-caps={_CAPS}", "--", *argv]
