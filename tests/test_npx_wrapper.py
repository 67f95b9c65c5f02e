"""`npx prisma-dsql` runs the Python CLI with the same output and exit code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
WRAPPER = ROOT / "bin" / "prisma-dsql.js"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def both(*args, env_extra=None):
    env = {**os.environ, "NO_COLOR": "1", "PRISMA_DSQL_PYTHON": sys.executable, **(env_extra or {})}
    node = subprocess.run(["node", str(WRAPPER), *args], capture_output=True, text=True, env=env, cwd=ROOT)
    py = subprocess.run([sys.executable, "-m", "prisma_dsql", *args], capture_output=True, text=True, env=env,
                        cwd=ROOT)
    return node, py


@pytest.mark.parametrize("args", [
    ["validate", "samples/blog/schema.prisma"],
    ["validate", "tests/fixtures/errors/PSL102_unknown_type.prisma"],
    ["validate", "does/not/exist.prisma"],
    ["--version"],
])
def test_wrapper_matches_python_cli(args):
    node, py = both(*args)
    assert node.returncode == py.returncode
    assert node.stdout == py.stdout
    assert node.stderr == py.stderr


def test_wrapper_reports_a_python_that_cannot_import(tmp_path):
    env = {**os.environ, "PRISMA_DSQL_PYTHON": str(tmp_path / "no-python")}
    proc = subprocess.run(["node", str(WRAPPER), "validate"], capture_output=True, text=True, env=env)
    assert proc.returncode == 2
    assert "cannot import prisma_dsql" in proc.stderr
