"""Building blocks for the fixes rules attach to findings (applied by `prisma_dsql.fix`).

Every helper returns `Edit`s over source spans, or None when it cannot be sure of the
text it would change (no source text given to the run, a comment inside an attribute,
an argument it cannot find): a rule then attaches no fix rather than a guess. Edits
touch only the characters they name; what lies around them is never rewritten.
"""

from __future__ import annotations

import bisect
from typing import Iterable

from prisma_dsql.diagnostics import Edit, Fix
from prisma_dsql.schema.model import Field
from prisma_dsql.source import Span

_OPEN = {"(": ")", "[": "]", "{": "}"}


def fix(description: str, edits: Iterable[Edit | None]) -> Fix | None:
    """A fix of these edits, or None when any of them could not be built (or there are none)."""
    edits = tuple(edits)
    if not edits or any(e is None for e in edits):
        return None
    return Fix(description, edits)


def replace(span: Span, text: str) -> Edit:
    return Edit(span, text)


def insert_after(span: Span, text: str) -> Edit:
    return Edit(Span(span.file, span.end_line, span.end_column, span.end_line, span.end_column), text)


def retype(fld: Field, type_name: str) -> Edit:
    """The field's type replaced, keeping `?` or `[]` (the type span covers them)."""
    suffix = "?" if fld.is_optional else "[]" if fld.is_list else ""
    return Edit(fld.type_span, type_name + suffix)


def _source(ctx, file: str) -> str | None:
    sources = getattr(ctx, "sources", None)
    return sources.get(file) if sources else None


def _span_of(text: str, file: str, start: int, end: int) -> Span:
    from prisma_dsql.fix import _lines

    starts = _lines(text).starts
    li = bisect.bisect_right(starts, start) - 1
    le = bisect.bisect_right(starts, end) - 1
    return Span(file, li + 1, start - starts[li] + 1, le + 1, end - starts[le] + 1)


def drop(ctx, span: Span) -> Edit | None:
    """Delete an attribute (or a block attribute's line): the blanks before it go too, and when
    nothing else is left on its line, the whole line with its line break."""
    text = _source(ctx, span.file)
    if text is None:
        return None
    from prisma_dsql.fix import span_range

    start, end = span_range(text, span)
    s = start
    while s > 0 and text[s - 1] in " \t":
        s -= 1
    e = end
    while e < len(text) and text[e] in " \t":
        e += 1
    if (s == 0 or text[s - 1] in "\r\n") and (e == len(text) or text[e] in "\r\n"):
        if e < len(text):
            e += 2 if text.startswith("\r\n", e) else 1
        return Edit(_span_of(text, span.file, s, e), "")
    if s == 0 or text[s - 1] in "\r\n":
        # First on its line, something after it (a comment): keep the indentation for what stays.
        return Edit(_span_of(text, span.file, start, e), "")
    return Edit(_span_of(text, span.file, s, end), "")


def _arguments(text: str, open_at: int) -> list[tuple[int, int]] | None:
    """The top-level arguments of the parenthesised list opening at `text[open_at]` as
    (start, end) offsets, without surrounding blanks; None if a comment or an unclosed bracket
    is found."""
    depth = 0
    args: list[tuple[int, int]] = []
    start = open_at + 1
    i = open_at
    n = len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            if i >= n:
                return None
        elif c == "/" and text.startswith("//", i):
            return None
        elif c in _OPEN:
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                args.append((start, i))
                break
        elif c == "," and depth == 1:
            args.append((start, i))
            start = i + 1
        i += 1
    else:
        return None
    out = []
    for s, e in args:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        out.append((s, e))
    return [a for a in out if a[0] < a[1]] if len(out) > 1 or out[0][0] < out[0][1] else []


def drop_argument(ctx, span: Span, name: str) -> Edit | None:
    """Delete the named argument `name: ...` from the argument list that follows the start of
    `span` (an attribute `@@index([a], type: Hash)`, or an index field `a(ops: X, sort: Desc)`),
    with its comma; the parentheses go too when it was the only argument."""
    text = _source(ctx, span.file)
    if text is None:
        return None
    from prisma_dsql.fix import span_range

    begin, finish = span_range(text, span)
    # The argument list is the first `(` after the name (no `(` means no arguments).
    i = begin
    while i < finish and (text[i].isalnum() or text[i] in "@._"):
        i += 1
    while i < finish and text[i] in " \t":
        i += 1
    if i >= finish or text[i] != "(":
        return None
    args = _arguments(text, i)
    if args is None:
        return None
    # The closing parenthesis: after the last argument, the next `)`.
    close = (args[-1][1] if args else i + 1)
    while close < len(text) and text[close] != ")":
        close += 1
    for k, (s, e) in enumerate(args):
        head = text[s:e].split(":", 1)[0].strip()
        if head != name or ":" not in text[s:e]:
            continue
        if len(args) == 1:
            return Edit(_span_of(text, span.file, i, close + 1), "")
        if k > 0:
            return Edit(_span_of(text, span.file, args[k - 1][1], e), "")
        return Edit(_span_of(text, span.file, s, args[1][0]), "")
    return None


