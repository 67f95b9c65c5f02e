"""Source files and spans.

Every later stage points back at `.prisma` text through a `Span`: file name,
1-based line and column of the first character, and line and column just past
the last one. Columns count characters (code points), as editors do.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple


class Span(NamedTuple):
    # A NamedTuple rather than a frozen dataclass: the parser makes one per
    # token, and tuple construction is several times cheaper.
    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def to(self, other: "Span") -> "Span":
        """The span from the start of this one to the end of `other`."""
        # tuple.__new__ skips NamedTuple's Python-level constructor: the parser joins ~40,000 spans
        # for a 1,000-model schema.
        return _new(Span, (self.file, self.line, self.column, other.end_line, other.end_column))

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }


_new = tuple.__new__


@dataclass(frozen=True)
class SourceFile:
    """One schema file's text, with newlines kept as written (\\n, \\r\\n or \\r)."""

    name: str
    text: str

    @cached_property
    def lines(self) -> list[str]:
        """The file's lines without their line terminators (any of the three kinds)."""
        return self.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")

    def line(self, number: int) -> str:
        lines = self.lines
        if 1 <= number <= len(lines):
            return lines[number - 1]
        return ""
