"""prisma-dsql keeps no cache: nothing is written to, or read from, a cache folder.

The schema cache was removed (benchmarks/bench_cache.py: at most ~0.13 s saved on a
200-model schema, in the best case of unpickling, which a cache must never do) and the
grammar tables ship in the package (tests/test_grammar_tables.py). A folder planted with
the pickles earlier versions wrote must change nothing and run nothing.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from synth import generate  # noqa: E402


class _Planted:
    """Unpickling this creates a marker file: proof that a cache entry was executed."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _env(home: Path) -> dict:
    return {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"),
            "PRISMA_DSQL_CACHE_DIR": str(home / ".cache" / "prisma-dsql"), "NO_COLOR": "1"}


def _validate(schema: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "prisma_dsql", "validate", str(schema)], capture_output=True,
                          text=True, env=env, cwd=schema.parent)


def test_validate_writes_nothing_to_a_cache_folder(tmp_path):
    schema = tmp_path / "schema.prisma"
    schema.write_text(generate(60))
    home = tmp_path / "home"
    home.mkdir()
    first, second = _validate(schema, _env(home)), _validate(schema, _env(home))
    assert first.returncode == second.returncode and first.stdout == second.stdout
    assert list(home.rglob("*")) == []


def test_planted_pickles_are_never_loaded(tmp_path):
    home = tmp_path / "home"
    marker = tmp_path / "EXECUTED"
    for sub in ("grammar", "load"):
        folder = home / ".cache" / "prisma-dsql" / sub
        folder.mkdir(parents=True)
        for name in ("x.pickle", "0" * 64 + ".pickle"):
            (folder / name).write_bytes(pickle.dumps(_Planted(str(marker))))
    schema = tmp_path / "schema.prisma"
    schema.write_text(generate(60).replace("Entity7 ", "Entity7x ", 1))  # has an error
    proc = _validate(schema, _env(home))
    assert not marker.exists()
    assert proc.returncode == 1 and "PSL102" in proc.stdout


def test_the_cache_module_is_gone():
    assert not (ROOT / "prisma_dsql" / "cache.py").exists()
    proc = subprocess.run([sys.executable, "-c", "import prisma_dsql.cache"], capture_output=True)
    assert proc.returncode != 0
