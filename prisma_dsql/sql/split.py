"""Split a PostgreSQL / Aurora DSQL script into statements.

Contract
--------
``split_sql(script)`` returns a list of :class:`Statement`, in script order.

* A statement ends at a ``;`` that is outside string literals, quoted identifiers, dollar-quoted
  bodies, comments and parentheses, and outside a ``BEGIN ... END`` body of
  ``CREATE [OR REPLACE] FUNCTION|PROCEDURE`` (SQL-standard ``BEGIN ATOMIC`` bodies).  These are the
  rules psql itself uses.  Text after the last ``;`` is a final statement if it holds any token.
* Lexical elements understood: ``'...'`` with ``''`` escapes (backslash is literal, as with
  ``standard_conforming_strings = on``); ``E'...'`` with backslash escapes and ``''``;
  ``"..."`` identifiers with ``""`` escapes; ``$$...$$`` and ``$tag$...$tag$`` dollar quoting
  (``$1`` parameters and ``$`` inside identifiers such as ``a$b`` are not quotes);
  ``-- ...`` line comments; ``/* ... */`` block comments, which nest as in PostgreSQL.
* ``Statement.text`` holds no comments and no terminating ``;``, and is stripped of surrounding
  whitespace.  Comments inside a statement are replaced so that line structure is kept: a line
  comment disappears (its newline stays), a block comment becomes the newlines it spanned or a
  single space.  Hence line ``k`` (0-based) of ``text`` is on script line ``line + k``.
* ``Statement.line`` is the 1-based script line of the statement's first token (never of a
  comment before it).  Comments before the first token (e.g. Prisma's ``-- CreateTable``) are
  reported verbatim in ``Statement.leading_comments`` and are not part of ``text``.
* Empty statements (``;;``, comment-only stretches) are dropped.
* ``Statement.kind`` is the statement's kind in the shared vocabulary of :mod:`prisma_dsql.sql.classify`.
* Linear in the script's length and bounded in memory (no per-character or per-line lists): literals are
  skipped with ``str.find``, lines counted as the scan advances.
* An unterminated quote, identifier, dollar quote or block comment raises :class:`SqlSplitError`
  with the 1-based line where it started.

:func:`mask_sql` is a companion for pattern matching: it returns the text with the *contents* of
string literals, quoted identifiers and dollar-quoted bodies replaced by ``_`` (newlines kept) and
comments blanked, preserving length, so that offsets in the masked text are offsets in the original
and keywords inside literals cannot match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator

__all__ = ["SqlSplitError", "Statement", "mask_sql", "split_sql"]


class SqlSplitError(ValueError):
    """The script cannot be tokenized (unterminated literal or comment)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass(frozen=True)
class Statement:
    text: str
    line: int
    leading_comments: tuple[str, ...] = field(default=())

    @property
    def kind(self) -> str:
        """ddl / dml / async-ddl / transaction-control / other (:func:`prisma_dsql.sql.classify.classify`)."""
        from prisma_dsql.sql.classify import classify

        return classify(self.text)


# Token kinds
_SPACE = "space"
_LINE_COMMENT = "line_comment"
_BLOCK_COMMENT = "block_comment"
_STRING = "string"  # '...', E'...', and the prefix letter belongs to the token
_QIDENT = "qident"  # "..."
_DOLLAR = "dollar"  # $tag$...$tag$
_WORD = "word"  # unquoted identifier or keyword
_SEMI = "semi"
_LPAREN = "lparen"
_RPAREN = "rparen"
_OTHER = "other"  # numbers, operators, punctuation, parameters

_COMMENT_KINDS = (_LINE_COMMENT, _BLOCK_COMMENT)
_QUOTED_KINDS = (_STRING, _QIDENT, _DOLLAR)

_IDENT_START = r"A-Za-z_\u0080-\U0010ffff"
_IDENT_CONT = _IDENT_START + r"0-9$"
_WORD_RE = re.compile(rf"[{_IDENT_START}][{_IDENT_CONT}]*")
_SPACE_RE = re.compile(r"\s+")
_DOLLAR_TAG_RE = re.compile(rf"\$(?:[{_IDENT_START}][{_IDENT_START}0-9]*)?\$")
_NUMBER_RE = re.compile(r"[0-9][0-9A-Za-z_.]*")
_BLOCK_DELIM_RE = re.compile(r"/\*|\*/")


