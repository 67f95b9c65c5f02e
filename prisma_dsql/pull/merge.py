"""Re-introspection: a pull merged into the schema a project already has, as Prisma's `db pull` does.

Contract: `merge(catalog, existing, profile, json_default) -> PullResult` for a single-file
`LoadedSchema` `existing`:

- names: models, fields, enums and enum values keep the names the schema gives the same
  database objects (matched by database name: `@@map`/`@map`), and relations keep their field
  names and relation names (matched by foreign key columns, or by join table);
- what the database cannot know stays: `@updatedAt`, `@ignore`, defaults the client fills
  (`uuid()`, `cuid()`, `nanoid()`, `ulid()`, ...), and a field's type and `@db.*` when they
  already make the column the database has (an `Int @default(autoincrement())` that DSQL stores
  as BIGINT stays `Int`);
- layout: every block that is not a model or an enum (datasource, generators, composite types,
  views) and all text between blocks are kept byte for byte; models and enums are printed anew
  in their old places, with the comments that were above and beside their fields, values and
  block attributes; models whose tables are gone are removed (with the comments directly above
  them); new models and enums are appended at the end.
"""

from __future__ import annotations

from dataclasses import replace

from prisma_dsql.capabilities import Profile
from prisma_dsql.catalog.model import Catalog
from prisma_dsql.loader import LoadedSchema
from prisma_dsql.pull.build import Names, build_schema, mark_ignored_relations
from prisma_dsql.pull.model import BlockAttribute, PullModel, PullResult
from prisma_dsql.pull.printer import print_enum, print_model
from prisma_dsql.syntax import ast
from prisma_dsql.syntax.comments import LINE_BREAK

#: Default functions the client evaluates: the database never shows them.
CLIENT_DEFAULTS = frozenset({"uuid", "cuid", "nanoid", "ulid"})


def merge(catalog: Catalog, existing: LoadedSchema, profile: Profile, json_default: str) -> PullResult:
    from prisma_dsql.introspect import stored_form
    from prisma_dsql.syntax.parser import parse_file
    from prisma_dsql.translate import from_schema

    schema = existing.schema
    source = existing.sources[0]
    tree, _ = parse_file(source)
    default_schema = schema.datasource.default_schema if schema.datasource else catalog.default_schema
    models = {(m.schema or default_schema, m.db_name): m for m in schema.models}
    enums = {(e.schema or default_schema, e.db_name): e for e in schema.enums}
    renames = Names(
        models={k: m.name for k, m in models.items()},
        columns={k: {f.db_name: f.name for f in m.fields if f.is_scalar_like} for k, m in models.items()},
        enums={k: e.name for k, e in enums.items()},
        enum_values={k: {v.db_name: v.name for v in e.values} for k, e in enums.items()},
    )
    pulled = build_schema(catalog, json_default, renames,
                          multi_schema=bool(schema.datasource and schema.datasource.schemas))
    for feature in pulled.preview_features:
        if feature not in schema.preview_features:
            pulled.warnings.append(f"the database has partial indexes: add \"{feature}\" to the generator's "
                                   f"previewFeatures, or Prisma rejects their `where:`")
    # What the schema's fields make (the translator takes every schema the resolver accepts).
    existing_catalog = stored_form(from_schema(schema, profile), profile)
    # Split once (attributes are sliced out of it), at the line breaks the parser counts: not at the
    # \f, \v or U+2028 that `str.splitlines` would also break at, which would shift every span after them.
    lines = LINE_BREAK.split(source.text)
    if lines and lines[-1] == "":
        lines.pop()
    db_tables = {t.key: t for t in catalog.tables}
    old_tables = {t.key: t for t in existing_catalog.tables}
    for pm in pulled.models:
        old = models.get((pm.schema, pm.table))
        if old is not None:
            _keep_model_details(pm, old, lines, db_tables.get(old_key := (pm.schema, pm.table)),
                                old_tables.get(old_key))
    _keep_relation_names(pulled, schema, models, default_schema)
    mark_ignored_relations(pulled.models)  # models the schema ignores stay ignored: so do their relations
    for pm in pulled.models:  # the schema's field order; fields new to it follow, in the database's order
        old = models.get((pm.schema, pm.table))
        if old is not None:
            position = {f.name: i for i, f in enumerate(old.fields)}
            pm.fields.sort(key=lambda f: position.get(f.name, len(position)))

    by_name_models = {m.name: m for m in pulled.models}
    by_name_enums = {e.name: e for e in pulled.enums}
    out: list[str] = []
    previous_end = 0  # lines[previous_end:] not yet copied
    placed: set[str] = set()
    removed: list[str] = []
    for block in tree.blocks:
        start, end = block.span.line - 1, block.span.end_line  # 0-based start, exclusive end
        gap = lines[previous_end:start]
        previous_end = end
        if block.kind == "model" and block.name in by_name_models and block.name not in placed:
            placed.add(block.name)
            out += gap
            out += print_model(_with_comments(by_name_models[block.name], block, tree)).splitlines()
        elif block.kind == "enum" and block.name in by_name_enums and block.name not in placed:
            placed.add(block.name)
            out += gap
            out += print_enum(_with_comments(by_name_enums[block.name], block, tree)).splitlines()
        elif block.kind in ("model", "enum"):
            removed.append(block.name)
            while gap and gap[-1].lstrip().startswith("//"):  # its own comments go with it
                gap.pop()
            out += gap
        else:
            out += gap + lines[start:end]
    out += lines[previous_end:]
    text = "\n".join(out).rstrip("\n") + "\n"
    added = [m.name for m in pulled.models if m.name not in placed] + \
            [e.name for e in pulled.enums if e.name not in placed]
    for m in pulled.models:
        if m.name not in placed:
            text += "\n" + print_model(m)
    for e in pulled.enums:
        if e.name not in placed:
            text += "\n" + print_enum(e)
    if "\r\n" in source.text:  # the file's own line ends
        text = text.replace("\n", "\r\n")
    return PullResult(text, len(pulled.models), len(pulled.enums), pulled.relation_fields,
                      tuple(pulled.warnings), tuple(added), tuple(removed))


