"""Line-by-line recovery for files the one-pass parse rejects.

Contract: `recover(source, comments, docs, parser, builder)` walks the file
line by line, tracks block headers and closing braces itself, parses each
member line with the grammar's member start symbols, and returns every block
it could read plus one diagnostic per broken line (Prisma's catch-all
behaviour: one bad line never hides the next).
"""

from __future__ import annotations

import re
from dataclasses import replace

from prisma_dsql.diagnostics import Diagnostic, Severity
from prisma_dsql.source import Span
from prisma_dsql.syntax import ast
from prisma_dsql.syntax.errors import ParseError
from prisma_dsql.syntax.builder import MAX_NESTING, NestingTooDeep, diag
from prisma_dsql.syntax.comments import LINE_BREAK, mask_comments

_MEMBER_START = {
    "model": "model_member",
    "view": "model_member",
    "type": "model_member",
    "enum": "enum_member",
    "datasource": "config_member",
    "generator": "config_member",
}

_BAD_MEMBER_MESSAGE = {
    "model": "This line is not a valid field or attribute definition.",
    "view": "This line is not a valid field or attribute definition.",
    "type": "This line is not a valid field or attribute definition.",
    "enum": "This line is not an enum value definition.",
    "datasource": "This line is not a valid definition within a datasource.",
    "generator": "This line is not a valid definition within a generator.",
}



_HEADER = re.compile(r"^([ \t]*)(model|view|type|enum|datasource|generator)(?![\w-])(.*)$")
_HEADER_REST = re.compile(r"^[ \t]+([^\W\d_][\w-]*)[ \t]*(\{)?[ \t]*(.*?)[ \t]*$")
_CLOSE = re.compile(r"^[ \t]*\}(.*)$")


class _OpenBlock:
    def __init__(self, kind, name, name_span, kw_span, header_line):
        self.kind = kind
        self.name = name
        self.name_span = name_span
        self.kw_span = kw_span
        self.header_line = header_line
        self.members: list = []


