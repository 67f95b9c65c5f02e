"""What a rule is, and the context it runs in.

A rule is a function from a `Context` to `Finding`s, wrapped by `@rule(...)`
into a `Rule` that carries its stable code, kebab-case name, default severity,
one-line summary and documentation (the function's docstring, in the fixed
sections of `SECTIONS`). The runner turns findings into `Diagnostic`s with the
rule's code, name and severity, so a rule module never repeats them.

Rules read the schema graph and ask the `Profile` what the target can do
(`ctx.profile.supports("foreign_keys")`); they never compare dates. They must
tolerate partial graphs: after Prisma-level errors the resolver leaves out
what it could not resolve (an unknown type becomes an Unsupported field with
no SQL type, a relation with bad `fields` is not in `schema.relations`).
"""

from __future__ import annotations

import ast
import inspect
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Iterable, Iterator, NamedTuple

from prisma_dsql.capabilities import Profile, capability
from prisma_dsql.diagnostics import Diagnostic, Fix, Severity
from prisma_dsql.schema import naming
from prisma_dsql.schema.model import Arity, Field, FieldKind, Index, IndexField, Model, PrimaryKey, Relation, Schema
from prisma_dsql.source import Span
from prisma_dsql.translate_options import TranslateOptions

#: Where docs/rules.md is published; each rule has an anchor there.
DOCS_URL = "https://github.com/prisma-dsql/prisma-dsql/blob/main/docs/rules.md"

#: The documentation sections every rule has, in order.
SECTIONS = ("What it does", "Why", "Example", "Fix")

_CODE = re.compile(r"^DSQL\d{3}$")
_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_HEADING = re.compile(r"^## (.+?)\s*$", re.M)


class Finding(NamedTuple):
    """One problem a rule found; the runner adds code, name and severity."""

    message: str
    span: Span | None
    subject: str | None
    help: str | None = None
    notes: tuple[str, ...] = ()
    #: The edits that fix it (built by the rule, from `prisma_dsql.rules._fix`), or None.
    fix: Fix | None = None


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    #: None for codes reported outside `check` (e.g. unused suppressions).
    check: Callable[["Context"], Iterable[Finding]] | None = field(compare=False, repr=False)
    doc: str = field(default="", compare=False, repr=False)
    #: What `validate --fix` does for its findings, in a sentence; "" when it has no mechanical fix.
    fix: str = field(default="", compare=False, repr=False)

    @cached_property
    def sections(self) -> dict[str, str]:
        """The documentation split at its `## Heading` lines."""
        parts = _HEADING.split(self.doc)
        return {parts[i]: parts[i + 1].strip("\n") for i in range(1, len(parts) - 1, 2)}

    @property
    def anchor(self) -> str:
        """The heading anchor of this rule in docs/rules.md."""
        return f"{self.code.lower()}-{self.name}"

    @property
    def url(self) -> str:
        return f"{DOCS_URL}#{self.anchor}"

    def diagnostic(self, finding: Finding) -> Diagnostic:
        # Positional: keyword arguments make a frozen dataclass several times slower to build, and a
        # run on a large schema builds thousands of these.
        return Diagnostic(self.code, self.severity, finding.message, finding.span, finding.help, finding.subject,
                          self.name, finding.notes, finding.fix)


_DEFINED: list[Rule] = []


def rule(code: str, name: str, severity: Severity, summary: str, doc: str | None = None, fix: str = ""):
    """Declare the decorated function a rule; its docstring is the documentation. `fix` says what
    `validate --fix` does for its findings (the rule's findings then carry `Finding.fix`).

    Codes reported outside `check` (by the suppression layer) decorate None and pass `doc`.
    """
    if not _CODE.match(code):
        raise ValueError(f"rule code {code!r} must look like DSQL123")
    if not _NAME.match(name):
        raise ValueError(f"rule name {name!r} must be kebab-case")

    def wrap(fn: Callable[["Context"], Iterable[Finding]] | None) -> Rule:
        text = doc if doc is not None else (fn.__doc__ if fn is not None else "")
        r = Rule(code, name, severity, summary, fn, inspect.cleandoc(text or ""), fix)
        _DEFINED.append(r)
        return r

    return wrap


def defined_rules() -> list[Rule]:
    return list(_DEFINED)


