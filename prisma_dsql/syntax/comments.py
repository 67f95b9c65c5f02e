"""Comments: found once per file, kept for documentation and for tools.

Contract: `scan_comments(source)` returns every `//`, `///` and `/* */` comment
with its span (string literals are skipped); `Docs` answers which `///` or
`/* */` text documents the node on a given line (consecutive own-line doc
comments directly above it, plus a trailing one on the same line), as Prisma's
DMMF has it: a `///` line without its leading blanks (an empty `///` is an
empty line), a `/* */` block raw between its delimiters, trimmed;
`mask_comments` blanks comments out while keeping every column in place.
"""

from __future__ import annotations

import re

from prisma_dsql.source import SourceFile, Span
from prisma_dsql.syntax import ast


_COMMENT_SCAN = re.compile(r'"(?:[^"\\\r\n]|\\.)*"|//[^\r\n]*|/\*(?:[^*]|\*(?!/))*\*/')
LINE_BREAK = re.compile(r"\r\n|\r|\n")


class Docs:
    """All comments of a file by line; answers "what documents the node on line N"."""

    def __init__(self, comments: list[ast.Comment]):
        self.comments = comments
        self.by_line: dict[int, list[ast.Comment]] = {}
        #: Own-line comments by the line they end on (a `/* */` block can span several).
        self.by_end_line: dict[int, list[ast.Comment]] = {}
        for c in comments:
            self.by_line.setdefault(c.span.line, []).append(c)
            self.by_end_line.setdefault(c.span.end_line, []).append(c)

    @staticmethod
    def _doc_text(c: ast.Comment) -> str | None:
        t = c.text
        if t.startswith("///"):
            return t[3:].lstrip()  # Prisma keeps trailing blanks, and an empty `///` as an empty line
        if t.startswith("/*"):
            return t[2:-2].strip()  # kept raw, `*` line prefixes included, as Prisma does
        return None

    def for_line(self, line: int) -> str | None:
        if line not in self.by_line and line - 1 not in self.by_end_line:
            return None  # most lines: no comment on it, none ending just above
        parts: list[str] = []
        # Own-line doc comments directly above (no blank line between).
        n = line - 1
        above: list[str] = []
        while n in self.by_end_line:
            cs = self.by_end_line[n]
            if not all(c.own_line for c in cs) or len(self.by_line.get(cs[0].span.line, ())) != len(cs):
                break
            texts = [self._doc_text(c) for c in cs]
            if any(t is None for t in texts):
                break
            above[:0] = texts
            n = cs[0].span.line - 1
        parts.extend(above)
        for c in self.by_line.get(line, ()):
            if not c.own_line:
                t = self._doc_text(c)
                if t is not None:
                    parts.append(t)
        return "\n".join(parts) if parts else None


def scan_comments(source: SourceFile) -> list[ast.Comment]:
    """Every comment with its span, found with string literals skipped."""
    text = source.text
    if "/" not in text:
        return []
    comments: list[ast.Comment] = []
    line = 1
    pos = 0
    line_start = 0
    for m in _COMMENT_SCAN.finditer(text):
        s = m.group(0)
        if s[0] == '"':
            continue
        start = m.start()
        # Advance line counting to the comment start.
        chunk = text[pos:start]
        breaks = list(LINE_BREAK.finditer(chunk))
        if breaks:
            line += len(breaks)
            line_start = pos + breaks[-1].end()
        pos = start
        col = start - line_start + 1
        inner_breaks = list(LINE_BREAK.finditer(s))
        if inner_breaks:
            end_line = line + len(inner_breaks)
            end_col = len(s) - inner_breaks[-1].end() + 1
        else:
            end_line, end_col = line, col + len(s)
        before = text[line_start:start]
        own_line = before.strip(" \t\ufeff") == ""
        comments.append(ast.Comment(s, Span(source.name, line, col, end_line, end_col), own_line))
    return comments


def mask_comments(text: str, comments: list[ast.Comment]) -> str:
    """The text with every comment replaced by spaces (line breaks kept), so
    line-level recovery sees the same columns as the original."""
    if not comments:
        return text
    out = []
    last = 0
    for m in _COMMENT_SCAN.finditer(text):
        s = m.group(0)
        if s[0] == '"':
            continue
        out.append(text[last : m.start()])
        out.append(re.sub(r"[^\r\n]", " ", s))
        last = m.end()
    out.append(text[last:])
    return "".join(out)