def _tokens(sql: str, line_of) -> Iterator[tuple[str, int, int]]:
    """Yield (kind, start, end) tokens covering ``sql`` completely."""
    n = len(sql)
    i = 0
    while i < n:
        c = sql[i]
        if c.isspace():
            end = _SPACE_RE.match(sql, i).end()
            yield _SPACE, i, end
            i = end
        elif c == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            yield _LINE_COMMENT, i, end
            i = end
        elif c == "/" and sql.startswith("/*", i):
            depth, j = 1, i + 2
            while depth:
                nxt = _BLOCK_DELIM_RE.search(sql, j)
                if nxt is None:
                    raise SqlSplitError("unterminated /* comment", line_of(i))
                depth += 1 if nxt.group() == "/*" else -1
                j = nxt.end()
            yield _BLOCK_COMMENT, i, j
            i = j
        elif c == "'":
            end = _string_end(sql, i + 1, backslash_escapes=False, line_of=line_of, start=i)
            yield _STRING, i, end
            i = end
        elif c == '"':
            j = i + 1
            while True:
                k = sql.find('"', j)
                if k < 0:
                    raise SqlSplitError('unterminated quoted identifier', line_of(i))
                if sql.startswith('""', k):
                    j = k + 2
                    continue
                break
            yield _QIDENT, i, k + 1
            i = k + 1
        elif c == "$":
            m = _DOLLAR_TAG_RE.match(sql, i)
            if m is None:  # $1 parameter or stray $
                end = i + 1
                while end < n and sql[end].isdigit():
                    end += 1
                yield _OTHER, i, end
                i = end
                continue
            tag = m.group()
            close = sql.find(tag, m.end())
            if close < 0:
                raise SqlSplitError(f"unterminated dollar-quoted string {tag}", line_of(i))
            yield _DOLLAR, i, close + len(tag)
            i = close + len(tag)
        elif (word := _WORD_RE.match(sql, i)) is not None:
            end = word.end()
            if end - i == 1 and c in "eE" and end < n and sql[end] == "'":
                end = _string_end(sql, end + 1, backslash_escapes=True, line_of=line_of, start=i)
                yield _STRING, i, end
            else:
                yield _WORD, i, end
            i = end
        elif c.isdigit():
            end = _NUMBER_RE.match(sql, i).end()
            yield _OTHER, i, end
            i = end
        elif c == ";":
            yield _SEMI, i, i + 1
            i += 1
        elif c == "(":
            yield _LPAREN, i, i + 1
            i += 1
        elif c == ")":
            yield _RPAREN, i, i + 1
            i += 1
        else:
            yield _OTHER, i, i + 1
            i += 1


def _string_end(sql: str, j: int, *, backslash_escapes: bool, line_of, start: int) -> int:
    """Return the offset just past the closing quote of a string whose body starts at ``j``.

    Jumps from quote to quote (and, for ``E'...'``, backslash to backslash) with ``str.find``: linear in the
    literal's length and no per-character Python work, so a 50 MB literal is read in well under a second."""
    n = len(sql)
    while j < n:
        q = sql.find("'", j)
        if q < 0:
            break
        if backslash_escapes:
            # The quote is escaped when an odd run of backslashes stands right before it (the run starts
            # after a complete escape or quote, so its pairs are escapes of their own).
            run = q - j - len(sql[j:q].rstrip("\\"))
            if run % 2:
                j = q + 1
                continue
        if q + 1 < n and sql[q + 1] == "'":
            j = q + 2
            continue
        return q + 1
    raise SqlSplitError("unterminated string literal", line_of(start))


def _line_index(sql: str):
    """``line_of(offset)``: the 1-based line of an offset, counting newlines from the previous query on
    (callers ask in increasing order; an earlier offset counts again from the start). No list of every
    newline is kept: a script of millions of lines costs no memory here."""
    state = [0, 1]  # offset, line at that offset

    def line_of(offset: int) -> int:
        at, line = state
        if offset < at:
            at, line = 0, 1
        line += sql.count("\n", at, offset)
        state[0], state[1] = offset, line
        return line

    return line_of


