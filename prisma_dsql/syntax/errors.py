"""The parser's own error: a token or character the grammar does not allow here.

Raised by the lexer and the LALR driver and caught inside the syntax stage
(the fast path falls back to line-by-line recovery); it never reaches users.
"""

from __future__ import annotations


class ParseError(Exception):
    def __init__(self, message: str, line: int, column: int):
        super().__init__(message)
        self.line = line
        self.column = column


class NestingTooDeep(Exception):
    """Values nested deeper than builder.MAX_NESTING: the caller falls back to line-by-line recovery.
    Defined here, not in builder.py, so that a compiled builder raises the class every caller catches."""

    def __init__(self, span):
        self.span = span
