"""Connector checks: what the datasource's provider supports (schema.connectors), checked once every
model and relation is resolved. A schema without a datasource is checked against Prisma's empty
"Default connector"; an unknown provider (already reported) is not checked."""

from __future__ import annotations

from prisma_dsql.schema import model as m
from prisma_dsql.schema import naming
from prisma_dsql.schema.connectors import INDEX_TYPE_FIELDS, OPERATOR_CLASSES, Connector, connector_for, type_key
from prisma_dsql.schema.passes.context import Ctx
from prisma_dsql.source import Span


def check_connector(ctx: Ctx, provider: str | None, datasource: m.Datasource | None, models: list[m.Model],
                    enums: tuple[m.Enum, ...], relations: list[m.Relation]) -> None:
    conn = connector_for(provider)
    if conn is None:
        return
    label = provider or "a schema without a datasource"
    if datasource is not None:
        if datasource.schemas_span is not None and not conn.schemas:
            ctx.error("PSL123", "The `schemas` property is not supported on the current connector.",
                      datasource.schemas_span, subject=f"datasource {datasource.name}",
                      help="Only PostgreSQL, CockroachDB and SQL Server have multiple schemas.")
        if datasource.extensions_span is not None and provider not in ("postgresql", "postgres"):
            ctx.error("PSL111", 'Property not known: "extensions".', datasource.extensions_span,
                      subject=f"datasource {datasource.name}", help="`extensions` is PostgreSQL only.")
    if not conn.enums:
        for e in enums:
            ctx.error("PSL123", f"You defined the enum `{e.name}`. But the current connector does not support enums.",
                      e.name_span, subject=e.name, help="Use a String field, or a lookup table.")
    for mdl in models:
        _fields(ctx, conn, label, mdl)
        _keys(ctx, conn, mdl)
    for rel in relations:
        if rel.kind == "m-n" and conn.document and not rel.fields:
            ctx.error("PSL123", "Implicit many-to-many relations are not supported on MongoDB. Please use the syntax "
                      "defined in https://pris.ly/d/document-database-many-to-many", rel.span,
                      subject=f"{rel.from_model}.{rel.from_field}")
        if rel.map is not None and not conn.named_foreign_keys:
            ctx.error("PSL123", "Error parsing attribute \"@relation\": Your provider does not support named foreign "
                      "keys.", rel.span, subject=f"{rel.from_model}.{rel.from_field}", help="Remove `map:`.")
    _names(ctx, conn, models, relations)
    if provider == "sqlserver" or (datasource is not None and ctx.relation_mode == "prisma"):
        _cycles(ctx, relations)
    if provider == "sqlserver" and ctx.relation_mode == "foreignKeys":
        _multiple_cascade_paths(ctx, relations)


#: Actions that change the rows of the referencing model (NoAction and Restrict only refuse).
_MODIFYING = {m.ReferentialAction.CASCADE, m.ReferentialAction.SET_NULL, m.ReferentialAction.SET_DEFAULT}


def _cycles(ctx: Ctx, relations: list[m.Relation]) -> None:
    """Cascade cycles, as Prisma finds them on SQL Server and with relationMode "prisma": from each relation
    that holds a foreign key, follow the relations whose actions modify rows (anything but NoAction and
    Restrict); reaching a self-relation or the starting model is a cycle, reported at the start."""
    inline = [r for r in relations if r.kind != "m-n"]
    by_holder: dict[str, list[m.Relation]] = {}
    for r in inline:
        by_holder.setdefault(r.from_model, []).append(r)

    def modifies(r: m.Relation) -> bool:
        return r.on_delete in _MODIFYING or r.on_update in _MODIFYING

    for start in inline:
        visited: set[tuple[str, str]] = set()
        stack = [(start, (start,))]
        while stack:
            r, path = stack.pop()
            visited.add((r.from_model, r.from_field))
            if not modifies(r):
                continue
            if r.from_model == r.to_model:
                message = ("A self-relation must have `onDelete` and `onUpdate` referential actions set to `NoAction` "
                           "in one of the @relation attributes.")
            elif r.to_model == start.from_model:
                hops = " → ".join(f"{x.from_model}.{x.from_field}" for x in path)
                message = ("Reference causes a cycle. One of the @relation attributes in this cycle must have "
                           f"`onDelete` and `onUpdate` referential actions set to `NoAction`. Cycle path: {hops}.")
            else:
                stack.extend((n, (*path, n)) for n in by_holder.get(r.to_model, ())
                             if (n.from_model, n.from_field) not in visited)
                continue
            ctx.error("PSL109", message + " (SQL Server and relationMode \"prisma\" refuse cascade cycles.)",
                      start.span, subject=f"{start.from_model}.{start.from_field}",
                      help="Add `onDelete: NoAction, onUpdate: NoAction` to one @relation of the cycle "
                           "(`Restrict` with relationMode \"prisma\" on PostgreSQL and SQLite).")
            break


