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

import re
from typing import Iterable

from prisma_dsql.diagnostics import Diagnostic
from prisma_dsql.schema import model as m
from prisma_dsql.schema.passes.checks import (
    check_connector_arguments, check_constraint_names, check_ignored_relations, check_model, check_preview_features,
    check_schemas)
from prisma_dsql.schema.passes.config import resolve_datasource, resolve_generators
from prisma_dsql.schema.passes.connector import check_connector
from prisma_dsql.schema.passes.context import (
    RESERVED_MODEL_NAMES, RESERVED_SCALAR_NAMES, Ctx, canonical_preview_feature, kind_label)
from prisma_dsql.schema.passes.enums import resolve_enum
from prisma_dsql.schema.passes.models import ModelResolver
from prisma_dsql.schema.passes.relations import resolve_relations
from prisma_dsql.syntax import ast


def resolve(files: Iterable[ast.SchemaFile]) -> tuple[m.Schema, list[Diagnostic]]:
    files = list(files)
    ctx = Ctx()
    blocks: list[ast.Block] = [b for f in files for b in f.blocks]
    comments = tuple(c for f in files for c in f.comments)

    datasource = resolve_datasource(ctx, [b for b in blocks if b.kind == "datasource"])
    if datasource is not None:
        ctx.datasource_name = datasource.name
        ctx.relation_mode = datasource.relation_mode
        ctx.provider = datasource.provider
        if datasource.provider == "mongodb":
            ctx.relation_mode = "prisma"  # MongoDB has no foreign keys: Prisma always emulates relations
    generators = resolve_generators(ctx, [b for b in blocks if b.kind == "generator"])
    ctx.preview_features = frozenset(canonical_preview_feature(f) for g in generators for f in g.preview_features)

    # Names pass: models, views, composite types and enums share one namespace.
    top: dict[str, ast.Block] = {}
    for b in blocks:
        if b.kind in ("datasource", "generator") or not b.name:
            continue
        if "-" in b.name and b.kind != "enum":
            ctx.error("PSL122", f"The character `-` is not allowed in {kind_label(b.kind).capitalize()} names.",
                      b.name_span, subject=b.name, help=f"Rename it, e.g. `{b.name.replace('-', '_')}`, and keep the "
                                                         f"table name with `@@map(\"{b.name}\")`.")
        if b.name in RESERVED_SCALAR_NAMES:
            ctx.error("PSL120", f"\"{b.name}\" is a reserved scalar type name and cannot be used.", b.name_span,
                      subject=b.name, help=f"Rename the {kind_label(b.kind)}, e.g. `{b.name}Value`.")
        elif b.kind != "type" and b.name in RESERVED_MODEL_NAMES:
            ctx.error("PSL120", f"The {kind_label(b.kind)} name `{b.name}` is invalid. It is a reserved name. Please "
                      "change it. Read more at https://pris.ly/d/naming-models", b.name_span, subject=b.name,
                      help=f"Rename it and keep the table name: `@@map(\"{b.name}\")`.")
        if b.name in top:
            first = top[b.name]
            ctx.error("PSL101", f"The {kind_label(b.kind)} `{b.name}` cannot be defined because a "
                      f"{kind_label(first.kind)} with that name already exists.", b.name_span,
                      help=f"The first definition is at {first.name_span.file}:{first.name_span.line}.")
            continue
        top[b.name] = b

    enums = tuple(resolve_enum(ctx, b) for b in top.values() if b.kind == "enum")
    enum_names = {e.name: e for e in enums}
    composite_blocks = {n: b for n, b in top.items() if b.kind == "type"}
    model_blocks = {n: b for n, b in top.items() if b.kind in ("model", "view")}

    provider = datasource.provider if datasource else None
    resolver = ModelResolver(ctx, enum_names, composite_blocks, model_blocks, provider)
    composites = tuple(resolver.composite(b) for b in composite_blocks.values())
    models_all = [resolver.model(b) for b in model_blocks.values()]

    models_all, relations = resolve_relations(ctx, models_all)
    for model_ in models_all:
        check_model(ctx, model_)
    check_schemas(ctx, datasource, models_all, enums)
    check_preview_features(ctx, generators, models_all, datasource)
    check_connector_arguments(ctx, provider, models_all)
    check_ignored_relations(ctx, models_all)
    check_connector(ctx, provider, datasource, models_all, enums, relations)
    if provider in ("postgresql", "postgres"):
        # Name collisions are a connector check: without a datasource Prisma skips it.
        check_constraint_names(ctx, models_all, relations)

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
    return schema, _without_knock_ons(ctx.diagnostics, files)


#: Findings a broken line typically causes elsewhere: a field the parser could not read is missing from
#: its model, so ids, relations and indexes naming it fail too.
_KNOCK_ON_CODES = frozenset({"PSL106", "PSL107", "PSL108", "PSL109", "PSL113", "PSL118"})
_QUOTED = re.compile(r"[`\"]([^`\"]+)[`\"]")


def _without_knock_ons(diagnostics: list[Diagnostic], files: list[ast.SchemaFile]) -> list[Diagnostic]:
    """One syntax error, one finding (as Prisma): drop what the resolver reports on a line the parser
    recovered from, and the usual knock-ons (missing field, relation, id) that concern a block with such
    a line. The syntax error itself stays, so the verdict never changes."""
    broken = {(f.name, line) for f in files for line in f.broken_lines}
    if not broken:
        return diagnostics
    broken_blocks = {b.name for f in files for b in f.blocks
                     if any((f.name, line) in broken for line in range(b.span.line, b.span.end_line + 1))}
    out = []
    for d in diagnostics:
        if d.span is not None and (d.span.file, d.span.line) in broken:
            continue
        if d.code in _KNOCK_ON_CODES:
            named = {(d.subject or "").split(".")[0], *_QUOTED.findall(d.message)}
            if named & broken_blocks:
                continue
        out.append(d)
    return out


