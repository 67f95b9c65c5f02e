"""`validate --fix` / `--diff`: the applier (prisma_dsql/fix.py), each rule's fix on its own
fixture (accepted by Prisma: the node oracle), and the command's contract."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from prisma_dsql import fix as fixer
from prisma_dsql import suppression
from prisma_dsql.cli.main import main
from prisma_dsql.diagnostics import Diagnostic, Edit, Fix, Severity
from prisma_dsql.loader import load
from prisma_dsql.rules import REGISTRY, check
from prisma_dsql.source import Span
from tests.test_rules import FIXTURES, fixture_settings

#: Rules whose positive fixture must be fixed completely (no finding of the rule left).
FULLY_FIXED = ("DSQL001", "DSQL101", "DSQL103", "DSQL106", "DSQL107", "DSQL108", "DSQL110", "DSQL112", "DSQL113",
               "DSQL114", "DSQL201", "DSQL202", "DSQL203", "DSQL206", "DSQL301", "DSQL303", "DSQL406", "DSQL501",
               "DSQL502")
#: Rules with a fix for some of their findings (the others need a person: see docs/rules.md).
PARTLY_FIXED = ("DSQL102", "DSQL109", "DSQL111", "DSQL204", "DSQL208", "DSQL408")


def run(args, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def diag(edits, description="d") -> Diagnostic:
    return Diagnostic("DSQL999", Severity.ERROR, "m", None, fix=Fix(description, tuple(edits)))


def span(line, col, end_line, end_col, file="f"):
    return Span(file, line, col, end_line, end_col)


# -- the applier ---------------------------------------------------------------------------------


def test_apply_replaces_spans_and_keeps_everything_else():
    text = "model A {\r\n  id Int @id // keep\r\n\r\n  x  String[]\r\n}\r\n"
    out, applied = fixer.apply({"f": text}, [diag([Edit(span(2, 6, 2, 9), "BigInt")]),
                                            diag([Edit(span(4, 6, 4, 14), "Json")])])
    assert out["f"] == "model A {\r\n  id BigInt @id // keep\r\n\r\n  x  Json\r\n}\r\n"
    assert len(applied) == 2


def test_overlapping_fixes_wait_and_equal_edits_are_shared():
    text = "abcdef"
    first = diag([Edit(span(1, 1, 1, 4), "X")])
    overlapping = diag([Edit(span(1, 3, 1, 5), "Y"), Edit(span(1, 6, 1, 7), "Z")])
    same = diag([Edit(span(1, 1, 1, 4), "X")])
    out, applied = fixer.apply({"f": text}, [first, overlapping, same])
    # The overlapping fix is applied whole or not at all: its second edit is not applied alone.
    assert out["f"] == "Xdef"
    assert applied == [first, same]


def test_two_insertions_at_one_point_conflict():
    out, applied = fixer.apply({"f": "ab"}, [diag([Edit(span(1, 2, 1, 2), "1")]), diag([Edit(span(1, 2, 1, 2), "2")])])
    assert out["f"] == "a1b" and len(applied) == 1


def test_inserted_line_breaks_follow_the_file():
    out, _ = fixer.apply({"f": "a\r\nb\r\n"}, [diag([Edit(span(2, 1, 2, 1), "  new\n")])])
    assert out["f"] == "a\r\n  new\r\nb\r\n"
    out, _ = fixer.apply({"f": "a\rb\r"}, [diag([Edit(span(2, 1, 2, 1), "  new\n")])])
    assert out["f"] == "a\r  new\rb\r"
    out, _ = fixer.apply({"f": "a\nb\n"}, [diag([Edit(span(2, 1, 2, 1), "  new\n")])])
    assert out["f"] == "a\n  new\nb\n"


def test_columns_count_code_points():
    text = "// ünïcödé\nmodel Ä { x String[] }\n"
    out, _ = fixer.apply({"f": text}, [diag([Edit(span(2, 13, 2, 21), "Json")])])
    assert out["f"] == "// ünïcödé\nmodel Ä { x Json }\n"


def test_dropped_attributes_take_their_blanks_and_keep_comments(tmp_path, capsys):
    path = tmp_path / "schema.prisma"
    head = 'datasource db {\n  provider = "postgresql"\n}\nmodel A {\n  id BigInt @id\n  d  Json\n  e  Json\n  f  Json\n'
    path.write_text(head + "  @@index([d], type: Gin)\n  @@index([e]) // by e, some day\n  @@index([f])   \n}\n",
                    encoding="utf-8")
    run(["validate", "--fix", path], capsys)
    assert path.read_text(encoding="utf-8") == head + "  // by e, some day\n}\n"


# -- each rule's fix on its fixture --------------------------------------------------------------


def fix_fixture(code: str, tmp_path: Path):
    source = FIXTURES / code / "positive.prisma"
    profile, options = fixture_settings(source)
    path = tmp_path / "schema.prisma"
    shutil.copyfile(source, path)

    def checker(loaded):
        texts = {s.name: s.text for s in loaded.sources}
        found = [*loaded.diagnostics, *check(loaded.schema, profile, options, texts)]
        return sorted(suppression.apply(found, loaded.schema.comments), key=Diagnostic.sort_key)

    before = checker(load(path))
    return path, checker, before, fixer.fix_schema(path, checker)


@pytest.mark.parametrize("code", FULLY_FIXED + PARTLY_FIXED)
def test_rule_fix_on_its_fixture(code, tmp_path):
    path, checker, before, result = fix_fixture(code, tmp_path)
    mine = [d for d in before if d.code == code]
    assert any(d.fix is not None for d in mine), f"{code}: no finding of its fixture carries a fix"
    assert result.refused is None
    left = [d for d in result.remaining if d.code == code]
    if code in FULLY_FIXED:
        assert not left, [d.message for d in left]
    else:
        assert len([d for d in left if d.fix is None]) == len(left) and len(left) < len(mine) or \
            not any(d.fix for d in left)
    # A second run changes nothing.
    (_, _, fixed), = result.files.values()
    path.write_text(fixed, encoding="utf-8")
    again = fixer.fix_schema(path, checker)
    assert not again.changed, again.diff()


def test_the_docs_say_which_rules_fix():
    assert {code for code, r in REGISTRY.items() if r.fix} == set(FULLY_FIXED + PARTLY_FIXED)


def test_rules_without_fix_say_so():
    """Each rule is either in one of the lists above or has no fix on its fixture (docs/rules.md says
    which rules fix); a new fix must be added to a list, so that its test runs."""
    listed = set(FULLY_FIXED + PARTLY_FIXED)
    for code in REGISTRY:
        if code in listed or not (FIXTURES / code / "positive.prisma").exists():
            continue
        _, _, before, _ = fix_fixture(code, Path(__import__("tempfile").mkdtemp()))
        assert not any(d.fix for d in before if d.code == code), f"{code} has fixes: add it to a list"


def test_prisma_accepts_every_fixed_fixture(tmp_path):
    from tests.support.prisma_oracle import ensure_node_modules, prisma_accepts, prisma_validate_many

    ensure_node_modules()
    fixed = {}
    for code in FULLY_FIXED + PARTLY_FIXED:
        work = tmp_path / code
        work.mkdir()
        _, _, _, result = fix_fixture(code, work)
        (_, original, after), = result.files.values()
        fixed[code] = (original, after)
    codes = sorted(fixed)
    verdicts = prisma_validate_many([[("schema.prisma", fixed[c][0])] for c in codes]
                                    + [[("schema.prisma", fixed[c][1])] for c in codes])
    n = len(codes)
    for code, before, after in zip(codes, verdicts[:n], verdicts[n:]):
        if prisma_accepts(before):
            assert prisma_accepts(after), (code, after["errors"][:3], fixed[code][1])


# -- the command ---------------------------------------------------------------------------------

BROKEN = """datasource db {
  provider = "postgresql"
}

