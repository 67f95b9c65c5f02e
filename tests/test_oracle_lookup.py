"""The tests' tool lookup: next to the interpreter first, and no silent skip under CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import tools

ROOT = Path(__file__).parent.parent


def test_console_script_found_next_to_interpreter_without_path(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    exe = tools.find_tool("prisma-dsql")
    assert exe is not None and Path(exe).parent == Path(sys.executable).parent


def test_missing_tool_skips_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        tools.tool_missing("nothing here")


@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_missing_tool_fails_under_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="nothing here"):
        tools.tool_missing("nothing here")


@pytest.mark.parametrize("value", ["", "0", "false"])
def test_ci_unset_values(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    assert not tools.in_ci()


def test_ci_script_sets_ci_and_runs_the_readme_command():
    text = (ROOT / ".ci" / "run").read_text()
    assert "export CI=true" in text
    assert text.rstrip().endswith("pip install -e '.[test]' && pytest")


def test_missing_dsql_lint_fails_under_ci(tmp_path):
    # A real pytest run in a subprocess, with dsql-lint made unfindable: the fixture must fail.
    test = tmp_path / "test_needs_lint.py"
    test.write_text("def test_x(dsql_lint):\n    pass\n")
    env = {**os.environ, "CI": "1", "DSQL_LINT": "", "PATH": "/nonexistent"}
    code = (
        "import sys, pytest\n"
        "from tests.support import tools\n"
        "from tests.support import dsql_lint\n"
        "tools.find_tool = dsql_lint.find_tool = lambda name: None\n"
        # -n 0: one test needs no xdist workers (pyproject's addopts would start one per core)
        f"sys.exit(pytest.main(['-q', '-n', '0', '-p', 'no:cacheprovider', '-p', 'tests.support.fixtures', "
        f"{str(test)!r}]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1 failed" in proc.stdout or "1 error" in proc.stdout, proc.stdout
