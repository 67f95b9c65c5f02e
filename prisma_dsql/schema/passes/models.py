"""Models, views and composite types: field types, field and block attributes,
defaults, native types, ids, uniques and indexes."""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import re
from dataclasses import dataclass
from typing import Any

from prisma_dsql.schema import model as m
from prisma_dsql.schema.native_types import CONNECTOR_NAMES, NATIVE_TYPES
from prisma_dsql.schema.passes.context import (
    BLOCK_ATTRIBUTES, DEFAULT_FUNCTIONS, FIELD_ATTRIBUTES, INDEX_FEATURES, INDEX_TYPES, PROVIDERS,
    Args, Ctx, describe,
    kind_label, plain,
    single_string_arg, suggest)
from prisma_dsql.source import Span
from prisma_dsql.syntax import ast



#: Arity by the syntax tree's spelling (a dict lookup instead of the Enum's ~1 us constructor per field).
_ARITY = {a.value: a for a in m.Arity}


class ModelResolver:
    def __init__(self, ctx: Ctx, enums: dict[str, m.Enum], composites: dict[str, ast.Block],
                 models: dict[str, ast.Block], provider: str | None):
        self._clustered: list[tuple[str, Span, str]] = []
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
                       help=suggest(name, [*m.SCALAR_TYPES, *self.enums, *self.models, *self.composites]))
        return None

    def field(self, owner: ast.Block, f: ast.Field) -> tuple[m.Field, dict]:
        """The field, plus the raw field-level @id/@unique attributes for the model pass."""
        ctx = self.ctx
        subject = f"{owner.name}.{f.name}"
        kind = self._kind_of(f.type, subject)
        arity = _ARITY[f.type.arity]
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
                db_name = single_string_arg(ctx, attr, subject) or db_name
            elif base == "default":
                default = self._default(attr, subject, kind, f)
            elif base == "id":
                args = Args(ctx, attr, ("map", "length", "sort", "clustered"), positional=0, subject=subject)
                self._no_clustering(args, subject)
                extras["id"] = (attr, args)
            elif base == "unique":
                args = Args(ctx, attr, ("map", "length", "sort", "clustered", "where"), positional=0, subject=subject)
                self._no_clustering(args, subject)
                extras["unique"] = (attr, args)
            elif base == "relation":
                relation_attr = attr
            elif base == "updatedAt":
                Args(ctx, attr, (), positional=0, subject=subject)
                updated_at = True
                if f.type.arity == "list":
                    ctx.error("PSL115", "Fields that are marked with @updatedAt cannot be lists.", attr.span,
                              subject=subject)
                elif kind is not None and f.type.name != "DateTime":
                    ctx.error("PSL115", "Fields that are marked with @updatedAt must be of type DateTime or "
                              "DateTime?.", attr.span, subject=subject)
            elif base == "ignore":
                ignored = True
            elif base == "shardKey":
                Args(ctx, attr, (), positional=0, subject=subject)
                if f.type.arity != "required":
                    ctx.error("PSL104", "Error parsing attribute \"@shardKey\": Fields that are marked as shard keys "
                              "must be required.", attr.span, subject=subject)
                else:
                    self._shard_key_supported(attr, "@shardKey", subject)
            elif base in FIELD_ATTRIBUTES:
                pass
            else:
                ctx.error("PSL103", f"Attribute not known: \"@{base}\".", attr.span, subject=subject,
                          help=suggest(base, FIELD_ATTRIBUTES))
        if kind is m.FieldKind.RELATION:
            if "default" in seen:
                ctx.error("PSL110", "Error parsing attribute \"@default\": Cannot set a default value on a relation "
                          "field.", seen["default"].span, subject=subject,
                          help="Give the default to the scalar field that holds the foreign key.")
            for bad in ("map", "id", "unique", "updatedAt"):
                if bad in seen:
                    ctx.error("PSL103", f"The attribute `@{bad}` cannot be used on the relation field `{f.name}`.",
                              seen[bad].span, subject=subject,
                              help="Put it on the scalar field that holds the foreign key instead.")
        elif relation_attr is not None and kind is not None:
            ctx.error("PSL103", "The `@relation` attribute can only be used on fields whose type is a model.",
                      relation_attr.span, subject=subject)
            relation_attr = None
        if kind is m.FieldKind.COMPOSITE and self.provider != "mongodb":
            ctx.error("PSL117", f"Composite types are not supported on {self.provider}. They are only supported on "
                      "MongoDB.", f.type.span, subject=subject,
                      help="Use a Json field, or a separate model with a relation.")
        if relation_attr is not None:
            extras["relation"] = relation_attr
        fld = m.Field(
            name=f.name, db_name=db_name, kind=kind or m.FieldKind.UNSUPPORTED, type_name=f.type.name, arity=arity,
            span=f.span, type_span=f.type.span, native_type=native, default=default, updated_at=updated_at,
            ignored=ignored, unsupported=f.type.unsupported if kind is m.FieldKind.UNSUPPORTED else None,
            # List comprehensions: a generator expression resumes a frame per item (once per attribute).
            doc=f.doc, attributes=tuple([a.name for a in f.attributes]),
            attribute_spans=tuple([(a.name, a.span) for a in f.attributes]),
        )
        extras["resolved"] = kind is not None
        return fld, extras

    def _native_type(self, attr: ast.Attribute, subject: str, kind, f: ast.Field) -> m.NativeType | None:
        """`@db.X(args)` checked against the provider's table (NATIVE_TYPES): the name, the number and kind
        of the arguments, their ranges, and the field types it may annotate."""
        ctx = self.ctx
        prefix, _, name = attr.name.partition(".")
        if kind is not None and kind is not m.FieldKind.SCALAR:
            # Native types belong to scalar fields only: on an enum, relation or composite field Prisma
            # does not know the attribute at all.
            ctx.error("PSL103", f"Attribute not known: \"@{attr.name}\".", attr.span, subject=subject,
                      help=f"Native types annotate scalar fields; `{f.type.name}` is not one.")
            return None
        if self.provider is None:
            ctx.error("PSL114", f"Native type {name} is not supported for Default connector.", attr.span,
                      subject=subject, help="Native types need a datasource: add one with its `provider`.")
            return None
        if prefix != ctx.datasource_name:
            ctx.error("PSL114", f"The prefix `{prefix}` of `@{attr.name}` does not match the datasource "
                      f"name `{ctx.datasource_name}`.", attr.name_span, subject=subject,
                      help=f"Write `@{ctx.datasource_name}.{name}`.")
            return None
        table = NATIVE_TYPES.get(self.provider)
        if table is None:  # an unknown provider, already reported (PSL111)
            return None
        if self.provider == "sqlite":
            ctx.error("PSL114", f"Native type {name} is not supported for sqlite connector.", attr.span,
                      subject=subject, help=f"Remove `@{attr.name}`; SQLite has no native type attributes.")
            return None
        args = []
        for a in attr.args:
            if a.name is not None or not isinstance(a.value, (ast.NumberValue, ast.StringValue, ast.ConstantValue)):
                ctx.error("PSL114", f"Arguments of `@{attr.name}` are plain numbers.", a.span, subject=subject)
                return None
            args.append(a.value.text if isinstance(a.value, ast.NumberValue) else plain(a.value))
        spec = table.get(name)
        if spec is None:
            ctx.error("PSL114", f"Native type {name} is not supported for {self.provider} connector.",
                      attr.name_span, subject=subject, help=suggest(name, table))
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
        elif not self._native_args_in_range(name, spec, args, attr, subject, f.type.name):
            return None
        return m.NativeType(name, tuple(str(a) for a in args), attr.span)

    def _native_args_in_range(self, name, spec, args, attr, subject, type_name: str) -> bool:
        """Prisma's limits on native type arguments (precision 0-6, Decimal precision 1-1000, ...)."""
        ctx = self.ctx
        connector = CONNECTOR_NAMES.get(self.provider or "", "Postgres")
        shown = f"{name}({','.join(str(a) for a in args)})"
        if spec.counts is not None and len(args) not in spec.counts:
            ctx.error("PSL114", f"Expected two nonnegative integers, but found ({', '.join(map(str, args))}).",
                      attr.span, subject=subject, help=f"Write `@{attr.name}(precision, scale)`, e.g. "
                                                       f"`@{attr.name}(12, 2)`.")
            return False
        if spec.max_keyword and len(args) == 1 and isinstance(args[0], str) and args[0].lower() == "max":
            return True
        numbers = []
        for a in args:
            try:
                numbers.append(int(a))
            except (TypeError, ValueError):
                ctx.error("PSL114", f"Expected a nonnegative integer, but found ({a}).", attr.span, subject=subject)
                return False
        if any(n < 0 for n in numbers):
            ctx.error("PSL114", f"Expected a nonnegative integer, but found ({', '.join(map(str, numbers))}).",
                      attr.span, subject=subject)
            return False
        if name == "Decimal" and len(numbers) == 2 and numbers[1] > numbers[0]:
            ctx.error("PSL114", f"The scale must not be larger than the precision for the {shown} native type in "
                      f"{connector}.", attr.span, subject=subject,
                      help=f"Write `@{attr.name}({numbers[0]}, {min(numbers[0], numbers[1])})` or raise the precision.")
            return False
        for n, (low, high) in zip(numbers, spec.ranges):
            if n < low or (high is not None and n > high):
                bound = f"from {low} to {high}" if high is not None else "a positive integer" if low else ""
                ctx.error("PSL114", f"Argument M is out of range for native type `{shown}` of {connector}: M must "
                          f"be {bound}.", attr.span, subject=subject)
                return False
        if spec.boolean_only_with is not None and type_name == "Boolean" and tuple(numbers) not in [
                (v,) for v in spec.boolean_only_with]:
            ctx.error("PSL114", f"Argument M is out of range for native type `{shown}` of {connector}: only "
                      f"{name}({spec.boolean_only_with[0]}) can be used as Boolean.", attr.span, subject=subject)
            return False
        return True

    def _default(self, attr: ast.Attribute, subject: str, kind, f: ast.Field) -> m.DefaultValue | None:
        ctx = self.ctx
        args = Args(ctx, attr, ("value", "map"), subject=subject)
        value = args.get("value")
        dmap = args.string(ctx, "map", subject)
        if dmap is not None and self.provider != "sqlserver":
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
            ctx.error("PSL110", f"Expected {what}, but found {describe(value)}.", value.span, subject=subject)

        if f.type.arity == "list" and not isinstance(value, ast.FunctionValue):
            # Prisma takes a list literal, or a function checked against the element type (as below).
            if not isinstance(value, ast.ArrayValue):
                mismatch("a list default for a list field")
                return None
            for item in value.items:
                problem = self._list_item_problem(item, kind, tname)
                if problem is not None:
                    ctx.error("PSL110", f"Error parsing attribute \"@default\": {problem}", item.span, subject=subject)
                    return None
            return m.DefaultValue("list", span, value=tuple(plain(i) for i in value.items), map=dmap)
        if isinstance(value, ast.FunctionValue):
            fname = value.name
            if fname not in DEFAULT_FUNCTIONS:
                ctx.error("PSL110", f"Unknown function in @default(): `{fname}` is not known.", value.span,
                          subject=subject, help=suggest(fname, DEFAULT_FUNCTIONS))
                return None
            if fname == "sequence" and self.provider != "cockroachdb":
                ctx.error("PSL110", "Unknown function in @default(): `sequence` is not known (it is CockroachDB only).",
                          value.span, subject=subject, help="Use `autoincrement()`.")
                return None
            if fname == "auto" and self.provider != "mongodb":
                ctx.error("PSL110", "Error parsing attribute \"@default\": The current connector does not support the "
                          "`auto()` function.", value.span, subject=subject,
                          help="Use `autoincrement()`, `uuid()` or `dbgenerated(\"...\")`.")
                return None
            bad_arg = _id_function_argument_problem(fname, value)
            if bad_arg:
                ctx.error("PSL110", f"Error parsing attribute \"@default\": {bad_arg}", value.span, subject=subject)
                return None
            allowed = DEFAULT_FUNCTIONS[fname]
            if allowed is not None and kind is not None and tname not in allowed:
                ctx.error("PSL110", f"The function `{fname}()` cannot be used on fields of type `{tname}`.",
                          value.span, subject=subject, help=f"`{fname}()` works on {', '.join(allowed)} fields.")
            fargs = tuple(plain(a.value) for a in value.args)
            if fname == "dbgenerated" and fargs and not isinstance(fargs[0], str):
                ctx.error("PSL110", "`dbgenerated()` takes one string: the SQL expression.", value.span, subject=subject)
            return m.DefaultValue("function", span, function=fname, args=fargs, map=dmap)
        if isinstance(value, ast.StringValue):
            if kind is m.FieldKind.SCALAR and tname not in ("String", "DateTime", "Json", "Bytes", "Decimal"):
                mismatch(f"a {tname} value")
                return None
            problem = _string_literal_problem(tname, value.value) if kind is m.FieldKind.SCALAR else None
            if problem:
                ctx.error("PSL110", f"Error parsing attribute \"@default\": Parse error: \"{value.value}\" is {problem}",
                          value.span, subject=subject)
                return None
            if kind is m.FieldKind.ENUM:
                mismatch("an enum value")
                return None
            if tname == "Json" and kind is m.FieldKind.SCALAR:
                try:
                    json.loads(value.value)
                except ValueError as exc:
                    ctx.error("PSL110", f"Error parsing attribute \"@default\": Parse error: \"{value.value}\" is not "
                              f"a valid JSON string. ({exc.msg} at column {exc.colno})", value.span, subject=subject,
                              help='A Json default is JSON inside a string, e.g. @default("{}") or @default("[]").')
                    return None
            return m.DefaultValue("literal", span, value=value.value, literal_type="string", map=dmap)
        if isinstance(value, ast.NumberValue):
            if kind is m.FieldKind.ENUM:
                mismatch("an enum value")
                return None
            if kind is m.FieldKind.SCALAR and tname not in ("Int", "BigInt", "Float", "Decimal"):
                mismatch(f"a {tname} value")
                return None
            if tname in ("Int", "BigInt") and "." in value.text:
                ctx.error("PSL110", f"Expected an integer for the {tname} field, but found {value.text}.", value.span,
                          subject=subject)
                return None
            if tname in ("Int", "BigInt") and not -(2 ** 63) <= int(value.text) < 2 ** 63:
                ctx.error("PSL110", f"Error parsing attribute \"@default\": Parse error: \"{value.text}\" is not a "
                          "valid integer (it does not fit in 64 bits).", value.span, subject=subject)
                return None
            return m.DefaultValue("literal", span, value=value.value, literal_type="number", map=dmap,
                                  text=value.text)
        if isinstance(value, ast.ConstantValue):
            if value.name in ("true", "false"):
                if kind is m.FieldKind.ENUM:
                    ctx.error("PSL110", f"The defined default value `{value.name}` is not a valid value of the enum "
                              "specified for the field.", value.span, subject=subject,
                              help=f"Values of `{tname}`: {', '.join(v.name for v in self.enums[tname].values)}.")
                    return None
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

    def _list_item_problem(self, item: ast.Value, kind, tname: str) -> str | None:
        """Why one element of a list default is not a value of the field's type, or None."""
        if kind is m.FieldKind.ENUM:
            if not isinstance(item, ast.ConstantValue) or item.name not in {v.name for v in self.enums[tname].values}:
                return f"Expected an enum value of `{tname}`, but found {describe(item)}."
            return None
        if kind is not m.FieldKind.SCALAR:
            return None
        expected = {"String": ast.StringValue, "DateTime": ast.StringValue, "Json": ast.StringValue,
                    "Bytes": ast.StringValue, "Int": ast.NumberValue, "BigInt": ast.NumberValue,
                    "Float": ast.NumberValue, "Decimal": (ast.NumberValue, ast.StringValue)}.get(tname)
        if tname == "Boolean":
            ok = isinstance(item, ast.ConstantValue) and item.name in ("true", "false")
        else:
            ok = expected is not None and isinstance(item, expected)
        if not ok:
            return f"Expected a {tname} value, but found {describe(item)}."
        if tname in ("Int", "BigInt") and "." in item.text:
            return f"Expected an integer for the {tname} field, but found {item.text}."
        if isinstance(item, ast.StringValue):
            return _string_literal_problem(tname, item.value)
        return None

    # Models ------------------------------------------------------------------------
    def composite(self, b: ast.Block) -> m.CompositeType:
        if self.provider != "mongodb":
            self.ctx.error("PSL117", f"Composite types are not supported on {self.provider}. They are only "
                           "supported on MongoDB.", b.name_span, subject=b.name,
                           help=f"Turn `type {b.name}` into a model with a relation, or store it in a Json field.")
        ctx = self.ctx
        fields = []
        for f in dedupe_fields(ctx, b):
            fld, extras = self.field(b, f)
            subject = f"{b.name}.{f.name}"
            for attr in f.attributes:
                if attr.name in ("id", "unique", "relation", "updatedAt", "ignore"):
                    ctx.error("PSL103", f"Error validating: Defining `@{attr.name}` attribute for a field in a "
                              "composite type is not allowed.", attr.span, subject=subject)
            if fld.kind is m.FieldKind.RELATION:
                ctx.error("PSL117", f"Error validating composite type \"{b.name}\": {f.type.name} refers to a model, "
                          "making this a relation field. Relation fields inside composite types are not supported.",
                          f.type.span, subject=subject, help="Use another composite type, or an id of the model.")
            elif f.type.name == b.name and f.type.arity == "required":
                ctx.error("PSL117", f"Error validating field `{f.name}` in composite type `{b.name}`: The type is the "
                          "same as the parent and causes an endless cycle. Please change the field to be either "
                          "optional or a list.", f.type.span, subject=subject)
            fields.append(fld)
        for attr in b.attributes:
            if attr.name == "map":
                ctx.error("PSL103", "Error validating: The name of a composite type is not persisted in the database, "
                          "therefore it does not need a mapped database name.", attr.span, subject=b.name)
            else:
                ctx.error("PSL103", f"Attribute not known: \"@@{attr.name}\".", attr.span, subject=b.name)
        return m.CompositeType(b.name, tuple(fields), b.span, b.name_span, b.doc)

    def model(self, b: ast.Block) -> "DraftModel":
        ctx = self.ctx
        self._clustered: list[tuple[str, Span, str]] = []
        fields: list[m.Field] = []
        extras: dict[str, dict] = {}
        for f in dedupe_fields(ctx, b):
            fld, ex = self.field(b, f)
            fields.append(fld)
            extras[f.name] = ex
        by_name = {f.name: f for f in fields}
        db_names: dict[str, str] = {}
        for f in fields:
            if f.is_scalar_like:  # columns only: relation fields have no column
                if f.db_name in db_names:
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
                args = Args(ctx, attr, ("fields", "name", "map", "length", "sort", "clustered"), subject=b.name)
                self._no_clustering(args, b.name)
                idx_fields = self._index_fields(b.name, args, by_name, "@@id")
                if pk is not None and pk.from_field:
                    ctx.error("PSL106", "Each model must have at most one id criteria. You can't have `@id` and "
                              "`@@id` at the same time.", attr.span, subject=b.name)
                elif idx_fields is not None:
                    pk = m.PrimaryKey(tuple(idx_fields), attr.span, args.string(ctx, "name", b.name),
                                      args.string(ctx, "map", b.name))
            elif attr.name in ("unique", "index", "fulltext"):
                params = ("fields", "name", "map", "length", "sort", "clustered", "type", "where", "ops")
                if attr.name == "fulltext":  # Prisma's @@fulltext has no `name:`
                    params = tuple(p for p in params if p != "name")
                args = Args(ctx, attr, params, subject=b.name)
                self._no_clustering(args, b.name)
                idx_fields = self._index_fields(b.name, args, by_name, "@@" + attr.name)
                if idx_fields is None:
                    continue
                name = args.string(ctx, "name", b.name)
                imap = args.string(ctx, "map", b.name)
                if attr.name == "index" and name is not None and imap is not None:
                    ctx.error("PSL104", "Error parsing attribute \"@index\": The `@@index` attribute accepts the `name` "
                              "argument as an alias for the `map` argument for legacy reasons. It does not accept "
                              "both though. Please use the `map` argument to specify the database name of the index.",
                              attr.span, subject=b.name, help=f"Remove `name: \"{name}\"`.")
                elif attr.name == "index" and name is not None and imap is None:
                    # `name:` on @@index is the legacy spelling of `map:`.
                    imap, name = name, None
                itype = args.constant(ctx, "type", INDEX_TYPES, b.name)
                if itype is not None and attr.name != "index":
                    ctx.error("PSL104", "`type:` is only valid on `@@index`.", args.get("type").span, subject=b.name)
                where, where_span = self._where(args, b.name)
                where_value = args.get("where")
                if isinstance(where_value, ast.ObjectValue):
                    for key, value in where_value.members:
                        if key not in by_name:
                            ctx.error("PSL113", f"Error parsing attribute \"@{attr.name}\": Field '{key}' does not "
                                      f"exist in model '{b.name}'.", value.span, subject=b.name,
                                      help=suggest(key, by_name))
                index = m.Index(attr.name, tuple(idx_fields), attr.span, name, imap, itype, where, where_span)
                (uniques if attr.name == "unique" else indexes).append(index)
            elif attr.name == "map":
                db_name = single_string_arg(ctx, attr, b.name) or db_name
            elif attr.name == "schema":
                schema = single_string_arg(ctx, attr, b.name)
                schema_span = attr.span
            elif attr.name == "ignore":
                ignored = True
            elif attr.name == "shardKey":
                args = Args(ctx, attr, ("fields",), subject=b.name)
                names = args.name_list(ctx, "fields", b.name) or []
                optional = [n for n, _, _ in names if by_name.get(n) is not None
                            and by_name[n].arity is not m.Arity.REQUIRED]
                unknown = [n for n, _, _ in names if n not in by_name]
                if unknown:
                    ctx.error("PSL113", f"The shard key definition refers to the unknown field `{unknown[0]}` of model "
                              f"`{b.name}`.", attr.span, subject=b.name, help=suggest(unknown[0], by_name))
                elif optional:
                    ctx.error("PSL104", f"Error validating model \"{b.name}\": The shard key definition refers to the "
                              f"optional field `{optional[0]}`. Shard key definitions must reference only required "
                              "fields.", attr.span, subject=b.name)
                else:
                    self._shard_key_supported(attr, "@@shardKey", b.name)
            else:
                ctx.error("PSL103", f"Attribute not known: \"@@{attr.name}\".", attr.span, subject=b.name,
                          help=suggest(attr.name, BLOCK_ATTRIBUTES))
        if len(self._clustered) > 1:
            label, span, subject = self._clustered[0]
            ctx.error("PSL104", f"Error parsing attribute \"{label}\": A model can only hold one clustered index or "
                      "id.", span, subject=subject, help="Keep `clustered: true` on one of them; an id is clustered "
                                                         "unless it says `@id(clustered: false)`.")
        model_ = m.Model(
            name=b.name, db_name=db_name, fields=tuple(fields), span=b.span, name_span=b.name_span,
            primary_key=pk, uniques=tuple(uniques), indexes=tuple(indexes), schema=schema, schema_span=schema_span,
            is_view=b.kind == "view", ignored=ignored, doc=b.doc,
            attribute_spans=tuple((a.name, a.span) for a in b.attributes),
        )
        return DraftModel(model_, {n: ex.get("relation") for n, ex in extras.items()})

    def _composite_path(self, path: str, by_name: dict[str, m.Field]) -> bool:
        """Whether `t.a.b` names a field inside composite-type fields of the model (MongoDB indexes)."""
        head, *rest = path.split(".")
        f = by_name.get(head)
        type_name = f.type_name if f is not None and f.kind is m.FieldKind.COMPOSITE else None
        for part in rest:
            block = self.composites.get(type_name) if type_name else None
            member = next((x for x in block.members if x.name == part), None) if block else None
            if member is None:
                return False
            type_name = member.type.name if member.type.name in self.composites else None
            if type_name is None and part != rest[-1]:
                return False
        return True

    def _shard_key_supported(self, attr: ast.Attribute, label: str, subject: str) -> None:
        """Shard keys need the `shardKeys` preview feature and a connector that has them (MySQL)."""
        if "shardKeys" not in self.ctx.preview_features:
            self.ctx.error("PSL121", f"Error parsing attribute \"{label}\": Defining shard keys requires enabling the "
                           "`shardKeys` preview feature", attr.span, subject=subject,
                           help='Add `previewFeatures = ["shardKeys"]` to the generator block.')
        elif self.provider != "mysql":
            self.ctx.error("PSL123", f"Error parsing attribute \"{label}\": Shard keys are not currently supported for "
                           f"provider {self.provider or 'without a datasource'}", attr.span, subject=subject)

    def _no_clustering(self, args: Args, subject: str) -> None:
        """`clustered:` is SQL Server's; every other connector (and a schema without a datasource)
        rejects it. On SQL Server a model holds at most one clustered index, and its id is clustered
        unless it says `clustered: false`."""
        value = args.get("clustered")
        label = ("@@" if args.attr.block_level else "@") + args.attr.name
        if value is not None and "clustering" not in INDEX_FEATURES.get(self.provider or "", ()):
            if self.provider is None or self.provider in PROVIDERS:
                self.ctx.error("PSL104", f"Error parsing attribute \"{label}\": Defining clustering is not supported "
                               "in the current connector.", value.span, subject=subject, help="Remove `clustered:`.")
            return
        if self.provider != "sqlserver":
            return
        is_id = args.attr.name == "id"
        clustered = (value.name == "true") if isinstance(value, ast.ConstantValue) else is_id
        if clustered:
            self._clustered.append((label, args.attr.span, subject))

    def _single_index_field(self, f: m.Field, args: Args) -> m.IndexField:
        sort = args.constant(self.ctx, "sort", ("Asc", "Desc"))
        length = args.get("length")
        return m.IndexField(f.name, f.span, sort, None,
                            length.value if isinstance(length, ast.NumberValue) else None)

    def _index_fields(self, model_name: str, args: Args, by_name: dict[str, m.Field],
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
            if fld is None and "." in name and self._composite_path(name, by_name):
                out.append(m.IndexField(name, span))  # `t.a`: a field of a composite type (MongoDB)
                continue
            if fld is None:
                ctx.error("PSL113", f"The {label[2:]} definition refers to the unknown field `{name}` of model "
                          f"`{model_name}`.", span, subject=model_name,
                          help=suggest(name, by_name))
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
                            ops = f"raw({plain(v.args[0].value)!r})"
                        else:
                            ctx.error("PSL104", "`ops:` must be an operator class name or raw(\"...\").", v.span,
                                      subject=model_name)
                    elif a.name == "length" and isinstance(a.value, ast.NumberValue):
                        length = a.value.value
                    elif a.name in ("sort", "length"):
                        # A known argument with a value of the wrong kind: Prisma refuses it
                        # (`sort: Sideways` -> "Expected one of: Asc, Desc").
                        ctx.error("PSL104", "`sort:` takes Asc or Desc and `length:` a number.", a.span,
                                  subject=model_name)
                    else:
                        # Prisma (7.x) ignores a field argument it does not know (`id(order: Desc)` builds an
                        # ascending index): accepted as Prisma accepts it, with a warning saying what it does.
                        known = "`sort:`" if a.name == "order" else "`sort:`, `ops:` or `length:`"
                        ctx.warning("PSL104", f"`{a.name}:` is not an argument of a field in {label}; Prisma "
                                    "ignores it, so the index is built without it.", a.span, subject=model_name,
                                    help=f"Field arguments are {known}"
                                         + (f", e.g. `{name}(sort: Desc)`." if a.name == "order"
                                            else "."))
            out.append(m.IndexField(name, span, sort, ops, length))
        return out if ok else None

    def _where(self, args: Args, subject: str) -> tuple[Any, Span | None]:
        v = args.get("where")
        if v is None:
            return None, None
        if isinstance(v, ast.ObjectValue):
            return plain(v), v.span
        if isinstance(v, ast.FunctionValue) and v.name == "raw" and len(v.args) == 1 and isinstance(
                v.args[0].value, ast.StringValue):
            return {"raw": v.args[0].value.value}, v.span
        self.ctx.error("PSL104", "`where:` takes an object like `{ deleted: false }` or raw(\"SQL\").", v.span,
                       subject=subject)
        return None, None


@dataclass
class DraftModel:
    model: m.Model
    relation_attrs: dict[str, ast.Attribute | None]


def dedupe_fields(ctx: Ctx, b: ast.Block) -> list[ast.Field]:
    seen: dict[str, ast.Field] = {}
    out = []
    for f in b.members:
        if "-" in f.name and b.kind != "enum":
            ctx.error("PSL122", "The character `-` is not allowed in Field names.", f.name_span,
                      subject=f"{b.name}.{f.name}", help=f"Rename it, e.g. `{f.name.replace('-', '_')}`, and keep the "
                                                         f"column name with `@map(\"{f.name}\")`.")
        if f.name in seen:
            ctx.error("PSL101", f"Field \"{f.name}\" is already defined on {kind_label(b.kind)} \"{b.name}\".",
                      f.name_span, subject=f"{b.name}.{f.name}")
            continue
        seen[f.name] = f
        out.append(f)
    return out




_DECIMAL = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
#: uuid(4|7), cuid(1|2), nanoid(2..255): Prisma's accepted arguments.
_ID_FUNCTION_ARGS = {"uuid": ((4, 7), "either 4 or 7"), "cuid": ((1, 2), "either 1 or 2"),
                     "nanoid": (range(2, 256), "between 2 and 255")}


def _string_literal_problem(type_name: str, text: str) -> str | None:
    """Why a string default cannot be a value of `type_name`, or None."""
    if type_name == "DateTime":
        m = _RFC3339.match(text)
        if m is None:
            return "not a valid rfc3339 datetime string."
        try:
            datetime.datetime(*(int(g) for g in m.groups()[:6]))
        except ValueError:
            return "not a valid rfc3339 datetime string (no such date or time)."
    if type_name == "Decimal" and not _DECIMAL.match(text):
        return f"Parse error: \"{text}\" is not a valid decimal."
    if type_name == "Bytes":
        try:
            base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            return "not a valid base64 string."
    return None


def _id_function_argument_problem(name: str, call: ast.FunctionValue) -> str | None:
    if name not in _ID_FUNCTION_ARGS or not call.args:
        return None
    allowed, words = _ID_FUNCTION_ARGS[name]
    arg = call.args[0].value
    if len(call.args) > 1 or not isinstance(arg, ast.NumberValue) or arg.value not in allowed:
        return f"`{name}()` takes either no argument, or a single integer argument which is {words}."
    return None