def _fields(ctx: Ctx, conn: Connector, label: str, mdl: m.Model) -> None:
    pk_fields = {x.name for x in mdl.primary_key.fields} if mdl.primary_key else set()
    indexed = pk_fields | {x.name for i in (*mdl.uniques, *mdl.indexes) for x in i.fields}
    if conn.name == "mysql":
        serial = [f for f in mdl.fields if f.default is not None and f.default.function == "autoincrement"]
        for f in serial[1:]:
            ctx.error("PSL110", "Error parsing attribute \"@default\": The `autoincrement()` default value is used "
                      "multiple times on this model even though the underlying datasource only supports one instance "
                      "per table.", f.default.span, subject=f"{mdl.name}.{f.name}")
    for f in mdl.fields:
        subject = f"{mdl.name}.{f.name}"
        if f.kind is m.FieldKind.SCALAR and f.type_name not in conn.scalars:
            ctx.error("PSL123", f"Field `{f.name}` in model `{mdl.name}` can't be of type {f.type_name}. The current "
                      f"connector does not support the {f.type_name} type.", f.type_span, subject=subject)
        elif f.is_list and f.kind in (m.FieldKind.SCALAR, m.FieldKind.ENUM):
            key = "enum" if f.kind is m.FieldKind.ENUM else f.type_name
            if key not in conn.list_types:
                what = ("lists of primitive types" if not conn.list_types else f"the {f.type_name} List type")
                ctx.error("PSL123", f"Field \"{f.name}\" in model \"{mdl.name}\" can't be a list. The current "
                          f"connector does not support {what}.", f.type_span, subject=subject,
                          help="Store the values in a related model (one row per value), or in a Json field.")
        if conn.document and not mdl.is_view:
            if f.name in pk_fields and f.db_name != "_id":
                ctx.error("PSL106", f"Error validating field `{f.name}` in model `{mdl.name}`: MongoDB model IDs must "
                          "have an @map(\"_id\") annotation.", f.span, subject=subject,
                          help=f"Write `{f.name} {f.type_name} @id @map(\"_id\")`.")
            elif f.name not in pk_fields and f.db_name == "_id":
                ctx.error("PSL106", f"The field `{f.name}` of model `{mdl.name}` is mapped to `_id`, which MongoDB "
                          "keeps for the id.", f.span, subject=subject)
        d = f.default
        if d is None or d.kind != "function":
            continue
        if d.function == "auto" and (f.native_type is None or f.native_type.name != "ObjectId"):
            ctx.error("PSL110", f"Error validating field `{f.name}` in model `{mdl.name}`: MongoDB `@default(auto())` "
                      "fields must have `ObjectId` native type.", d.span, subject=subject,
                      help=f"Add `@{ctx.datasource_name}.ObjectId`.")
        if d.function == "dbgenerated" and conn.document:
            ctx.error("PSL110", f"Error validating field `{f.name}` in model `{mdl.name}`: The `dbgenerated()` "
                      "function is not allowed with MongoDB. Please use `auto()` instead.", d.span, subject=subject)
        if d.function == "autoincrement":
            _autoincrement(ctx, conn, f, d.span, subject, f.name in pk_fields and len(pk_fields) == 1,
                           f.name in indexed)


def _autoincrement(ctx: Ctx, conn: Connector, f: m.Field, span: Span, subject: str, is_id: bool,
                   indexed: bool) -> None:
    rule = conn.autoincrement
    problem = None
    if rule == "never":
        problem = "The `autoincrement()` default value is used with a datasource that does not support it."
    elif rule == "bigint" and f.type_name != "BigInt":
        problem = ("The `autoincrement()` default function is defined only on BigInt fields on CockroachDB. Use "
                   "sequence() if you want an autoincrementing Int field.")
    elif rule == "id" and not is_id:
        problem = ("The `autoincrement()` default value is used on a non-id field even though the datasource does "
                   "not support this.")
    elif rule == "indexed" and not indexed:
        problem = ("The `autoincrement()` default value is used on a non-indexed field even though the datasource "
                   "does not support this.")
    if problem:
        ctx.error("PSL110", f"Error parsing attribute \"@default\": {problem}", span, subject=subject)