model A {
  id   BigInt   @id
  tags String[]
  oops
}
"""

SCHEMA = """// the schema
datasource db {
  provider = "postgresql"
}

/// A post.
model Post {
  id    BigInt   @id // the key
  tags  String[] @default(["a", "b \\"c\\""])

  // why: a search index
  title String   @db.Citext
  @@index([title(ops: raw("text_pattern_ops"))], type: Hash)
}
"""


def test_diff_writes_nothing_and_fix_writes(tmp_path, capsys):
    path = tmp_path / "schema.prisma"
    path.write_text(SCHEMA, encoding="utf-8")
    code, out, err = run(["validate", "--diff", path], capsys)
    assert code == 0, err
    assert path.read_text(encoding="utf-8") == SCHEMA
    assert out.startswith(f"--- {path}\n+++ {path}\n")
    assert '+  tags  Json @default("[\\"a\\", \\"b \\\\\\"c\\\\\\"\\"]")' in out
    code, out, err = run(["validate", "--fix", path], capsys)
    assert code == 0, err
    fixed = path.read_text(encoding="utf-8")
    assert fixed == SCHEMA.replace('String[] @default(["a", "b \\"c\\""])',
                                   'Json @default("[\\"a\\", \\"b \\\\\\"c\\\\\\"\\"]")') \
        .replace("String   @db.Citext", "String @db.VarChar(256)") \
        .replace('[title(ops: raw("text_pattern_ops"))], type: Hash', "[title]")
    assert "Fixed 5 findings" in err
    # Nothing left to fix: the second run writes nothing and says so.
    code, out, err = run(["validate", "--fix", path], capsys)
    assert code == 0 and path.read_text(encoding="utf-8") == fixed and "Fixed 0 findings" in err


def test_syntax_errors_stop_the_fix(tmp_path, capsys):
    path = tmp_path / "schema.prisma"
    path.write_text(BROKEN, encoding="utf-8")
    code, out, err = run(["validate", "--fix", path], capsys)
    assert code == 1
    assert "not fixed" in err and "Prisma error" in err
    assert path.read_text(encoding="utf-8") == BROKEN


def test_exit_code_is_that_of_what_is_left(tmp_path, capsys):
    path = tmp_path / "schema.prisma"
    # tsvector has no fix: an error is left after --fix.
    path.write_text('datasource db {\n  provider = "postgresql"\n}\nmodel A {\n  id BigInt @id\n'
                    '  tags String[]\n  search Unsupported("tsvector")?\n}\n', encoding="utf-8")
    code, out, err = run(["validate", "--fix", "--format", "json", path], capsys)
    doc = json.loads(out)
    assert code == 1
    assert doc["summary"]["fixed"] == 1 and doc["summary"]["errors"] == 1
    assert [d["code"] for d in doc["diagnostics"] if d["severity"] == "error"] == ["DSQL109"]
    assert "tags Json" in path.read_text(encoding="utf-8")


def test_bom_and_mode_are_kept(tmp_path, capsys):
    path = tmp_path / "schema.prisma"
    path.write_bytes(b"\xef\xbb\xbf" + SCHEMA.encode("utf-8"))
    path.chmod(0o640)
    code, _, _ = run(["validate", "--fix", path], capsys)
    assert code == 0
    assert path.read_bytes().startswith(b"\xef\xbb\xbf// the schema")
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["schema.prisma"]  # no temporary file left


def test_formats_carry_the_fix(tmp_path, capsys):
    path = tmp_path / "schema.prisma"
    path.write_text(SCHEMA, encoding="utf-8")
    _, out, _ = run(["validate", "--format", "json", path], capsys)
    tags = next(d for d in json.loads(out)["diagnostics"] if d["code"] == "DSQL106")
    assert tags["fix"]["edits"][0] == {"file": str(path), "line": 9, "column": 9, "end_line": 9, "end_column": 17,
                                       "text": "Json"}
    _, out, _ = run(["validate", "--format", "sarif", path], capsys)
    results = json.loads(out)["runs"][0]["results"]
    fixes = [r for r in results if r["ruleId"] == "DSQL106"][0]["fixes"]
    rep = fixes[0]["artifactChanges"][0]["replacements"][0]
    assert rep["deletedRegion"] == {"startLine": 9, "startColumn": 9, "endLine": 9, "endColumn": 17}
    assert rep["insertedContent"] == {"text": "Json"}
    assert not [r for r in results if r["ruleId"] == "DSQL104" and "fixes" in r]
    _, out, _ = run(["validate", "--format", "github", path], capsys)
    assert "%0Afix: `tags String[]` -> `tags Json` (prisma-dsql validate --fix)" in out
    _, out, _ = run(["validate", path], capsys)
    assert "error[DSQL106] [fixable]:" in out and "[fixable]: `prisma-dsql validate --fix`" in out


def test_multifile_schema_is_fixed_file_by_file(tmp_path, capsys):
    folder = tmp_path / "schema"
    shutil.copytree(Path(__file__).resolve().parent.parent / "samples" / "multifile", folder)
    before = {p.name: p.read_text(encoding="utf-8") for p in folder.rglob("*.prisma")}
    code, out, err = run(["validate", "--fix", "--dsql-version", "2025-05-27", folder], capsys)
    after = {p.name: p.read_text(encoding="utf-8") for p in folder.rglob("*.prisma")}
    changed = [n for n in before if before[n] != after[n]]
    assert changed, err
    code, out, err = run(["validate", "--fix", "--dsql-version", "2025-05-27", folder], capsys)
    assert {p.name: p.read_text(encoding="utf-8") for p in folder.rglob("*.prisma")} == after


# -- every schema in the tests ------------------------------------------------------------------

ALL_SCHEMAS = sorted(p for p in (Path(__file__).parent).rglob("*.prisma") if "node_modules" not in p.parts)


@pytest.fixture(scope="module")
def fixed_schemas(tmp_path_factory):
    """``fixed_schemas(version)``: ``--fix`` run once on a copy of every schema the tests hold, for that DSQL version;
    a list of ``(source, copy, checker, result)`` (``result`` None where the input is unreadable: exit 2, as
    validate).  Shared by the two tests below, which ask different questions of the same fixes."""
    from prisma_dsql.cli.validate_cmd import validation_checker
    from prisma_dsql.errors import PrismaDsqlError

    done: dict = {}

    def fixed(version):
        if version not in done:
            folder = tmp_path_factory.mktemp(f"fix-{version}")
            runs = []
            for i, source in enumerate(ALL_SCHEMAS):
                path = folder / f"{i}.prisma"
                shutil.copyfile(source, path)
                try:
                    checker, _ = validation_checker(path, dsql_version=version)
                    result = fixer.fix_schema(path, checker)
                except PrismaDsqlError:
                    checker = result = None
                runs.append((source, path, checker, result))
            done[version] = runs
        return done[version]

    return fixed


@pytest.mark.parametrize("version", ["2025-05-27", None])
def test_fix_never_breaks_a_schema(version, fixed_schemas):
    """On every schema the tests hold (rule fixtures, Prisma's error cases, the corpus): no exception,
    a schema with Prisma errors is left alone, any other one stays free of Prisma-level errors, and
    a second run changes nothing."""
    assert len(ALL_SCHEMAS) > 100
    fixed = 0
    for source, path, checker, result in fixed_schemas(version):
        if result is None:
            continue  # unreadable input (an empty file, say): exit 2, as validate
        (_, before, after), = result.files.values()
        if result.refused:
            assert after == before, source
            continue
        assert not fixer.prisma_errors(result.remaining), source
        if after != before:
            fixed += 1
            path.write_text(after, encoding="utf-8", newline="")
            again = fixer.fix_schema(path, checker)
            assert not again.changed, (source, again.diff())
    assert fixed >= 20


def test_prisma_accepts_every_fixed_test_schema(fixed_schemas):
    """The same schemas, asked of Prisma itself: whatever it accepted before --fix, it accepts after."""
    from tests.support.prisma_oracle import ensure_node_modules, prisma_accepts, prisma_validate_many

    ensure_node_modules()
    pairs = []
    for version in ("2025-05-27", None):
        for source, _, _, result in fixed_schemas(version):
            if result is None:
                continue
            (_, before, after), = result.files.values()
            if after != before:
                pairs.append((source, version, before, after))
    verdicts = prisma_validate_many([[("schema.prisma", b)] for _, _, b, _ in pairs]
                                    + [[("schema.prisma", a)] for _, _, _, a in pairs])
    n = len(pairs)
    checked = 0
    for (source, version, _, after), was, now in zip(pairs, verdicts[:n], verdicts[n:]):
        if prisma_accepts(was):
            checked += 1
            assert prisma_accepts(now), (str(source), version, now["errors"][:2], after)
    assert checked >= 20
