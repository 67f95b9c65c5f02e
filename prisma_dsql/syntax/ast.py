"""Syntax tree of one `.prisma` file: what was written, before any name is resolved.

Nodes are slotted dataclasses and carry a `Span`; treat them as immutable (they
are not frozen only because frozen dataclasses cost ~2x to construct, and the
parser builds one per token group). Values keep their kind
(string, number, constant, function, array, object) so later stages can say
"expected a string" rather than guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from prisma_dsql.source import Span


@dataclass(slots=True)
class StringValue:
    value: str
    span: Span


@dataclass(slots=True)
class NumberValue:
    text: str
    span: Span

    @property
    def value(self) -> int | float:
        return float(self.text) if "." in self.text else int(self.text)


@dataclass(slots=True)
class ConstantValue:
    """A bare identifier or dotted path: `true`, `Cascade`, `Desc`, `ADMIN`."""

    name: str
    span: Span


@dataclass(slots=True)
class FunctionValue:
    name: str
    args: tuple["Argument", ...]
    span: Span


@dataclass(slots=True)
class ArrayValue:
    items: tuple["Value", ...]
    span: Span


@dataclass(slots=True)
class ObjectValue:
    members: tuple[tuple[str, "Value"], ...]
    span: Span


Value = Union[StringValue, NumberValue, ConstantValue, FunctionValue, ArrayValue, ObjectValue]


@dataclass(slots=True)
class Argument:
    name: str | None
    value: Value
    span: Span


@dataclass(slots=True)
class Attribute:
    """`@name(args)` on a field or enum value, `@@name(args)` on a block."""

    name: str
    args: tuple[Argument, ...]
    span: Span
    name_span: Span
    block_level: bool


@dataclass(slots=True)
class FieldType:
    name: str
    #: "required", "optional" or "list"
    arity: str
    span: Span
    #: The SQL type inside `Unsupported("...")`, else None.
    unsupported: str | None = None


@dataclass(slots=True)
class Field:
    name: str
    type: FieldType
    attributes: tuple[Attribute, ...]
    span: Span
    name_span: Span
    doc: str | None = None


@dataclass(slots=True)
class EnumValue:
    name: str
    attributes: tuple[Attribute, ...]
    span: Span
    doc: str | None = None


@dataclass(slots=True)
class Property:
    """`key = value` in a datasource or generator block."""

    name: str
    value: Value
    span: Span
    doc: str | None = None


@dataclass(slots=True)
class Block:
    #: "model", "view", "type", "enum", "datasource" or "generator"
    kind: str
    name: str
    name_span: Span
    span: Span
    #: Fields (model/view/type), EnumValues (enum) or Properties (datasource/generator).
    members: tuple
    attributes: tuple[Attribute, ...]
    doc: str | None = None


@dataclass(slots=True)
class Comment:
    text: str
    span: Span
    #: True when the comment is the only thing on its line.
    own_line: bool


@dataclass(frozen=True)
class SchemaFile:
    name: str
    blocks: tuple[Block, ...]
    comments: tuple[Comment, ...]
    #: Lines the parser reported an error on and recovered from (line-by-line recovery, legacy
    #: forms): what the resolver finds there, or finds missing because of them, is a knock-on.
    broken_lines: tuple[int, ...] = ()
