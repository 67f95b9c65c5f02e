"""Catalog -> `PullSchema`: the models, enums and relations a database holds, named by Prisma's rules.

Contract: `build_schema(catalog, json_default, renames=None, multi_schema=False)` returns the
schema Prisma's `db pull` would write for `catalog` (`json_default`: the column type `Json` maps to
without `@db.*` on the target), with what this tool knows that Prisma does not:

- a domain over TEXT with a `VALUE IN (...)` check (how this tool stores an enum where enum
  types do not exist) is an `enum`, and its columns are of that enum; PostgreSQL enum types are
  enums too. Values that are not identifiers get `@map`;
- identity and serial columns are `@default(autoincrement())`;
- a `CHECK (c IS NOT NULL)`, validated or NOT VALID, makes `c` required (the introspector already
  reads a validated one as NOT NULL);
- each foreign key gives a relation field on both models, named as Prisma names them
  (`relation_names`, ported from prisma-engines' introspection: the opposite model's name; in
  ambiguous pairs `<Model>_<cols>To<Other>` relation names; `other_` for self relations);
  implicit many-to-many join tables (`_AToB`: columns A and B, a key on both, two foreign keys)
  become list fields on both sides;
- `@map`/`@@map` where a database name is not a valid Prisma name; `@db.*` where the column type
  is not the scalar's default; `map:` on ids, uniques, indexes and relations whose names are not
  Prisma's default names.

Models and enums are sorted by name (case aside); fields keep column order, relation fields follow
the scalars. Anything the schema language cannot hold (CHECKs other than not-null, expression keys,
INCLUDE columns, views, generated columns, tables without columns) is listed in `warnings`, never
silently turned into something else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from prisma_dsql.catalog.model import Catalog, ForeignKey, Index, Table
from prisma_dsql.introspect.expressions import not_null_column
from prisma_dsql.pull.model import BlockAttribute, PullEnum, PullEnumValue, PullField, PullModel, PullSchema, quote
from prisma_dsql.pull.names import identifier_tail, is_identifier, prisma_name, unique_names
from prisma_dsql.pull.types import default_text, scalar_type
from prisma_dsql.schema import naming

_ACTIONS = {"CASCADE": "Cascade", "RESTRICT": "Restrict", "NO ACTION": "NoAction", "SET NULL": "SetNull",
            "SET DEFAULT": "SetDefault"}
_METHODS = {"HASH": "Hash", "GIST": "Gist", "GIN": "Gin", "SPGIST": "SpGist", "BRIN": "Brin"}

TableKey = tuple[str, str]


@dataclass
class Names:
    """Prisma names chosen for database objects (decided once, before any field is built)."""

    models: dict[TableKey, str]
    columns: dict[TableKey, dict[str, str]]
    enums: dict[TableKey, str]
    enum_values: dict[TableKey, dict[str, str]]


def is_join_table(t: Table) -> bool:
    """Prisma's implicit many-to-many table: `_Name`, columns A and B, a key over (A, B), one foreign
    key from each."""
    if not t.name.startswith("_") or [c.name for c in t.columns] != ["A", "B"]:
        return False
    fk_cols = sorted(fk.columns for fk in t.foreign_keys)
    if fk_cols != [("A",), ("B",)]:
        return False
    keyed = t.primary_key is not None and set(t.primary_key.columns) == {"A", "B"}
    return keyed or any(i.unique and set(i.column_names) == {"A", "B"} for i in t.indexes)


def build_schema(catalog: Catalog, json_default: str = "JSONB", renames: Names | None = None,
                 multi_schema: bool = False) -> PullSchema:
    """`renames`: names an existing schema gives (re-introspection); `multi_schema`: every model and
    enum gets `@@schema` even when all are in the default schema (a datasource that lists `schemas`
    requires it)."""
    out = PullSchema()
    tables = []
    for t in sorted(catalog.tables, key=lambda t: (t.name, t.schema)):
        if t.columns:
            tables.append(t)
        else:  # Prisma has no model without a field
            out.warnings.append(f"table {t.name} has no columns: not pulled")
    models = [t for t in tables if not is_join_table(t)]
    joins = [t for t in tables if is_join_table(t)]
    enum_types = _enum_types(catalog)
    names = _choose_names(models, enum_types, renames)
    by_key = {t.key: t for t in models}
    _order_join_ends(joins, by_key, names, renames, out.warnings)

    def enum_order(kv):
        return (names.enums[kv[0]].lower(), names.enums[kv[0]])

    for key, (db_name, values) in sorted(enum_types.items(), key=enum_order):
        e = PullEnum(names.enums[key], db_name, key[0])
        if "" in values:
            out.warnings.append(f"enum {db_name}: the empty value '' has no Prisma form (left out)")
        for v in (v for v in values if v != ""):
            e.values.append(PullEnumValue(names.enum_values[key][v], v))
        if e.name != db_name:
            e.attributes.append(BlockAttribute(f"@@map({quote(db_name)})", key=("@@map",)))
        out.enums.append(e)

    pulled: dict[TableKey, PullModel] = {}
    for t in models:
        pulled[t.key] = _model(t, names, enum_types, json_default, out.warnings, catalog.default_schema)
        out.models.append(pulled[t.key])
    _relations(models, joins, by_key, names, pulled, out.warnings)
    out.models.sort(key=lambda m: (m.name.lower(), m.name))
    mark_ignored_relations(out.models)

    used = {m.schema for m in out.models} | {e.schema for e in out.enums}
    if multi_schema or used - {catalog.default_schema}:
        out.schemas = tuple(sorted(used))
        for m in out.models:
            m.attributes.append(BlockAttribute(f"@@schema({quote(m.schema)})", key=("@@schema",)))
        for e in out.enums:
            e.attributes.append(BlockAttribute(f"@@schema({quote(e.schema)})", key=("@@schema",)))
    if any(i.predicate for t in models for i in t.indexes):
        out.preview_features = ("partialIndexes",)
    for v in catalog.views:
        out.warnings.append(f"view {v.name} is not pulled (Prisma's views are a preview feature)")
    return out


# -- names -----------------------------------------------------------------------------------------


def _enum_types(catalog: Catalog) -> dict[TableKey, tuple[str, tuple[str, ...]]]:
    """Enum types and enum-like domains: TEXT with `VALUE IN (...)` and nothing else (how prisma-dsql made
    them before), or TEXT without any check whose columns hold their values in a table CHECK (DSQL now:
    `Column.enum_values`; the values in the order the columns give them, each once)."""
    found = {e.key: (e.name, e.values) for e in catalog.enums}
    column_values: dict[TableKey, list[str]] = {}
    for t in catalog.tables:
        for c in t.columns:
            if c.enum_values is not None and c.type.kind == "user":
                seen = column_values.setdefault((c.type.schema or catalog.default_schema, c.type.name), [])
                seen += [v for v in c.enum_values if v not in seen]
    for d in catalog.domains:
        if d.checks or d.type.name not in ("TEXT", "VARCHAR") or d.type.array:
            continue
        if d.allowed_values is not None:
            found[d.key] = (d.name, d.allowed_values)
        elif column_values.get(d.key):
            found[d.key] = (d.name, tuple(column_values[d.key]))
    return found


def _choose_names(models: list[Table], enum_types, renames: Names | None) -> Names:
    """Names given by an existing schema first (they are kept whatever else is pulled), then Prisma's
    names for the rest, made distinct from those and from each other."""
    renames = renames or Names({}, {}, {}, {})
    # Tagged keys: a table and a type of the same name are two things (PostgreSQL forbids it, a hand-made
    # catalog need not).
    keys = [("model", t.key) for t in models] + [("enum", k) for k in enum_types]
    given = {**{("model", t.key): renames.models[t.key] for t in models if t.key in renames.models},
             **{("enum", k): renames.enums[k] for k in enum_types if k in renames.enums}}
    fresh = [k for k in keys if k not in given]
    wanted = [prisma_name(key[1], kind) for kind, key in fresh]
    # The same name in two schemas: the schema goes first (as Prisma does).
    schemas_of: dict[str, set[str]] = {}
    for n, (_kind, key) in zip(wanted, fresh):
        schemas_of.setdefault(n, set()).add(key[0])
    wanted = [f"{prisma_name(k[1][0])}_{n}" if len(schemas_of[n]) > 1 else n for n, k in zip(wanted, fresh)]
    chosen = {**given, **dict(zip(fresh, unique_names(wanted, set(given.values()))))}
    names = Names({t.key: chosen[("model", t.key)] for t in models}, {},
                   {k: chosen[("enum", k)] for k in enum_types}, {})
    for t in models:
        names.columns[t.key] = _distinct([c.name for c in t.columns], renames.columns.get(t.key, {}), "field")
    for k, (_db, values) in enum_types.items():
        names.enum_values[k] = _distinct(list(values), renames.enum_values.get(k, {}), "value")
    return names


def _distinct(db_names: list[str], given: dict[str, str], kind: str) -> dict[str, str]:
    kept = {n: given[n] for n in db_names if n in given}
    fresh = [n for n in db_names if n not in kept]
    return {**kept, **dict(zip(fresh, unique_names([prisma_name(n, kind) for n in fresh], set(kept.values()))))}


# -- models ----------------------------------------------------------------------------------------


def _model(t: Table, names: Names, enum_types, json_default: str, warnings: list[str],
           default_schema: str) -> PullModel:
    m = PullModel(names.models[t.key], t.name, t.schema)
    cols = names.columns[t.key]
    if t.comment:
        m.comments.extend(doc_lines(t.comment))
    required_by_check = {not_null_column(c.expression) for c in t.checks} - {None}
    for c in t.checks:
        if not_null_column(c.expression) is None:
            warnings.append(f"{t.name}: CHECK constraint {c.name} ({c.expression}) has no Prisma form")
    pk_single = t.primary_key.columns[0] if t.primary_key is not None and len(t.primary_key.columns) == 1 else None
    single_uniques = {i.columns[0].name: i for i in t.indexes if _field_unique(i)}
    for c in t.columns:
        f = PullField(cols[c.name], "", key=("column", c.name))
        enum_key = (c.type.schema or default_schema, c.type.name) if c.type.kind == "user" else None
        if enum_key is not None and enum_key in enum_types:
            f.type, native = names.enums[enum_key], None
        elif c.type.kind == "user":
            f.type, native = f"Unsupported({quote(c.type.name)})", None
        else:
            f.type, native = scalar_type(c.type, json_default)
        nullable = c.nullable and c.name not in required_by_check
        f.arity = "[]" if c.type.array else ("?" if nullable else "")
        if c.comment:
            f.comments.extend(doc_lines(c.comment))
        if c.name == pk_single:
            pk_name = t.primary_key.name
            f.attributes.append("@id" if pk_name == naming.primary_key_name(t.name) else f"@id(map: {quote(pk_name)})")
        if c.identity is not None:
            f.attributes.append("@default(autoincrement())")
        elif c.default is not None:
            values = names.enum_values.get(enum_key) if enum_key else None
            text = default_text(c.default, c.type, values)
            if text is None:
                warnings.append(f"{t.name}.{c.name}: a generated column ({c.default.value}) has no Prisma form")
            else:
                f.attributes.append(f"@default({text})")
        if c.name in single_uniques:
            idx = single_uniques[c.name]
            f.attributes.append("@unique" if idx.name == naming.unique_name(t.name, (c.name,))
                                else f"@unique(map: {quote(idx.name)})")
        if f.name != c.name:
            f.attributes.append(f"@map({quote(c.name)})")
        if native:
            f.attributes.append(native)
        m.fields.append(f)
    if t.primary_key is not None and pk_single is None:
        args = _field_list(t.primary_key.columns, cols)
        if t.primary_key.name != naming.primary_key_name(t.name):
            args += f", map: {quote(t.primary_key.name)}"
        m.attributes.append(BlockAttribute(f"@@id({args})", key=("@@id",)))
    for idx in t.indexes:
        if _field_unique(idx):
            continue
        text = _index_attribute(t, idx, cols, warnings)
        if text is not None:
            m.attributes.append(BlockAttribute(text, key=(text.split("(", 1)[0],
                                                         tuple(cols.get(c, c) for c in idx.column_names))))
    if m.name != t.name:
        m.attributes.append(BlockAttribute(f"@@map({quote(t.name)})", key=("@@map",)))
    if t.primary_key is None and not any(i.unique and not i.predicate for i in t.indexes):
        m.comments.append("/// The underlying table does not contain a valid unique identifier and can therefore "
                          "currently not be handled by Prisma Client.")
        m.attributes.append(BlockAttribute("@@ignore", key=("@@ignore",)))
    return m


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def doc_lines(comment: str) -> list[str]:
    """A database COMMENT as `///` lines (control characters dropped: the schema is text people read)."""
    return [f"/// {_CONTROL.sub('', line)}".rstrip() for line in comment.splitlines()]


def _field_unique(i: Index) -> bool:
    return (i.unique and len(i.columns) == 1 and not i.columns[0].expression and i.columns[0].sort is None
            and i.columns[0].opclass is None and i.method is None and i.predicate is None)


def _field_list(columns, cols: dict[str, str]) -> str:
    return "[" + ", ".join(cols.get(c, c) for c in columns) + "]"


def _index_attribute(t: Table, idx: Index, cols: dict[str, str], warnings: list[str]) -> str | None:
    if any(k.expression for k in idx.columns):
        warnings.append(f"{t.name}: index {idx.name} has expression keys, which Prisma cannot describe")
        return None
    if idx.include or idx.nulls_not_distinct:
        warnings.append(f"{t.name}: index {idx.name} has INCLUDE columns or NULLS NOT DISTINCT, which Prisma "
                        f"cannot describe (pulled without them)")
    keys = []
    for k in idx.columns:
        args = []
        if k.sort == "DESC":
            args.append("sort: Desc")
        if k.opclass:
            args.append(f"ops: raw({quote(k.opclass)})")
        keys.append(cols.get(k.name, k.name) + (f"({', '.join(args)})" if args else ""))
    args = ["[" + ", ".join(keys) + "]"]
    default = (naming.unique_name if idx.unique else naming.index_name)(t.name, idx.column_names)
    if idx.name != default:
        args.append(f"map: {quote(idx.name)}")
    if idx.method:
        args.append(f"type: {_METHODS.get(idx.method, idx.method.title())}")
    if idx.predicate:
        args.append(f"where: raw({quote(idx.predicate)})")
    return f"{'@@unique' if idx.unique else '@@index'}({', '.join(args)})"


# -- relations -------------------------------------------------------------------------------------


def _relations(models: list[Table], joins: list[Table], by_key: dict[TableKey, Table], names: Names,
               pulled: dict[TableKey, PullModel], warnings: list[str]) -> None:
    fks: list[tuple[Table, ForeignKey]] = []
    for t in models:
        seen: set[tuple] = set()
        for fk in t.foreign_keys:
            if fk.referenced_key not in by_key:
                warnings.append(f"{t.name}: foreign key {fk.name} references {fk.referenced_table}, "
                                "which is not pulled")
                continue
            sig = (fk.columns, fk.referenced_key, fk.referenced_columns)
            if sig in seen:  # a duplicate constraint: one relation (Prisma's collect_duplicated_fks)
                continue
            seen.add(sig)
            fks.append((t, fk))
    join_pairs = {j.key: _join_ends(j) for j in joins}
    join_pairs = {k: v for k, v in join_pairs.items() if v[0] in by_key and v[1] in by_key}
    ambiguous = _ambiguous_pairs(fks, join_pairs, names)

    for t, fk in fks:
        target = by_key[fk.referenced_key]
        src_name, dst_name = names.models[t.key], names.models[target.key]
        cols, ref_cols = names.columns[t.key], names.columns[target.key]
        self_rel = t.key == target.key
        prefix = "other_" if self_rel else ""
        if frozenset((t.key, target.key)) in ambiguous:
            rel = f"{src_name}_{'_'.join(cols[c] for c in fk.columns)}To{dst_name}"
            forward, back = f"{dst_name}_{rel}", f"{prefix}{src_name}_{rel}"
        else:
            rel = f"{src_name}To{dst_name}" if self_rel else ""
            forward, back = dst_name, f"{prefix}{src_name}"
        optional = any((t.column(c) is None or t.column(c).nullable) and not _checked(t, c) for c in fk.columns)
        args = [quote(rel)] if rel else []
        args.append(f"fields: {_field_list(fk.columns, cols)}")
        args.append(f"references: {_field_list(fk.referenced_columns, ref_cols)}")
        on_delete = _ACTIONS.get(fk.on_delete, "NoAction")
        if on_delete != ("SetNull" if optional else "Restrict"):
            args.append(f"onDelete: {on_delete}")
        on_update = _ACTIONS.get(fk.on_update, "NoAction")
        if on_update != "Cascade":
            args.append(f"onUpdate: {on_update}")
        if fk.name != naming.foreign_key_name(t.name, fk.columns):
            args.append(f"map: {quote(fk.name)}")
        key = (t.key, fk.columns)
        _add(pulled[t.key], PullField(forward, dst_name, "?" if optional else "",
                                      [f"@relation({', '.join(args)})"], key=("fk",) + key))
        one_to_one = _unique_over(t, fk.columns)
        back_attrs = [f"@relation({quote(rel)})"] if rel else []
        _add(pulled[target.key], PullField(back, src_name, "?" if one_to_one else "[]", back_attrs,
                                           key=("back",) + key))

    for j in joins:
        if j.key not in join_pairs:
            continue
        a, b = join_pairs[j.key]
        a_name, b_name = names.models[a], names.models[b]
        self_rel = a == b
        if frozenset((a, b)) in ambiguous:
            rel, suffix = j.name[1:], identifier_tail(j.name)
        else:
            rel = "" if j.name[1:] == f"{a_name}To{b_name}" and not self_rel else j.name[1:]
            suffix = ""
        attrs = [f"@relation({quote(rel)})"] if rel else []
        _add(pulled[a], PullField(f"{b_name}{suffix}{'_A' if self_rel else ''}", b_name, "[]", list(attrs),
                                  key=("m2m", j.key, "A")))
        _add(pulled[b], PullField(f"{a_name}{suffix}{'_B' if self_rel else ''}", a_name, "[]", list(attrs),
                                  key=("m2m", j.key, "B")))


def _order_join_ends(joins: list[Table], by_key, names: Names, renames: Names | None,
                     warnings: list[str]) -> None:
    """Prisma puts the model whose name sorts first in column A: a join table whose A column references
    the model that sorts second would be read as another table. Where that happens, the join table's own
    name `_XToY` says what the models were called (X < Y): the two models take those names (with
    `@@map`), unless a name is taken or was given by an existing schema."""
    fixed = set(renames.models) if renames else set()
    for j in joins:
        a, b = _join_ends(j)
        if a not in by_key or b not in by_key or a == b or names.models[a] < names.models[b]:
            continue
        x, _, y = j.name[1:].partition("To")
        taken = set(names.models.values()) | set(names.enums.values())
        if (x and y and x < y and is_identifier(x) and is_identifier(y) and not ({a, b} & fixed)
                and (x == names.models[a] or x not in taken) and (y == names.models[b] or y not in taken)):
            names.models[a], names.models[b] = x, y
        else:
            warnings.append(f"{j.name}: its column A references {names.models[a]}, which does not sort before "
                            f"{names.models[b]}; rename the models so that it does")


def mark_ignored_relations(models: list[PullModel]) -> None:
    """A relation field of a model Prisma Client handles that points at an ignored model (`@@ignore`: no
    usable key) must be `@ignore`d too (Prisma's validator requires it)."""
    ignored = {m.name for m in models if any(a.text == "@@ignore" for a in m.attributes)}
    for m in models:
        if m.name in ignored:
            continue
        for f in m.fields:
            if f.key and f.key[0] in ("fk", "back") and f.type in ignored and "@ignore" not in f.attributes:
                f.attributes.append("@ignore")


def _join_ends(j: Table) -> tuple[TableKey, TableKey]:
    by_col = {fk.columns[0]: fk.referenced_key for fk in j.foreign_keys}
    return by_col["A"], by_col["B"]


def _checked(t: Table, column: str) -> bool:
    return any(not_null_column(c.expression) == column for c in t.checks)


def _unique_over(t: Table, columns: tuple[str, ...]) -> bool:
    """A key of `t` whose columns are all foreign key columns: the relation is one-to-one."""
    keys = [t.primary_key.columns] if t.primary_key is not None else []
    keys += [i.column_names for i in t.indexes if i.unique and not i.predicate]
    return any(k and set(k) <= set(columns) for k in keys)


def _ambiguous_pairs(fks, join_pairs, names: Names) -> set[frozenset]:
    """Pairs of tables joined by more than one relation, or whose relation field would take the name of
    one of its own scalar fields (prisma-engines' `find_ambiguous_relations`)."""
    count: dict[frozenset, set] = {}
    out: set[frozenset] = set()
    for t, fk in fks:
        pair = frozenset((t.key, fk.referenced_key))
        count.setdefault(pair, set()).add(("fk", t.key, fk.columns))
        if any(names.columns[t.key][c] == names.models[fk.referenced_key] for c in fk.columns):
            out.add(pair)
    for j, (a, b) in join_pairs.items():
        count.setdefault(frozenset((a, b)), set()).add(("m2m", j))
    out.update(pair for pair, rels in count.items() if len(rels) > 1)
    return out


def _add(model: PullModel, f: PullField) -> None:
    """A relation field, renamed if a field of that name exists already."""
    taken = {x.name for x in model.fields}
    f.name = unique_names([f.name], taken)[0]
    model.fields.append(f)
