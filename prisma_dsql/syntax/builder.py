"""Builds syntax-tree nodes as the LALR parser reduces (one method per grammar rule).

Contract: methods take the rule's kept children (tokens as `lexer.Tok`, or the
results of earlier reductions) and return `ast` nodes; problems that the
grammar accepts on purpose (legacy forms, bad escapes, trailing commas) become
diagnostics in `self.diagnostics`, never exceptions. Only `NestingTooDeep`
escapes, to make the caller fall back to line-by-line recovery.
"""

from __future__ import annotations

import json
import re
from typing import ClassVar

from prisma_dsql.codes import name_of
from prisma_dsql.diagnostics import Diagnostic, Severity
from prisma_dsql.source import Span
from prisma_dsql.syntax import ast
from prisma_dsql.syntax.comments import Docs
from prisma_dsql.syntax.errors import NestingTooDeep  # raised here; recovery.py imports it from here

_new = tuple.__new__

#: Deeper nesting of arrays/objects/calls than this is refused: no real schema
#: comes near it, and later stages walk values recursively.
MAX_NESTING = 64


def diag(code: str, message: str, span: Span, help: str | None = None) -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, span, help=help, name=name_of(code))


class TreeBuilder:
    """Builds AST nodes while the LALR parser reduces. One instance is reused:
    `begin()` resets the per-parse state (file name, line offset, docs)."""

    def begin(self, file: str, line_offset: int, docs: "Docs") -> None:
        self.file = file
        self.offset = line_offset
        self.docs = docs
        self.diagnostics: list[Diagnostic] = []

    # -- helpers -----------------------------------------------------------
    # The methods run for ~165,000 reductions at 1,000 models: the hottest build their token's Span
    # inline, the same expression as `_span`, to save a call each.
    def _span(self, tok) -> Span:
        # tuple.__new__: Span(...) would run NamedTuple's Python-level constructor (one span per token).
        o = self.offset
        return _new(Span, (self.file, tok.line + o, tok.column, tok.end_line + o, tok.end_column))

    def _check_depth(self, depth: int, span: Span) -> None:
        if depth > MAX_NESTING:
            raise NestingTooDeep(span)

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

    #: List rules: the LALR driver appends to the list in place for these instead of calling (lalr.py);
    #: the methods below serve the other forms (the first item, an empty list).
    GROWING: ClassVar[frozenset[str]] = frozenset({
        "model_members", "enum_members", "config_members", "field_attributes", "argument_list", "value_list",
        "member_list", "blocks"})

    def model_members(self, children):
        return self._grow(children)

    def enum_members(self, children):
        return self._grow(children)

    def config_members(self, children):
        return self._grow(children)

    def field_attributes(self, children):
        return self._grow(children)

    def argument_list(self, children):
        return self._grow(children)

    def value_list(self, children):
        return self._grow(children)

    def member_list(self, children):
        return self._grow(children)

    def blocks(self, children):
        return self._grow(children)


    # -- values ------------------------------------------------------------
    def string(self, children):
        return self._decode_string(children[0])

    def _decode_string(self, tok) -> ast.StringValue:
        o = self.offset
        span = _new(Span, (self.file, tok.line + o, tok.column, tok.end_line + o, tok.end_column))
        text = tok.value
        if "\\" not in text:
            return ast.StringValue(text[1:-1], span)
        try:
            value = json.loads(text, strict=False)
        except ValueError:
            bad = re.search(r'\\(u(?![0-9a-fA-F]{4})|[^"\\/bfnrtu])', text)
            shown = bad.group(0)[:2] if bad else "\\"
            self.diagnostics.append(
                diag(
                    "PSL007",
                    f"Invalid escape sequence `{shown}` in string.",
                    span,
                    help='Strings take JSON escapes only: \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX.',
                )
            )
            return ast.StringValue(text[1:-1], span)
        if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
            self.diagnostics.append(
                diag(
                    "PSL007",
                    "Unpaired surrogate in a \\u escape.",
                    span,
                    help="Write a character outside the Basic Multilingual Plane as a surrogate pair, e.g. \\ud83d\\ude00.",
                )
            )
            # Reported; later stages (names, UTF-8 output) must never see an unencodable character.
            value = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in value)
        return ast.StringValue(value, span)

    def number(self, children):
        tok = children[0]
        o = self.offset
        span = _new(Span, (self.file, tok.line + o, tok.column, tok.end_line + o, tok.end_column))
        return ast.NumberValue(tok.value, span)

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
            o = self.offset
            span = _new(Span, (self.file, tok.line + o, tok.column, tok.end_line + o, tok.end_column))
            return (tok.value, span)
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
            diag("PSL006", "Trailing commas are not valid in Prisma argument or array lists.", span,
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
            tok = children[0]
            o = self.offset
            return ((), _new(Span, (self.file, tok.line + o, tok.end_column - 1, tok.end_line + o, tok.end_column)))
        rpar = children[-1]
        args = tuple(children[1]) if len(children) > 2 else ()
        if len(children) == 4:
            self._trailing_comma(args[-1].span.to(self._span(rpar)))
        o = self.offset
        span = _new(Span, (self.file, rpar.line + o, rpar.column, rpar.end_line + o, rpar.end_column))
        return (args, span)

    def _attribute(self, children, block_level: bool):
        tok = children[0]
        file = self.file
        line = tok.line + self.offset
        end_line = tok.end_line + self.offset
        text = tok.value
        name = text[2 if block_level else 1:].lstrip(" \t")
        name_span = _new(Span, (file, line, tok.column + len(text) - len(name), end_line, tok.end_column))
        if len(children) > 1:
            args, end = children[1]
            # = the token's span .to(end), built once
            return ast.Attribute(name, args, _new(Span, (file, line, tok.column, end.end_line, end.end_column)),
                                 name_span, block_level)
        span = _new(Span, (file, line, tok.column, end_line, tok.end_column))
        return ast.Attribute(name, (), span, name_span, block_level)

    def field_attribute(self, children):
        return self._attribute(children, False)

    def block_attribute(self, children):
        return self._attribute(children, True)

    # -- field types --------------------------------------------------------
    def type_ref(self, children):
        name = children[0]
        o = self.offset
        span = _new(Span, (self.file, name.line + o, name.column, name.end_line + o, name.end_column))
        return (name.value, span, None)

    def unsupported_type_ref(self, children):
        name, lpar, string, rpar = children
        return (name.value, self._span(name).to(self._span(rpar)), self._decode_string(string).value)

    def required_type(self, children):
        ref = children[0]
        return ast.FieldType(ref[0], "required", ref[1], ref[2])

    def optional_type(self, children):
        if len(children) == 1:  # OPTIONAL_TYPE token: `String?`
            tok = children[0]
            o = self.offset
            span = _new(Span, (self.file, tok.line + o, tok.column, tok.end_line + o, tok.end_column))
            return ast.FieldType(tok.value[:-1], "optional", span)
        ref, q = children
        return ast.FieldType(ref[0], "optional", ref[1].to(self._span(q)), ref[2])

    def list_type(self, children):
        if len(children) == 1:  # LIST_TYPE token: `String[]`
            tok = children[0]
            o = self.offset
            span = _new(Span, (self.file, tok.line + o, tok.column, tok.end_line + o, tok.end_column))
            return ast.FieldType(tok.value[:-2], "list", span)
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
            diag("PSL005", "Optional lists are not supported: a list is never null, only empty.", span,
                  help=f"Write `{ref[0]}[]`.")
        )
        return ast.FieldType(ref[0], "list", span, ref[2])

    def legacy_required_type(self, children):
        ref, bang = children
        span = ref[1].to(self._span(bang))
        self.diagnostics.append(
            diag("PSL005", "Fields are required by default; `!` is no longer needed.", span,
                  help=f"Write `{ref[0]}`.")
        )
        return ast.FieldType(ref[0], "required", span, ref[2])

    def legacy_list_type(self, children):
        lsqb, ref, rsqb = children
        span = self._span(lsqb).to(self._span(rsqb))
        self.diagnostics.append(
            diag("PSL005", "To specify a list, please use `Type[]` instead of `[Type]`.", span,
                  help=f"Write `{ref[0]}[]`.")
        )
        return ast.FieldType(ref[0], "list", span, ref[2])

    # -- members ------------------------------------------------------------
    def field(self, children):
        name, ftype, attrs = children
        # _field inlined: one call less per field line.
        o = self.offset
        name_span = _new(Span, (self.file, name.line + o, name.column, name.end_line + o, name.end_column))
        end = attrs[-1].span if attrs else ftype.span
        span = _new(Span, (name_span.file, name_span.line, name_span.column, end.end_line, end.end_column))
        return ast.Field(name.value, ftype, tuple(attrs), span, name_span, self.docs.for_line(span.line))

    def legacy_colon_field(self, children):
        name, colon, ftype, attrs = children
        self.diagnostics.append(
            diag("PSL005", "Field declarations don't require a `:`.", self._span(colon),
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

    # One grammar rule per block keyword; `type` blocks are the rule `composite`.
    def model(self, children):
        return self._blk("model", children)

    def view(self, children):
        return self._blk("view", children)

    def composite(self, children):
        return self._blk("type", children)

    def enum(self, children):
        return self._blk("enum", children)

    def datasource(self, children):
        return self._blk("datasource", children)

    def generator(self, children):
        return self._blk("generator", children)

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


def clear_depths() -> None:
    _DEPTHS.clear()


def _node_depth(node) -> int:
    if isinstance(node, (ast.ArrayValue, ast.ObjectValue, ast.FunctionValue)):
        return _DEPTHS.get(id(node), 1)
    return 0


