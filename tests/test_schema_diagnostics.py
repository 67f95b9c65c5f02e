"""One fixture per Prisma-level error kind: tests/fixtures/errors/<CODE>_<case>.prisma.

Each fixture must produce its code (so a lost check fails even if someone
refreshes snapshots), every diagnostic must point inside the file, and the
rendered text is snapshotted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prisma_dsql.codes import CODES
from prisma_dsql.loader import load
from prisma_dsql.render.text import render

FIXTURES = Path(__file__).parent / "fixtures" / "errors"
CASES = sorted(FIXTURES.glob("*.prisma"))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_fixture_reports_its_code(path, snapshot, monkeypatch):
    monkeypatch.chdir(FIXTURES)
    expected = path.stem.split("_")[0]
    loaded = load(path.name)
    found = [d.code for d in loaded.diagnostics]
    assert expected in found, f"{path.name} should report {expected}, got {found}"
    lines = loaded.sources[0].lines
    for d in loaded.diagnostics:
        assert d.span is not None
        assert 1 <= d.span.line <= len(lines)
        assert 1 <= d.span.column <= len(lines[d.span.line - 1]) + 1
        assert d.name == CODES[d.code].name
    diagnostics = sorted(loaded.diagnostics, key=lambda d: d.sort_key())
    assert render(diagnostics, loaded.sources) == snapshot


def test_every_code_has_a_fixture():
    covered = {p.stem.split("_")[0] for p in CASES}
    # PSL119 (field modifiers) is reported by the parser as PSL005 today; it stays reserved.
    missing = set(CODES) - covered - {"PSL119"}
    assert not missing, f"codes without an error fixture: {sorted(missing)}"


def test_relation_defaults_follow_prisma():
    from prisma_dsql.loader import load_text

    schema = load_text(
        "model User {\n  id Int @id\n  posts Post[]\n  profile Profile?\n}\n"
        "model Post {\n  id Int @id\n  authorId Int\n  author User @relation(fields: [authorId], references: [id])\n}\n"
        "model Profile {\n  id Int @id\n  userId Int? @unique\n  user User? @relation(fields: [userId], references: [id])\n}\n"
    ).schema
    rels = {r.from_model: r for r in schema.relations}
    assert rels["Post"].kind == "1-n" and rels["Post"].name == "PostToUser"
    assert (rels["Post"].on_delete.value, rels["Post"].on_update.value) == ("Restrict", "Cascade")
    assert rels["Profile"].kind == "1-1"
    assert rels["Profile"].on_delete.value == "SetNull"


def test_implicit_many_to_many():
    from prisma_dsql.loader import load_text

    loaded = load_text(
        "model Post {\n  id Int @id\n  tags Tag[]\n}\nmodel Tag {\n  id Int @id\n  posts Post[]\n}\n")
    assert list(loaded.diagnostics) == []
    (rel,) = loaded.schema.relations
    assert (rel.kind, rel.name, rel.join_table, rel.from_model) == ("m-n", "PostToTag", "_PostToTag", "Post")
