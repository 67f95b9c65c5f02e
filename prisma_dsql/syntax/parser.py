"""Parse one `.prisma` file into a `SchemaFile` syntax tree plus diagnostics.

Contract: `parse_file(source)` never raises for anything in the text. It
returns every block it could read and one diagnostic per problem, each with a
position.

Two paths share one grammar and one tree builder:
- the fast path parses the whole file in one LALR pass (the tree builder runs
  inside the parser, so no parse tree is ever built);
- when that fails, the recovery path walks the file line by line, tracks block
  headers and closing braces itself, and parses each member line with the
  grammar's member start symbols. A bad line becomes one diagnostic and the
  parse goes on, so a single run reports every broken line (Prisma's
  catch-all behaviour).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from prisma_dsql.syntax._lark_import import Lark, UnexpectedInput
from prisma_dsql.syntax.lalr import LalrDriver
from prisma_dsql.syntax.lexer import FastLexer

from prisma_dsql.codes import name_of
from prisma_dsql.diagnostics import Diagnostic, Severity
from prisma_dsql.source import SourceFile, Span
from prisma_dsql.syntax import ast

#: Deeper nesting of arrays/objects/calls than this is refused: no real schema
#: comes near it, and later stages walk values recursively.
MAX_NESTING = 64

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


def grammar_path() -> Path:
    """Where prisma.lark is: inside the installed package (wheel), else the checkout's grammar/."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "grammar" / "prisma.lark", here.parent / "grammar" / "prisma.lark"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("grammar/prisma.lark is missing from this installation")


class _NestingTooDeep(Exception):
    def __init__(self, span: Span):
        self.span = span


def _diag(code: str, message: str, span: Span, help: str | None = None) -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, span, help=help, name=name_of(code))