def _keys(ctx: Ctx, conn: Connector, mdl: m.Model) -> None:
    pk = mdl.primary_key
    if pk is not None:
        if pk.map is not None and not conn.named_primary_keys:
            ctx.error("PSL106", f"Error validating model \"{mdl.name}\": You defined a database name for the primary "
                      "key on the model. This is not supported by the provider.", pk.span, subject=mdl.name,
                      help="Remove `map:` from the id: this database names primary keys itself.")
        if not pk.from_field and not conn.compound_ids:
            ctx.error("PSL123", f"Error validating model \"{mdl.name}\": The current connector does not support "
                      "compound ids.", pk.span, subject=mdl.name)
    keys = [("@@id" if not pk.from_field else "@id", pk)] if pk is not None else []
    for label, index in keys + [("@@unique" if i.kind == "unique" else f"@@{i.kind}", i)
                                for i in (*mdl.uniques, *mdl.indexes)]:
        names = [x.name for x in index.fields]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            what = {"@@id": "id", "@@unique": "unique index", "@@index": "index", "@@fulltext": "fulltext index"}
            ctx.error("PSL113", f"Error validating model \"{mdl.name}\": The {what.get(label, 'index')} definition "
                      f"refers to the field {twice[0]} multiple times.", index.span, subject=mdl.name,
                      help=f"List `{twice[0]}` once.")
        for x in index.fields:
            _key_column(ctx, conn, mdl, label, index, x)
            if x.ops is None or x.ops.startswith("raw("):
                continue
            f = mdl.field(x.name)
            if not conn.operator_classes:
                ctx.error("PSL123", f"Error parsing attribute \"{label}\": Custom operator classes are not supported "
                          "with the current connector.", index.span, subject=mdl.name, help="Remove `ops:`.")
            elif f is not None and f.kind is m.FieldKind.SCALAR:
                algo = getattr(index, "type", None) or "BTree"
                by_algo = OPERATOR_CLASSES.get(x.ops)
                key = type_key(f.type_name, f.is_list, f.native_type.name if f.native_type else None)
                if by_algo is None:
                    ctx.error("PSL104", f"Error parsing attribute \"{label}\": Unknown operator class `{x.ops}`.",
                              index.span, subject=mdl.name, help="Use a PostgreSQL operator class Prisma knows, or "
                                                                 "`ops: raw(\"...\")`.")
                elif algo not in by_algo:
                    ctx.error("PSL104", f"Error parsing attribute \"{label}\": The given operator class `{x.ops}` is "
                              f"not supported with the `{algo}` index type.", index.span, subject=mdl.name,
                              help=f"`{x.ops}` belongs to a `type: {sorted(by_algo)[0]}` index.")
                elif key not in by_algo[algo]:
                    ctx.error("PSL104", f"Error parsing attribute \"{label}\": The given operator class `{x.ops}` does "
                              f"not support the field `{x.name}` ({key.replace('@db.', '@' + ctx.datasource_name + '.')}).",
                              index.span, subject=mdl.name)
    if conn.document:
        seen_sets: set[tuple[str, ...]] = set()
        for index in (*mdl.uniques, *mdl.indexes):
            fields = tuple(x.name for x in index.fields)
            if fields in seen_sets and index.kind != "fulltext":
                label = "@@unique" if index.kind == "unique" else "@@index"
                ctx.error("PSL101", f"Error parsing attribute \"{label}\": Index already exists in the model.",
                          index.span, subject=mdl.name, help="MongoDB keeps one index per list of fields.")
            seen_sets.add(fields)
    for index in (*mdl.uniques, *mdl.indexes):
        kind = "@@unique" if index.kind == "unique" else f"@@{index.kind}"
        if index.type is not None and index.type not in conn.index_types:
            ctx.error("PSL123", f"Error parsing attribute \"{kind}\": The given index type is not supported with the "
                      "current connector", index.span, subject=mdl.name,
                      help=f"Index types here: {', '.join(sorted(conn.index_types))}.")
        elif index.type is not None:
            _index_type_fields(ctx, conn, mdl, kind, index)
        if conn.name == "postgresql":
            for x in index.fields:
                f = mdl.field(x.name)
                if f is not None and f.native_type is not None and f.native_type.name == "Xml":
                    what = "cannot be unique" if index.kind == "unique" else "cannot be indexed"
                    ctx.error("PSL104", f"Native type `Xml` of Postgres {what}.", index.span, subject=mdl.name)
                    break
        if index.where is not None and not conn.partial_indexes:
            ctx.error("PSL123", f"Error parsing attribute \"{kind}\": Partial indexes (with a `where` clause) are not "
                      "supported by the current connector.", index.where_span or index.span, subject=mdl.name)