@dataclass
class Context:
    """The schema, the target's profile and the translation options, plus shared lookups."""

    schema: Schema
    profile: Profile
    options: TranslateOptions = field(default_factory=TranslateOptions)
    #: The schema's text by file name, when the caller has it: rules then attach fixes that edit
    #: inside an attribute (`type: Hash` out of an `@@index`); without it they attach none of those.
    sources: dict[str, str] | None = None
    _memo: dict = field(default_factory=dict, repr=False)

    def text(self, span: Span | None) -> str | None:
        """The source text of `span`, or None when the sources are not known."""
        if span is None or self.sources is None or span.file not in self.sources:
            return None
        from prisma_dsql.fix import span_text

        return span_text(self.sources[span.file], span)

    def memo(self, key: str, compute: Callable[[], object]):
        """A value shared by several rules in one run, computed once (e.g. the database names)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    @property
    def datasource_label(self) -> str:
        ds = self.schema.datasource
        return f"datasource {ds.name}" if ds else "datasource"

    @property
    def db(self) -> str:
        """The native type prefix (`@db.`), after the datasource's name."""
        return self.schema.datasource.name if self.schema.datasource else "db"

    @cached_property
    def tables(self) -> tuple[Model, ...]:
        """Models that become tables (`@@ignore` models are still created by migrations)."""
        return self.schema.models

    # One pass over the fields builds the lookups the rules share: with 1000 models and 20,000
    # fields, thirty rules each walking every field would cost more than parsing does.
    @cached_property
    def _columns(self) -> "_ColumnIndex":
        return _ColumnIndex.build(self.schema.models)

    def fields(self) -> list[tuple[Model, Field]]:
        """Every column-backed field (scalar, enum, `Unsupported("...")`) of every table; composite-type
        fields and fields of unknown types (Prisma-level errors) are left out."""
        return self._columns.all

    def of_type(self, type_name: str) -> list[tuple[Model, Field]]:
        """Column fields of one Prisma type ("Json", "Decimal", "Unsupported", an enum's name)."""
        return self._columns.by_type.get(type_name, [])

    def with_native_type(self) -> list[tuple[Model, Field]]:
        """Column fields with a `@db.*` native type."""
        return self._columns.native

    def lists(self) -> list[tuple[Model, Field]]:
        """Scalar, enum and Unsupported list fields."""
        return self._columns.lists

    def with_default(self, function: str) -> list[tuple[Model, Field]]:
        """Column fields whose `@default` calls `function` (e.g. "autoincrement")."""
        return self._columns.by_default.get(function, [])

    def long_column_names(self) -> list[tuple[Model, Field]]:
        """Column fields whose database name could be 60 bytes or longer (15 characters or more)."""
        return self._columns.long_names

    def column_count(self, model: Model) -> int:
        return self._columns.count.get(model.name, 0)

    @cached_property
    def relations(self) -> list[tuple[Relation, Model, Model]]:
        """(relation, owner model, referenced model) for relations between two tables; relations with
        a view get no foreign key. For m-n, "owner" is the model whose name sorts first."""
        out = []
        model = self.schema.model
        for rel in self.schema.relations:
            a, b = model(rel.from_model), model(rel.to_model)
            if a is not None and b is not None and not a.is_view and not b.is_view:
                out.append((rel, a, b))
        return out

    @cached_property
    def _index_fields(self) -> list[tuple["IndexLike", IndexField]]:
        return [(ix, f) for ix in self.indexes() for f in ix.obj.fields]

    def index_fields(self) -> list[tuple["IndexLike", IndexField]]:
        """Every field of every primary key, unique and index, with its index."""
        return self._index_fields

    @cached_property
    def _indexes(self) -> list["IndexLike"]:
        return [ix for m in self.schema.models for ix in index_likes(m)]

    def indexes(self) -> list["IndexLike"]:
        """Every primary key, unique and index of every table."""
        return self._indexes

    @cached_property
    def target(self) -> str:
        """The profile in words: "Aurora DSQL as of 2026-08-01"."""
        return self.profile.describe()

    def first_version(self, key: str) -> str:
        """The first DSQL version (date) with a capability, for `--dsql-version` advice."""
        c = capability(key)
        return c.since.isoformat() if c.since else "a future version"

    def since(self, key: str) -> str:
        """When DSQL gained a capability, as words for messages ("supported by DSQL since 2026-08-26")."""
        c = capability(key)
        if c.since is None:
            return "not supported by DSQL"
        return f"supported by DSQL since {c.since.isoformat()}" + (" (unconfirmed)" if c.uncertain else "")