# -- what the database cannot know -----------------------------------------------------------------


def _keep_model_details(pm: PullModel, old, lines: list[str], db_table, old_table) -> None:
    """`db_table`: the table in the database; `old_table`: what the existing schema makes of it."""
    pm.comments = [c for c in pm.comments if c.startswith("/// The underlying table")] if old.doc is None else []
    if old.ignored and not any(a.text == "@@ignore" for a in pm.attributes):
        pm.attributes.append(BlockAttribute("@@ignore", key=("@@ignore",)))
    for f in pm.fields:
        if not f.key or f.key[0] != "column":
            continue
        of = old.field(f.name)
        if of is None or not of.is_scalar_like:
            continue
        f.comments = []  # the schema's own comments come back from its text
        texts = {name: _slice(lines, span) for name, span in of.attribute_spans} if of.attribute_spans else {}
        has_default = any(a.startswith("@default(") for a in f.attributes)
        keep = []
        d = of.default
        if d is not None and not has_default and d.kind == "function" and (
                d.function in CLIENT_DEFAULTS or (d.function == "dbgenerated" and not d.args)):
            keep.append(texts.get("default"))
        if of.updated_at:
            keep.append(texts.get("updatedAt"))
        if of.ignored:
            keep.append(texts.get("ignore"))
        same_column = (db_table is not None and old_table is not None
                       and _column_type(db_table, f.key[1]) == _column_type(old_table, f.key[1]))
        if same_column and f.type != of.type_name and not f.type.startswith("Unsupported"):
            f.type = of.type_name
            f.attributes = [a for a in f.attributes if not a.startswith("@db.")]
            native = next((t for n, t in texts.items() if n.startswith("db.")), None)
            if native:
                keep.append(native)
        elif same_column and of.native_type is not None and not any(a.startswith("@db.") for a in f.attributes):
            keep.append(next((t for n, t in texts.items() if n.startswith("db.")), None))
        f.attributes += [k for k in keep if k and k not in f.attributes]


def _column_type(table, column: str):
    c = table.column(column)
    return replace(c.type, schema=None) if c is not None else None


