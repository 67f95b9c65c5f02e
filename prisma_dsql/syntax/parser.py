"""Parse one `.prisma` file into a `SchemaFile` syntax tree plus diagnostics.

Contract: `parse_file(source)` never raises for anything in the text. It
returns every block it could read and one diagnostic per problem, each with a
position.

Two paths share one grammar and one tree builder:
- the fast path parses the whole file in one LALR pass (lexer.py, lalr.py;
  the tree builder in builder.py runs inside the parser, so no parse tree is
  ever built);
- when that fails, recovery.py walks the file line by line and parses each
  member line with the grammar's member start symbols, so a single run
  reports every broken line (Prisma's catch-all behaviour).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from prisma_dsql.diagnostics import Diagnostic
from prisma_dsql.source import SourceFile
from prisma_dsql.syntax import ast
from prisma_dsql.syntax._lark_import import Lark, UnexpectedInput
from prisma_dsql.syntax.builder import NestingTooDeep, TreeBuilder, clear_depths
from prisma_dsql.syntax.comments import Docs, scan_comments
from prisma_dsql.syntax.lalr import LalrDriver
from prisma_dsql.syntax.lexer import FastLexer
from prisma_dsql.syntax.recovery import recover


def grammar_path() -> Path:
    """Where prisma.lark is: inside the installed package (wheel), else the checkout's grammar/."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "grammar" / "prisma.lark", here.parent / "grammar" / "prisma.lark"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("grammar/prisma.lark is missing from this installation")


# -- parser construction --------------------------------------------------------


@lru_cache(maxsize=1)
def _parser() -> tuple[LalrDriver, TreeBuilder]:
    builder = TreeBuilder()
    parser = Lark(
        grammar_path().read_text(encoding="utf-8"),
        parser="lalr",
        lexer=FastLexer,
        start=["start", "model_member", "enum_member", "config_member"],
        maybe_placeholders=False,
        # Grammar analysis costs ~0.4 s; Lark keeps the result in a temp-dir
        # file keyed by the grammar's hash, so later runs load it in ~30 ms.
        cache=True,
    )
    return LalrDriver(parser, builder), builder


def build_grammar(strict: bool = False) -> Lark:
    """A fresh parser without the tree builder, e.g. to check the grammar for conflicts."""
    return Lark(
        grammar_path().read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        start=["start", "model_member", "enum_member", "config_member"],
        strict=strict,
    )


# -- entry point ---------------------------------------------------------------------


def parse_file(source: SourceFile) -> tuple[ast.SchemaFile, list[Diagnostic]]:
    parser, builder = _parser()
    comments = scan_comments(source)
    docs = Docs(comments)
    builder.begin(source.name, 0, docs)
    clear_depths()
    try:
        blocks = parser.parse(source.text, start="start")
        return ast.SchemaFile(source.name, tuple(blocks), tuple(comments)), builder.diagnostics
    except (UnexpectedInput, NestingTooDeep):
        pass
    finally:
        clear_depths()
    blocks, diagnostics = recover(source, comments, docs, parser, builder)
    return ast.SchemaFile(source.name, tuple(blocks), tuple(comments)), diagnostics