@dataclass
class _ColumnIndex:
    all: list[tuple[Model, Field]]
    by_type: dict[str, list[tuple[Model, Field]]]
    by_default: dict[str, list[tuple[Model, Field]]]
    native: list[tuple[Model, Field]]
    lists: list[tuple[Model, Field]]
    count: dict[str, int]
    #: Fields whose column name has 15 or more characters (60 bytes or more possible).
    long_names: list[tuple[Model, Field]]

    @classmethod
    def build(cls, models) -> "_ColumnIndex":
        index = cls([], {}, {}, [], [], {}, [])
        relation, composite, unsupported, as_list = (FieldKind.RELATION, FieldKind.COMPOSITE, FieldKind.UNSUPPORTED,
                                                     Arity.LIST)
        for m in models:
            n = 0
            for f in m.fields:
                kind = f.kind
                if kind is relation or kind is composite or (kind is unsupported and f.unsupported is None):
                    # Not a column, or a type that did not resolve (a Prisma-level error already).
                    continue
                n += 1
                pair = (m, f)
                index.all.append(pair)
                index.by_type.setdefault(f.type_name, []).append(pair)
                if f.native_type is not None:
                    index.native.append(pair)
                if f.default is not None and f.default.function is not None:
                    index.by_default.setdefault(f.default.function, []).append(pair)
                if f.arity is as_list:
                    index.lists.append(pair)
                if len(f.db_name) >= 15:
                    index.long_names.append(pair)
            index.count[m.name] = n
        return index


def setting(section: str | None, key: str, value: object) -> str:
    """A prisma-dsql.toml setting as the user writes it, for messages:
    `[translate] identity-cache = 1` in prisma-dsql.toml."""
    shown = f'"{value}"' if isinstance(value, str) else str(value)
    table = f"[{section}] " if section else ""
    return f"`{table}{key} = {shown}` in prisma-dsql.toml"


def is_id(model: Model, fld: Field) -> bool:
    pk = model.primary_key
    return pk is not None and any(x.name == fld.name for x in pk.fields)


def plural(n: int, word: str, words: str | None = None) -> str:
    """`1 table`, `3 tables` (with thousands separators)."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def short_name(name: str, limit: int = 40) -> str:
    """A shorter identifier for advice: whole words of `name` (snake_case or CamelCase, any letters)
    up to `limit` UTF-8 bytes; without a word boundary in reach, `name` cut at a character boundary."""
    out = ""
    for w in _words(name):
        if len((out + w).encode("utf-8")) > limit:
            break
        out += w
    out = out.rstrip("_")
    return out or naming.truncate_bytes(name, limit)


def _words(name: str) -> list[str]:
    """`überlangerTabellenName_v2` -> `überlanger`, `Tabellen`, `Name`, `_`, `v2`: a word starts at an
    underscore (a word of its own), at an upper-case letter after a lower-case one or a digit, and at
    the last capital of an acronym followed by lower case (`HTTPServer` -> `HTTP`, `Server`)."""
    words: list[str] = []
    cur = ""
    for i, ch in enumerate(name):
        if ch == "_":
            if cur:
                words.append(cur)
            words.append("_")
            cur = ""
            continue
        prev = name[i - 1] if i else ""
        nxt = name[i + 1] if i + 1 < len(name) else ""
        if cur and ch.isupper() and (prev.islower() or prev.isdigit() or (prev.isupper() and nxt.islower())):
            words.append(cur)
            cur = ""
        cur += ch
    if cur:
        words.append(cur)
    return words


def declare(fld: Field, type_name: str, attributes: str = "") -> str:
    """`name Type? @attr` for advice, keeping the field's optionality."""
    text = f"{fld.name} {type_name}{'?' if fld.is_optional else ''}"
    return f"{text} {attributes}" if attributes else text


def subject(model: Model, fld: Field | None = None) -> str:
    return f"{model.name}.{fld.name}" if fld is not None else model.name