def _slice(lines: list[str], span) -> str:
    if span.line == span.end_line:
        return lines[span.line - 1][span.column - 1:span.end_column - 1]
    return lines[span.line - 1][span.column - 1:]


def _keep_relation_names(pulled, schema, models, default_schema: str) -> None:
    """Relation fields and relation names of the existing schema, for the same foreign keys and join
    tables."""
    by_name = {m.name: m for m in schema.models}
    names: dict[tuple, tuple[str | None, str | None, str | None]] = {}
    for r in schema.relations:
        a, b = by_name.get(r.from_model), by_name.get(r.to_model)
        if a is None or b is None:
            continue
        fa = a.field(r.from_field)
        info = fa.relation if fa is not None else None
        explicit = info.name if info is not None and info.explicit_name else None
        if r.kind == "m-n":
            join = (a.schema or default_schema, r.join_table)
            names[("m2m", join, "A")] = (r.from_field, explicit)
            names[("m2m", join, "B")] = (r.to_field, explicit)
        else:
            cols = tuple(a.field(f).db_name if a.field(f) else f for f in r.fields)
            key = ((a.schema or default_schema, a.db_name), cols)
            names[("fk",) + key] = (r.from_field, explicit)
            if r.to_field:
                names[("back",) + key] = (r.to_field, explicit)
    for pm in pulled.models:
        for f in pm.fields:
            found = names.get(f.key) if f.key and f.key[0] in ("fk", "back", "m2m") else None
            if found is None:
                continue
            field_name, explicit = found
            if field_name and pm.field(field_name) is None:
                f.name = field_name
            f.attributes = [_with_relation_name(a, explicit) if a.startswith("@relation") else a
                            for a in f.attributes]
            if explicit and not any(a.startswith("@relation") for a in f.attributes):
                f.attributes.append(f'@relation("{explicit}")')


def _with_relation_name(attr: str, name: str | None) -> str:
    inner = attr[len("@relation("):-1]
    if inner.startswith('"'):
        end = inner.index('"', 1)
        inner = inner[end + 1:].lstrip(", ").strip()
    parts = ([f'"{name}"'] if name else []) + ([inner] if inner else [])
    return f"@relation({', '.join(parts)})" if parts else ""


# -- comments ---------------------------------------------------------------------------------------


def _with_comments(element, block: ast.Block, tree: ast.SchemaFile):
    """`element` (a PullModel or PullEnum) with the comments inside `block` of the existing schema
    attached to the same fields, values and block attributes; comments whose element is gone are
    kept before the closing brace."""
    inside = [c for c in tree.comments if block.span.line <= c.span.line <= block.span.end_line]
    members = sorted([*block.members, *block.attributes], key=lambda m: m.span.line)
    targets = {}
    items = element.fields if isinstance(element, PullModel) else element.values
    by_name = {i.name: i for i in items}
    attrs = {a.key: a for a in element.attributes}
    for m in members:
        if isinstance(m, ast.Attribute):
            targets[id(m)] = attrs.get(_attribute_key(m))
        else:
            targets[id(m)] = by_name.get(m.name)
    previous = block.span.line
    leftover: list[str] = []
    for m in members:
        target = targets.get(id(m))
        leading = [c.text for c in inside if c.own_line and previous < c.span.line < m.span.line]
        trailing = [c.text for c in inside if not c.own_line and c.span.line == m.span.end_line]
        if target is not None:
            target.comments = leading + target.comments
            target.trailing = trailing[-1] if trailing else None
        else:
            leftover += leading + trailing
        previous = m.span.end_line
    closing = [c.text for c in inside if c.own_line and previous < c.span.line < block.span.end_line]
    element.closing_comments = leftover + closing
    return element


def _attribute_key(a: ast.Attribute) -> tuple:
    name = "@@" + a.name
    if name in ("@@index", "@@unique") and a.args:
        first = a.args[0].value
        if isinstance(first, ast.ArrayValue):
            return (name, tuple(getattr(i, "name", None) for i in first.items))
    return (name,) if name not in ("@@index", "@@unique") else (name, ())
