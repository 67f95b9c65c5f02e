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

from prisma_dsql.diagnostics import Diagnostic, Severity
from prisma_dsql.source import SourceFile
from prisma_dsql.syntax import ast
from prisma_dsql.syntax import tables
from prisma_dsql.syntax.builder import NestingTooDeep, TreeBuilder, clear_depths
from prisma_dsql.syntax.comments import Docs, scan_comments
from prisma_dsql.syntax.errors import ParseError
from prisma_dsql.syntax.lalr import LalrDriver
from prisma_dsql.syntax.recovery import recover
from prisma_dsql.syntax.tables import grammar_path  # noqa: F401  (public: where the grammar is)


# -- parser construction --------------------------------------------------------


@lru_cache(maxsize=1)
def _parser() -> tuple[LalrDriver, TreeBuilder]:
    builder = TreeBuilder()
    return LalrDriver(tables.load(), builder), builder


def build_grammar(strict: bool = False):
    """A plain Lark parser for the grammar (Lark's own front end), e.g. to check it for conflicts."""
    from prisma_dsql.syntax._lark_import import Lark

    return Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
                start=list(tables.START_SYMBOLS), strict=strict)


# -- entry point ---------------------------------------------------------------------


def parse_file(source: SourceFile) -> tuple[ast.SchemaFile, list[Diagnostic]]:
    parser, builder = _parser()
    comments = scan_comments(source)
    docs = Docs(comments)
    builder.begin(source.name, 0, docs)
    clear_depths()
    try:
        blocks = parser.parse(source.text, start="start")
        diagnostics = builder.diagnostics
        return ast.SchemaFile(source.name, tuple(blocks), tuple(comments), _broken(diagnostics)), diagnostics
    except (ParseError, NestingTooDeep):
        pass
    finally:
        clear_depths()
    blocks, diagnostics = recover(source, comments, docs, parser, builder)
    return ast.SchemaFile(source.name, tuple(blocks), tuple(comments), _broken(diagnostics)), diagnostics


def _broken(diagnostics: list[Diagnostic]) -> tuple[int, ...]:
    lines = {line for d in diagnostics if d.severity is Severity.ERROR and d.span is not None
             for line in range(d.span.line, d.span.end_line + 1)}
    return tuple(sorted(lines))


