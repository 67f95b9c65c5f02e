"""Release-ready artifacts: `python -m build` gives a wheel and an sdist that install into clean
virtualenvs and run outside the source tree; `npm pack` gives a tarball that
`npx --package ./prisma-dsql-*.tgz prisma-dsql validate` runs in a fresh Node project.

Real pip, build and npm (from the configured package index; nothing is mocked); artifacts are
built once per module. Under CI a missing `node`/`npm` fails instead of skipping.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SCHEMA = "model User {\n  id    Int    @id @default(autoincrement())\n  email String @unique\n}\n"


def _run(cmd, **kw):
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=900, **kw)
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return proc


def _venv(path: Path, with_pip: bool = True) -> Path:
    """A new virtualenv; without pip when the caller installs into it with this interpreter's pip (``_pip``):
    ensurepip takes 3-7 s per virtualenv and proves nothing about the artifact."""
    _run([sys.executable, "-m", "venv", *([] if with_pip else ["--without-pip"]), path])
    return path / "bin" / "python"


def _pip(python: Path, *args) -> list:
    """``pip ...`` acting on the virtualenv of `python` (pip's own ``--python``), run by this interpreter's pip."""
    return [sys.executable, "-m", "pip", "--python", python, *args]


def _clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    return {**env, "NO_COLOR": "1", **extra}


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """`python -m build` (in a private virtualenv that has `build`), wheel and sdist."""
    work = tmp_path_factory.mktemp("build")
    python = _venv(work / "tools")
    _run([python, "-m", "pip", "install", "--quiet", "build"])
    out = work / "dist"
    _run([python, "-m", "build", "--outdir", out, ROOT], env=_clean_env())
    return out


def _artifact(dist: Path, pattern: str) -> Path:
    (path,) = dist.glob(pattern)
    return path


def test_build_gives_a_wheel_and_an_sdist(dist):
    wheel = _artifact(dist, "prisma_dsql-*-py3-none-any.whl")
    sdist = _artifact(dist, "prisma_dsql-*.tar.gz")
    names = zipfile.ZipFile(wheel).namelist()
    assert "prisma_dsql/grammar/prisma.lark" in names
    assert "prisma_dsql/syntax/grammar_tables.json" in names
    assert not [n for n in names if "__pycache__" in n or n.startswith("tests/")]
    assert any(n.endswith("entry_points.txt") for n in names)
    assert any(n.endswith("/LICENSE") and ".dist-info/" in n for n in names)
    members = tarfile.open(sdist).getnames()
    top = members[0].split("/")[0]
    for needed in ("pyproject.toml", "README.md", "LICENSE", "grammar/prisma.lark",
                   "prisma_dsql/syntax/grammar_tables.json"):
        assert f"{top}/{needed}" in members, needed


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_artifact_installs_into_a_clean_venv_and_runs_outside_the_tree(dist, tmp_path, kind):
    artifact = _artifact(dist, "prisma_dsql-*.whl" if kind == "wheel" else "prisma_dsql-*.tar.gz")
    python = _venv(tmp_path / "venv", with_pip=False)
    _run(_pip(python, "install", "--quiet", artifact), env=_clean_env(), cwd=tmp_path)
    project = tmp_path / "project"
    project.mkdir()
    (project / "schema.prisma").write_text(SCHEMA)
    script = tmp_path / "venv" / "bin" / "prisma-dsql"
    proc = subprocess.run([script, "validate", "schema.prisma"], capture_output=True, text=True, cwd=project,
                          env=_clean_env())
    assert proc.returncode == 0, proc.stderr
    assert "Checked against Aurora DSQL" in proc.stdout
    where = _run([python, "-c", "import prisma_dsql, sys; print(prisma_dsql.__file__)"], cwd=project).stdout
    assert str(tmp_path / "venv") in where and str(ROOT) not in where
    version = subprocess.run([script, "--version"], capture_output=True, text=True, env=_clean_env())
    assert version.stdout.strip().endswith(_pyproject_version())


def _pyproject_version() -> str:
    import re

    return re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)


def test_versions_agree():
    assert json.loads((ROOT / "package.json").read_text())["version"] == _pyproject_version()
    from prisma_dsql import __version__

    assert __version__ == _pyproject_version()


needs_npm = pytest.mark.skipif(shutil.which("npm") is None and not os.environ.get("CI"), reason="npm is not installed")


@pytest.fixture(scope="module")
def tarball(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("npm")
    env = _clean_env(npm_config_cache=str(out / "npm-cache"))
    proc = _run(["npm", "pack", "--pack-destination", out, ROOT], cwd=ROOT, env=env)
    assert proc.stdout.strip().endswith(".tgz")
    (path,) = out.glob("prisma-dsql-*.tgz")
    return path


@needs_npm
def test_npm_tarball_holds_the_wrapper_and_the_python_sources(tarball):
    names = tarfile.open(tarball).getnames()
    for needed in ("package/bin/prisma-dsql.js", "package/pyproject.toml", "package/LICENSE",
                   "package/grammar/prisma.lark", "package/prisma_dsql/cli/main.py",
                   "package/prisma_dsql/syntax/grammar_tables.json"):
        assert needed in names, needed
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or "/tests/" in n]


def _fresh_node_project(path: Path) -> Path:
    path.mkdir()
    (path / "package.json").write_text(json.dumps({"name": "app", "version": "1.0.0", "private": True}))
    (path / "prisma").mkdir()
    (path / "prisma" / "schema.prisma").write_text(SCHEMA)
    return path


@needs_npm
def test_npx_runs_the_tarball_in_a_fresh_node_project(tarball, tmp_path):
    # Offline-safe: the Python side is this test run's interpreter (PRISMA_DSQL_PYTHON); the
    # next test lets the wrapper build its own virtualenv from the tarball's sources.
    project = _fresh_node_project(tmp_path / "app")
    env = _clean_env(npm_config_cache=str(tmp_path / "npm-cache"), npm_config_yes="true",
                     npm_config_update_notifier="false", PRISMA_DSQL_PYTHON=sys.executable)
    proc = subprocess.run(["npx", "--package", str(tarball), "prisma-dsql", "validate"], capture_output=True,
                          text=True, cwd=project, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Checked against Aurora DSQL" in proc.stdout


@needs_npm
def test_npx_tarball_builds_its_own_python_environment(tarball, tmp_path):
    base = getattr(sys, "_base_executable", None) or sys.executable
    if subprocess.run([base, "-I", "-c", "import prisma_dsql"], capture_output=True).returncode == 0:
        pytest.skip("no Python without prisma_dsql to start from")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(base)
    node_dir = Path(shutil.which("npx")).parent
    project = _fresh_node_project(tmp_path / "app")
    env = _clean_env(npm_config_cache=str(tmp_path / "npm-cache"), npm_config_yes="true",
                     npm_config_update_notifier="false", XDG_CACHE_HOME=str(tmp_path / "cache"),
                     PATH=f"{bin_dir}{os.pathsep}{node_dir}")
    env.pop("PRISMA_DSQL_PYTHON", None)
    proc = subprocess.run(["npx", "--package", str(tarball), "prisma-dsql", "validate"], capture_output=True,
                          text=True, cwd=project, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "Checked against Aurora DSQL" in proc.stdout
    assert proc.stderr.count("installing the Python package") == 1