# -- indexes ------------------------------------------------------------------------------------


class IndexLike(NamedTuple):
    """A primary key, unique constraint or index of a table, as the DDL will create it."""

    model: Model
    #: "id", "unique", "index" or "fulltext"
    kind: str
    obj: PrimaryKey | Index
    from_field: bool

    @property
    def fields(self) -> tuple[IndexField, ...]:
        return self.obj.fields

    @property
    def span(self) -> Span:
        return self.obj.span

    @property
    def attribute(self) -> str:
        """`@id`, `@@unique`, ... as written."""
        return ("@" if self.from_field else "@@") + self.kind

    @property
    def subject(self) -> str:
        if self.from_field and self.fields:
            return f"{self.model.name}.{self.fields[0].name}"
        return self.model.name

    def describe(self) -> str:
        if self.from_field and self.fields:
            return f"the `{self.attribute}` of `{self.model.name}.{self.fields[0].name}`"
        return f"`{self.attribute}([{', '.join(f.name for f in self.fields)}])` of `{self.model.name}`"

    def code(self, *, sort: bool = True, ops: bool = True, type: bool = True, where: bool = True) -> str:
        """The attribute as Prisma code, optionally without some arguments (for `help`)."""
        obj = self.obj
        named: list[str] = []
        if self.from_field:
            f = self.fields[0] if self.fields else None
            if f is not None and f.length is not None:
                named.append(f"length: {f.length}")
            if sort and f is not None and f.sort:
                named.append(f"sort: {f.sort}")
        else:
            items = []
            for f in self.fields:
                args = []
                if f.length is not None:
                    args.append(f"length: {f.length}")
                if sort and f.sort:
                    args.append(f"sort: {f.sort}")
                if ops and f.ops:
                    args.append(f"ops: {ops_code(f.ops)}")
                items.append(f"{f.name}({', '.join(args)})" if args else f.name)
            named.append(f"[{', '.join(items)}]")
        if getattr(obj, "name", None):
            named.append(f'name: "{obj.name}"')
        if obj.map:
            named.append(f'map: "{obj.map}"')
        if type and getattr(obj, "type", None):
            named.append(f"type: {obj.type}")
        if where and getattr(obj, "where", None) is not None:
            named.append(f"where: {where_code(obj.where)}")
        return f"{self.attribute}({', '.join(named)})" if named else self.attribute


def where_code(value) -> str:
    """A resolved `where:` value as Prisma code."""
    if isinstance(value, dict):
        if set(value) == {"raw"}:
            return f"raw({_string(value['raw'])})"
        return "{ " + ", ".join(f"{k}: {where_code(v)}" for k, v in value.items()) + " }"
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(where_code(v) for v in value) + "]"
    return str(value)


def ops_code(ops: str) -> str:
    """The resolver keeps `ops: raw("x")` as the text `raw('x')`; give it back as Prisma code."""
    if ops.startswith("raw(") and ops.endswith(")"):
        try:
            return f"raw({_string(str(ast.literal_eval(ops[4:-1])))})"
        except (ValueError, SyntaxError):
            return ops
    return ops


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def is_indexed(model: Model, fields) -> bool:
    """Whether `fields` (names) are the leading fields of an id, unique or index of `model`, in any
    order: an index the database can use to find rows by them."""
    wanted = set(fields)
    n = len(wanted)
    return any(ix.kind != "fulltext" and {f.name for f in ix.fields[:n]} == wanted for ix in index_likes(model))


def is_unique(model: Model, fields) -> bool:
    """Whether rows of `model` are unique by `fields`: an id or unique lies within them."""
    given = set(fields)
    return any(ix.kind in ("id", "unique") and ix.fields and {f.name for f in ix.fields} <= given
               for ix in index_likes(model))


def index_likes(model: Model) -> Iterator[IndexLike]:
    """The primary key, uniques and indexes (incl. `@@fulltext`) of a model, in that order."""
    pk = model.primary_key
    if pk is not None:
        yield IndexLike(model, "id", pk, pk.from_field)
    for u in model.uniques:
        yield IndexLike(model, "unique", u, u.from_field)
    for i in model.indexes:
        yield IndexLike(model, i.kind, i, False)
