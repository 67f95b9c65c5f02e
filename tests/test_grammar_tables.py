"""The grammar tables ship in the package as plain JSON generated from grammar/prisma.lark."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from prisma_dsql.syntax import tables

ROOT = Path(__file__).resolve().parent.parent
BLOG = ROOT / "samples" / "blog" / "schema.prisma"


def test_shipped_tables_match_the_grammar():
    expected = tables.generate()
    assert tables.DATA_FILE.read_text(encoding="utf-8") == expected, (
        "prisma_dsql/syntax/grammar_tables.json no longer matches grammar/prisma.lark; "
        "regenerate it with: python -m prisma_dsql.syntax.tables")


def test_generation_is_stable():
    # Lark numbers states differently on each analysis; the file must not.
    assert tables.generate() == tables.generate()


def test_the_shipped_file_is_plain_json_for_this_grammar():
    data = json.loads(tables.DATA_FILE.read_text(encoding="utf-8"))
    assert data["format"] == tables.FORMAT
    assert data["grammar_sha256"] == tables.grammar_digest(tables.grammar_path().read_text(encoding="utf-8"))
    loaded = tables.from_data(data)
    assert loaded.terminals and loaded.states and set(loaded.start_states) == set(tables.START_SYMBOLS)


def test_loaded_tables_are_the_analysis():
    grammar = tables.grammar_path().read_text(encoding="utf-8")
    assert tables.to_data(tables.load(), grammar) == tables.to_data(tables.build(grammar), grammar)


def test_an_edited_grammar_is_analysed_in_memory(tmp_path, monkeypatch):
    edited = tmp_path / "prisma.lark"
    edited.write_text(tables.grammar_path().read_text(encoding="utf-8") + "\n// edited\n", encoding="utf-8")
    monkeypatch.setattr(tables, "grammar_path", lambda: edited)
    got = tables.load()
    assert got.terminals == tables.from_data(json.loads(tables.DATA_FILE.read_text())).terminals
    assert list(tmp_path.iterdir()) == [edited]


def test_check_mode_reports_a_stale_file(tmp_path, monkeypatch):
    stale = tmp_path / "grammar_tables.json"
    stale.write_text("{}")
    monkeypatch.setattr(tables, "DATA_FILE", stale)
    assert tables.main(["--check"]) == 1
    assert tables.main([]) == 0 and tables.main(["--check"]) == 0


def test_validate_never_imports_lark():
    code = (
        "import sys\n"
        "from prisma_dsql.cli.main import main\n"
        "try:\n"
        f"    main(['validate', {str(BLOG)!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write('LARK=' + str('lark' in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stderr.endswith("LARK=False"), proc.stderr[-300:]
