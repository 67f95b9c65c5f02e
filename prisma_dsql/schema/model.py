"""The resolved Prisma schema graph.

Contract: built by `prisma_dsql.schema.resolve.resolve()` from syntax trees;
immutable (frozen dataclasses, tuples); nodes refer to each other by name, and
`Schema` offers lookups. Every node carries the `Span` of the text it came from.
Everything here is in Prisma terms (models, fields, relations); database names
after @map/@@map are resolved too (`db_name`), but SQL types and constraint
names belong to the catalog stage.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from prisma_dsql.source import Span

SCALAR_TYPES = ("String", "Boolean", "Int", "BigInt", "Float", "Decimal", "DateTime", "Json", "Bytes")


class FieldKind(str, enum.Enum):
    SCALAR = "scalar"
    ENUM = "enum"
    RELATION = "relation"
    COMPOSITE = "composite"
    UNSUPPORTED = "unsupported"


class Arity(str, enum.Enum):
    REQUIRED = "required"
    OPTIONAL = "optional"
    LIST = "list"


class ReferentialAction(str, enum.Enum):
    CASCADE = "Cascade"
    RESTRICT = "Restrict"
    NO_ACTION = "NoAction"
    SET_NULL = "SetNull"
    SET_DEFAULT = "SetDefault"


@dataclass(frozen=True)
class NativeType:
    """`@db.VarChar(255)`: name "VarChar", args ("255",) as written."""

    name: str
    args: tuple[str, ...]
    span: Span


@dataclass(frozen=True)
class DefaultValue:
    """`@default(...)`.

    kind "function": `function` names it (autoincrement, now, dbgenerated, uuid,
    cuid, nanoid, ulid, sequence, auto) and `args` holds its literal arguments.
    kind "literal": `value` is a str, int, float, bool or None; `literal_type`
    says which: "string", "number", "boolean", "enum" (an enum value name), "null".
    kind "list": `value` is a tuple of literals (scalar lists).
    """

    kind: str
    span: Span
    value: Any = None
    literal_type: str | None = None
    function: str | None = None
    args: tuple[Any, ...] = ()
    map: str | None = None
    #: A number literal exactly as written (`2.50`), so SQL can repeat it digit for digit.
    text: str | None = None


@dataclass(frozen=True)
class RelationInfo:
    """The relation side of a relation field."""

    #: The relation's name (explicit or Prisma's default for the pair of models).
    name: str
    explicit_name: bool
    related_model: str
    #: The field on the other model (None when missing: a diagnostic was reported).
    opposite_field: str | None
    #: Scalar fields of this model holding the foreign key (owner side only).
    fields: tuple[str, ...] = ()
    #: Fields of the related model they point at.
    references: tuple[str, ...] = ()
    on_delete: ReferentialAction | None = None
    on_update: ReferentialAction | None = None
    #: Foreign key constraint name from `map:`.
    map: str | None = None
    span: Span | None = None


@dataclass(frozen=True)
class Field:
    name: str
    db_name: str
    kind: FieldKind
    #: Scalar name ("String"), enum, composite or model name, or "Unsupported".
    type_name: str
    arity: Arity
    span: Span
    type_span: Span
    native_type: NativeType | None = None
    default: DefaultValue | None = None
    updated_at: bool = False
    ignored: bool = False
    #: The SQL type written in `Unsupported("...")`.
    unsupported: str | None = None
    relation: RelationInfo | None = None
    doc: str | None = None
    #: Names of every attribute written on the field, as written (`db.VarChar`).
    attributes: tuple[str, ...] = ()
    #: Span of each attribute by name, for precise diagnostics.
    attribute_spans: tuple[tuple[str, Span], ...] = ()

    @property
    def is_optional(self) -> bool:
        return self.arity is Arity.OPTIONAL

    @property
    def is_list(self) -> bool:
        return self.arity is Arity.LIST

    @property
    def is_relation(self) -> bool:
        return self.kind is FieldKind.RELATION

    @property
    def is_scalar_like(self) -> bool:
        """A column in the database: scalar, enum or Unsupported."""
        return self.kind in (FieldKind.SCALAR, FieldKind.ENUM, FieldKind.UNSUPPORTED)

    def attribute_span(self, name: str) -> Span:
        for n, s in self.attribute_spans:
            if n == name:
                return s
        return self.span


@dataclass(frozen=True)
class IndexField:
    """A field inside `@@id`, `@@unique` or `@@index`, with its per-field arguments."""

    name: str
    span: Span
    sort: str | None = None  # "Asc" | "Desc"
    ops: str | None = None  # operator class name, or "raw(...)" text
    length: int | None = None


@dataclass(frozen=True)
class PrimaryKey:
    fields: tuple[IndexField, ...]
    span: Span
    #: Client-side name (`name:` of @@id); None for the default.
    name: str | None = None
    #: Database constraint name (`map:`); None for the default.
    map: str | None = None
    #: True for a field-level `@id`.
    from_field: bool = False


@dataclass(frozen=True)
class Index:
    """A unique constraint (`@unique`, `@@unique`), an index (`@@index`) or `@@fulltext`."""

    #: "unique", "index" or "fulltext"
    kind: str
    fields: tuple[IndexField, ...]
    span: Span
    name: str | None = None
    map: str | None = None
    #: Index method (`type:`): "BTree", "Hash", "Gist", "Gin", "SpGist", "Brin"; None = default.
    type: str | None = None
    #: Partial index predicate: the object expression as a dict-like tuple tree,
    #: or ("raw", "sql") for `raw("...")`.
    where: Any = None
    where_span: Span | None = None
    #: True when any field is given as an expression through `raw()`.
    from_field: bool = False
    clustered: bool | None = None

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


@dataclass(frozen=True)
class Model:
    name: str
    db_name: str
    fields: tuple[Field, ...]
    span: Span
    name_span: Span
    primary_key: PrimaryKey | None = None
    uniques: tuple[Index, ...] = ()
    indexes: tuple[Index, ...] = ()
    #: `@@schema("...")`; None means the datasource's default schema.
    schema: str | None = None
    schema_span: Span | None = None
    is_view: bool = False
    ignored: bool = False
    doc: str | None = None
    #: Block attribute names as written, with their spans.
    attribute_spans: tuple[tuple[str, Span], ...] = ()

    @cached_property
    def _by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    def field(self, name: str) -> Field | None:
        return self._by_name.get(name)

    @property
    def scalar_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.is_scalar_like)

    @property
    def relation_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.is_relation)

    def attribute_span(self, name: str) -> Span:
        for n, s in self.attribute_spans:
            if n == name:
                return s
        return self.name_span


@dataclass(frozen=True)
class CompositeType:
    name: str
    fields: tuple[Field, ...]
    span: Span
    name_span: Span
    doc: str | None = None


@dataclass(frozen=True)
class EnumValue:
    name: str
    db_name: str
    span: Span
    doc: str | None = None


@dataclass(frozen=True)
class Enum:
    name: str
    db_name: str
    values: tuple[EnumValue, ...]
    span: Span
    name_span: Span
    schema: str | None = None
    schema_span: Span | None = None
    doc: str | None = None


@dataclass(frozen=True)
class Extension:
    name: str
    span: Span
    version: str | None = None
    schema: str | None = None
    map: str | None = None


@dataclass(frozen=True)
class ConfigValue:
    """A datasource/generator property: its Python value and where it was written."""

    value: Any
    span: Span
    #: env("X") as the value: the variable's name.
    env: str | None = None


@dataclass(frozen=True)
class Datasource:
    name: str
    provider: str | None
    span: Span
    name_span: Span
    provider_span: Span | None = None
    #: "foreignKeys" (default) or "prisma".
    relation_mode: str = "foreignKeys"
    relation_mode_span: Span | None = None
    schemas: tuple[str, ...] = ()
    schemas_span: Span | None = None
    extensions: tuple[Extension, ...] = ()
    extensions_span: Span | None = None
    properties: tuple[tuple[str, ConfigValue], ...] = ()

    @property
    def default_schema(self) -> str:
        return "public"

    def property(self, name: str) -> ConfigValue | None:
        for n, v in self.properties:
            if n == name:
                return v
        return None


@dataclass(frozen=True)
class Generator:
    name: str
    provider: str | None
    span: Span
    name_span: Span
    output: str | None = None
    preview_features: tuple[str, ...] = ()
    properties: tuple[tuple[str, ConfigValue], ...] = ()


@dataclass(frozen=True)
class Relation:
    """One relation between two models, seen from both ends.

    kind "1-1", "1-n" or "m-n" (implicit many-to-many: both sides are lists).
    For 1-1 and 1-n, `from_model.from_field` is the side holding `fields`
    (the foreign key); `to_*` is the referenced side. For m-n, `from_model` is
    the model whose name sorts first (Prisma's column "A").
    """

    name: str
    kind: str
    from_model: str
    from_field: str
    to_model: str
    to_field: str | None
    span: Span
    fields: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    on_delete: ReferentialAction | None = None
    on_update: ReferentialAction | None = None
    map: str | None = None

    @property
    def is_self_relation(self) -> bool:
        return self.from_model == self.to_model

    @property
    def join_table(self) -> str | None:
        """Implicit m-n join table name (`_<RelationName>`)."""
        return f"_{self.name}" if self.kind == "m-n" else None


@dataclass(frozen=True)
class Schema:
    datasource: Datasource | None
    generators: tuple[Generator, ...]
    models: tuple[Model, ...]
    views: tuple[Model, ...]
    composite_types: tuple[CompositeType, ...]
    enums: tuple[Enum, ...]
    relations: tuple[Relation, ...]
    files: tuple[str, ...] = ()
    #: Every comment, for tools that read markers (`// prisma-dsql-ignore ...`).
    comments: tuple[Any, ...] = field(default=(), repr=False)

    @cached_property
    def _models(self) -> dict[str, Model]:
        return {m.name: m for m in (*self.models, *self.views)}

    @cached_property
    def _enums(self) -> dict[str, Enum]:
        return {e.name: e for e in self.enums}

    def model(self, name: str) -> Model | None:
        return self._models.get(name)

    def enum(self, name: str) -> Enum | None:
        return self._enums.get(name)

    @property
    def provider(self) -> str | None:
        return self.datasource.provider if self.datasource else None

    @property
    def relation_mode(self) -> str:
        return self.datasource.relation_mode if self.datasource else "foreignKeys"

    @property
    def preview_features(self) -> tuple[str, ...]:
        seen: list[str] = []
        for g in self.generators:
            for f in g.preview_features:
                if f not in seen:
                    seen.append(f)
        return tuple(seen)

    def schema_of(self, model_or_enum: Model | Enum) -> str:
        """The database schema an object lives in (its @@schema, else "public")."""
        return model_or_enum.schema or "public"


# -- cheap copies for the resolver's relations pass -------------------------------------------------
# dataclasses.replace() inspects the class's fields and goes through the frozen __init__ with keyword
# arguments (~6 us per Field); `evolve` sets the fields directly (~2.3 us), ~3,200 times for a
# 1,000-model schema. It sets them with object.__setattr__, as the frozen __init__ does, rather than
# by filling `__dict__`: touching an instance's __dict__ makes CPython give it a full dict instead of
# its compact shared-key layout (224 -> 528 bytes per Field: +10 MiB at 1,000 models).

_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_object_new = object.__new__
_object_setattr = object.__setattr__


def evolve(obj: Any, **changes: Any) -> Any:
    """`dataclasses.replace(obj, **changes)` for this module's frozen dataclasses (no __post_init__,
    no init=False fields), cheaply. Only the fields are copied: a cached_property computed on `obj`
    (e.g. Model's field index) is not carried over."""
    cls = obj.__class__
    names = _FIELD_NAMES.get(cls)
    if names is None:
        from dataclasses import fields

        assert not hasattr(cls, "__post_init__") and all(f.init for f in fields(cls)), cls
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    unknown = changes.keys() - set(names)
    if unknown:
        raise TypeError(f"{cls.__name__} has no field {min(unknown)!r}")
    new = _object_new(cls)
    for name in names:
        _object_setattr(new, name, changes[name] if name in changes else getattr(obj, name))
    return new
