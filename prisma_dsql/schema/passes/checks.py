"""Whole-schema checks that need every model resolved: ids and unique criteria,
preview features, constraint-name collisions, `@@schema` use."""

from __future__ import annotations

from prisma_dsql.schema import model as m
from prisma_dsql.schema.passes.context import INDEX_FEATURES, PROVIDERS, Ctx, canonical_preview_feature
from prisma_dsql.source import Span



def check_model(ctx: Ctx, mdl: m.Model) -> None:
    if mdl.is_view and mdl.primary_key is not None:
        ctx.error("PSL106", "Views cannot have primary keys.", mdl.primary_key.span, subject=mdl.name,
                  help="Use `@unique` instead of `@id` on a view.")
    field_names = {f.name for f in mdl.fields}
    client_names: dict[str, Span] = {}
    keyed = ([("@@id", mdl.primary_key)] if mdl.primary_key is not None and not mdl.primary_key.from_field else [])
    for label, key in keyed + [("@@unique", u) for u in mdl.uniques if not u.from_field]:
        if key.name is None:
            continue
        if key.name in client_names:
            ctx.error("PSL101", f"Error parsing attribute \"{label}\": The given custom name `{key.name}` has to be "
                      "unique on the model. Please provide a different name for the `name` argument.", key.span,
                      subject=mdl.name)
        client_names.setdefault(key.name, key.span)
    for u in mdl.uniques:
        if u.name is not None and u.name in field_names:
            ctx.error("PSL101", f"The custom name `{u.name}` specified for the `@@unique` attribute is already used as "
                      "a name for a field. Please choose a different name.", u.span, subject=mdl.name)
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
    def usable(x) -> bool:
        # A unique criterion needs required fields Prisma Client can read: `Unsupported(...)` ones do not count.
        f = mdl.field(x.name)
        return f is not None and not f.is_optional and f.kind is not m.FieldKind.UNSUPPORTED

    # (an optional id field is reported as PSL106 already)
    pk_usable = mdl.primary_key is not None and not any(
        mdl.field(x.name) is not None and mdl.field(x.name).kind is m.FieldKind.UNSUPPORTED
        for x in mdl.primary_key.fields)
    if not pk_usable:
        has_unique = any(all(usable(x) for x in u.fields) for u in mdl.uniques)
        if not has_unique:
            ctx.error("PSL118", "Each model must have at least one unique criteria that has only required fields. "
                      "Either mark a single field with `@id`, `@unique` or add a multi field criterion with "
                      "`@@id([])` or `@@unique([])` to the model.", mdl.name_span, subject=mdl.name,
                      help="e.g. `id Int @id @default(autoincrement())`.")


def check_preview_features(ctx: Ctx, generators: tuple[m.Generator, ...], models: list[m.Model],
                           datasource: m.Datasource | None = None) -> None:
    enabled = {canonical_preview_feature(f) for g in generators for f in g.preview_features}
    if datasource is not None and datasource.extensions_span is not None and "postgresqlExtensions" not in enabled:
        ctx.error("PSL121", "The `extensions` property is only available with the `postgresqlExtensions` preview "
                  "feature.", datasource.extensions_span, subject=f"datasource {datasource.name}",
                  help='Add `previewFeatures = ["postgresqlExtensions"]` to the generator block.')
    for mdl in models:
        if mdl.is_view and "views" not in enabled:
            ctx.error("PSL121", "View definitions are only available with the `views` preview feature.",
                      mdl.name_span, subject=mdl.name,
                      help='Add `previewFeatures = ["views"]` to the generator block.')
        if "partialIndexes" in enabled:
            continue
        for index in (*mdl.uniques, *mdl.indexes):
            if index.where is not None:
                label = "@@unique" if index.kind == "unique" else f"@@{index.kind}"
                ctx.error("PSL121", f"Error parsing attribute \"{label}\": Partial indexes are a preview feature. "
                          "Add \"partialIndexes\" to previewFeatures in your generator block.",
                          index.where_span or index.span, subject=mdl.name,
                          help='Add `previewFeatures = ["partialIndexes"]` to the generator block.')


