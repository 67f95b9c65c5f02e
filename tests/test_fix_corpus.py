"""`validate --fix` on real schemas: the figures docs/fix.md records, checked by Prisma itself.

Every schema of the corpus (public schemas nobody here wrote, and the bundled samples) is fixed
for the newest DSQL and for the first DSQL version (2025-05-27: no identity columns, foreign keys
or JSON columns, so real schemas have many errors there). For each:

- Prisma (the node oracle, Prisma 7) accepts the fixed schema whenever it accepted the original;
- every comment of the original is in the fixed schema, in order;
- a second `--fix` changes nothing;
- over the whole corpus, at least 80 % of the DSQL errors are gone.

Under CI=true a missing node fails (ensure_node_modules), never skips.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from prisma_dsql import fix as fixer
from prisma_dsql.cli.validate_cmd import validation_checker
from prisma_dsql.diagnostics import Severity
from prisma_dsql.loader import load, load_text

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted([
    *ROOT.glob("tests/fixtures/corpus/*.prisma"),
    *(p for p in Path("/work/shared/corpus").glob("**/*.prisma") if p.name not in
      {q.name for q in ROOT.glob("tests/fixtures/corpus/*.prisma")}),
    *ROOT.glob("samples/*/schema.prisma"),
    *ROOT.glob("samples/evolution/*/schema.prisma"),
])
VERSIONS = ("2025-05-27", None)
#: The share of DSQL errors `--fix` must remove over the corpus.
TARGET = 0.80


def dsql_errors(diagnostics) -> int:
    return sum(1 for d in diagnostics if d.severity is Severity.ERROR and d.code.startswith("DSQL"))


def comments(text: str) -> list[str]:
    return [c.text for c in load_text(text).schema.comments]


def fix_copy(path: Path, version: str | None, tmp_path: Path):
    work = tmp_path / (version or "newest") / path.name
    work.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, work)
    checker, _ = validation_checker(work, dsql_version=version)
    before = checker(load(work))
    result = fixer.fix_schema(work, checker)
    return work, checker, before, result


def measure(tmp_path: Path) -> list[dict]:
    rows = []
    for path in CORPUS:
        for version in VERSIONS:
            work, checker, before, result = fix_copy(path, version, tmp_path)
            (_, original, fixed), = result.files.values()
            rows.append({"path": path, "version": version, "before": dsql_errors(before),
                         "after": dsql_errors(result.remaining), "original": original, "fixed": fixed,
                         "refused": result.refused, "work": work, "checker": checker, "result": result})
    return rows


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    return measure(tmp_path_factory.mktemp("fixcorpus"))


def test_corpus_is_there():
    assert len(CORPUS) >= 8, CORPUS


def test_most_errors_are_fixed(rows):
    # Schemas Prisma itself rejects (the grammar stress cases with Prisma errors) are never rewritten;
    # they are counted apart.
    valid = [r for r in rows if not r["refused"]]
    before = sum(r["before"] for r in valid)
    after = sum(r["after"] for r in valid)
    assert before >= 40, "the corpus has too few DSQL errors to measure anything"
    removed = (before - after) / before
    everything = sum(r["before"] for r in rows), sum(r["after"] for r in rows)
    print(f"\nvalidate --fix over {len(valid)} schema x version cases Prisma accepts: {before} DSQL errors -> {after} "
          f"({removed:.0%} removed); with the {len(rows) - len(valid)} cases Prisma rejects (not rewritten): "
          f"{everything[0]} -> {everything[1]} ({(everything[0] - everything[1]) / everything[0]:.0%})")
    assert removed >= TARGET, [(r["path"].name, r["version"], r["before"], r["after"]) for r in rows if r["after"]]


def test_every_comment_is_kept(rows):
    for r in rows:
        if r["refused"]:
            assert r["fixed"] == r["original"]
            continue
        assert comments(r["fixed"]) == comments(r["original"]), (r["path"].name, r["version"])


def test_a_second_run_changes_nothing(rows):
    for r in rows:
        # fix_schema never writes: put the first run's result in place, then fix again.
        second = fixer.fix_schema(_write(r["work"], r["fixed"]), r["checker"])
        (_, before2, after2), = second.files.values()
        assert before2 == after2 == r["fixed"], (r["path"].name, r["version"], second.fixed)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path


def test_prisma_accepts_every_fixed_schema(rows):
    from tests.support.prisma_oracle import ensure_node_modules, prisma_accepts, prisma_validate_many

    ensure_node_modules()
    cases = [[("schema.prisma", r["original"])] for r in rows] + [[("schema.prisma", r["fixed"])] for r in rows]
    verdicts = prisma_validate_many(cases)
    n = len(rows)
    checked = 0
    for r, before, after in zip(rows, verdicts[:n], verdicts[n:]):
        if not prisma_accepts(before):
            continue
        checked += 1
        assert prisma_accepts(after), (r["path"].name, r["version"], after["errors"][:3],
                                       re.sub(r"\n\s*\n", "\n", r["fixed"])[:3000])
    assert checked >= len(rows) // 2