def _index_type_fields(ctx: Ctx, conn: Connector, mdl: m.Model, kind: str, index: m.Index) -> None:
    """A GiST, GIN, SP-GiST or BRIN index takes only some field types without an operator class."""
    allowed = INDEX_TYPE_FIELDS.get(conn.name, {}).get(index.type)
    if index.type == "SpGist" and len(index.fields) > 1:
        ctx.error("PSL104", f"Error parsing attribute \"{kind}\": SpGist does not support multi-column indices.",
                  index.span, subject=mdl.name)
    if allowed is None:
        return
    for x in index.fields:
        f = mdl.field(x.name)
        if f is None or x.ops is not None or f.kind is not m.FieldKind.SCALAR:
            continue  # with an operator class: OPERATOR_CLASSES, in _keys
        key = type_key(f.type_name, f.is_list, f.native_type.name if f.native_type else None)
        if key not in allowed:
            ctx.error("PSL104", f"Error parsing attribute \"{kind}\": The {index.type} index type does not support the "
                      f"type of the field `{x.name}` ({key.replace('@db.', '@' + ctx.datasource_name + '.')}) without an "
                      "operator class.", index.span, subject=mdl.name)


def _multiple_cascade_paths(ctx: Ctx, relations: list[m.Relation]) -> None:
    """SQL Server refuses two cascading paths from one table to another (Prisma's multiple_cascading_paths):
    for each foreign key that modifies rows, the models reachable through it must not also be reachable
    through another foreign key of the same model."""
    inline = [r for r in relations if r.kind != "m-n"]
    by_holder: dict[str, list[m.Relation]] = {}
    for r in inline:
        by_holder.setdefault(r.from_model, []).append(r)

    def modifies(r: m.Relation) -> bool:
        return r.on_delete in _MODIFYING or r.on_update in _MODIFYING

    for rel in inline:
        if not modifies(rel):
            continue
        parent = rel.from_model
        seen: dict[str, set[str]] = {}
        stack = [(r, r.from_field, frozenset()) for r in by_holder.get(parent, ()) if modifies(r)]
        while stack:
            r, first, path = stack.pop()
            path = path | {(r.from_model, r.from_field)}
            if r.from_model == r.to_model or r.to_model == parent:
                continue  # self-relations and cycles: _cycles
            seen.setdefault(first, set()).add(r.to_model)
            stack.extend((n, first, path) for n in by_holder.get(r.to_model, ())
                         if modifies(n) and (n.from_model, n.from_field) not in path)
        mine = seen.pop(rel.from_field, set())
        reachable = sorted({model for others in seen.values() for model in mine & others})
        if reachable:
            names = ", ".join(f"`{x}`" for x in reachable)
            ctx.error("PSL109", f"When any of the records in model{'s' if len(reachable) > 1 else ''} {names} "
                      f"{'are' if len(reachable) > 1 else 'is'} updated or deleted, the referential actions on the "
                      f"relations cascade to model `{parent}` through multiple paths. Please break one of these paths "
                      "by setting the `onUpdate` and `onDelete` to `NoAction`.", rel.span,
                      subject=f"{rel.from_model}.{rel.from_field}",
                      help="SQL Server allows one cascading path between two tables: add `onDelete: NoAction, "
                           "onUpdate: NoAction` to one of them.")


#: Column types a key cannot hold: MySQL's TEXT and BLOB kinds (only a prefix, with `length:`), SQL Server's
#: heap-stored types.
_MYSQL_PREFIX_ONLY = {"Text", "TinyText", "MediumText", "LongText", "Blob", "TinyBlob", "MediumBlob", "LongBlob"}
_SQLSERVER_HEAP = {"Text", "NText", "Image", "Xml"}
_SQLSERVER_MAX = {"VarChar", "NVarChar", "VarBinary"}


