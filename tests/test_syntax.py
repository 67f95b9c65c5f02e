"""The grammar and parser: what Prisma 7 accepts parses, what it rejects gets a positioned error."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from prisma_dsql.loader import load_text
from prisma_dsql.source import SourceFile
from prisma_dsql.syntax import ast
from prisma_dsql.syntax.parser import parse_file


def parse(text: str):
    tree, diags = parse_file(SourceFile("t.prisma", text))
    return tree, diags


def codes(text: str) -> list[str]:
    return [d.code for d in load_text(text).diagnostics]


def test_grammar_has_no_lalr_conflicts_in_strict_mode():
    # In a subprocess: strict mode needs interegular, which our CLI import path hides from Lark.
    code = (
        "from lark import Lark\n"
        "from prisma_dsql.syntax.parser import grammar_path\n"
        "Lark(grammar_path().read_text(), parser='lalr', lexer='contextual',\n"
        "     start=['start','model_member','enum_member','config_member'], strict=True)\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_endings(newline):
    text = newline.join(["model A {", "  id   Int @id", "  name String", "}", ""])
    tree, diags = parse(text)
    assert diags == []
    fields = tree.blocks[0].members
    assert [f.name for f in fields] == ["id", "name"]
    assert fields[1].span.line == 3


def test_tabs_and_no_final_newline():
    tree, diags = parse("model A {\n\tid\tInt\t@id\n}")
    assert diags == []
    assert tree.blocks[0].members[0].span.column == 2


def test_unicode_identifiers_and_multibyte_comments():
    tree, diags = parse("model Café {\n  id Int @id\n  naïve String // 囧\n}\n")
    assert diags == []
    assert tree.blocks[0].name == "Café"
    assert tree.blocks[0].members[1].name == "naïve"


def test_keywords_are_names_inside_blocks():
    tree, diags = parse("model A {\n  id Int @id\n  type String\n  model String\n  enum String\n}\n")
    assert diags == []
    assert [f.name for f in tree.blocks[0].members] == ["id", "type", "model", "enum"]


@pytest.mark.parametrize(
    "literal, expected",
    [
        (r'"plain"', "plain"),
        (r'"quote \" backslash \\ slash \/"', 'quote " backslash \\ slash /'),
        (r'"\b\f\n\r\t"', "\b\f\n\r\t"),
        (r'"\u00e9"', "é"),
        (r'"\ud83d\ude00"', "😀"),
    ],
)
def test_json_string_escapes(literal, expected):
    tree, diags = parse(f"model A {{\n  id Int @id\n  s String @default({literal})\n}}\n")
    assert diags == []
    value = tree.blocks[0].members[1].attributes[0].args[0].value
    assert isinstance(value, ast.StringValue)
    assert value.value == expected


@pytest.mark.parametrize("literal", [r'"\q"', r'"\u12"', r'"\ud83d"'])
def test_invalid_escapes_are_errors(literal):
    assert "PSL007" in codes(f"model A {{\n  id Int @id\n  s String @default({literal})\n}}\n")


def test_values_of_every_kind():
    text = (
        "generator client {\n"
        '  provider = "prisma-client"\n'
        "  config   = { nested: { on: true }, list: [1, 2] }\n"
        "  flags    = [\"a\", \"b\"]\n"
        "  engine   = env(\"ENGINE\")\n"
        "}\n"
        "model A {\n"
        "  id  Int    @id @default(autoincrement())\n"
        "  n   Float  @default(-1.5)\n"
        "  u   String @default(uuid(7)) @db.VarChar(36)\n"
        "  g   String @default(dbgenerated(\"gen_random_uuid()\"))\n"
        "  x   Unsupported(\"circle\")?\n"
        "\n"
        "  @@index([n(sort: Desc), u(ops: raw(\"text_pattern_ops\"))], where: { n: { not: null } })\n"
        "}\n"
    )
    tree, diags = parse(text)
    assert diags == []
    gen, model = tree.blocks
    props = {p.name: p.value for p in gen.members}
    assert isinstance(props["config"], ast.ObjectValue)
    assert isinstance(props["flags"], ast.ArrayValue)
    assert isinstance(props["engine"], ast.FunctionValue) and props["engine"].name == "env"
    x = model.members[4]
    assert x.type.unsupported == "circle" and x.type.arity == "optional"
    index = model.attributes[0]
    assert index.name == "index" and index.block_level
    where = index.args[1]
    assert where.name == "where" and isinstance(where.value, ast.ObjectValue)


def test_whitespace_after_at_sign():
    tree, diags = parse("model A {\n  id Int @ id @ default(1)\n\n  @@ map(\"a\")\n}\n")
    assert diags == []
    assert [a.name for a in tree.blocks[0].members[0].attributes] == ["id", "default"]
    assert tree.blocks[0].attributes[0].name == "map"


def test_documentation_comments_attach_to_the_next_node():
    text = (
        "/// The users.\n"
        "/// Second line.\n"
        "model User {\n"
        "  /// Primary key.\n"
        "  id   Int    @id\n"
        "  // not documentation\n"
        "  name String /// trailing doc\n"
        "  /* block doc */\n"
        "  age  Int\n"
        "}\n"
    )
    tree, diags = parse(text)
    assert diags == []
    block = tree.blocks[0]
    assert block.doc == "The users.\nSecond line."
    docs = {f.name: f.doc for f in block.members}
    assert docs == {"id": "Primary key.", "name": "trailing doc", "age": "block doc"}


def test_comments_are_kept_with_positions():
    tree, _ = parse("model A {\n  id Int @id // prisma-dsql-ignore DSQL001\n}\n")
    (comment,) = tree.comments
    assert comment.text == "// prisma-dsql-ignore DSQL001"
    assert (comment.span.line, comment.span.column) == (2, 14)
    assert not comment.own_line


def test_one_bad_line_does_not_hide_the_next():
    text = "model A {\n  id Int @id\n  ??? nonsense\n  name String\n  also bad (\n}\nmodel B {\n  id Int @id\n}\n"
    tree, diags = parse(text)
    assert [(d.code, d.span.line) for d in diags] == [("PSL001", 3), ("PSL001", 5)]
    # The good lines around the bad ones still parsed, and so did the next block.
    assert [f.name for f in tree.blocks[0].members] == ["id", "name"]
    assert [b.name for b in tree.blocks] == ["A", "B"]


@pytest.mark.parametrize(
    "line, message",
    [
        ("name String!", "`!` is no longer needed"),
        ("tags [String]", "`Type[]` instead of `[Type]`"),
        ("name: String", "don't require a `:`"),
        ("tags String[]?", "Optional lists are not supported"),
    ],
)
def test_legacy_forms_get_specific_messages(line, message):
    diags = load_text(f"model A {{\n  id Int @id\n  {line}\n}}\n").diagnostics
    assert [d.code for d in diags] == ["PSL005"]
    assert message in diags[0].message
    assert diags[0].span.line == 3


def test_trailing_comma_in_arguments():
    diags = load_text("model A {\n  id Int @id\n  a Int\n\n  @@index([a, id],)\n}\n").diagnostics
    assert [d.code for d in diags] == ["PSL006"]


def test_block_layout_errors():
    diags = load_text("model A { id Int @id }\n").diagnostics
    assert [d.code for d in diags] == ["PSL004"]
    diags = load_text("model A {\n  id Int @id }\n").diagnostics
    assert "PSL001" in [d.code for d in diags] or "PSL004" in [d.code for d in diags]


def test_unclosed_block_is_reported_at_its_header():
    diags = load_text("model A {\n  id Int @id\n\nmodel B {\n  id Int @id\n}\n").diagnostics
    (d,) = [d for d in diags if d.code == "PSL003"]
    assert d.span.line == 1


def test_deep_nesting_is_a_diagnostic_not_a_crash():
    deep = "[" * 5000 + "]" * 5000
    diags = load_text(f"model A {{\n  id Int @id @default({deep})\n}}\n").diagnostics
    assert diags and all(d.span is not None for d in diags)


def test_enormous_line_is_handled():
    long_name = "a" * 200_000
    diags = load_text(f"model A {{\n  id Int @id\n  {long_name} String\n}}\n").diagnostics
    assert list(diags) == []


def test_a_block_may_start_on_the_line_where_the_previous_one_ends():
    # Prisma accepts `} model B {`; so do we.
    loaded = load_text("model A {\n  id Int @id\n} model B {\n  id Int @id\n}\n")
    assert list(loaded.diagnostics) == []
    assert [m.name for m in loaded.schema.models] == ["A", "B"]


_FIELD_LINE = re.compile(r"^\s+[a-zA-Z]\w*\s+[A-Z]\w*")


@pytest.mark.parametrize("path", [
    "samples/blog/schema.prisma", "samples/saas/schema.prisma",
    "tests/fixtures/corpus/umami-software__umami__prisma__schema.prisma",
    "tests/fixtures/corpus/hoppscotch__hoppscotch__packages__hoppscotch-backend__prisma__schema.prisma",
])
def test_one_syntax_error_gives_one_finding(path):
    """A stray bracket at the end of any field line is one error, as in Prisma: the following lines are
    read on their own (not swallowed as a continuation), and what the lost field breaks elsewhere (ids,
    relations, indexes naming it) is not reported on top of it."""
    from prisma_dsql.diagnostics import Severity

    lines = (Path(__file__).parent.parent / path).read_text().split("\n")
    checked = 0
    for i, line in enumerate(lines):
        if not _FIELD_LINE.match(line) or "//" in line or i % 7:
            continue
        for tail in (" {", " (", " ["):
            mutant = lines[:i] + [line + tail] + lines[i + 1:]
            errors = [d for d in load_text("\n".join(mutant)).diagnostics if d.severity is Severity.ERROR]
            assert [(d.code, d.span.line) for d in errors] == [("PSL001", i + 1)], (i + 1, tail, errors)
            checked += 1
    assert checked >= 9


def test_text_after_an_opening_brace_is_ignored_with_a_warning():
    # Prisma swallows the rest of a header line after `{`; prisma-dsql warns instead of refusing.
    loaded = load_text('datasource db { // fine\n  provider = "postgresql"\n}\n\nmodel M { {\n  id Int @id\n}\n')
    assert [(d.code, d.severity.value, d.span.line) for d in loaded.diagnostics] == [("PSL004", "warning", 5)]
    assert [f.name for f in loaded.schema.models[0].fields] == ["id"]


@pytest.mark.parametrize("blank, valid", [
    ("\x0b", False), ("\x0c", False), ("\ufeff", False), ("\u200b", False),  # not whitespace for Prisma
    ("\t", True), ("\u00a0", True), ("\u2003", True), ("\u3000", True), ("\u202f", True),  # tab and Zs are
])
def test_whitespace_is_what_prisma_calls_whitespace(blank, valid):
    for line in (f"  a{blank}Int", f"  {blank}a Int", f"  a Int{blank}"):
        loaded = load_text(f"model M {{\n  id Int @id\n{line}\n}}\n")
        codes = [(d.code, d.span.line) for d in loaded.diagnostics]
        assert codes == ([] if valid else [("PSL001", 3)]), (repr(line), codes)
        if valid:
            assert [f.name for f in loaded.schema.models[0].fields] == ["id", "a"]


@pytest.mark.parametrize("path", ["samples/blog/schema.prisma", "samples/saas/schema.prisma"])
def test_a_lost_brace_gives_one_finding(path):
    """A block that loses its `{` or its `}` is one error, not one per member or per following block."""
    from prisma_dsql.diagnostics import Severity

    lines = (Path(__file__).parent.parent / path).read_text().split("\n")
    checked = 0
    for i, line in enumerate(lines):
        if line.strip() == "}":
            mutant = lines[:i] + lines[i + 1:]
        elif line.rstrip().endswith("{"):
            mutant = lines[:i] + [line.replace("{", "")] + lines[i + 1:]
        else:
            continue
        errors = [d for d in load_text("\n".join(mutant)).diagnostics if d.severity is Severity.ERROR]
        assert len(errors) == 1, (i + 1, [(d.code, d.span.line, d.message) for d in errors])
        checked += 1
    assert checked >= 10


def test_an_unpaired_surrogate_escape_is_reported_and_replaced():
    loaded = load_text('model A {\n  id Int @id\n\n  @@map("T\\uDC00")\n}\n')
    assert [(d.code, d.span.line) for d in loaded.diagnostics] == [("PSL007", 4)]
    assert loaded.schema.models[0].db_name == "T\ufffd"  # never an unencodable character downstream
    loaded.schema.models[0].db_name.encode("utf-8")