class _TreeBuilder:
    """Builds AST nodes while the LALR parser reduces. One instance is reused:
    `begin()` resets the per-parse state (file name, line offset, docs)."""

    def begin(self, file: str, line_offset: int, docs: "_Docs") -> None:
        self.file = file
        self.offset = line_offset
        self.docs = docs
        self.diagnostics: list[Diagnostic] = []

    # -- helpers -----------------------------------------------------------
    def _span(self, tok) -> Span:
        o = self.offset
        return Span(self.file, tok.line + o, tok.column, tok.end_line + o, tok.end_column)

    def _check_depth(self, depth: int, span: Span) -> None:
        if depth > MAX_NESTING:
            raise _NestingTooDeep(span)

    # -- lists (left-recursive rules: [] or [list, item]) --------------------
    @staticmethod
    def _grow(children):
        if not children:
            return []
        if len(children) == 1:
            return [children[0]]
        items, item = children
        items.append(item)
        return items

    model_members = enum_members = config_members = field_attributes = _grow
    argument_list = value_list = member_list = blocks = _grow

    # -- values ------------------------------------------------------------
    def string(self, children):
        return self._decode_string(children[0])

    def _decode_string(self, tok) -> ast.StringValue:
        span = self._span(tok)
        text = tok.value
        if "\\" not in text:
            return ast.StringValue(text[1:-1], span)
        try:
            value = json.loads(text, strict=False)
        except ValueError:
            bad = re.search(r'\\(u(?![0-9a-fA-F]{4})|[^"\\/bfnrtu])', text)
            shown = bad.group(0)[:2] if bad else "\\"
            self.diagnostics.append(
                _diag(
                    "PSL007",
                    f"Invalid escape sequence `{shown}` in string.",
                    span,
                    help='Strings take JSON escapes only: \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX.',
                )
            )
            return ast.StringValue(text[1:-1], span)
        if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
            self.diagnostics.append(
                _diag(
                    "PSL007",
                    "Unpaired surrogate in a \\u escape.",
                    span,
                    help="Write a character outside the Basic Multilingual Plane as a surrogate pair, e.g. \\ud83d\\ude00.",
                )
            )
        return ast.StringValue(value, span)

    def number(self, children):
        tok = children[0]
        return ast.NumberValue(tok.value, self._span(tok))

    def constant(self, children):
        path = children[0]
        name, span = path
        return ast.ConstantValue(name, span)

    def function(self, children):
        path, arguments = children
        name, span = path
        args, end = arguments
        depth = 1 + max((_node_depth(a.value) for a in args), default=0)
        node = ast.FunctionValue(name, args, span.to(end))
        self._check_depth(depth, node.span)
        return _with_depth(node, depth)

    def path(self, children):
        if len(children) == 1:
            tok = children[0]
            return (tok.value, self._span(tok))
        (name, span), tok = children
        return (f"{name}.{tok.value}", span.to(self._span(tok)))

    def array(self, children):
        lsqb, rsqb = children[0], children[-1]
        items = tuple(children[1]) if len(children) > 2 else ()
        span = self._span(lsqb).to(self._span(rsqb))
        if len(children) == 4:
            self._trailing_comma(span)
        depth = 1 + max((_node_depth(i) for i in items), default=0)
        self._check_depth(depth, span)
        return _with_depth(ast.ArrayValue(items, span), depth)

    def object(self, children):
        lbrace, rbrace = children[0], children[-1]
        members = tuple(children[1]) if len(children) > 2 else ()
        span = self._span(lbrace).to(self._span(rbrace))
        depth = 1 + max((_node_depth(v) for _, v in members), default=0)
        self._check_depth(depth, span)
        return _with_depth(ast.ObjectValue(members, span), depth)

    def object_member(self, children):
        name, value = children
        return (name.value, value)

    def trailing_comma(self, _children):
        return _TRAILING

    def _trailing_comma(self, span: Span) -> None:
        self.diagnostics.append(
            _diag("PSL006", "Trailing commas are not valid in Prisma argument or array lists.", span,
                  help="Remove the comma after the last item.")
        )

    # -- arguments and attributes -----------------------------------------
    def argument(self, children):
        value = children[0]
        return ast.Argument(None, value, value.span)

    def named_argument(self, children):
        name, value = children
        return ast.Argument(name.value, value, self._span(name).to(value.span))

    def arguments(self, children):
        # -> (args, span of the closing parenthesis)
        if len(children) == 1:  # EMPTY_ARGUMENTS: `()`
            span = self._span(children[0])
            return ((), span._replace(column=span.end_column - 1))
        rpar = children[-1]
        args = tuple(children[1]) if len(children) > 2 else ()
        if len(children) == 4:
            self._trailing_comma(args[-1].span.to(self._span(rpar)))
        return (args, self._span(rpar))

    def _attribute(self, children, block_level: bool):
        tok = children[0]
        span = self._span(tok)
        text = tok.value
        skip = 2 if block_level else 1
        name = text[skip:].lstrip(" \t")
        name_span = span._replace(column=span.column + len(text) - len(name))
        args: tuple = ()
        if len(children) > 1:
            args, end = children[1]
            span = span.to(end)
        return ast.Attribute(name, args, span, name_span, block_level)

    def field_attribute(self, children):
        return self._attribute(children, False)

    def block_attribute(self, children):
        return self._attribute(children, True)

    # -- field types --------------------------------------------------------
    def type_ref(self, children):
        name = children[0]
        return (name.value, self._span(name), None)

    def unsupported_type_ref(self, children):
        name, lpar, string, rpar = children
        return (name.value, self._span(name).to(self._span(rpar)), self._decode_string(string).value)

    def required_type(self, children):
        ref = children[0]
        return ast.FieldType(ref[0], "required", ref[1], ref[2])

    def optional_type(self, children):
        if len(children) == 1:  # OPTIONAL_TYPE token: `String?`
            tok = children[0]
            return ast.FieldType(tok.value[:-1], "optional", self._span(tok))
        ref, q = children
        return ast.FieldType(ref[0], "optional", ref[1].to(self._span(q)), ref[2])

    def list_type(self, children):
        if len(children) == 1:  # LIST_TYPE token: `String[]`
            tok = children[0]
            return ast.FieldType(tok.value[:-2], "list", self._span(tok))
        ref, lsqb, rsqb = children
        return ast.FieldType(ref[0], "list", ref[1].to(self._span(rsqb)), ref[2])

    def legacy_optional_list_type(self, children):
        if len(children) == 2:  # LIST_TYPE QMARK
            tok, q = children
            ref = (tok.value[:-2], self._span(tok), None)
        else:
            ref, _lsqb, _rsqb, q = children
        span = ref[1].to(self._span(q))
        self.diagnostics.append(
            _diag("PSL005", "Optional lists are not supported: a list is never null, only empty.", span,
                  help=f"Write `{ref[0]}[]`.")
        )
        return ast.FieldType(ref[0], "list", span, ref[2])

    def legacy_required_type(self, children):
        ref, bang = children
        span = ref[1].to(self._span(bang))
        self.diagnostics.append(
            _diag("PSL005", "Fields are required by default; `!` is no longer needed.", span,
                  help=f"Write `{ref[0]}`.")
        )
        return ast.FieldType(ref[0], "required", span, ref[2])

    def legacy_list_type(self, children):
        lsqb, ref, rsqb = children
        span = self._span(lsqb).to(self._span(rsqb))
        self.diagnostics.append(
            _diag("PSL005", "To specify a list, please use `Type[]` instead of `[Type]`.", span,
                  help=f"Write `{ref[0]}[]`.")
        )
        return ast.FieldType(ref[0], "list", span, ref[2])

    # -- members ------------------------------------------------------------
    def field(self, children):
        name, ftype, attrs = children
        return self._field(name, ftype, attrs)

    def legacy_colon_field(self, children):
        name, colon, ftype, attrs = children
        self.diagnostics.append(
            _diag("PSL005", "Field declarations don't require a `:`.", self._span(colon),
                  help=f"Write `{name.value} {ftype.name}`.")
        )
        return self._field(name, ftype, attrs)

    def _field(self, name, ftype, attrs):
        name_span = self._span(name)
        end = attrs[-1].span if attrs else ftype.span
        span = name_span.to(end)
        return ast.Field(name.value, ftype, tuple(attrs), span, name_span, self.docs.for_line(span.line))

    def enum_value(self, children):
        name, attrs = children
        name_span = self._span(name)
        span = name_span.to(attrs[-1].span) if attrs else name_span
        return ast.EnumValue(name.value, tuple(attrs), span, self.docs.for_line(span.line))

    def property(self, children):
        name, value = children
        span = self._span(name).to(value.span)
        return ast.Property(name.value, value, span, self.docs.for_line(span.line))

    # -- blocks -------------------------------------------------------------
    def _blk(self, kind: str, children):
        kw, name, _lbrace, members, rbrace = children
        return self.make_block(kind, self._span(kw), name, members, self._span(rbrace))

    def make_block(self, kind, kw_span: Span, name, members, end_span: Span) -> ast.Block:
        attrs = tuple(m for m in members if isinstance(m, ast.Attribute))
        body = tuple(m for m in members if not isinstance(m, ast.Attribute))
        return ast.Block(kind, name.value, self._span(name), kw_span.to(end_span), body, attrs,
                         self.docs.for_line(kw_span.line))

    def model(self, c):
        return self._blk("model", c)

    def view(self, c):
        return self._blk("view", c)

    def composite(self, c):
        return self._blk("type", c)

    def enum(self, c):
        return self._blk("enum", c)

    def datasource(self, c):
        return self._blk("datasource", c)

    def generator(self, c):
        return self._blk("generator", c)

    def start(self, children):
        return children[0] if children else []


