"""The wheel carries the grammar, and an installed wheel finds it (not only a checkout)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    (path,) = out.glob("prisma_dsql-*.whl")
    return path


def test_wheel_contains_grammar(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "prisma_dsql/grammar/prisma.lark" in names
    assert any(n.endswith("entry_points.txt") for n in names)


def test_unpacked_wheel_parses_without_the_checkout(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    schema = ROOT / "samples" / "blog" / "schema.prisma"
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(site)!r})\n"
        "import prisma_dsql.syntax.parser as p\n"
        f"assert str(p.grammar_path()).startswith({str(site)!r}), p.grammar_path()\n"
        "from prisma_dsql.loader import load\n"
        f"l = load({str(schema)!r})\n"
        "print(len(l.schema.models), len(l.diagnostics))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["4", "0"]