def recover(source, comments, docs, parser, builder):
    masked = mask_comments(source.text, comments)
    lines = LINE_BREAK.split(masked)
    file = source.name
    diags: list[Diagnostic] = []
    blocks: list[ast.Block] = []
    current: _OpenBlock | None = None
    skipping: int | None = None  # header line of a block with an unknown keyword
    continuation = 0  # open brackets of a broken multi-line argument list

    def line_span(n: int, text: str) -> Span:
        stripped = text.strip()
        if not stripped:
            return Span(file, n, 1, n, 1)
        col = len(text) - len(text.lstrip()) + 1
        return Span(file, n, col, n, col + len(stripped))

    def close(block: _OpenBlock, end: Span) -> None:
        builder.begin(file, 0, docs)
        kw_tok_span = block.kw_span
        attrs = tuple(m for m in block.members if isinstance(m, ast.Attribute))
        body = tuple(m for m in block.members if not isinstance(m, ast.Attribute))
        blocks.append(
            ast.Block(block.kind, block.name, block.name_span, kw_tok_span.to(end), body, attrs,
                      docs.for_line(kw_tok_span.line))
        )

    for index, text in enumerate(lines):
        n = index + 1
        if not text.strip(" \t\ufeff\u00a0"):
            continue
        header = _HEADER.match(text)
        close_match = _CLOSE.match(text)
        if current is not None and close_match:
            rest = close_match.group(1).strip()
            end_col = text.index("}") + 1
            if rest:
                diags.append(diag("PSL004", "A closing brace `}` must stand alone on its line.", line_span(n, text),
                                   help="Move what follows `}` to its own line."))
            close(current, Span(file, n, end_col, n, end_col + 1))
            current = None
            continuation = 0
            continue
        # Inside a block, an indented `type X {` is a broken member line (a field called `type` with a
        # stray brace), not the start of the next block after a missing `}`.
        if header and (current is None or ("{" in header.group(3) and not header.group(1))):
            indent, kind, rest = header.groups()
            kw_span = Span(file, n, len(indent) + 1, n, len(indent) + 1 + len(kind))
            if current is not None:
                diags.append(diag("PSL003", f"This {current.kind} is missing its closing brace `}}`.",
                                   current.kw_span.to(current.name_span),
                                   help=f"Add a line with `}}` before line {n}."))
                close(current, Span(file, n - 1, 1, n - 1, 1))
                current = None
            m = _HEADER_REST.match(rest)
            if not m:
                diags.append(diag("PSL001", f"A {kind} block needs a name: `{kind} Name {{`.", line_span(n, text)))
                current = _OpenBlock(kind, "", kw_span, kw_span, n)
                continue
            name, brace, after = m.groups()
            name_col = len(indent) + len(kind) + (len(rest) - len(rest.lstrip(" \t"))) + 1
            name_span = Span(file, n, name_col, n, name_col + len(name))
            if not brace:
                diags.append(diag("PSL004", f"The {kind} header must end with `{{`.", line_span(n, text),
                                   help=f"Write `{kind} {name} {{` and put the body on the following lines."))
            elif after and not after.endswith("}"):
                # Prisma's grammar swallows the rest of the header line after `{`: not an error there,
                # but whatever stands there is silently lost, which deserves a warning.
                diags.append(replace(diag("PSL004", "Prisma ignores the text after `{` on a block's header line.",
                                          line_span(n, text), help="Put each field or attribute on its own line."),
                                     severity=Severity.WARNING))
            elif after:
                diags.append(diag("PSL004", "A block must span several lines: `{` ends the header line and `}` "
                                  "stands alone.", line_span(n, text),
                                  help="Put each field or attribute on its own line."))
                if after.endswith("}"):
                    # Read what stands between the braces as a member, so the
                    # block keeps its content and later checks see it.
                    members = []
                    inner_start = text.index("{") + 1
                    inner = " " * inner_start + text[inner_start: text.rindex("}")]
                    if inner.strip():
                        builder.begin(file, index, docs)
                        try:
                            members.append(parser.parse(inner, start=_MEMBER_START[kind]))
                        except (ParseError, NestingTooDeep):
                            pass
                        diags.extend(builder.diagnostics)
                    attrs = tuple(m for m in members if isinstance(m, ast.Attribute))
                    body = tuple(m for m in members if not isinstance(m, ast.Attribute))
                    blocks.append(ast.Block(kind, name, name_span, line_span(n, text), body, attrs, docs.for_line(n)))
                    continue
            current = _OpenBlock(kind, name, name_span, kw_span, n)
            continuation = 0
            continue
        if skipping is not None:
            # Inside a block with an unknown keyword: already reported once.
            if close_match:
                skipping = None
            continue
        if current is None:
            unknown = _UNKNOWN_HEADER.match(text)
            if unknown:
                word = unknown.group(1)
                col = text.index(word) + 1
                hint = _closest_keyword(word)
                diags.append(diag("PSL002", f"`{word}` is not a Prisma block type; a block is a model, view, type, "
                                   "enum, datasource or generator.", Span(file, n, col, n, col + len(word)),
                                   help=f"Did you mean `{hint} {unknown.group(2)} {{`?" if hint else None))
                skipping = n
                continue
            if close_match:
                diags.append(diag("PSL002", "Unexpected closing brace `}` outside any block.", line_span(n, text)))
            else:
                diags.append(diag("PSL002",
                                   "This line is invalid. It does not start with any known Prisma schema keyword.",
                                   line_span(n, text),
                                   help="Top-level lines start a block: model, view, type, enum, datasource or generator."))
            continue
        if continuation > 0:
            # The rest of a multi-line argument list, already reported; but a line that is a member of
            # its own (after a stray `{` or `(`) ends it, as in Prisma, where every line stands alone.
            builder.begin(file, index, docs)
            try:
                member = parser.parse(text, start=_MEMBER_START[current.kind])
            except (ParseError, NestingTooDeep):
                continuation += _bracket_balance(text)
                continue
            continuation = 0
            diags.extend(builder.diagnostics)
            current.members.append(member)
            continue
        # A member line of the open block.
        builder.begin(file, index, docs)
        try:
            member = parser.parse(text, start=_MEMBER_START[current.kind])
        except (ParseError, NestingTooDeep) as exc:
            diags.extend(builder.diagnostics)
            diags.append(_member_error(current.kind, text, line_span(n, text), exc))
            continuation = max(0, _bracket_balance(text))
            continue
        diags.extend(builder.diagnostics)
        current.members.append(member)
    if current is not None:
        diags.append(diag("PSL003", f"This {current.kind} is missing its closing brace `}}`.",
                           current.kw_span.to(current.name_span), help="Add a line with `}` at the end of the block."))
        last = len(lines)
        close(current, Span(file, last, 1, last, 1))
    return blocks, diags


_UNKNOWN_HEADER = re.compile(r"^[ \t]*([^\W\d_][\w-]*)[ \t]+([^\W\d_][\w-]*)[ \t]*\{[ \t]*$")
_KEYWORDS = ("model", "view", "type", "enum", "datasource", "generator")


def _closest_keyword(word: str) -> str | None:
    import difflib

    aliases = {"table": "model", "entity": "model", "struct": "type", "class": "model"}
    if word.lower() in aliases:
        return aliases[word.lower()]
    close = difflib.get_close_matches(word.lower(), _KEYWORDS, n=1, cutoff=0.6)
    return close[0] if close else None


def _bracket_balance(text: str) -> int:
    text = re.sub(r'"(?:[^"\\]|\\.)*"', "", text)
    return sum(text.count(c) for c in "([{") - sum(text.count(c) for c in ")]}")


_SINGLE_NAME = re.compile(r"^[ \t]*[^\W\d_][\w-]*[ \t]*$")


def _member_error(kind: str, text: str, span: Span, exc: Exception) -> Diagnostic:
    if isinstance(exc, NestingTooDeep):
        return diag("PSL001", f"Values are nested more than {MAX_NESTING} levels deep.", exc.span)
    if kind in ("model", "view", "type") and _SINGLE_NAME.match(text):
        return diag("PSL008", "This field declaration is invalid. It is either missing a name or a type.", span,
                     help=f"Give the field a type, e.g. `{text.strip()} String`.")
    help = None
    if text.count("(") > text.count(")") or text.count("[") > text.count("]") or text.count("{") > text.count("}"):
        help = "Attribute arguments must fit on one line; Prisma does not accept multi-line argument lists."
    elif isinstance(exc, ParseError):
        col = getattr(exc, "column", None)
        if isinstance(col, int) and col > 0:
            help = f"Prisma could not read this line from column {col} on."
    return diag("PSL001", _BAD_MEMBER_MESSAGE[kind], span, help=help)