def argument_span(ctx, span: Span, name: str) -> Span | None:
    """The span of the value of the named argument in the list following the start of `span`."""
    text = _source(ctx, span.file)
    if text is None:
        return None
    from prisma_dsql.fix import span_range

    begin, finish = span_range(text, span)
    i = text.find("(", begin, finish)
    if i < 0:
        return None
    args = _arguments(text, i)
    for s, e in args or ():
        head, sep, _ = text[s:e].partition(":")
        if sep and head.strip() == name:
            v = s + len(head) + 1
            while v < e and text[v].isspace():
                v += 1
            return _span_of(text, span.file, v, e)
    return None


def line_indent(ctx, span: Span) -> str | None:
    """The blanks that start the line of `span`."""
    text = _source(ctx, span.file)
    if text is None:
        return None
    from prisma_dsql.fix import _lines

    start = _lines(text).starts[span.line - 1]
    i = start
    while i < len(text) and text[i] in " \t":
        i += 1
    return text[start:i]


def insert_line_before_close(ctx, block: Span, line: str) -> Edit | None:
    """A new line `line` (indented as the block's members) just before the `}` closing `block`."""
    text = _source(ctx, block.file)
    if text is None:
        return None
    from prisma_dsql.fix import span_range

    start, end = span_range(text, block)
    close = text.rfind("}", start, end)
    if close < 0:
        return None
    line_start = max(text.rfind("\n", 0, close), text.rfind("\r", 0, close)) + 1
    if text[line_start:close].strip():
        return None  # `}` shares its line with a member: not a layout this inserts into
    # Indent as the first member line of the block.
    first_nl = text.find("\n", start, close)
    indent = "  "
    if first_nl >= 0:
        j = first_nl + 1
        k = j
        while k < close and text[k] in " \t":
            k += 1
        if k > j:
            indent = text[j:k]
    return Edit(_span_of(text, block.file, line_start, line_start), f"{indent}{line}\n")


def drop_list_item(ctx, span: Span) -> Edit | None:
    """Delete one item of a `[a, b, c]` list with the comma that separates it from a neighbour."""
    text = _source(ctx, span.file)
    if text is None:
        return None
    from prisma_dsql.fix import span_range

    start, end = span_range(text, span)
    i = start
    while i > 0 and text[i - 1] in " \t":
        i -= 1
    if i > 0 and text[i - 1] == ",":
        return Edit(_span_of(text, span.file, i - 1, end), "")
    j = end
    while j < len(text) and text[j] in " \t":
        j += 1
    if j < len(text) and text[j] == ",":
        j += 1
        while j < len(text) and text[j] in " \t":
            j += 1
        return Edit(_span_of(text, span.file, start, j), "")
    return None


def drop_property(ctx, value: Span, key: str) -> Edit | None:
    """Delete a `key = value` line of a datasource or generator block, given the value's span;
    None when the line holds anything else (a comment is never deleted)."""
    text = _source(ctx, value.file)
    if text is None:
        return None
    from prisma_dsql.fix import _lines, span_range

    start, end = span_range(text, value)
    line_start = _lines(text).starts[value.line - 1]
    head = text[line_start:start]
    if head.replace(" ", "").replace("\t", "") != f"{key}=":
        return None
    key_at = line_start + head.index(key)
    return drop(ctx, _span_of(text, value.file, key_at, end))


def in_relation(schema, model_name: str, field_name: str) -> bool:
    """Whether the field holds or is referenced by a relation's key (changing its type alone would
    leave the two sides of the relation with different types, which Prisma rejects)."""
    for rel in schema.relations:
        if rel.from_model == model_name and field_name in rel.fields:
            return True
        if rel.to_model == model_name and field_name in rel.references:
            return True
    return False


def prisma_string(text: str) -> str:
    """`text` as a Prisma string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