def _blank_comment(text: str) -> str:
    newlines = text.count("\n")
    return "\n" * newlines if newlines else " "


class _BodyTracker:
    """psql's heuristic for ``CREATE [OR REPLACE] FUNCTION|PROCEDURE ... BEGIN ... END``."""

    def __init__(self) -> None:
        self.words: list[str] = []
        self.depth = 0

    def word(self, w: str, paren_depth: int) -> None:
        w = w.lower()
        if len(self.words) < 4:
            self.words.append(w)
        ws = self.words
        is_routine = len(ws) >= 2 and ws[0] == "create" and (
            ws[1] in ("function", "procedure")
            or (len(ws) >= 4 and ws[1:3] == ["or", "replace"] and ws[3] in ("function", "procedure"))
        )
        if not is_routine or paren_depth:
            return
        if w == "begin":
            self.depth += 1
        elif w == "case" and self.depth:
            self.depth += 1
        elif w == "end" and self.depth:
            self.depth -= 1


def split_sql(script: str) -> list[Statement]:
    """Split ``script`` into statements; see the module docstring for the exact contract."""
    line_of = _line_index(script)
    statements: list[Statement] = []

    parts: list[str] = []  # text of the current statement, comments replaced
    comments: list[str] = []  # comments before the first token
    first = -1  # offset of the first token
    paren = 0
    body = _BodyTracker()

    def finish() -> None:
        nonlocal parts, comments, first, paren, body
        if first >= 0:
            statements.append(Statement("".join(parts).strip(), line_of(first), tuple(comments)))
        parts, comments, first, paren, body = [], [], -1, 0, _BodyTracker()

    for kind, start, end in _tokens(script, line_of):
        text = script[start:end]
        if first < 0:
            if kind == _SPACE:
                continue
            if kind in _COMMENT_KINDS:
                comments.append(text)
                continue
            if kind == _SEMI:  # empty statement
                comments = []
                continue
            first = start
        if kind == _SEMI and paren == 0 and body.depth == 0:
            finish()
            continue
        if kind == _LINE_COMMENT:
            continue
        if kind == _BLOCK_COMMENT:
            parts.append(_blank_comment(text))
            continue
        if kind == _LPAREN:
            paren += 1
        elif kind == _RPAREN:
            paren = max(0, paren - 1)
        elif kind == _WORD:
            body.word(text, paren)
        parts.append(text)
    finish()
    return statements


def mask_sql(sql: str) -> str:
    """Blank literal contents and comments in ``sql`` without changing its length.

    ``'it''s'`` becomes ``'_____'``, ``"My Table"`` becomes ``"________"``, ``$f$ body $f$`` keeps its
    tags and blanks the body, comments become spaces; newlines are kept everywhere.  The ``E``
    prefix of ``E'...'`` is kept.
    """
    line_of = _line_index(sql)
    out: list[str] = []
    for kind, start, end in _tokens(sql, line_of):
        text = sql[start:end]
        if kind in _COMMENT_KINDS:
            out.append(re.sub(r"[^\n]", " ", text))
        elif kind in (_STRING, _QIDENT):
            q = "'" if kind == _STRING else '"'
            open_at = text.index(q) + 1
            out.append(text[:open_at] + _fill(text[open_at:-1]) + text[-1])
        elif kind == _DOLLAR:
            tag = _DOLLAR_TAG_RE.match(text).group()
            out.append(tag + _fill(text[len(tag) : -len(tag)]) + tag)
        else:
            out.append(text)
    return "".join(out)


class _FillTable(dict):
    """``str.translate`` table: every character but a newline becomes ``_`` (ASCII lookups are cached by
    translate itself, so a 50 MB literal is filled without a list of its pieces)."""

    def __missing__(self, key: int) -> str:
        return "_"


_FILL = _FillTable({10: "\n"})


def _fill(body: str) -> str:
    return body.translate(_FILL)