class _TrailingMarker:
    __slots__ = ()


_TRAILING = _TrailingMarker()


def _with_depth(node, depth: int):
    # Nesting depth is bookkeeping for the MAX_NESTING guard, not part of the
    # node's value: keep it out of equality and the dataclass fields.
    if depth > 1:
        _DEPTHS[id(node)] = depth
    return node


_DEPTHS: dict[int, int] = {}


def _node_depth(node) -> int:
    if isinstance(node, (ast.ArrayValue, ast.ObjectValue, ast.FunctionValue)):
        return _DEPTHS.get(id(node), 1)
    return 0


# -- comments and documentation ----------------------------------------------

_COMMENT_SCAN = re.compile(r'"(?:[^"\\\r\n]|\\.)*"|//[^\r\n]*|/\*(?:[^*]|\*(?!/))*\*/')
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class _Docs:
    """All comments of a file by line; answers "what documents the node on line N"."""

    def __init__(self, comments: list[ast.Comment]):
        self.comments = comments
        self.by_line: dict[int, list[ast.Comment]] = {}
        for c in comments:
            self.by_line.setdefault(c.span.line, []).append(c)

    @staticmethod
    def _doc_text(c: ast.Comment) -> str | None:
        t = c.text
        if t.startswith("///"):
            return t[3:].strip()
        if t.startswith("/*"):
            inner = t[2:-2]
            lines = [ln.strip().lstrip("*").strip() for ln in _LINE_BREAK.split(inner)]
            return "\n".join(ln for ln in lines if ln) or None
        return None

    def for_line(self, line: int) -> str | None:
        if not self.by_line:
            return None
        parts: list[str] = []
        # Own-line doc comments directly above (no blank line between).
        n = line - 1
        above: list[str] = []
        while n in self.by_line:
            cs = self.by_line[n]
            if not all(c.own_line for c in cs):
                break
            texts = [self._doc_text(c) for c in cs]
            if any(t is None for t in texts):
                break
            above[:0] = [t for t in texts if t]
            n -= 1
        parts.extend(above)
        for c in self.by_line.get(line, ()):
            if not c.own_line:
                t = self._doc_text(c)
                if t:
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
        breaks = list(_LINE_BREAK.finditer(chunk))
        if breaks:
            line += len(breaks)
            line_start = pos + breaks[-1].end()
        pos = start
        col = start - line_start + 1
        inner_breaks = list(_LINE_BREAK.finditer(s))
        if inner_breaks:
            end_line = line + len(inner_breaks)
            end_col = len(s) - inner_breaks[-1].end() + 1
        else:
            end_line, end_col = line, col + len(s)
        before = text[line_start:start]
        own_line = before.strip(" \t\ufeff") == ""
        comments.append(ast.Comment(s, Span(source.name, line, col, end_line, end_col), own_line))
    return comments


