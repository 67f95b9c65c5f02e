"""What every resolution pass shares: the diagnostics sink, argument binding,
value helpers and the tables of names Prisma defines."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field as dc_field
from typing import Any, Iterable

from prisma_dsql.codes import name_of
from prisma_dsql.diagnostics import Diagnostic, Severity
from prisma_dsql.schema import model as m
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
#: Preview features of Prisma 7.10 (generator `previewFeatures`).
PREVIEW_FEATURES = ("fullTextSearchPostgres", "nativeDistinct", "partialIndexes", "postgresqlExtensions",
                    "relationJoins", "schemaEngineDriverAdapters", "shardKeys", "strictUndefinedChecks", "typedSql",
                    "views")
#: Former preview features Prisma still accepts, with a warning (they are generally available or gone).
DEPRECATED_PREVIEW_FEATURES = (
    "aggregateApi", "atomicNumberOperations", "clientExtensions", "cockroachdb", "connectOrCreate", "createMany",
    "dataProxy", "deno", "distinct", "driverAdapters", "extendedWhereUnique", "fieldReference",
    "filteredRelationCount", "fullTextIndex", "fullTextSearch", "groupBy", "improvedQueryRaw",
    "interactiveTransactions", "jsonProtocol", "microsoftSqlServer", "mongoDb", "multiSchema", "namedConstraints",
    "nativeTypes", "omitApi", "orderByAggregateGroup", "orderByNulls", "prismaSchemaFolder", "queryCompiler",
    "referentialIntegrity", "selectRelationCount", "tracing", "transactionApi", "uncheckedScalarInputs")
#: Preview features Prisma 6 knows and Prisma 7 removed -> the Prisma release that dropped them. Prisma 7
#: rejects them ("not known"); many projects still on Prisma 5/6 list them, so prisma-dsql warns (PSL902)
#: instead of refusing a schema whose DSQL findings the user came for.
REMOVED_PREVIEW_FEATURES = {"metrics": "7.0", "esm": "7.0", "driverAdaptersPreview": "7.0"}
def canonical_preview_feature(name: str) -> str:
    """Prisma matches preview feature names without regard to case: `VIEWS` enables `views`."""
    known = {f.lower(): f for f in (*PREVIEW_FEATURES, *DEPRECATED_PREVIEW_FEATURES, *REMOVED_PREVIEW_FEATURES)}
    return known.get(name.lower(), name)


#: Names no model, view, enum or composite type may take.
RESERVED_SCALAR_NAMES = ("String", "Boolean", "Int", "BigInt", "Float", "Decimal", "DateTime", "Json", "Bytes")
RESERVED_MODEL_NAMES = (
    "PrismaClient", "async", "await", "break", "case", "catch", "class", "const", "continue", "debugger",
    "default", "delete", "do", "else", "enum", "export", "extends", "false", "finally", "for", "function", "if",
    "implements", "import", "in", "instanceof", "interface", "let", "new", "null", "package", "private",
    "protected", "public", "return", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void",
    "while", "with", "yield")
POSTGRES_FAMILY = ("postgresql", "postgres", "cockroachdb")
FIELD_ATTRIBUTES = ("id", "default", "unique", "relation", "map", "updatedAt", "ignore", "shardKey")
BLOCK_ATTRIBUTES = ("id", "unique", "index", "map", "ignore", "schema", "fulltext", "shardKey")
REFERENTIAL_ACTIONS = {a.value: a for a in m.ReferentialAction}
_RA = m.ReferentialAction
#: Prisma's per-connector table of the referential actions allowed, by relation mode (probed against
#: Prisma 7.10's validator). Providers not listed take all five.
ALLOWED_ACTIONS: dict[tuple[str, str], tuple[m.ReferentialAction, ...]] = {
    ("foreignKeys", "sqlserver"): (_RA.CASCADE, _RA.NO_ACTION, _RA.SET_NULL, _RA.SET_DEFAULT),
    **{("prisma", p): (_RA.CASCADE, _RA.RESTRICT, _RA.SET_NULL) for p in ("postgresql", "postgres", "sqlite")},
    **{("prisma", p): (_RA.CASCADE, _RA.RESTRICT, _RA.NO_ACTION, _RA.SET_NULL)
       for p in ("mysql", "sqlserver", "cockroachdb", "mongodb")},
}
INDEX_TYPES = ("BTree", "Hash", "Gist", "Gin", "SpGist", "Brin")
#: Index features only some connectors have (Prisma's connector capabilities), provider -> features.
#: A schema without a datasource is checked by no connector: everything passes.
INDEX_FEATURES = {
    "mysql": frozenset({"length", "fulltext"}),
    "mongodb": frozenset({"fulltext"}),
    "sqlserver": frozenset({"primary_key_sort", "clustering"}),
}


@dataclass
class Ctx:
    diagnostics: list[Diagnostic] = dc_field(default_factory=list)
    datasource_name: str = "db"
    relation_mode: str = "foreignKeys"
    provider: str | None = None
    #: Preview features enabled by the generators.
    preview_features: frozenset[str] = frozenset()

    def error(self, code: str, message: str, span: Span | None, help: str | None = None,
              subject: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, Severity.ERROR, message, span, help=help, subject=subject,
                                           name=name_of(code)))

    def warning(self, code: str, message: str, span: Span | None, help: str | None = None,
                subject: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, Severity.WARNING, message, span, help=help, subject=subject,
                                           name=name_of(code)))

    def info(self, code: str, message: str, span: Span | None, help: str | None = None,
             subject: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, Severity.INFO, message, span, help=help, subject=subject,
                                           name=name_of(code)))




def describe(value: ast.Value) -> str:
    return {
        ast.StringValue: "a string",
        ast.NumberValue: "a number",
        ast.ConstantValue: "a constant",
        ast.FunctionValue: "a function call",
        ast.ArrayValue: "a list",
        ast.ObjectValue: "an object",
    }[type(value)]


def plain(value: ast.Value) -> Any:
    """A value as plain Python data (for JSON output and config)."""
    if isinstance(value, ast.StringValue):
        return value.value
    if isinstance(value, ast.NumberValue):
        return value.value
    if isinstance(value, ast.ConstantValue):
        return {"true": True, "false": False, "null": None}.get(value.name, value.name)
    if isinstance(value, ast.ArrayValue):
        return [plain(i) for i in value.items]
    if isinstance(value, ast.ObjectValue):
        return {k: plain(v) for k, v in value.members}
    if isinstance(value, ast.FunctionValue):
        return {"function": value.name, "args": [plain(a.value) for a in value.args]}
    return None


class Args:
    """An attribute's arguments bound to parameter names.

    `params` lists accepted names; the first `positional` of them may also be
    given without a name. Unknown names, too many positional arguments and
    repeats are reported once each.
    """

    def __init__(self, ctx: Ctx, attr: ast.Attribute, params: tuple[str, ...], positional: int = 1,
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

    def string(self, ctx: Ctx, key: str, subject: str | None = None) -> str | None:
        v = self.values.get(key)
        if v is None:
            return None
        if not isinstance(v, ast.StringValue):
            ctx.error("PSL104", f"`{key}` must be a string, not {describe(v)}.", v.span, subject=subject)
            return None
        if key == "map" and v.value == "":
            label = ("@@" if self.attr.block_level else "@") + self.attr.name
            ctx.error("PSL104", f"Error parsing attribute \"{label}\": The `map` argument cannot be an empty string.",
                      v.span, subject=subject, help="Give a name, or remove `map:`.")
            return None
        return v.value

    def constant(self, ctx: Ctx, key: str, allowed: Iterable[str], subject: str | None = None) -> str | None:
        v = self.values.get(key)
        if v is None:
            return None
        allowed = tuple(allowed)
        if not isinstance(v, ast.ConstantValue) or v.name not in allowed:
            ctx.error("PSL104", f"`{key}` must be one of {', '.join(allowed)}.", v.span, subject=subject)
            return None
        return v.name

    def name_list(self, ctx: Ctx, key: str, subject: str | None = None) -> list[tuple[str, Span, ast.Value]] | None:
        """A list of field references `[a, b(sort: Desc)]`: (name, span, item)."""
        v = self.values.get(key)
        if v is None:
            return None
        if isinstance(v, (ast.ConstantValue, ast.FunctionValue)):
            # Prisma accepts a single bare name where a list is expected, also with its arguments:
            # `@@index(lastChecked(sort: Asc))`.
            return [(v.name, v.span, v)]
        if not isinstance(v, ast.ArrayValue):
            ctx.error("PSL104", f"`{key}` must be a list of field names, not {describe(v)}.", v.span,
                      subject=subject)
            return None
        out = []
        for item in v.items:
            if isinstance(item, ast.ConstantValue):
                out.append((item.name, item.span, item))
            elif isinstance(item, ast.FunctionValue):
                out.append((item.name, item.span, item))
            else:
                ctx.error("PSL104", f"Expected a field name in `{key}`, found {describe(item)}.", item.span,
                          subject=subject)
        return out


def single_string_arg(ctx: Ctx, attr: ast.Attribute, subject: str | None, param: str = "name") -> str | None:
    args = Args(ctx, attr, (param,), subject=subject)
    if param not in args.values:
        ctx.error("PSL104", f"`{'@@' if attr.block_level else '@'}{attr.name}` needs a string argument.", attr.span,
                  subject=subject)
        return None
    value = args.string(ctx, param, subject)
    if value == "":
        # Prisma passes "" through; PostgreSQL then fails on a zero-length identifier.
        ctx.error("PSL104", f"`{'@@' if attr.block_level else '@'}{attr.name}(\"\")` names nothing: database "
                  "names cannot be empty.", attr.span, subject=subject, help="Give a name, or remove the attribute.")
        return None
    return value


def kind_label(kind: str) -> str:
    return {"type": "composite type"}.get(kind, kind)




def suggest(name: str, candidates: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.75)
    return f"Did you mean `{close[0]}`?" if close else None

