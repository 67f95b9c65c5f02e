"""Catalog query rows -> `Catalog`, normalised so that a database built from a schema reads
back as the catalog that schema translates to.

Contract: `build_catalog(rows, profile, default_schema)` takes the rows of
`prisma_dsql.introspect.queries` (as `session.read_catalog_rows` returns them) and returns
`(catalog, row_estimates)`. What it normalises, and why:

- tables named `_prisma_migrations` or starting with `_prisma_dsql` are the migration tools'
  own: left out, with everything on them;
- a column whose DEFAULT is `nextval()` of a sequence it owns is a SERIAL column
  (`Identity("serial")`, no default, and the sequence is not listed): how the catalog models
  SERIAL; identity columns read as `Identity(by_default|always, cache)` and their sequences
  are not listed either;
- a validated `CHECK (col IS NOT NULL)` makes the column NOT NULL (DSQL cannot SET NOT
  NULL); its name is kept on `Column.not_null_check` and it is not listed among the checks;
- the primary key's index is not an `Index` (DSQL makes it INCLUDE every other column: that
  never shows); the access methods `btree` and DSQL's `btree_index` are the default (None);
  other methods are upper case (`GIN`);
- index keys: a sort order only for DESC, NULLS only where not the sort's default, an
  operator class only where the definition names one;
- defaults, partial index predicates and domain checks through `expressions` (typed values,
  canonical spellings; `VALUE IN (...)` -> `Domain.allowed_values`);
- `schemas`: the namespaces that hold a table, enum, domain or standalone sequence (not only
  views: as `translate` counts them).
"""

from __future__ import annotations

from typing import Any

from prisma_dsql.capabilities import Profile
from prisma_dsql.catalog.model import (
    Catalog,
    Check,
    Column,
    ColumnDefault,
    Domain,
    EnumType,
    Extension,
    ForeignKey,
    Identity,
    Index,
    IndexColumn,
    PrimaryKey,
    Sequence,
    Table,
    View,
)
from prisma_dsql.introspect.expressions import (
    allowed_values,
    canonical_predicate,
    check_expression,
    not_null_column,
    parse_default,
    quoted_end,
    split_top_level,
)
from prisma_dsql.introspect.sqltypes import sql_type
from prisma_dsql.sql.names import quote

#: Tables of the migration tools themselves: Prisma's, and prisma-dsql's (by prefix).
OWN_TABLES = frozenset({"_prisma_migrations"})
OWN_TABLE_PREFIX = "_prisma_dsql"

FK_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
#: Access methods that are the default B-tree: PostgreSQL's, and DSQL's (OID 10003).
BTREE_METHODS = frozenset({"btree", "btree_index"})
_DESC, _NULLS_FIRST = 1, 2

RowEstimates = dict[tuple[str, str], "int | None"]


def is_own_table(name: str) -> bool:
    return name in OWN_TABLES or name.startswith(OWN_TABLE_PREFIX)