def check_connector_arguments(ctx: Ctx, provider: str | None, models: list[m.Model]) -> None:
    """Index arguments the provider's connector does not take (INDEX_FEATURES): `length:` (MySQL only),
    `sort:` in a primary key (SQL Server only), `@@fulltext` (MySQL and MongoDB)."""
    if provider is not None and provider not in PROVIDERS:
        return
    features = INDEX_FEATURES.get(provider or "", frozenset())
    for mdl in models:
        for index in mdl.indexes:
            if index.kind == "fulltext" and "fulltext" not in features:
                ctx.error("PSL103", "Error parsing attribute \"@@fulltext\": Defining fulltext indexes is not supported "
                          "with the current connector.", index.span, subject=mdl.name,
                          help="Full-text indexes are MySQL and MongoDB only; use a plain `@@index`.")
        pk = mdl.primary_key
        label = "@id" if pk is not None and pk.from_field else "@@id"
        if pk is not None and "primary_key_sort" not in features and any(f.sort is not None for f in pk.fields):
            ctx.error("PSL104", f"Error parsing attribute \"{label}\": The sort argument is not supported in the "
                      "primary key with the current connector", pk.span, subject=mdl.name,
                      help="Remove `sort:` from the id; only SQL Server primary keys take a sort order.")
        indexes = [(label, pk)] if pk is not None else []
        indexes += [("@unique" if i.from_field else "@@unique", i) for i in mdl.uniques]
        indexes += [(f"@@{i.kind}", i) for i in mdl.indexes]
        for name, index in indexes:
            if "length" not in features and any(f.length is not None for f in index.fields):
                ctx.error("PSL104", f"Error parsing attribute \"{name}\": The length argument is not supported in "
                          "an index definition with the current connector", index.span, subject=mdl.name,
                          help="Remove `length:`; it is a MySQL feature.")


def check_constraint_names(ctx: Ctx, models: list[m.Model], relations: list[m.Relation]) -> None:
    """PostgreSQL keeps primary keys, unique constraints and indexes in one
    namespace per schema, and foreign keys per table; Prisma rejects schemas
    whose (explicit or default) names collide."""
    from prisma_dsql.schema import naming

    seen: dict[tuple[str | None, str], tuple[str, Span]] = {}
    reported: set[tuple[str | None, str]] = set()

    def claim(schema: str | None, name: str, span: Span, subject: str) -> None:
        key = (schema, name)
        if key not in seen:
            seen[key] = (subject, span)
            return
        first_subject, first_span = seen[key]
        clashes = [(span, subject, first_subject)]
        if key not in reported:  # Prisma points at every definition that uses the name
            clashes.insert(0, (first_span, first_subject, subject))
            reported.add(key)
        for where, who, other in clashes:
            ctx.error("PSL101", f"The given constraint name `{name}` has to be unique in the following namespace: "
                      f"global for primary key, indexes and unique constraints. It is also used by {other}.",
                      where, subject=who, help="Give one of them a different name with `map: \"...\"`.")

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


def check_schemas(ctx: Ctx, ds: m.Datasource | None, models: list[m.Model], enums: tuple[m.Enum, ...]) -> None:
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




def check_ignored_relations(ctx: Ctx, models: list[m.Model]) -> None:
    """A relation field pointing at an `@@ignore`d model must be ignored too (Prisma Client has no such model)."""
    ignored = {x.name for x in models if x.ignored}
    if not ignored:
        return
    for mdl in models:
        if mdl.ignored:
            continue
        for f in mdl.relation_fields:
            if f.type_name in ignored and not f.ignored:
                ctx.error("PSL109", f"Error parsing attribute \"@ignore\": The relation field `{f.name}` on Model "
                          f"`{mdl.name}` must specify the `@ignore` attribute, because the model {f.type_name} it is "
                          "pointing to is marked ignored.", f.span, subject=f"{mdl.name}.{f.name}",
                          help=f"Write `{f.name} {f.type_name}{'[]' if f.is_list else '?' if f.is_optional else ''} "
                               "@ignore`.")