def _mask_comments(text: str, comments: list[ast.Comment]) -> str:
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


# -- parser construction --------------------------------------------------------


@lru_cache(maxsize=1)
def _parser() -> tuple[LalrDriver, _TreeBuilder]:
    builder = _TreeBuilder()
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
    docs = _Docs(comments)
    builder.begin(source.name, 0, docs)
    _DEPTHS.clear()
    try:
        blocks = parser.parse(source.text, start="start")
        return ast.SchemaFile(source.name, tuple(blocks), tuple(comments)), builder.diagnostics
    except (UnexpectedInput, _NestingTooDeep):
        pass
    finally:
        _DEPTHS.clear()
    blocks, diagnostics = _recover(source, comments, docs, parser, builder)
    return ast.SchemaFile(source.name, tuple(blocks), tuple(comments)), diagnostics


# -- recovery: line by line -------------------------------------------------------------

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


def _recover(source, comments, docs, parser, builder):
    masked = _mask_comments(source.text, comments)
    lines = _LINE_BREAK.split(masked)
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
                diags.append(_diag("PSL004", "A closing brace `}` must stand alone on its line.", line_span(n, text),
                                   help="Move what follows `}` to its own line."))
            close(current, Span(file, n, end_col, n, end_col + 1))
            current = None
            continue
        if header and (current is None or "{" in header.group(3)):
            indent, kind, rest = header.groups()
            kw_span = Span(file, n, len(indent) + 1, n, len(indent) + 1 + len(kind))
            if current is not None:
                diags.append(_diag("PSL003", f"This {current.kind} is missing its closing brace `}}`.",
                                   current.kw_span.to(current.name_span),
                                   help=f"Add a line with `}}` before line {n}."))
                close(current, Span(file, n - 1, 1, n - 1, 1))
                current = None
            m = _HEADER_REST.match(rest)
            if not m:
                diags.append(_diag("PSL001", f"A {kind} block needs a name: `{kind} Name {{`.", line_span(n, text)))
                current = _OpenBlock(kind, "", kw_span, kw_span, n)
                continue
            name, brace, after = m.groups()
            name_col = len(indent) + len(kind) + (len(rest) - len(rest.lstrip(" \t"))) + 1
            name_span = Span(file, n, name_col, n, name_col + len(name))
            if not brace:
                diags.append(_diag("PSL004", f"The {kind} header must end with `{{`.", line_span(n, text),
                                   help=f"Write `{kind} {name} {{` and put the body on the following lines."))
            elif after:
                if after.endswith("}"):
                    msg = "A block must span several lines: `{` ends the header line and `}` stands alone."
                else:
                    msg = "Nothing may follow `{` on a block's header line."
                diags.append(_diag("PSL004", msg, line_span(n, text),
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
                        except (UnexpectedInput, _NestingTooDeep):
                            pass
                        diags.extend(builder.diagnostics)
                    attrs = tuple(m for m in members if isinstance(m, ast.Attribute))
                    body = tuple(m for m in members if not isinstance(m, ast.Attribute))
                    blocks.append(ast.Block(kind, name, name_span, line_span(n, text), body, attrs, docs.for_line(n)))
                    continue
            current = _OpenBlock(kind, name, name_span, kw_span, n)
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
                diags.append(_diag("PSL002", f"`{word}` is not a Prisma block type; a block is a model, view, type, "
                                   "enum, datasource or generator.", Span(file, n, col, n, col + len(word)),
                                   help=f"Did you mean `{hint} {unknown.group(2)} {{`?" if hint else None))
                skipping = n
                continue
            if close_match:
                diags.append(_diag("PSL002", "Unexpected closing brace `}` outside any block.", line_span(n, text)))
            else:
                diags.append(_diag("PSL002",
                                   "This line is invalid. It does not start with any known Prisma schema keyword.",
                                   line_span(n, text),
                                   help="Top-level lines start a block: model, view, type, enum, datasource or generator."))
            continue
        if continuation > 0:
            # The rest of a multi-line argument list, already reported.
            continuation += _bracket_balance(text)
            continue
        # A member line of the open block.
        builder.begin(file, index, docs)
        try:
            member = parser.parse(text, start=_MEMBER_START[current.kind])
        except (UnexpectedInput, _NestingTooDeep) as exc:
            diags.extend(builder.diagnostics)
            diags.append(_member_error(current.kind, text, line_span(n, text), exc))
            continuation = max(0, _bracket_balance(text))
            continue
        diags.extend(builder.diagnostics)
        current.members.append(member)
    if current is not None:
        diags.append(_diag("PSL003", f"This {current.kind} is missing its closing brace `}}`.",
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
    if isinstance(exc, _NestingTooDeep):
        return _diag("PSL001", f"Values are nested more than {MAX_NESTING} levels deep.", exc.span)
    if kind in ("model", "view", "type") and _SINGLE_NAME.match(text):
        return _diag("PSL008", "This field declaration is invalid. It is either missing a name or a type.", span,
                     help=f"Give the field a type, e.g. `{text.strip()} String`.")
    help = None
    if text.count("(") > text.count(")") or text.count("[") > text.count("]") or text.count("{") > text.count("}"):
        help = "Attribute arguments must fit on one line; Prisma does not accept multi-line argument lists."
    elif isinstance(exc, UnexpectedInput):
        col = getattr(exc, "column", None)
        if isinstance(col, int) and col > 0:
            help = f"Prisma could not read this line from column {col} on."
    return _diag("PSL001", _BAD_MEMBER_MESSAGE[kind], span, help=help)
