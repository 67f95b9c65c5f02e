"""Pass 1: the datasource and generator blocks."""

from __future__ import annotations

from prisma_dsql.schema import model as m
from prisma_dsql.schema.passes.context import (
    DATASOURCE_PROPERTIES, DEPRECATED_PREVIEW_FEATURES, PREVIEW_FEATURES, PRISMA7_URL_PROPERTIES, PROVIDERS,
    REMOVED_PREVIEW_FEATURES, Ctx, canonical_preview_feature, describe, plain, suggest)
from prisma_dsql.syntax import ast



def config_values(ctx: Ctx, block: ast.Block) -> dict[str, tuple[ast.Property, m.ConfigValue]]:
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
        out[prop.name] = (prop, m.ConfigValue(None if env else plain(v), prop.span, env))
    return out


def resolve_datasource(ctx: Ctx, blocks: list[ast.Block]) -> m.Datasource | None:
    if not blocks:
        return None
    for extra in blocks[1:]:
        ctx.error("PSL111", "You defined more than one datasource. This is not allowed yet because support for "
                  "multiple databases has not been implemented yet.", extra.name_span)
    b = blocks[0]
    values = config_values(ctx, b)
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
            ctx.info("PSL901", f"Prisma 7 rejects `{key}` in the datasource block (Prisma 6 reads it there); "
                     "prisma-dsql accepts it and does not use it.", prop.span,
                     help=f"Move it to prisma.config.ts (`datasource: {{ {key}: env(\"...\") }}`) before "
                          "upgrading to Prisma 7; or silence this notice with `ignore = [\"PSL901\"]`.",
                     subject=f"datasource {b.name}")
    relation_mode = "foreignKeys"
    relation_mode_span = None
    if "relationMode" in values and "referentialIntegrity" in values:
        ctx.error("PSL111", "The `referentialIntegrity` and `relationMode` attributes cannot be used together. Please "
                  "use only `relationMode` instead.", values["referentialIntegrity"][0].span,
                  help="Remove `referentialIntegrity` (its old name).")
    for key in ("relationMode", "referentialIntegrity"):
        if key in values:
            prop, cv = values[key]
            relation_mode_span = prop.value.span
            if cv.value == "foreignKeys" and provider == "mongodb":
                ctx.error("PSL111", 'Invalid relation mode setting: "foreignKeys". Supported values: "prisma" '
                          "(MongoDB has no foreign keys).", prop.value.span)
            elif cv.value in ("prisma", "foreignKeys"):
                relation_mode = cv.value
            else:
                ctx.error("PSL111", f'`{key}` must be "prisma" or "foreignKeys".', prop.value.span)
    schemas: tuple[str, ...] = ()
    schemas_span = None
    if "schemas" in values:
        prop, cv = values["schemas"]
        schemas_span = prop.value.span
        if isinstance(prop.value, ast.ArrayValue) and not prop.value.items:
            ctx.error("PSL111", "If provided, the schemas array can not be empty.", prop.value.span,
                      help='List the schemas, e.g. `schemas = ["public"]`, or remove the property.')
        elif isinstance(prop.value, ast.ArrayValue) and all(isinstance(i, ast.StringValue) for i in prop.value.items):
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
                    kw = {a.name: plain(a.value) for a in item.args if a.name}
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


def resolve_generators(ctx: Ctx, blocks: list[ast.Block]) -> tuple[m.Generator, ...]:
    out = []
    seen: set[str] = set()
    for b in blocks:
        if b.name in seen:
            ctx.error("PSL101", f"The generator `{b.name}` is defined twice.", b.name_span)
            continue
        seen.add(b.name)
        values = config_values(ctx, b)
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
            if isinstance(prop.value, ast.StringValue):  # Prisma takes a lone string as a list of one
                preview = (prop.value.value,)
                _check_preview_names(ctx, [prop.value], f"generator {b.name}")
            elif isinstance(prop.value, ast.ArrayValue) and all(isinstance(i, ast.StringValue) for i in prop.value.items):
                preview = tuple(i.value for i in prop.value.items)
                _check_preview_names(ctx, prop.value.items, f"generator {b.name}")
            else:
                ctx.error("PSL112", '`previewFeatures` must be a list of strings, e.g. ["views"].', prop.value.span)
        output = values["output"][1].value if "output" in values else None
        if "output" in values and not isinstance(values["output"][0].value, (ast.StringValue, ast.FunctionValue)):
            ctx.error("PSL112", f"Expected a String value, but received {describe(values['output'][0].value)}.",
                      values["output"][0].value.span, help='Write `output = "../generated/client"`.')
        out.append(m.Generator(b.name, provider, b.span, b.name_span,
                               output if isinstance(output, str) else None, preview,
                               tuple((k, cv) for k, (_, cv) in values.items())))
    return tuple(out)




def _check_preview_names(ctx: Ctx, items, subject: str) -> None:
    for item in items:
        name = canonical_preview_feature(item.value)
        if name in PREVIEW_FEATURES:
            continue
        if name in REMOVED_PREVIEW_FEATURES:
            version = REMOVED_PREVIEW_FEATURES[name]
            ctx.warning("PSL902", f"The preview feature \"{name}\" was removed in Prisma {version}: Prisma 6 accepts "
                        f"it, Prisma {version} and later reject the schema (\"not known\"). prisma-dsql accepts it "
                        "and checks the rest of the schema.", item.span,
                        help=f'Remove "{name}" from previewFeatures before upgrading to Prisma {version}; or '
                             'silence this warning with `ignore = ["PSL902"]`.', subject=subject)
        elif name in DEPRECATED_PREVIEW_FEATURES:
            ctx.warning("PSL112", f"Preview feature \"{name}\" is deprecated. The functionality can be used without "
                        "specifying it as a preview feature.", item.span, help=f'Remove "{name}" from previewFeatures.')
        else:
            ctx.error("PSL112", f"The preview feature \"{name}\" is not known. Expected one of: "
                      f"{', '.join(PREVIEW_FEATURES)}.", item.span, help=suggest(name, PREVIEW_FEATURES))
