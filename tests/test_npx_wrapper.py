"""`npx prisma-dsql` runs the Python CLI with the same output and exit code, never code from the
current folder, and builds its private virtualenv once even when started twice at the same time."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
WRAPPER = ROOT / "bin" / "prisma-dsql.js"
BLOG = ROOT / "samples" / "blog" / "schema.prisma"

pytestmark = pytest.mark.skipif(shutil.which("node") is None and not os.environ.get("CI"),
                                reason="node is not installed")


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


def test_a_missing_python_file_says_it_does_not_exist(tmp_path):
    env = {**os.environ, "PRISMA_DSQL_PYTHON": str(tmp_path / "no-python")}
    proc = subprocess.run(["node", str(WRAPPER), "validate"], capture_output=True, text=True, env=env)
    assert proc.returncode == 2
    assert f"PRISMA_DSQL_PYTHON={tmp_path / 'no-python'}: the file does not exist" in proc.stderr


def test_a_python_without_the_package_says_so(tmp_path):
    env = {**os.environ, "PRISMA_DSQL_PYTHON": _base_python()}
    proc = subprocess.run(["node", str(WRAPPER), "validate"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 2 and "cannot import prisma_dsql" in proc.stderr


def _plant(folder: Path) -> Path:
    """A `prisma_dsql` package in `folder` that leaves a marker when imported or run."""
    marker = folder / "PLANTED-CODE-RAN"
    pkg = folder / "prisma_dsql"
    pkg.mkdir()
    code = f"open({str(marker)!r}, 'w').write('ran')\nimport sys\nsys.exit(42)\n"
    for name in ("__init__.py", "__main__.py"):
        (pkg / name).write_text(code)
    (folder / "schema.prisma").write_text("model A {\n  id Int @id\n}\n")
    return marker


def test_code_in_the_current_folder_never_runs_with_an_explicit_python(tmp_path):
    marker = _plant(tmp_path)
    env = {**os.environ, "NO_COLOR": "1", "PRISMA_DSQL_PYTHON": sys.executable}
    proc = subprocess.run(["node", str(WRAPPER), "validate", "schema.prisma"], capture_output=True, text=True,
                          env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "No problems found" in proc.stdout
    assert not marker.exists()


def test_code_in_the_current_folder_never_runs_when_probing_path(tmp_path):
    marker = _plant(tmp_path)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)  # a python3 on PATH that has prisma_dsql
    env = {k: v for k, v in os.environ.items() if k != "PRISMA_DSQL_PYTHON"}
    env.update(NO_COLOR="1", PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    proc = subprocess.run(["node", str(WRAPPER), "validate", "schema.prisma"], capture_output=True, text=True,
                          env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert not marker.exists()


def _base_python() -> str:
    """A Python >= 3.10 that cannot import prisma_dsql (the interpreter this venv was made from)."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    probe = subprocess.run([base, "-I", "-c", "import prisma_dsql"], capture_output=True)
    if probe.returncode == 0:
        pytest.skip("no Python without prisma_dsql available")
    return base


def test_parallel_first_runs_build_one_virtualenv(tmp_path):
    """Two first runs at once: one builds (one progress line), the other waits; both validate."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(_base_python())
    node_dir = Path(shutil.which("node")).parent
    env = {k: v for k, v in os.environ.items() if k not in ("PRISMA_DSQL_PYTHON", "VIRTUAL_ENV", "PYTHONPATH")}
    env.update(NO_COLOR="1", XDG_CACHE_HOME=str(tmp_path / "cache"), PATH=f"{bin_dir}{os.pathsep}{node_dir}")
    runs = [subprocess.Popen(["node", str(WRAPPER), "validate", str(BLOG)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path) for _ in range(2)]
    results = [(p.wait(timeout=600), *p.communicate()) for p in runs]
    for code, out, err in results:
        assert code == 0, err
        assert "Checked against Aurora DSQL" in out
    errs = "".join(err for _, _, err in results)
    assert errs.count("installing the Python package") == 1, errs
    assert all(len(err.strip().splitlines()) <= 1 for _, _, err in results), errs
    root = tmp_path / "cache" / "prisma-dsql"
    (version_dir,) = root.iterdir()
    assert sorted(p.name for p in version_dir.iterdir()) == ["venv"]  # no lock, no half-built copy left
    # A later run uses it without a word.
    again = subprocess.run(["node", str(WRAPPER), "--version"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert again.returncode == 0 and again.stderr == ""


@pytest.mark.parametrize("spoil", ["world-writable", "foreign-owner"])
def test_a_virtualenv_folder_that_is_not_private_is_refused(tmp_path, spoil):
    if spoil == "foreign-owner" and (not hasattr(os, "geteuid") or os.geteuid() != 0):
        pytest.skip("only root can give a folder to another user")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(_base_python())
    version = __import__("json").loads((ROOT / "package.json").read_text())["version"]
    planted = tmp_path / "cache" / "prisma-dsql" / version / "venv" / "bin"
    planted.mkdir(parents=True)
    marker = tmp_path / "PLANTED-VENV-RAN"
    (planted / "python").write_text(f"#!/bin/sh\ntouch {marker}\n")
    (planted / "python").chmod(0o755)
    shared = tmp_path / "cache" / "prisma-dsql"
    if spoil == "world-writable":
        shared.chmod(0o777)
    else:
        os.chown(shared, 65534, 65534)
    node_dir = Path(shutil.which("node")).parent
    env = {k: v for k, v in os.environ.items() if k != "PRISMA_DSQL_PYTHON"}
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"), PATH=f"{bin_dir}{os.pathsep}{node_dir}")
    proc = subprocess.run(["node", str(WRAPPER), "--version"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 2
    assert "will not run a virtualenv from there" in proc.stderr
    assert not marker.exists()
