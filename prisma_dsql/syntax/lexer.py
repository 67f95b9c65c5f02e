"""A fast lexer for the Lark grammar, built from the grammar's own terminals.

Lark's contextual lexer tries the terminals allowed in each parser state one
call at a time; for Prisma schemas that is ~40% of parse time. This lexer
compiles every terminal of grammar/prisma.lark into one alternation and scans
with it, which is several times cheaper per token, while the grammar stays the
single source of truth for what each token looks like.

The only context the language needs is for block keywords: `type`, `model`,
`enum`, ... are keywords at the top level and ordinary names elsewhere (a
field called `type` is common). A NAME spelled like a keyword becomes the
keyword exactly when the parser's current state accepts that keyword, which
is the same decision Lark's contextual lexer would make.

Tokens are light named tuples with Lark's position attributes instead of
`lark.Token` (a str subclass with eight attributes, costly to build); the tree
builder reads `.value`. The terminals come from `tables.Tables`, so lexing
never needs Lark itself.
"""

from __future__ import annotations

import re
from typing import Iterator, NamedTuple

from prisma_dsql.syntax.errors import ParseError


class Tok(NamedTuple):
    type: str
    value: str
    start_pos: int
    line: int
    column: int
    end_line: int
    end_column: int
    end_pos: int

    def __str__(self) -> str:
        return self.value


_KEYWORD_PREFIX = "KW_"
#: Prisma's whitespace is a tab or a Unicode space separator (category Zs), nothing else: a vertical
#: tab, form feed or stray U+FEFF makes the line invalid. The grammar's WS terminal also matches those
#: three, so ignored blanks are checked here; Zs characters it lacks are skipped here.
_PRISMA_BLANKS = frozenset(" \t\u00a0\u1680\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B))))
_NOT_BLANK_IN_PRISMA = re.compile("[^" + "".join(sorted(_PRISMA_BLANKS)) + "]")


class FastLexer:
    def __init__(self, terminals, ignore):
        """`terminals`: tables.Terminal records; `ignore`: names of terminals that are skipped."""
        self.keywords: dict[str, str] = {}
        parts = []
        # Longer literal terminals first ("@@" before "@"); regexes keep their
        # order otherwise. Terminals never overlap except keywords vs NAME.
        ordered = sorted(terminals, key=lambda t: (not t.is_literal, -t.length))
        for t in ordered:
            if t.name.startswith(_KEYWORD_PREFIX):
                word = re.match(r"[a-z]+", t.regexp).group(0)
                self.keywords[word] = t.name
                continue
            parts.append(f"(?P<{t.name}>{t.regexp})")
        # Leading blanks are skipped inside the match rather than as tokens of
        # their own: a quarter fewer trips through the Python loop.
        self.scanner = re.compile("[ \\t]*(?:" + "|".join(parts) + ")")
        self.ignore = frozenset(ignore)
        self.multiline = frozenset(t.name for t in terminals if t.multiline)

    def tokens(self, text: str, accepts, pos: int = 0, end: int | None = None) -> Iterator[Tok]:
        """Tokens of `text`; `accepts(terminal)` says whether the parser can take a keyword now."""
        end = len(text) if end is None else end
        line = 1
        line_start = pos
        ignore = self.ignore
        multiline = self.multiline
        keywords = self.keywords
        new = tuple.__new__  # Tok(...) without the Python-level NamedTuple constructor
        # finditer walks the text in C; a match that does not start where the previous one
        # ended means characters no terminal accepts.
        while True:
            for tok in self._scan(text, pos, end, line, line_start, ignore, multiline, keywords, accepts, new):
                if tok.__class__ is tuple:  # the scan's final state, not a token
                    pos, line, line_start = tok
                    break
                yield tok
            # A Unicode space separator the grammar lacks: Prisma's whitespace, skip it and go on.
            while pos < end and text[pos] in " \t":
                pos += 1
            if pos < end and text[pos] in _PRISMA_BLANKS:
                pos += 1
                continue
            break
        if pos < end:
            raise ParseError(f"unexpected character {text[pos]!r}", line, pos - line_start + 1)

    def _scan(self, text, pos, end, line, line_start, ignore, multiline, keywords, accepts, new):
        """Tokens from `pos` until no terminal matches; last yields (pos, line, line_start) as a plain tuple."""
        for m in self.scanner.finditer(text, pos, end):
            if m.start() != pos or m.lastgroup is None:
                break
            kind = m.lastgroup
            stop = m.end()
            pos = m.start(kind)
            value = text[pos:stop]
            column = pos - line_start + 1
            if kind in ignore and kind == "WS" and _NOT_BLANK_IN_PRISMA.search(value):
                bad = pos + _NOT_BLANK_IN_PRISMA.search(value).start()
                raise ParseError(f"unexpected character {text[bad]!r} (not whitespace for Prisma)", line,
                                 bad - line_start + 1)
            if kind in multiline and ("\n" in value or "\r" in value):
                breaks = value.count("\n") + value.count("\r") - value.count("\r\n")
                new_line = line + breaks
                last = max(value.rfind("\n"), value.rfind("\r"))
                new_line_start = pos + last + 1
                if kind not in ignore:
                    yield new(Tok, (kind, value, pos, line, column, new_line, stop - new_line_start + 1, stop))
                line, line_start = new_line, new_line_start
            elif kind not in ignore:
                if kind == "NAME" and value in keywords and accepts(keywords[value]):
                    kind = keywords[value]
                yield new(Tok, (kind, value, pos, line, column, line, column + stop - pos, stop))
            pos = stop
        yield (pos, line, line_start)
