"""Where the tests find the external tools they need, and what happens when one is missing.

Functions
---------
``find_tool(name) -> str | None``
    The executable ``name`` looked up first next to ``sys.executable`` (the virtualenv's ``bin``
    or ``Scripts`` folder, so a run of ``.venv/bin/python -m pytest`` without an activated venv
    still finds the console scripts installed there), then on PATH.
``tool_missing(message) -> NoReturn``
    Skips the calling test, or FAILS it when the environment variable ``CI`` is set (to anything
    but an empty string, ``0`` or ``false``): under CI a missing oracle must not turn a run green.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import NoReturn

import pytest

__all__ = ["find_tool", "in_ci", "tool_missing"]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def find_tool(name: str) -> str | None:
    folder = Path(sys.executable).parent
    for candidate in (folder / name, folder / f"{name}.exe"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which(name)


def tool_missing(message: str) -> NoReturn:
    if in_ci():
        pytest.fail(f"{message} (CI is set: a missing oracle fails the run instead of skipping)", pytrace=False)
    pytest.skip(message)