def build_catalog(rows: dict[str, list[tuple[Any, ...]]], profile: Profile | None = None,
                  default_schema: str | None = None) -> tuple[Catalog, RowEstimates]:
    (current_schema, ns_oids, ns_names, ext_names, ext_schemas, ext_versions, _version), = rows["namespaces"]
    namespaces = dict(zip(ns_oids, ns_names))

    # -- relations -----------------------------------------------------------------------------
    tables: dict[int, dict[str, Any]] = {}
    views: list[View] = []
    sequences: dict[int, tuple] = {}
    serial_sequences: set[int] = set()  # owned by a column whose default calls them
    estimates: RowEstimates = {}
    for (oid, nsp, name, kind, reltuples, view_def, comment, seq_type, seq_start, seq_inc, seq_cache,
         owner_table, owner_column, owner_kind, owner_default_uses_it) in rows["relations"]:
        schema = namespaces[nsp]
        if kind in ("r", "p"):
            if is_own_table(name):
                continue
            tables[oid] = {"schema": schema, "name": name, "comment": comment, "columns": [], "attnames": {},
                           "pk": None, "indexes": [], "fks": [], "checks": [], "unique_constraints": {}}
            estimates[(schema, name)] = int(reltuples) if reltuples is not None and reltuples >= 0 else None
        elif kind in ("v", "m"):
            views.append(View(schema, name, view_def.strip() if view_def else view_def, comment=comment))
        elif kind == "S":
            sequences[oid] = (schema, name, seq_type, seq_start, seq_inc, seq_cache, owner_table, owner_column,
                              owner_kind, comment)
            if owner_kind == "a" and owner_default_uses_it:
                serial_sequences.add(oid)
    # Sequences that belong to a column: (table oid, attnum) -> (sequence oid, kind 'a'|'i').
    owned = {(s[6], s[7]): (oid, s[8]) for oid, s in sequences.items() if s[6] is not None}
    hidden_sequences: set[int] = set()

    # -- columns -------------------------------------------------------------------------------
    for (relid, attnum, name, notnull, identity, generated, is_array, elem_kind, elem_schema, elem_name,
         elem_text, default_expr, comment) in rows["columns"]:
        t = tables.get(relid)
        if t is None:
            continue
        col_type = sql_type(elem_kind, elem_schema, elem_name, elem_text, is_array, profile)
        ident = None
        default = None
        seq = owned.get((relid, attnum))
        if identity in ("a", "d"):
            cache = None
            if seq is not None:
                hidden_sequences.add(seq[0])
                cache = sequences[seq[0]][5]
            ident = Identity("always" if identity == "a" else "by_default", cache)
        elif seq is not None and seq[0] in serial_sequences and _is_nextval(default_expr):
            hidden_sequences.add(seq[0])
            ident = Identity("serial")
        elif generated == "s" and default_expr is not None:
            default = ColumnDefault("generated", default_expr)  # GENERATED ALWAYS AS (...) STORED
        else:
            default = parse_default(default_expr, col_type)
        t["attnames"][attnum] = name
        t["columns"].append({"name": name, "type": col_type, "nullable": not notnull, "default": default,
                             "identity": ident, "comment": comment, "not_null_check": None})

    # -- constraints ---------------------------------------------------------------------------
    for (relid, name, kind, validated, columns, ref_schema, ref_table, ref_columns, on_delete, on_update,
         index_oid, definition, comment) in rows["constraints"]:
        t = tables.get(relid)
        if t is None:
            continue
        if kind == "p":
            t["pk"] = PrimaryKey(name, tuple(columns), comment=comment)
        elif kind == "u":
            t["unique_constraints"][index_oid] = name
        elif kind == "f":
            t["fks"].append(ForeignKey(name, tuple(columns), ref_schema, ref_table, tuple(ref_columns),
                                       FK_ACTIONS.get(on_delete, "NO ACTION"), FK_ACTIONS.get(on_update, "NO ACTION"),
                                       validated=bool(validated), comment=comment))
        elif kind == "c":
            expression = check_expression(definition)
            col = not_null_column(expression) if validated else None
            target = next((c for c in t["columns"] if c["name"] == col), None) if col else None
            if target is not None:
                target["nullable"] = False
                target["not_null_check"] = target["not_null_check"] or name
                continue
            t["checks"].append(Check(name, expression, validated=bool(validated), comment=comment))

    # -- indexes -------------------------------------------------------------------------------
    for (relid, index_oid, name, unique, primary, valid, nkeys, nulls_not_distinct, keys, expression_keys,
         options, method, predicate, definition, comment) in rows["indexes"]:
        t = tables.get(relid)
        if t is None:
            continue
        if primary:
            # DSQL's primary-key index INCLUDEs every other column: the key is its first nkeys
            # columns. Should the constraint ever list the included ones too, the index decides.
            pk = t["pk"]
            if pk is not None and len(pk.columns) > nkeys and pk.columns[:nkeys] == tuple(keys[:nkeys]):
                t["pk"] = PrimaryKey(pk.name, tuple(keys[:nkeys]), comment=pk.comment)
            continue
        opclasses = _opclasses(definition, keys[:nkeys])
        columns = []
        for i, key in enumerate(keys[:nkeys]):
            option = options[i] if i < len(options) else 0
            desc = bool(option & _DESC)
            nulls_first = bool(option & _NULLS_FIRST)
            nulls = None if nulls_first == desc else ("FIRST" if nulls_first else "LAST")
            columns.append(IndexColumn(key, "DESC" if desc else None, opclasses[i], bool(expression_keys[i]), nulls))
        t["indexes"].append(Index(
            name, tuple(columns), unique=bool(unique),
            method=None if method in BTREE_METHODS else method.upper(),
            predicate=canonical_predicate(predicate),
            include=tuple(keys[nkeys:]), nulls_not_distinct=bool(nulls_not_distinct), valid=bool(valid),
            constraint=index_oid in t["unique_constraints"], comment=comment,
        ))

    # -- types ---------------------------------------------------------------------------------
    enums: list[EnumType] = []
    domains: list[Domain] = []
    for (_oid, schema, name, kind, labels, is_array, elem_kind, elem_schema, elem_name, elem_text, notnull,
         default_text, check_names, check_defs, check_validated, comment) in rows["types"]:
        if kind == "e":
            enums.append(EnumType(schema, name, tuple(labels), comment=comment))
            continue
        base = sql_type(elem_kind, elem_schema, elem_name, elem_text, is_array, profile)
        values = None
        checks = []
        for cname, cdef, cvalid in zip(check_names, check_defs, check_validated):
            expression = check_expression(cdef)
            found = allowed_values(expression) if values is None else None
            if found is not None:
                values = found
            else:
                checks.append(Check(cname, expression, validated=bool(cvalid)))
        domains.append(Domain(schema, name, base, allowed_values=values, checks=tuple(checks),
                              nullable=not notnull, default=parse_default(default_text, base), comment=comment))

    # -- assemble ------------------------------------------------------------------------------
    table_objs = []
    for t in tables.values():
        cols = tuple(Column(c["name"], c["type"], c["nullable"], c["default"], c["identity"], comment=c["comment"],
                            not_null_check=c["not_null_check"]) for c in t["columns"])
        table_objs.append(Table(t["schema"], t["name"], cols, t["pk"], tuple(t["indexes"]), tuple(t["fks"]),
                                tuple(t["checks"]), comment=t["comment"]))
    names_by_oid = {oid: (t["schema"], t["name"], t["attnames"]) for oid, t in tables.items()}
    seq_objs = []
    for oid, (schema, name, seq_type, start, inc, cache, owner_table, owner_column, _kind, comment) in \
            sequences.items():
        if oid in hidden_sequences:
            continue
        owner = names_by_oid.get(owner_table) if owner_table is not None else None
        owned_by = (owner[1], owner[2].get(owner_column, "")) if owner is not None else None
        seq_objs.append(Sequence(schema, name, sql_type("b", "pg_catalog", None, seq_type, False),
                                 start, inc, cache, owned_by, comment=comment))
    # As `translate` counts them: views do not make a schema "used" (a schema's catalog lists Prisma
    # views it never creates), so a schema holding only views is not listed either.
    used = ({t.schema for t in table_objs} | {e.schema for e in enums} | {d.schema for d in domains}
            | {s.schema for s in seq_objs})
    extensions = tuple(Extension(n, s, v) for n, s, v in zip(ext_names, ext_schemas, ext_versions))
    catalog = Catalog(
        schemas=tuple(sorted(used)),
        default_schema=default_schema or current_schema or "public",
        extensions=extensions,
        enums=tuple(enums),
        domains=tuple(domains),
        sequences=tuple(seq_objs),
        tables=tuple(table_objs),
        views=tuple(views),
    )
    return catalog, estimates


