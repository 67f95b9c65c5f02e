"""The schema graph as JSON-ready data (`prisma-dsql parse --json`).

The layout is documented in docs/graph-json.md and versioned by the top-level
`version`; additions keep the version, renames or removals bump it. Keys are
snake_case; every element has a `position` {file, line, column, end_line,
end_column} (1-based, end exclusive).
"""

from __future__ import annotations

from typing import Any

from prisma_dsql.redact import redact
from prisma_dsql.schema import model as m
from prisma_dsql.source import Span

GRAPH_JSON_VERSION = 1


def _pos(span: Span | None) -> dict | None:
    return span.as_dict() if span is not None else None


def _config(props) -> dict:
    out = {}
    for key, cv in props:
        value = {"env": cv.env} if cv.env is not None else cv.value
        # A literal connection string keeps its shape but never its password.
        out[key] = redact(value) if isinstance(value, str) else value
    return out


def _default(d: m.DefaultValue | None) -> dict | None:
    if d is None:
        return None
    out: dict[str, Any] = {"kind": d.kind}
    if d.kind == "function":
        out.update(function=d.function, args=list(d.args), effective_args=list(effective_args(d)))
    elif d.kind == "literal":
        out.update(value=d.value, type=d.literal_type)
    else:
        out.update(value=list(d.value))
    if d.map:
        out["map"] = d.map
    out["position"] = _pos(d.span)
    return out


#: What Prisma reports for a default function written without arguments (its DMMF: `cuid()` is cuid(1),
#: `uuid()` is uuid(4)); other functions have no implied argument.
IMPLIED_ARGS = {"cuid": (1,), "uuid": (4,)}


def effective_args(d: m.DefaultValue) -> tuple:
    """The default function's arguments as Prisma applies them: as written, else the implied ones."""
    return tuple(d.args) if d.args else IMPLIED_ARGS.get(d.function or "", ())


def _relation(r: m.RelationInfo | None) -> dict | None:
    if r is None:
        return None
    return {
        "name": r.name,
        "related_model": r.related_model,
        "opposite_field": r.opposite_field,
        "fields": list(r.fields),
        "references": list(r.references),
        "on_delete": r.on_delete.value if r.on_delete else None,
        "on_update": r.on_update.value if r.on_update else None,
        "map": r.map,
    }


def _field(f: m.Field) -> dict:
    return {
        "name": f.name,
        "db_name": f.db_name,
        "kind": f.kind.value,
        "type": f.type_name,
        "arity": f.arity.value,
        "native_type": {"name": f.native_type.name, "args": list(f.native_type.args)} if f.native_type else None,
        "default": _default(f.default),
        "updated_at": f.updated_at,
        "ignored": f.ignored,
        "unsupported": f.unsupported,
        "relation": _relation(f.relation),
        "documentation": f.doc,
        "position": _pos(f.span),
    }


def _index_fields(fields) -> list[dict]:
    return [{"name": x.name, "sort": x.sort, "ops": x.ops, "length": x.length} for x in fields]


def _index(i: m.Index) -> dict:
    return {
        "fields": _index_fields(i.fields),
        "fulltext": i.kind == "fulltext",
        "name": i.name,
        "map": i.map,
        "type": i.type,
        "where": i.where,
        "from_field": i.from_field,
        "position": _pos(i.span),
    }


def _model(x: m.Model) -> dict:
    pk = x.primary_key
    return {
        "name": x.name,
        "db_name": x.db_name,
        "schema": x.schema,
        "ignored": x.ignored,
        "documentation": x.doc,
        "fields": [_field(f) for f in x.fields],
        "primary_key": None if pk is None else {
            "fields": _index_fields(pk.fields), "name": pk.name, "map": pk.map, "from_field": pk.from_field,
            "position": _pos(pk.span)},
        "uniques": [_index(i) for i in x.uniques],
        "indexes": [_index(i) for i in x.indexes],
        "position": _pos(x.span),
    }


def to_json(schema: m.Schema) -> dict:
    ds = schema.datasource
    return {
        "version": GRAPH_JSON_VERSION,
        "files": list(schema.files),
        "datasource": None if ds is None else {
            "name": ds.name,
            "provider": ds.provider,
            "relation_mode": ds.relation_mode,
            "schemas": list(ds.schemas),
            "extensions": [{"name": e.name, "version": e.version, "schema": e.schema, "map": e.map}
                           for e in ds.extensions],
            "config": _config(ds.properties),
            "position": _pos(ds.span),
        },
        "generators": [{
            "name": g.name, "provider": g.provider, "output": g.output, "preview_features": list(g.preview_features),
            "config": _config(g.properties), "position": _pos(g.span)} for g in schema.generators],
        "models": [_model(x) for x in schema.models],
        "views": [_model(x) for x in schema.views],
        "types": [{"name": t.name, "documentation": t.doc, "fields": [_field(f) for f in t.fields],
                   "position": _pos(t.span)} for t in schema.composite_types],
        "enums": [{
            "name": e.name, "db_name": e.db_name, "schema": e.schema, "documentation": e.doc,
            "values": [{"name": v.name, "db_name": v.db_name, "documentation": v.doc, "position": _pos(v.span)}
                       for v in e.values],
            "position": _pos(e.span)} for e in schema.enums],
        "relations": [{
            "name": r.name, "kind": r.kind, "from_model": r.from_model, "from_field": r.from_field,
            "to_model": r.to_model, "to_field": r.to_field, "fields": list(r.fields),
            "references": list(r.references), "on_delete": r.on_delete.value if r.on_delete else None,
            "on_update": r.on_update.value if r.on_update else None, "map": r.map,
            "position": _pos(r.span)} for r in schema.relations],
    }
