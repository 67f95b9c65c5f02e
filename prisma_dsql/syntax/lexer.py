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

The scan itself runs inside the LALR driver's loop (lalr.py), one match per token.
Tokens are light named tuples with Lark's position attributes instead of
`lark.Token` (a str subclass with eight attributes, costly to build); the tree
builder reads `.value`. The terminals come from `tables.Tables`, so lexing
never needs Lark itself.
"""

from __future__ import annotations

import re
from typing import NamedTuple


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
#: The scanner's name for a character that starts no token.
STRAY = "_STRAY"
#: Prisma's whitespace is a tab or a Unicode space separator (category Zs), nothing else: a vertical
#: tab, form feed or stray U+FEFF makes the line invalid. The grammar's WS terminal also matches those
#: three, so ignored blanks are checked here; Zs characters it lacks are skipped here.
PRISMA_BLANKS = frozenset(" \t\u00a0\u1680\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B))))
NOT_BLANK_IN_PRISMA = re.compile("[^" + "".join(sorted(PRISMA_BLANKS)) + "]")


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
        # The last alternative takes any one character no terminal takes (`_STRAY`), so every match
        # starts where the previous one ended and the driver never checks where a match starts.
        self.scanner = re.compile("[ \\t]*(?:" + "|".join(parts) + f"|(?P<{STRAY}>[\\s\\S]))")
        #: Terminal name by group number: a match's `lastindex` is the terminal's own group (it
        #: closes after any group nested in the terminal's pattern).
        names = {number: name for name, number in self.scanner.groupindex.items()}
        self.kinds: tuple[str, ...] = tuple(names.get(i, "") for i in range(self.scanner.groups + 1))
        self.ignore = frozenset(ignore)
        self.multiline = frozenset(t.name for t in terminals if t.multiline)
        #: Terminals the driver looks at twice: skipped, able to span lines, or no terminal at all.
        self.special = self.ignore | self.multiline | {STRAY}
