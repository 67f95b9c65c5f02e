"""Resolve syntax trees into the typed schema graph.

Contract: `resolve(files)` never raises for problems in the schema. It runs
Prisma's passes in order (configuration -> names -> types -> attributes ->
relations -> model checks), appends a diagnostic per problem, and returns the
best graph it can build: unknown attributes are skipped, a relation without an
opposite field is still a relation field, and so on. Later passes run even
after errors, but only on the parts that resolved, so one mistake is not
reported five times.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from typing import Any, Iterable

from prisma_dsql.codes import name_of
from prisma_dsql.diagnostics import Diagnostic, Severity
from prisma_dsql.schema import model as m
from prisma_dsql.schema.native_types import POSTGRES_NATIVE_TYPES
from prisma_dsql.source import Span
from prisma_dsql.syntax import ast

PROVIDERS = ("postgresql", "postgres", "mysql", "sqlite", "sqlserver", "mongodb", "cockroachdb")
PRISMA7_URL_PROPERTIES = ("url", "directUrl", "shadowDatabaseUrl")
DATASOURCE_PROPERTIES = ("provider", "relationMode", "schemas", "extensions", *PRISMA7_URL_PROPERTIES,
                         "referentialIntegrity")
DEFAULT_FUNCTIONS = {
    # name -> scalar types it may be used on (None: any)
    "autoincrement": ("Int", "BigInt"),
    "now": ("DateTime",),
    "uuid": ("String",),
    "cuid": ("String",),
    "nanoid": ("String",),
    "ulid": ("String",),
    "dbgenerated": None,
    "sequence": ("Int", "BigInt"),
    "auto": None,
}
FIELD_ATTRIBUTES = ("id", "default", "unique", "relation", "map", "updatedAt", "ignore", "shardKey")
BLOCK_ATTRIBUTES = ("id", "unique", "index", "map", "ignore", "schema", "fulltext", "shardKey")
REFERENTIAL_ACTIONS = {a.value: a for a in m.ReferentialAction}
INDEX_TYPES = ("BTree", "Hash", "Gist", "Gin", "SpGist", "Brin")


@dataclass
class _Ctx:
    diagnostics: list[Diagnostic] = dc_field(default_factory=list)
    datasource_name: str = "db"

    def error(self, code: str, message: str, span: Span | None, help: str | None = None,
              subject: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, Severity.ERROR, message, span, help=help, subject=subject,
                                           name=name_of(code)))

    def info(self, code: str, message: str, span: Span | None, help: str | None = None,
             subject: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, Severity.INFO, message, span, help=help, subject=subject,
                                           name=name_of(code)))


# -- small value helpers ------------------------------------------------------------


def _describe(value: ast.Value) -> str:
    return {
        ast.StringValue: "a string",
        ast.NumberValue: "a number",
        ast.ConstantValue: "a constant",
        ast.FunctionValue: "a function call",
        ast.ArrayValue: "a list",
        ast.ObjectValue: "an object",
    }[type(value)]


def _plain(value: ast.Value) -> Any:
    """A value as plain Python data (for JSON output and config)."""
    if isinstance(value, ast.StringValue):
        return value.value
    if isinstance(value, ast.NumberValue):
        return value.value
    if isinstance(value, ast.ConstantValue):
        return {"true": True, "false": False, "null": None}.get(value.name, value.name)
    if isinstance(value, ast.ArrayValue):
        return [_plain(i) for i in value.items]
    if isinstance(value, ast.ObjectValue):
        return {k: _plain(v) for k, v in value.members}
    if isinstance(value, ast.FunctionValue):
        return {"function": value.name, "args": [_plain(a.value) for a in value.args]}
    return None


class _Args:
    """An attribute's arguments bound to parameter names.

    `params` lists accepted names; the first `positional` of them may also be
    given without a name. Unknown names, too many positional arguments and
    repeats are reported once each.
    """

    def __init__(self, ctx: _Ctx, attr: ast.Attribute, params: tuple[str, ...], positional: int = 1,
                 subject: str | None = None):
        self.attr = attr
        self.values: dict[str, ast.Value] = {}
        pos = 0
        label = ("@@" if attr.block_level else "@") + attr.name
        for arg in attr.args:
            if arg.name is None:
                if pos >= positional:
                    ctx.error("PSL104", f"`{label}` takes no further unnamed arguments.", arg.span,
                              help=f"Name the argument; `{label}` accepts: {', '.join(params) or 'none'}.",
                              subject=subject)
                    continue
                key = params[pos]
                pos += 1
            else:
                key = arg.name
                if key not in params:
                    ctx.error("PSL104", f"`{label}` has no argument named `{key}`.", arg.span,
                              help=f"`{label}` accepts: {', '.join(params) or 'no arguments'}.", subject=subject)
                    continue
            if key in self.values:
                ctx.error("PSL104", f"The argument `{key}` is given twice in `{label}`.", arg.span, subject=subject)
                continue
            self.values[key] = arg.value

    def get(self, key: str) -> ast.Value | None:
        return self.values.get(key)

    def string(self, ctx: _Ctx, key: str, subject: str | None = None) -> str | None:
        v = self.values.get(key)
        if v is None:
            return None
        if not isinstance(v, ast.StringValue):
            ctx.error("PSL104", f"`{key}` must be a string, not {_describe(v)}.", v.span, subject=subject)
            return None
        return v.value

    def constant(self, ctx: _Ctx, key: str, allowed: Iterable[str], subject: str | None = None) -> str | None:
        v = self.values.get(key)
        if v is None:
            return None
        allowed = tuple(allowed)
        if not isinstance(v, ast.ConstantValue) or v.name not in allowed:
            ctx.error("PSL104", f"`{key}` must be one of {', '.join(allowed)}.", v.span, subject=subject)
            return None
        return v.name

    def name_list(self, ctx: _Ctx, key: str, subject: str | None = None) -> list[tuple[str, Span, ast.Value]] | None:
        """A list of field references `[a, b(sort: Desc)]`: (name, span, item)."""
        v = self.values.get(key)
        if v is None:
            return None
        if isinstance(v, ast.ConstantValue):
            # Prisma accepts a single bare name where a list is expected.
            return [(v.name, v.span, v)]
        if not isinstance(v, ast.ArrayValue):
            ctx.error("PSL104", f"`{key}` must be a list of field names, not {_describe(v)}.", v.span,
                      subject=subject)
            return None
        out = []
        for item in v.items:
            if isinstance(item, ast.ConstantValue):
                out.append((item.name, item.span, item))
            elif isinstance(item, ast.FunctionValue):
                out.append((item.name, item.span, item))
            else:
                ctx.error("PSL104", f"Expected a field name in `{key}`, found {_describe(item)}.", item.span,
                          subject=subject)
        return out


# -- entry point ------------------------------------------------------------------------


def resolve(files: Iterable[ast.SchemaFile]) -> tuple[m.Schema, list[Diagnostic]]:
    files = list(files)
    ctx = _Ctx()
    blocks: list[ast.Block] = [b for f in files for b in f.blocks]
    comments = tuple(c for f in files for c in f.comments)

    datasource = _resolve_datasource(ctx, [b for b in blocks if b.kind == "datasource"])
    if datasource is not None:
        ctx.datasource_name = datasource.name
    generators = _resolve_generators(ctx, [b for b in blocks if b.kind == "generator"])

    # Names pass: models, views, composite types and enums share one namespace.
    top: dict[str, ast.Block] = {}
    for b in blocks:
        if b.kind in ("datasource", "generator") or not b.name:
            continue
        if b.name in top:
            first = top[b.name]
            ctx.error("PSL101", f"The {_kind_label(b.kind)} `{b.name}` cannot be defined because a "
                      f"{_kind_label(first.kind)} with that name already exists.", b.name_span,
                      help=f"The first definition is at {first.name_span.file}:{first.name_span.line}.")
            continue
        top[b.name] = b

    enums = tuple(_resolve_enum(ctx, b) for b in top.values() if b.kind == "enum")
    enum_names = {e.name: e for e in enums}
    composite_blocks = {n: b for n, b in top.items() if b.kind == "type"}
    model_blocks = {n: b for n, b in top.items() if b.kind in ("model", "view")}

    provider = datasource.provider if datasource else None
    resolver = _ModelResolver(ctx, enum_names, composite_blocks, model_blocks, provider)
    composites = tuple(resolver.composite(b) for b in composite_blocks.values())
    models_all = [resolver.model(b) for b in model_blocks.values()]

    models_all, relations = _resolve_relations(ctx, models_all)
    for model_ in models_all:
        _check_model(ctx, model_)
    _check_schemas(ctx, datasource, models_all, enums)
    _check_preview_features(ctx, generators, models_all)
    if provider in ("postgresql", "postgres", "cockroachdb"):
        # Name collisions are a connector check: without a datasource Prisma skips it.
        _check_constraint_names(ctx, models_all, relations)

    schema = m.Schema(
        datasource=datasource,
        generators=generators,
        models=tuple(x for x in models_all if not x.is_view),
        views=tuple(x for x in models_all if x.is_view),
        composite_types=composites,
        enums=enums,
        relations=tuple(relations),
        files=tuple(f.name for f in files),
        comments=comments,
    )
    return schema, ctx.diagnostics


def _kind_label(kind: str) -> str:
    return {"type": "composite type"}.get(kind, kind)


# -- configuration blocks ------------------------------------------------------------------


def _config_values(ctx: _Ctx, block: ast.Block) -> dict[str, tuple[ast.Property, m.ConfigValue]]:
    out: dict[str, tuple[ast.Property, m.ConfigValue]] = {}
    for prop in block.members:
        if prop.name in out:
            ctx.error("PSL101", f"The property `{prop.name}` is set twice in {block.kind} `{block.name}`.", prop.span)
            continue
        env = None
        v = prop.value
        if isinstance(v, ast.FunctionValue) and v.name == "env":
            if len(v.args) == 1 and isinstance(v.args[0].value, ast.StringValue):
                env = v.args[0].value.value
            else:
                ctx.error("PSL104", '`env()` takes one string: the variable\'s name, e.g. env("DATABASE_URL").', v.span)
        out[prop.name] = (prop, m.ConfigValue(None if env else _plain(v), prop.span, env))
    return out


def _resolve_datasource(ctx: _Ctx, blocks: list[ast.Block]) -> m.Datasource | None:
    if not blocks:
        return None
    for extra in blocks[1:]:
        ctx.error("PSL111", "You defined more than one datasource. This is not allowed yet because support for "
                  "multiple databases has not been implemented yet.", extra.name_span)
    b = blocks[0]
    values = _config_values(ctx, b)
    provider = None
    provider_span = None
    if "provider" not in values:
        ctx.error("PSL111", f"The datasource `{b.name}` has no `provider`.", b.name_span,
                  help='Add `provider = "postgresql"`.')
    else:
        prop, cv = values["provider"]
        provider_span = prop.value.span
        if cv.env is not None:
            ctx.error("PSL111", "A datasource must not use the env() function in the provider argument.",
                      prop.value.span, help='Write `provider = "postgresql"`.')
        elif not isinstance(prop.value, ast.StringValue):
            ctx.error("PSL111", "The `provider` must be a string.", prop.value.span, help='Write `provider = "postgresql"`.')
        elif prop.value.value not in PROVIDERS:
            ctx.error("PSL111", f"Datasource provider not known: \"{prop.value.value}\".", prop.value.span,
                      help="Known providers: " + ", ".join(p for p in PROVIDERS if p != "postgres") + ".")
            provider = prop.value.value
        else:
            provider = prop.value.value
    for key in PRISMA7_URL_PROPERTIES:
        if key in values:
            prop, _ = values[key]
            ctx.info("PSL901", f"Prisma 7 no longer reads `{key}` from the datasource block; it was accepted "
                     "and ignored.", prop.span,
                     help=f"Move it to prisma.config.ts (`datasource: {{ {key}: env(\"...\") }}`).")
    relation_mode = "foreignKeys"
    relation_mode_span = None
    for key in ("relationMode", "referentialIntegrity"):
        if key in values:
            prop, cv = values[key]
            relation_mode_span = prop.value.span
            if cv.value in ("prisma", "foreignKeys"):
                relation_mode = cv.value
            else:
                ctx.error("PSL111", f'`{key}` must be "prisma" or "foreignKeys".', prop.value.span)
    schemas: tuple[str, ...] = ()
    schemas_span = None
    if "schemas" in values:
        prop, cv = values["schemas"]
        schemas_span = prop.value.span
        if isinstance(prop.value, ast.ArrayValue) and all(isinstance(i, ast.StringValue) for i in prop.value.items):
            names = [i.value for i in prop.value.items]
            seen: set[str] = set()
            for item in prop.value.items:
                if item.value in seen:
                    ctx.error("PSL111", f'The schema "{item.value}" is listed twice.', item.span)
                seen.add(item.value)
            schemas = tuple(dict.fromkeys(names))
        else:
            ctx.error("PSL111", '`schemas` must be a list of strings, e.g. ["public", "auth"].', prop.value.span)
    extensions: list[m.Extension] = []
    extensions_span = None
    if "extensions" in values:
        prop, _ = values["extensions"]
        extensions_span = prop.value.span
        if not isinstance(prop.value, ast.ArrayValue):
            ctx.error("PSL111", "`extensions` must be a list, e.g. [pgcrypto, postgis(version: \"3.4\")].",
                      prop.value.span)
        else:
            for item in prop.value.items:
                if isinstance(item, ast.ConstantValue):
                    extensions.append(m.Extension(item.name, item.span))
                elif isinstance(item, ast.FunctionValue):
                    kw = {a.name: _plain(a.value) for a in item.args if a.name}
                    extensions.append(m.Extension(item.name, item.span, kw.get("version"), kw.get("schema"),
                                                  kw.get("map")))
                else:
                    ctx.error("PSL111", "Each extension is a name, optionally with arguments: "
                              "`pgcrypto` or `postgis(version: \"3.4\")`.", item.span)
    for key, (prop, _) in values.items():
        if key not in DATASOURCE_PROPERTIES:
            ctx.error("PSL111", f"Property not known: \"{key}\".", prop.span,
                      help="A datasource takes: provider, relationMode, schemas, extensions.")
    return m.Datasource(
        name=b.name, provider=provider, span=b.span, name_span=b.name_span, provider_span=provider_span,
        relation_mode=relation_mode, relation_mode_span=relation_mode_span, schemas=schemas,
        schemas_span=schemas_span, extensions=tuple(extensions), extensions_span=extensions_span,
        properties=tuple((k, cv) for k, (_, cv) in values.items()),
    )


def _resolve_generators(ctx: _Ctx, blocks: list[ast.Block]) -> tuple[m.Generator, ...]:
    out = []
    seen: set[str] = set()
    for b in blocks:
        if b.name in seen:
            ctx.error("PSL101", f"The generator `{b.name}` is defined twice.", b.name_span)
            continue
        seen.add(b.name)
        values = _config_values(ctx, b)
        provider = None
        if "provider" not in values:
            ctx.error("PSL112", f"The generator `{b.name}` has no `provider`.", b.name_span,
                      help='Add `provider = "prisma-client"`.')
        else:
            cv = values["provider"][1]
            provider = cv.value if isinstance(cv.value, str) else (f"env({cv.env})" if cv.env else None)
        preview: tuple[str, ...] = ()
        if "previewFeatures" in values:
            prop, cv = values["previewFeatures"]
            if isinstance(prop.value, ast.ArrayValue) and all(isinstance(i, ast.StringValue) for i in prop.value.items):
                preview = tuple(i.value for i in prop.value.items)
            else:
                ctx.error("PSL112", '`previewFeatures` must be a list of strings, e.g. ["views"].', prop.value.span)
        output = values["output"][1].value if "output" in values else None
        out.append(m.Generator(b.name, provider, b.span, b.name_span,
                               output if isinstance(output, str) else None, preview,
                               tuple((k, cv) for k, (_, cv) in values.items())))
    return tuple(out)


# -- enums -----------------------------------------------------------------------------------


def _single_string_arg(ctx: _Ctx, attr: ast.Attribute, subject: str | None, param: str = "name") -> str | None:
    args = _Args(ctx, attr, (param,), subject=subject)
    if param not in args.values:
        ctx.error("PSL104", f"`{'@@' if attr.block_level else '@'}{attr.name}` needs a string argument.", attr.span,
                  subject=subject)
        return None
    return args.string(ctx, param, subject)


def _resolve_enum(ctx: _Ctx, b: ast.Block) -> m.Enum:
    values: list[m.EnumValue] = []
    seen: dict[str, ast.EnumValue] = {}
    db_names: set[str] = set()
    for v in b.members:
        subject = f"{b.name}.{v.name}"
        if v.name in seen:
            ctx.error("PSL101", f"Value `{v.name}` is already defined on enum `{b.name}`.", v.span, subject=subject)
            continue
        seen[v.name] = v
        db_name = v.name
        for attr in v.attributes:
            if attr.name == "map":
                mapped = _single_string_arg(ctx, attr, subject)
                if mapped is not None:
                    db_name = mapped
            else:
                ctx.error("PSL103", f"Attribute not known: \"@{attr.name}\".", attr.span, subject=subject,
                          help="Enum values take only `@map(\"...\")`.")
        if db_name in db_names:
            ctx.error("PSL101", f"The database value \"{db_name}\" is used twice in enum `{b.name}`.", v.span,
                      subject=subject)
        db_names.add(db_name)
        values.append(m.EnumValue(v.name, db_name, v.span, v.doc))
    db_name = b.name
    schema = schema_span = None
    used: set[str] = set()
    for attr in b.attributes:
        if attr.name in used and attr.name in ("map", "schema"):
            ctx.error("PSL105", f"The attribute `@@{attr.name}` can only be used once.", attr.span, subject=b.name)
            continue
        used.add(attr.name)
        if attr.name == "map":
            db_name = _single_string_arg(ctx, attr, b.name) or db_name
        elif attr.name == "schema":
            schema = _single_string_arg(ctx, attr, b.name)
            schema_span = attr.span
        else:
            ctx.error("PSL103", f"Attribute not known: \"@@{attr.name}\".", attr.span, subject=b.name,
                      help="Enums take `@@map` and `@@schema`.")
    if not values:
        ctx.error("PSL101", f"An enum must have at least one value: `{b.name}` has none.", b.name_span, subject=b.name)
    return m.Enum(b.name, db_name, tuple(values), b.span, b.name_span, schema, schema_span, b.doc)


# -- models ----------------------------------------------------------------------------------


class _ModelResolver:
    def __init__(self, ctx: _Ctx, enums: dict[str, m.Enum], composites: dict[str, ast.Block],
                 models: dict[str, ast.Block], provider: str | None):
        self.ctx = ctx
        self.enums = enums
        self.composites = composites
        self.models = models
        self.provider = provider

    # Fields ------------------------------------------------------------------------
    def _kind_of(self, ftype: ast.FieldType, subject: str) -> m.FieldKind | None:
        name = ftype.name
        if ftype.unsupported is not None:
            if name != "Unsupported":
                self.ctx.error("PSL102", f"Type \"{name}\" is neither a built-in type, nor refers to another model, "
                               "composite type, or enum.", ftype.span, subject=subject)
                return None
            return m.FieldKind.UNSUPPORTED
        if name in m.SCALAR_TYPES:
            return m.FieldKind.SCALAR
        if name in self.enums:
            return m.FieldKind.ENUM
        if name in self.models:
            return m.FieldKind.RELATION
        if name in self.composites:
            return m.FieldKind.COMPOSITE
        if name == "Unsupported":
            self.ctx.error("PSL102", 'Unsupported needs the database type as a string: Unsupported("circle").',
                           ftype.span, subject=subject)
            return None
        self.ctx.error("PSL102", f"Type \"{name}\" is neither a built-in type, nor refers to another model, "
                       "composite type, or enum.", ftype.span, subject=subject,
                       help=_suggest(name, [*m.SCALAR_TYPES, *self.enums, *self.models, *self.composites]))
        return None

    def field(self, owner: ast.Block, f: ast.Field, in_composite: bool = False) -> tuple[m.Field, dict]:
        """The field, plus the raw field-level @id/@unique attributes for the model pass."""
        ctx = self.ctx
        subject = f"{owner.name}.{f.name}"
        kind = self._kind_of(f.type, subject)
        arity = m.Arity(f.type.arity)
        extras: dict[str, Any] = {}
        db_name = f.name
        native = None
        default = None
        updated_at = ignored = False
        relation_attr = None
        seen: dict[str, ast.Attribute] = {}
        for attr in f.attributes:
            base = attr.name
            is_native = "." in base
            key = "db.*" if is_native else base
            if key in seen:
                ctx.error("PSL105", f"Attribute \"@{base}\" can only be defined once.", attr.span, subject=subject)
                continue
            seen[key] = attr
            if is_native:
                native = self._native_type(attr, subject, kind, f)
            elif base == "map":
                db_name = _single_string_arg(ctx, attr, subject) or db_name
            elif base == "default":
                default = self._default(attr, subject, kind, f)
            elif base == "id":
                args = _Args(ctx, attr, ("map", "length", "sort", "clustered"), positional=0, subject=subject)
                extras["id"] = (attr, args)
            elif base == "unique":
                args = _Args(ctx, attr, ("map", "length", "sort", "clustered", "where"), positional=0, subject=subject)
                extras["unique"] = (attr, args)
            elif base == "relation":
                relation_attr = attr
            elif base == "updatedAt":
                _Args(ctx, attr, (), positional=0, subject=subject)
                updated_at = True
                if kind is not None and f.type.name != "DateTime":
                    ctx.error("PSL115", "Fields that are marked with @updatedAt must be of type DateTime or "
                              "DateTime?.", attr.span, subject=subject)
            elif base == "ignore":
                ignored = True
            elif base in FIELD_ATTRIBUTES:
                pass
            else:
                ctx.error("PSL103", f"Attribute not known: \"@{base}\".", attr.span, subject=subject,
                          help=_suggest(base, FIELD_ATTRIBUTES))
        if kind is m.FieldKind.RELATION:
            for bad in ("default", "map", "id", "unique", "updatedAt"):
                if bad in seen and not (bad == "default"):
                    ctx.error("PSL103", f"The attribute `@{bad}` cannot be used on the relation field `{f.name}`.",
                              seen[bad].span, subject=subject,
                              help="Put it on the scalar field that holds the foreign key instead.")
        elif relation_attr is not None and kind is not None:
            ctx.error("PSL103", "The `@relation` attribute can only be used on fields whose type is a model.",
                      relation_attr.span, subject=subject)
            relation_attr = None
        if kind is m.FieldKind.COMPOSITE and self.provider not in (None, "mongodb"):
            ctx.error("PSL117", f"Composite types are not supported on {self.provider}. They are only supported on "
                      "MongoDB.", f.type.span, subject=subject,
                      help="Use a Json field, or a separate model with a relation.")
        if arity is m.Arity.LIST and kind is m.FieldKind.UNSUPPORTED:
            pass
        if relation_attr is not None:
            extras["relation"] = relation_attr
        fld = m.Field(
            name=f.name, db_name=db_name, kind=kind or m.FieldKind.UNSUPPORTED, type_name=f.type.name, arity=arity,
            span=f.span, type_span=f.type.span, native_type=native, default=default, updated_at=updated_at,
            ignored=ignored, unsupported=f.type.unsupported if kind is m.FieldKind.UNSUPPORTED else None,
            doc=f.doc, attributes=tuple(a.name for a in f.attributes),
            attribute_spans=tuple((a.name, a.span) for a in f.attributes),
        )
        extras["resolved"] = kind is not None
        return fld, extras

    def _native_type(self, attr: ast.Attribute, subject: str, kind, f: ast.Field) -> m.NativeType | None:
        ctx = self.ctx
        prefix, _, name = attr.name.partition(".")
        if prefix != ctx.datasource_name:
            ctx.error("PSL114", f"The prefix `{prefix}` of `@{attr.name}` does not match the datasource "
                      f"name `{ctx.datasource_name}`.", attr.name_span, subject=subject,
                      help=f"Write `@{ctx.datasource_name}.{name}`.")
            return None
        args = []
        for a in attr.args:
            if a.name is not None or not isinstance(a.value, (ast.NumberValue, ast.StringValue, ast.ConstantValue)):
                ctx.error("PSL114", f"Arguments of `@{attr.name}` are plain numbers.", a.span, subject=subject)
                return None
            args.append(a.value.text if isinstance(a.value, ast.NumberValue) else _plain(a.value))
        spec = POSTGRES_NATIVE_TYPES.get(name)
        if self.provider in ("postgresql", "postgres", None) or self.provider == "cockroachdb":
            if spec is None:
                ctx.error("PSL114", f"Native type {name} is not supported for postgresql connector.", attr.name_span,
                          subject=subject, help=_suggest(name, POSTGRES_NATIVE_TYPES))
                return None
            if kind is m.FieldKind.SCALAR and f.type.name not in spec.scalars:
                ctx.error("PSL114", f"Native type {name} is not compatible with declared field type "
                          f"{f.type.name}, expected field type {' or '.join(spec.scalars)}.", attr.span,
                          subject=subject)
            if not spec.min_args <= len(args) <= spec.max_args:
                want = (f"{spec.max_args}" if spec.min_args == spec.max_args else
                        f"{spec.min_args} to {spec.max_args}")
                ctx.error("PSL114", f"Native type {name} takes {want} arguments, but received {len(args)}.",
                          attr.span, subject=subject)
        return m.NativeType(name, tuple(str(a) for a in args), attr.span)

    def _default(self, attr: ast.Attribute, subject: str, kind, f: ast.Field) -> m.DefaultValue | None:
        ctx = self.ctx
        args = _Args(ctx, attr, ("value", "map"), subject=subject)
        value = args.get("value")
        dmap = args.string(ctx, "map", subject)
        if dmap is not None and self.provider not in (None, "sqlserver"):
            ctx.error("PSL104", "Error parsing attribute \"@default\": You defined a database name for the default "
                      "value of a field on the model. This is not supported by the provider.",
                      args.get("map").span, subject=subject, help="Remove `map:` from `@default`.")
            dmap = None
        if value is None:
            ctx.error("PSL104", "`@default` needs a value.", attr.span, subject=subject)
            return None
        tname = f.type.name
        span = attr.span

        def mismatch(what: str) -> None:
            ctx.error("PSL110", f"Expected {what}, but found {_describe(value)}.", value.span, subject=subject)

        if f.type.arity == "list":
            if not isinstance(value, ast.ArrayValue):
                mismatch("a list default for a list field")
                return None
            return m.DefaultValue("list", span, value=tuple(_plain(i) for i in value.items), map=dmap)
        if isinstance(value, ast.FunctionValue):
            fname = value.name
            if fname not in DEFAULT_FUNCTIONS:
                ctx.error("PSL110", f"Unknown function in @default(): `{fname}` is not known.", value.span,
                          subject=subject, help=_suggest(fname, DEFAULT_FUNCTIONS))
                return None
            allowed = DEFAULT_FUNCTIONS[fname]
            if allowed is not None and kind is not None and tname not in allowed:
                ctx.error("PSL110", f"The function `{fname}()` cannot be used on fields of type `{tname}`.",
                          value.span, subject=subject, help=f"`{fname}()` works on {', '.join(allowed)} fields.")
            fargs = tuple(_plain(a.value) for a in value.args)
            if fname == "dbgenerated" and fargs and not isinstance(fargs[0], str):
                ctx.error("PSL110", "`dbgenerated()` takes one string: the SQL expression.", value.span, subject=subject)
            return m.DefaultValue("function", span, function=fname, args=fargs, map=dmap)
        if isinstance(value, ast.StringValue):
            if kind is m.FieldKind.SCALAR and tname not in ("String", "DateTime", "Json", "Bytes", "Decimal", "BigInt"):
                mismatch(f"a {tname} value")
                return None
            if kind is m.FieldKind.ENUM:
                mismatch("an enum value")
                return None
            return m.DefaultValue("literal", span, value=value.value, literal_type="string", map=dmap)
        if isinstance(value, ast.NumberValue):
            if kind is m.FieldKind.SCALAR and tname not in ("Int", "BigInt", "Float", "Decimal"):
                mismatch(f"a {tname} value")
                return None
            if tname in ("Int", "BigInt") and "." in value.text:
                ctx.error("PSL110", f"Expected an integer for the {tname} field, but found {value.text}.", value.span,
                          subject=subject)
                return None
            return m.DefaultValue("literal", span, value=value.value, literal_type="number", map=dmap,
                                  text=value.text)
        if isinstance(value, ast.ConstantValue):
            if value.name in ("true", "false"):
                if kind is m.FieldKind.SCALAR and tname != "Boolean":
                    mismatch(f"a {tname} value")
                    return None
                return m.DefaultValue("literal", span, value=value.name == "true", literal_type="boolean", map=dmap)
            if value.name == "null":
                ctx.error("PSL110", "`null` is not a valid default; leave the default out of an optional field instead.",
                          value.span, subject=subject)
                return None
            if kind is m.FieldKind.ENUM:
                enum = self.enums[tname]
                if value.name not in {v.name for v in enum.values}:
                    ctx.error("PSL110", f"The defined default value `{value.name}` is not a valid value of the enum "
                              f"specified for the field.", value.span, subject=subject,
                              help=f"Values of `{tname}`: {', '.join(v.name for v in enum.values)}.")
                    return None
                return m.DefaultValue("literal", span, value=value.name, literal_type="enum", map=dmap)
            if kind is not None:
                mismatch(f"a {tname} value")
            return None
        if kind is not None:
            mismatch(f"a {tname} value")
        return None

    # Models ------------------------------------------------------------------------
    def composite(self, b: ast.Block) -> m.CompositeType:
        if self.provider not in (None, "mongodb"):
            self.ctx.error("PSL117", f"Composite types are not supported on {self.provider}. They are only "
                           "supported on MongoDB.", b.name_span, subject=b.name,
                           help=f"Turn `type {b.name}` into a model with a relation, or store it in a Json field.")
        fields = tuple(self.field(b, f, in_composite=True)[0] for f in _dedupe_fields(self.ctx, b))
        return m.CompositeType(b.name, fields, b.span, b.name_span, b.doc)

    def model(self, b: ast.Block) -> "_DraftModel":
        ctx = self.ctx
        fields: list[m.Field] = []
        extras: dict[str, dict] = {}
        for f in _dedupe_fields(ctx, b):
            fld, ex = self.field(b, f)
            fields.append(fld)
            extras[f.name] = ex
        by_name = {f.name: f for f in fields}
        db_names: dict[str, str] = {}
        for f in fields:
            if f.is_scalar_like and not f.is_list or (f.is_scalar_like and f.is_list):
                if f.db_name in db_names and f.kind is not m.FieldKind.RELATION:
                    ctx.error("PSL101", f"The field `{f.name}` maps to the column \"{f.db_name}\", which the field "
                              f"`{db_names[f.db_name]}` already uses.", f.span, subject=f"{b.name}.{f.name}")
                db_names.setdefault(f.db_name, f.name)

        pk: m.PrimaryKey | None = None
        uniques: list[m.Index] = []
        indexes: list[m.Index] = []
        db_name = b.name
        schema = schema_span = None
        ignored = False
        # Field-level @id / @unique.
        for f in fields:
            ex = extras[f.name]
            if "id" in ex:
                attr, args = ex["id"]
                if pk is not None:
                    ctx.error("PSL106", "At most one field must be marked as the id field with the `@id` attribute.",
                              attr.span, subject=f"{b.name}.{f.name}")
                else:
                    pk = m.PrimaryKey((self._single_index_field(f, args),), attr.span, None,
                                      args.string(ctx, "map"), from_field=True)
            if "unique" in ex:
                attr, args = ex["unique"]
                uniques.append(m.Index("unique", (self._single_index_field(f, args),), attr.span, None,
                                       args.string(ctx, "map"), from_field=True))
        seen_once: dict[str, ast.Attribute] = {}
        for attr in b.attributes:
            if attr.name in ("id", "map", "schema", "ignore") and attr.name in seen_once:
                ctx.error("PSL105", f"The attribute `@@{attr.name}` can only be used once.", attr.span, subject=b.name)
                continue
            seen_once[attr.name] = attr
            if attr.name == "id":
                args = _Args(ctx, attr, ("fields", "name", "map", "length", "sort", "clustered"), subject=b.name)
                idx_fields = self._index_fields(b.name, args, by_name, "@@id")
                if pk is not None and pk.from_field:
                    ctx.error("PSL106", "Each model must have at most one id criteria. You can't have `@id` and "
                              "`@@id` at the same time.", attr.span, subject=b.name)
                elif idx_fields is not None:
                    pk = m.PrimaryKey(tuple(idx_fields), attr.span, args.string(ctx, "name", b.name),
                                      args.string(ctx, "map", b.name))
            elif attr.name in ("unique", "index", "fulltext"):
                params = ("fields", "name", "map", "length", "sort", "clustered", "type", "where", "ops")
                args = _Args(ctx, attr, params, subject=b.name)
                idx_fields = self._index_fields(b.name, args, by_name, "@@" + attr.name)
                if idx_fields is None:
                    continue
                name = args.string(ctx, "name", b.name)
                imap = args.string(ctx, "map", b.name)
                if attr.name == "index" and name is not None and imap is None:
                    # `name:` on @@index is the legacy spelling of `map:`.
                    imap, name = name, None
                itype = args.constant(ctx, "type", INDEX_TYPES, b.name)
                if itype is not None and attr.name != "index":
                    ctx.error("PSL104", "`type:` is only valid on `@@index`.", args.get("type").span, subject=b.name)
                where, where_span = self._where(args, b.name)
                index = m.Index(attr.name, tuple(idx_fields), attr.span, name, imap, itype, where, where_span)
                (uniques if attr.name == "unique" else indexes).append(index)
            elif attr.name == "map":
                db_name = _single_string_arg(ctx, attr, b.name) or db_name
            elif attr.name == "schema":
                schema = _single_string_arg(ctx, attr, b.name)
                schema_span = attr.span
            elif attr.name == "ignore":
                ignored = True
            elif attr.name == "shardKey":
                pass
            else:
                ctx.error("PSL103", f"Attribute not known: \"@@{attr.name}\".", attr.span, subject=b.name,
                          help=_suggest(attr.name, BLOCK_ATTRIBUTES))
        model_ = m.Model(
            name=b.name, db_name=db_name, fields=tuple(fields), span=b.span, name_span=b.name_span,
            primary_key=pk, uniques=tuple(uniques), indexes=tuple(indexes), schema=schema, schema_span=schema_span,
            is_view=b.kind == "view", ignored=ignored, doc=b.doc,
            attribute_spans=tuple((a.name, a.span) for a in b.attributes),
        )
        return _DraftModel(model_, {n: ex.get("relation") for n, ex in extras.items()})

    def _single_index_field(self, f: m.Field, args: _Args) -> m.IndexField:
        sort = args.constant(self.ctx, "sort", ("Asc", "Desc"))
        length = args.get("length")
        return m.IndexField(f.name, f.span, sort, None,
                            length.value if isinstance(length, ast.NumberValue) else None)

    def _index_fields(self, model_name: str, args: _Args, by_name: dict[str, m.Field],
                      label: str) -> list[m.IndexField] | None:
        ctx = self.ctx
        if "fields" not in args.values:
            ctx.error("PSL104", f"`{label}` needs the list of fields, e.g. `{label}([a, b])`.", args.attr.span,
                      subject=model_name)
            return None
        items = args.name_list(ctx, "fields", model_name)
        if items is None:
            return None
        if not items:
            ctx.error("PSL104", f"`{label}` needs at least one field.", args.attr.span, subject=model_name)
            return None
        out: list[m.IndexField] = []
        ok = True
        for name, span, item in items:
            fld = by_name.get(name)
            if fld is None:
                ctx.error("PSL113", f"The {label[2:]} definition refers to the unknown field `{name}` of model "
                          f"`{model_name}`.", span, subject=model_name,
                          help=_suggest(name, by_name))
                ok = False
                continue
            if fld.is_relation:
                ctx.error("PSL113", f"The {label[2:]} definition refers to the relation field `{name}`; list the "
                          f"scalar fields that hold the foreign key instead.", span, subject=model_name)
                ok = False
                continue
            sort = ops = None
            length = None
            if isinstance(item, ast.FunctionValue):
                for a in item.args:
                    if a.name == "sort" and isinstance(a.value, ast.ConstantValue) and a.value.name in ("Asc", "Desc"):
                        sort = a.value.name
                    elif a.name == "ops":
                        v = a.value
                        if isinstance(v, ast.ConstantValue):
                            ops = v.name
                        elif isinstance(v, ast.FunctionValue) and v.name == "raw" and v.args:
                            ops = f"raw({_plain(v.args[0].value)!r})"
                        else:
                            ctx.error("PSL104", "`ops:` must be an operator class name or raw(\"...\").", v.span,
                                      subject=model_name)
                    elif a.name == "length" and isinstance(a.value, ast.NumberValue):
                        length = a.value.value
                    else:
                        ctx.error("PSL104", f"Field arguments in {label} are sort:, ops: and length:.", a.span,
                                  subject=model_name)
            out.append(m.IndexField(name, span, sort, ops, length))
        return out if ok else None

    def _where(self, args: _Args, subject: str) -> tuple[Any, Span | None]:
        v = args.get("where")
        if v is None:
            return None, None
        if isinstance(v, ast.ObjectValue):
            return _plain(v), v.span
        if isinstance(v, ast.FunctionValue) and v.name == "raw" and len(v.args) == 1 and isinstance(
                v.args[0].value, ast.StringValue):
            return {"raw": v.args[0].value.value}, v.span
        self.ctx.error("PSL104", "`where:` takes an object like `{ deleted: false }` or raw(\"SQL\").", v.span,
                       subject=subject)
        return None, None


@dataclass
class _DraftModel:
    model: m.Model
    relation_attrs: dict[str, ast.Attribute | None]


def _dedupe_fields(ctx: _Ctx, b: ast.Block) -> list[ast.Field]:
    seen: dict[str, ast.Field] = {}
    out = []
    for f in b.members:
        if f.name in seen:
            ctx.error("PSL101", f"Field \"{f.name}\" is already defined on {_kind_label(b.kind)} \"{b.name}\".",
                      f.name_span, subject=f"{b.name}.{f.name}")
            continue
        seen[f.name] = f
        out.append(f)
    return out


# -- relations ---------------------------------------------------------------------------------


@dataclass
class _RelSide:
    model: str
    field: m.Field
    attr: ast.Attribute | None
    name: str | None
    fields: list[str] | None = None
    references: list[str] | None = None
    on_delete: m.ReferentialAction | None = None
    on_update: m.ReferentialAction | None = None
    map: str | None = None


def default_relation_name(a: str, b: str) -> str:
    x, y = sorted((a, b))
    return f"{x}To{y}"


def _resolve_relations(ctx: _Ctx, drafts: list[_DraftModel]) -> tuple[list[m.Model], list[m.Relation]]:
    models = {d.model.name: d.model for d in drafts}
    sides: list[_RelSide] = []
    for d in drafts:
        for f in d.model.fields:
            if f.kind is not m.FieldKind.RELATION:
                continue
            subject = f"{d.model.name}.{f.name}"
            attr = d.relation_attrs.get(f.name)
            side = _RelSide(d.model.name, f, attr, None)
            if attr is not None:
                args = _Args(ctx, attr, ("name", "fields", "references", "onDelete", "onUpdate", "map"),
                             subject=subject)
                side.name = args.string(ctx, "name", subject)
                fl = args.name_list(ctx, "fields", subject)
                rl = args.name_list(ctx, "references", subject)
                side.fields = [n for n, _, _ in fl] if fl is not None else None
                side.references = [n for n, _, _ in rl] if rl is not None else None
                od = args.constant(ctx, "onDelete", REFERENTIAL_ACTIONS, subject)
                ou = args.constant(ctx, "onUpdate", REFERENTIAL_ACTIONS, subject)
                side.on_delete = REFERENTIAL_ACTIONS[od] if od else None
                side.on_update = REFERENTIAL_ACTIONS[ou] if ou else None
                side.map = args.string(ctx, "map", subject)
            sides.append(side)

    # Group by unordered model pair and relation name.
    groups: dict[tuple, list[_RelSide]] = {}
    for s in sides:
        pair = tuple(sorted((s.model, s.field.type_name)))
        groups.setdefault((pair, s.name), []).append(s)

    relations: list[m.Relation] = []
    infos: dict[tuple[str, str], m.RelationInfo] = {}

    for (pair, name), members in groups.items():
        is_self = pair[0] == pair[1]
        rel_name = name or default_relation_name(*pair)
        if is_self:
            if len(members) == 1:
                s = members[0]
                ctx.error("PSL107", f"The relation field `{s.field.name}` on model `{s.model}` is missing an opposite "
                          f"relation field on the model `{s.model}`. Either run `prisma format` or add it manually.",
                          s.field.span, subject=f"{s.model}.{s.field.name}")
                _emit_unpaired(infos, s, rel_name)
                continue
            if len(members) > 2:
                _ambiguous(ctx, members, pair)
                for s in members:
                    _emit_unpaired(infos, s, rel_name)
                continue
            a, b = members
        else:
            left = [s for s in members if s.model == pair[0]]
            right = [s for s in members if s.model == pair[1]]
            if len(left) > 1 or len(right) > 1:
                _ambiguous(ctx, members, pair)
                for s in members:
                    _emit_unpaired(infos, s, rel_name)
                continue
            if not left or not right:
                s = (left or right)[0]
                ctx.error("PSL107", f"The relation field `{s.field.name}` on model `{s.model}` is missing an opposite "
                          f"relation field on the model `{s.field.type_name}`. Either run `prisma format` or add it "
                          "manually.", s.field.span, subject=f"{s.model}.{s.field.name}",
                          help=f"Add a field of type `{s.model}` or `{s.model}[]` to model `{s.field.type_name}`.")
                _emit_unpaired(infos, s, rel_name)
                continue
            a, b = left[0], right[0]
        rel = _pair(ctx, a, b, rel_name, name is not None, models)
        if rel is not None:
            relations.append(rel)
        for s, o in ((a, b), (b, a)):
            infos[(s.model, s.field.name)] = m.RelationInfo(
                name=rel_name, explicit_name=name is not None, related_model=o.model, opposite_field=o.field.name,
                fields=tuple(s.fields or ()), references=tuple(s.references or ()), on_delete=s.on_delete,
                on_update=s.on_update, map=s.map, span=s.attr.span if s.attr else s.field.span)

    out_models = []
    for d in drafts:
        mdl = d.model
        if any((mdl.name, f.name) in infos for f in mdl.fields):
            new_fields = tuple(
                _replace(f, relation=infos[(mdl.name, f.name)]) if (mdl.name, f.name) in infos else f
                for f in mdl.fields)
            mdl = _replace(mdl, fields=new_fields)
        out_models.append(mdl)
    relations.sort(key=lambda r: (r.span.file, r.span.line, r.span.column))
    return out_models, relations


def _replace(obj, **changes):
    import dataclasses
    return dataclasses.replace(obj, **changes)


def _emit_unpaired(infos, s: _RelSide, rel_name: str) -> None:
    infos[(s.model, s.field.name)] = m.RelationInfo(
        name=rel_name, explicit_name=s.name is not None, related_model=s.field.type_name, opposite_field=None,
        fields=tuple(s.fields or ()), references=tuple(s.references or ()), on_delete=s.on_delete,
        on_update=s.on_update, map=s.map, span=s.attr.span if s.attr else s.field.span)


def _ambiguous(ctx: _Ctx, members: list[_RelSide], pair: tuple[str, str]) -> None:
    by_model: dict[str, list[_RelSide]] = {}
    for s in members:
        by_model.setdefault(s.model, []).append(s)
    for model_name, ss in by_model.items():
        if len(ss) < 2 and pair[0] != pair[1]:
            continue
        names = ", ".join(f"`{s.field.name}`" for s in ss)
        for s in ss:
            ctx.error("PSL108", f"Ambiguous relation detected. The fields {names} in model `{model_name}` all refer "
                      f"to `{s.field.type_name}`. Please provide different relation names for them by adding "
                      f"`@relation(<name>)`.", s.field.span, subject=f"{s.model}.{s.field.name}",
                      help=f'e.g. `@relation("{s.field.name}")` here and the same name on the opposite field.')


def _pair(ctx: _Ctx, a: _RelSide, b: _RelSide, name: str, explicit: bool, models: dict[str, m.Model]) -> m.Relation | None:
    a_list, b_list = a.field.is_list, b.field.is_list
    if a_list and b_list:
        for s in (a, b):
            if s.fields or s.references:
                ctx.error("PSL109", "Implicit many-to-many relations must not have `fields` or `references`.",
                          s.attr.span if s.attr else s.field.span, subject=f"{s.model}.{s.field.name}")
        first, second = sorted((a, b), key=lambda s: (s.model, s.field.name))
        for s in (a, b):
            mdl = models[s.field.type_name]
            if mdl.primary_key is None or len(mdl.primary_key.fields) != 1:
                ctx.error("PSL109", f"The relation field `{s.field.name}` on model `{s.model}` references `"
                          f"{s.field.type_name}`, which does not have a single-field id. Implicit many-to-many "
                          "relations need a single-field id on both models.", s.field.span,
                          subject=f"{s.model}.{s.field.name}",
                          help="Use an explicit join model, or give the model a single-field @id.")
        return m.Relation(name, "m-n", first.model, first.field.name, second.model, second.field.name,
                          first.field.span, on_delete=m.ReferentialAction.CASCADE,
                          on_update=m.ReferentialAction.CASCADE)
    owners = [s for s in (a, b) if s.fields or s.references]
    if len(owners) == 2:
        if a_list or b_list:
            s = a if a_list else b
            ctx.error("PSL109", f"The relation field `{s.field.name}` on model `{s.model}` is a list and must not "
                      "specify `fields` or `references`.", s.attr.span, subject=f"{s.model}.{s.field.name}")
        else:
            ctx.error("PSL109", "The relation fields on both sides of a one-to-one relation specify `fields` and "
                      "`references`; exactly one side must hold them.", b.attr.span, subject=f"{b.model}.{b.field.name}")
        return None
    if not owners:
        if a_list or b_list:
            s = b if a_list else a
        else:
            s = a
        ctx.error("PSL109", f"The relation field `{s.field.name}` on model `{s.model}` must specify the `fields` "
                  "and `references` arguments in the @relation attribute.", s.field.span,
                  subject=f"{s.model}.{s.field.name}",
                  help=f"e.g. `@relation(fields: [{s.field.name}Id], references: [id])`.")
        return None
    owner = owners[0]
    other = b if owner is a else a
    if owner.field.is_list:
        ctx.error("PSL109", f"The relation field `{owner.field.name}` on model `{owner.model}` is a list and must not "
                  "specify `fields` or `references`; put them on the other side.", owner.attr.span,
                  subject=f"{owner.model}.{owner.field.name}")
        return None
    subject = f"{owner.model}.{owner.field.name}"
    span = owner.attr.span if owner.attr else owner.field.span
    if owner.fields is None or owner.references is None:
        missing = "references" if owner.references is None else "fields"
        ctx.error("PSL109", f"The relation field `{owner.field.name}` on model `{owner.model}` must specify the "
                  f"`{missing}` argument in the @relation attribute.", span, subject=subject)
        return None
    if len(owner.fields) != len(owner.references):
        ctx.error("PSL109", "You must specify the same number of fields in `fields` and `references`.", span,
                  subject=subject)
        return None
    own_model = models[owner.model]
    ref_model = models[owner.field.type_name]
    ok = True
    for fname, rname in zip(owner.fields, owner.references):
        f = own_model.field(fname)
        r = ref_model.field(rname)
        if f is None or f.is_relation:
            ctx.error("PSL109", f"The argument fields must refer only to existing scalar fields of model "
                      f"`{owner.model}`: `{fname}` is not one.", span, subject=subject,
                      help=_suggest(fname, [x.name for x in own_model.scalar_fields]))
            ok = False
            continue
        if r is None or r.is_relation:
            ctx.error("PSL109", f"The argument `references` must refer only to existing scalar fields in the related "
                      f"model `{ref_model.name}`: `{rname}` is not one.", span, subject=subject,
                      help=_suggest(rname, [x.name for x in ref_model.scalar_fields]))
            ok = False
            continue
        if f.type_name != r.type_name:
            ctx.error("PSL109", f"The type of the field `{fname}` in the model `{owner.model}` is not matching the type "
                      f"of the referenced field `{rname}` in model `{ref_model.name}`.", span, subject=subject,
                      help=f"Make `{owner.model}.{fname}` a `{r.type_name}`.")
            ok = False
    if not ok:
        return None
    # The referenced fields must be unique on the referenced model.
    refs = tuple(owner.references)
    unique_sets = [tuple(x.name for x in u.fields) for u in ref_model.uniques]
    if ref_model.primary_key:
        unique_sets.append(tuple(x.name for x in ref_model.primary_key.fields))
    if not any(set(s) == set(refs) for s in unique_sets):
        ctx.error("PSL109", f"The argument `references` must refer to a unique criterion in the related model "
                  f"`{ref_model.name}`. Consider adding an `@unique` attribute to the field "
                  f"`{', '.join(refs)}` in the model `{ref_model.name}`.", span, subject=subject)
    if not other.field.is_list:
        own_sets = [tuple(x.name for x in u.fields) for u in own_model.uniques]
        if own_model.primary_key:
            own_sets.append(tuple(x.name for x in own_model.primary_key.fields))
        if not any(set(s) == set(owner.fields) for s in own_sets):
            ctx.error("PSL109", f"A one-to-one relation must use unique fields on the defining side. Either add an "
                      f"`@unique` attribute to the field `{', '.join(owner.fields)}`, or change the relation to "
                      "one-to-many.", span, subject=subject)
    fk_optional = any(own_model.field(n).is_optional for n in owner.fields)
    on_delete = owner.on_delete or (m.ReferentialAction.SET_NULL if fk_optional else m.ReferentialAction.RESTRICT)
    on_update = owner.on_update or m.ReferentialAction.CASCADE
    if on_delete is m.ReferentialAction.SET_NULL and not fk_optional and owner.on_delete:
        ctx.error("PSL109", "The `onDelete` referential action of a relation must not be set to `SetNull` when a "
                  "referenced field is required.", span, subject=subject,
                  help="Make the foreign key fields optional, or pick another action.")
    kind = "1-1" if not other.field.is_list else "1-n"
    return m.Relation(name, kind, owner.model, owner.field.name, other.model, other.field.name, span,
                      tuple(owner.fields), tuple(owner.references), on_delete, on_update, owner.map)


# -- model-level checks ---------------------------------------------------------------------------


def _check_model(ctx: _Ctx, mdl: m.Model) -> None:
    if mdl.primary_key is not None:
        for idx_field in mdl.primary_key.fields:
            f = mdl.field(idx_field.name)
            if f is not None and f.is_optional:
                ctx.error("PSL106", f"Fields that are marked as id must be required: `{f.name}` is optional.",
                          mdl.primary_key.span if not mdl.primary_key.from_field else f.span,
                          subject=f"{mdl.name}.{f.name}", help=f"Remove the `?` from `{f.type_name}?`.")
            if f is not None and f.is_list:
                ctx.error("PSL106", f"Fields that are marked as id must not be lists: `{f.name}` is a list.",
                          f.span, subject=f"{mdl.name}.{f.name}")
    if mdl.is_view or mdl.ignored:
        return
    if mdl.primary_key is None:
        has_unique = any(
            all((mdl.field(x.name) is not None and not mdl.field(x.name).is_optional) for x in u.fields)
            for u in mdl.uniques)
        if not has_unique:
            ctx.error("PSL118", "Each model must have at least one unique criteria that has only required fields. "
                      "Either mark a single field with `@id`, `@unique` or add a multi field criterion with "
                      "`@@id([])` or `@@unique([])` to the model.", mdl.name_span, subject=mdl.name,
                      help="e.g. `id Int @id @default(autoincrement())`.")


def _check_preview_features(ctx: _Ctx, generators: tuple[m.Generator, ...], models: list[m.Model]) -> None:
    enabled = {f for g in generators for f in g.preview_features}
    if "partialIndexes" in enabled:
        return
    for mdl in models:
        for index in (*mdl.uniques, *mdl.indexes):
            if index.where is not None:
                label = "@@unique" if index.kind == "unique" else f"@@{index.kind}"
                ctx.error("PSL104", f"Error parsing attribute \"{label}\": Partial indexes are a preview feature. "
                          "Add \"partialIndexes\" to previewFeatures in your generator block.",
                          index.where_span or index.span, subject=mdl.name,
                          help='Add `previewFeatures = ["partialIndexes"]` to the generator block.')


def _check_constraint_names(ctx: _Ctx, models: list[m.Model], relations: list[m.Relation]) -> None:
    """PostgreSQL keeps primary keys, unique constraints and indexes in one
    namespace per schema, and foreign keys per table; Prisma rejects schemas
    whose (explicit or default) names collide."""
    from prisma_dsql.schema import naming

    seen: dict[tuple[str | None, str], str] = {}

    def claim(schema: str | None, name: str, span: Span, subject: str) -> None:
        key = (schema, name)
        if key in seen:
            ctx.error("PSL101", f"The given constraint name `{name}` has to be unique in the following namespace: "
                      f"global for primary key, indexes and unique constraints. It is also used by {seen[key]}.",
                      span, subject=subject, help="Give one of them a different name with `map: \"...\"`.")
        else:
            seen[key] = subject

    for mdl in models:
        if mdl.is_view:
            continue
        columns = {f.name: f.db_name for f in mdl.fields}

        def cols(index) -> list[str]:
            return [columns.get(x.name, x.name) for x in index.fields]

        if mdl.primary_key is not None:
            claim(mdl.schema, mdl.primary_key.map or naming.primary_key_name(mdl.db_name), mdl.primary_key.span,
                  f"the primary key of `{mdl.name}`")
        for u in mdl.uniques:
            claim(mdl.schema, u.map or naming.unique_name(mdl.db_name, cols(u)), u.span,
                  f"a unique constraint of `{mdl.name}`")
        for i in mdl.indexes:
            claim(mdl.schema, i.map or naming.index_name(mdl.db_name, cols(i)), i.span, f"an index of `{mdl.name}`")
    by_table: dict[tuple[str, str], str] = {}
    model_by_name = {x.name: x for x in models}
    for rel in relations:
        if rel.kind == "m-n":
            continue
        owner = model_by_name[rel.from_model]
        columns = [owner.field(f).db_name for f in rel.fields if owner.field(f)]
        name = rel.map or naming.foreign_key_name(owner.db_name, columns)
        key = (owner.name, name)
        if key in by_table:
            ctx.error("PSL101", f"The given constraint name `{name}` has to be unique in the following namespace: "
                      f"on model `{owner.name}` for foreign key.", rel.span, subject=f"{owner.name}.{rel.from_field}",
                      help="Give one of the relations a different name with `map: \"...\"`.")
        by_table[key] = rel.from_field


def _check_schemas(ctx: _Ctx, ds: m.Datasource | None, models: list[m.Model], enums: tuple[m.Enum, ...]) -> None:
    declared = ds.schemas if ds else ()
    for obj, label in [(x, "model") for x in models] + [(e, "enum") for e in enums]:
        if obj.schema is not None:
            if not declared:
                ctx.error("PSL116", "This schema is not defined in the datasource. Read more on `@@schema` at "
                          "https://pris.ly/d/multi-schema", obj.schema_span, subject=obj.name,
                          help=f'Add `schemas = ["{obj.schema}"]` to the datasource.')
            elif obj.schema not in declared:
                ctx.error("PSL116", "This schema is not defined in the datasource. Read more on `@@schema` at "
                          "https://pris.ly/d/multi-schema", obj.schema_span, subject=obj.name,
                          help=f"Declared schemas: {', '.join(declared)}.")
        elif declared:
            ctx.error("PSL116", f"This {label} is missing an `@@schema` attribute.", obj.name_span, subject=obj.name,
                      help=f'Add `@@schema("{declared[0]}")` (one of: {", ".join(declared)}).')


# -- suggestions -------------------------------------------------------------------------------------


def _suggest(name: str, candidates: Iterable[str]) -> str | None:
    import difflib
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.75)
    return f"Did you mean `{close[0]}`?" if close else None