def _key_column(ctx: Ctx, conn: Connector, mdl: m.Model, label: str, index, x: m.IndexField) -> None:
    """What a connector refuses in a key column: `length:` on a field that is not String or Bytes, MySQL's
    TEXT/BLOB without `length:`, SQL Server's heap types, and Bytes ids on SQL Server."""
    f = mdl.field(x.name)
    if f is None or getattr(index, "kind", "id") == "fulltext":
        return
    if x.length is not None and f.type_name not in ("String", "Bytes"):
        ctx.error("PSL104", f"Error parsing attribute \"{label}\": The length argument is only allowed with field "
                  "types `String` or `Bytes`.", index.span, subject=mdl.name, help="Remove `length:`.")
    nt = f.native_type
    where = {"@id": "id", "@@id": "id", "@unique": "unique", "@@unique": "unique"}.get(label, "index")
    if conn.name == "mysql" and nt is not None and nt.name in _MYSQL_PREFIX_ONLY and x.length is None:
        ctx.error("PSL104", f"Native type `{nt.name}` of MySQL cannot be used in {'an' if where != 'unique' else 'a'} "
                  f"{where} without the `length` argument.", index.span, subject=mdl.name,
                  help=f"Index a prefix: `{x.name}(length: 191)`.")
    if conn.name == "sqlserver" and nt is not None and (
            nt.name in _SQLSERVER_HEAP or (nt.name in _SQLSERVER_MAX and nt.args[:1] and str(nt.args[0]).lower() == "max")):
        shown = f"{nt.name}(Max)" if nt.name in _SQLSERVER_MAX else nt.name
        ctx.error("PSL104", f"Native type `{shown}` of SQL Server cannot be used in {'an' if where != 'unique' else 'a'} "
                  f"{where}: it is stored on the heap.", index.span, subject=mdl.name)
    if conn.name == "sqlserver" and where == "id" and f.type_name == "Bytes":
        ctx.error("PSL106", "Invalid model: Using Bytes type is not allowed in the model's id.", index.span,
                  subject=mdl.name)


def _names(ctx: Ctx, conn: Connector, models: list[m.Model], relations: list[m.Relation]) -> None:
    """Constraint-name namespaces other than PostgreSQL's (passes/checks.check_constraint_names)."""
    scopes = set(conn.name_scopes) - {"postgres"}
    if not scopes:
        return
    global_index: dict[str, str] = {}
    global_pk_fk: dict[str, str] = {}

    def clash(name: str, span: Span, subject: str, namespace: str) -> None:
        ctx.error("PSL101", f"The given constraint name `{name}` has to be unique in the following namespace: "
                  f"{namespace}. Please provide a different name using the `map` argument.", span, subject=subject,
                  help="Give one of them a different name with `map: \"...\"`.")

    for mdl in models:
        if mdl.is_view:
            continue
        columns = {f.name: f.db_name for f in mdl.fields}
        pk_name = None
        if mdl.primary_key is not None:
            pk_name = mdl.primary_key.map or naming.primary_key_name(mdl.db_name)
        named = []
        for i in (*mdl.uniques, *mdl.indexes):
            cols = [columns.get(x.name, x.name) for x in i.fields]
            default = (naming.unique_name if i.kind == "unique" else naming.index_name)(mdl.db_name, cols)
            named.append((i.map or default, i.span))
        if "model-index" in scopes or "model-pk-index" in scopes:
            seen: set[str] = set()
            if "model-pk-index" in scopes and pk_name is not None:
                seen.add(pk_name)
            for name, span in named:
                if name in seen:
                    what = ("primary key, indexes and unique constraints" if "model-pk-index" in scopes
                            else "indexes and unique constraints")
                    clash(name, span, mdl.name, f"on model `{mdl.name}` for {what}")
                seen.add(name)
        if "model-pk-vs-index" in scopes and pk_name is not None:
            for name, span in named:
                if name == pk_name:
                    clash(name, mdl.primary_key.span, mdl.name,
                          f"on model `{mdl.name}` for primary key, indexes and unique constraints")
        if "global-index" in scopes:
            for name, span in named:
                if name in global_index:
                    clash(name, span, mdl.name, "global for indexes and unique constraints")
                global_index.setdefault(name, mdl.name)
        if "global-pk-fk" in scopes:
            # Primary keys and the named default constraints (`@default(..., map:)`, SQL Server's).
            owned = [(pk_name, mdl.primary_key.span)] if pk_name is not None else []
            owned += [(f.default.map, f.default.span) for f in mdl.fields if f.default is not None and f.default.map]
            for name, span in owned:
                if name in global_pk_fk:
                    clash(name, span, mdl.name, "global for primary keys, foreign keys and default constraints")
                global_pk_fk.setdefault(name, mdl.name)
    if "global-pk-fk" in scopes:
        by_name = {x.name: x for x in models}
        for rel in relations:
            owner = by_name.get(rel.from_model)
            if rel.kind == "m-n" or owner is None:
                continue
            cols = [owner.field(f).db_name for f in rel.fields if owner.field(f)]
            name = rel.map or naming.foreign_key_name(owner.db_name, cols)
            if name in global_pk_fk:
                clash(name, rel.span, f"{owner.name}.{rel.from_field}",
                      "global for primary keys, foreign keys and default constraints")
            global_pk_fk.setdefault(name, owner.name)