def _is_nextval(default_expr: str | None) -> bool:
    """`nextval('<sequence>'::regclass)` and nothing more (which sequence: pg_depend says)."""
    return bool(default_expr) and default_expr.startswith("nextval('") and default_expr.endswith("'::regclass)")


def _opclasses(definition: str | None, keys: list[str]) -> list[str | None]:
    """Operator classes named in `CREATE INDEX ... (key opclass, ...)`, by key (None: the default).
    `definition` is None where operator classes were not read."""
    out: list[str | None] = [None] * len(keys)
    if not definition:
        return out
    start = definition.find("(", definition.find(" ON "))
    if start < 0:
        return out
    end = definition.rfind(")") if " WHERE " not in definition and " INCLUDE " not in definition else -1
    if end < 0 or "(" in definition[start + 1:end] or "'" in definition[start + 1:end]:
        end = _closing_paren(definition, start)
    inner = definition[start + 1:end]
    parts = inner.split(", ") if not any(c in inner for c in "'\"(") else split_top_level(inner)
    for i, (part, key) in enumerate(zip(parts, keys)):
        if part == key:
            continue
        # PostgreSQL prints the key quoted (then the part starts with a quote) or bare.
        written = quote(key) if part.startswith('"') else key
        rest = part[len(written):].strip() if part.startswith(written) else ""
        words = [w for w in rest.split() if w.upper() not in ("ASC", "DESC", "NULLS", "FIRST", "LAST")]
        if words and words[0].upper() == "COLLATE":
            words = words[2:]
        out[i] = words[0] if words else None
    return out


def _closing_paren(text: str, start: int) -> int:
    depth, i, n = 0, start, len(text)
    while i < n:
        c = text[i]
        if c in "'\"":
            i = quoted_end(text, i)
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return n
