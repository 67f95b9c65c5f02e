"""Catalog differ: what changes between the database as it is and as the schema wants it.

Contract: `compare(actual, desired, renames)` takes two `Catalog`s (database names, no Prisma)
and returns a `CatalogDiff` of typed changes; it never decides HOW a change is made (that is
the planner's job, per target) and never raises for a difference. Renames only come from
hints (`Renames`): without one, a renamed table or column is a drop plus an add, and
`CatalogDiff.rename_suggestions()` names the hint that would turn it into a rename.

Column order is not a change (a database keeps columns in the order they were added; a
column swap moves one to the end). An index, foreign key or primary key whose definition is
the same under another name is a rename.
"""

from __future__ import annotations

import re
from dataclasses import replace

from prisma_dsql.catalog.model import Catalog, Column, Table
from prisma_dsql.diff.model import CatalogDiff, ColumnChange, Renamed, Renames, TableDiff, TypeChange
from prisma_dsql.diff.renames import _apply_renames


def _by(items, key):
    return {key(o): o for o in items}


def compare(actual: Catalog, desired: Catalog, renames: Renames = Renames()) -> CatalogDiff:
    """The typed changes from `actual` to `desired` (see the module docstring)."""
    source = actual
    actual, table_renames, column_renames = _apply_renames(actual, desired, renames)
    actual_tables = _by(actual.tables, lambda t: t.key)
    tables_added, tables_changed = [], []
    for t in desired.tables:
        before = actual_tables.get(t.key)
        if before is None:
            tables_added.append(t)
            continue
        diff = _table_diff(before, t, table_renames.get(t.key), column_renames.get(t.key, ()))
        if not diff.is_empty:
            tables_changed.append(diff)
    desired_keys = {t.key for t in desired.tables}
    tables_dropped = [t for t in actual.tables if t.key not in desired_keys]

    enums_added, enums_dropped, enums_changed = _types(actual.enums, desired.enums)
    domains_added, domains_dropped, domains_changed = _types(actual.domains, desired.domains)
    ext_actual, ext_desired = _by(actual.extensions, lambda e: e.name), _by(desired.extensions, lambda e: e.name)
    existing_schemas = set(actual.schemas) | {t.schema for t in actual.tables}
    return CatalogDiff(
        actual, desired, renames, source,
        schemas_added=tuple(s for s in desired.schemas if s not in existing_schemas),
        extensions_added=tuple(e for n, e in ext_desired.items() if n not in ext_actual),
        extensions_dropped=tuple(e for n, e in ext_actual.items() if n not in ext_desired),
        enums_added=enums_added, enums_dropped=enums_dropped, enums_changed=enums_changed,
        domains_added=domains_added, domains_dropped=domains_dropped, domains_changed=domains_changed,
        tables_added=tuple(tables_added), tables_dropped=tuple(tables_dropped), tables_changed=tuple(tables_changed),
    )


def _types(actual, desired):
    old, new = _by(actual, lambda o: o.key), _by(desired, lambda o: o.key)
    added = tuple(o for k, o in new.items() if k not in old)
    dropped = tuple(o for k, o in old.items() if k not in new)
    changed = tuple(TypeChange(old[k], o) for k, o in new.items() if k in old and old[k] != o)
    return added, dropped, changed


def _table_diff(before: Table, after: Table, renamed_from: str | None,
                column_renames: tuple[Renamed, ...]) -> TableDiff:
    old_cols, new_cols = _by(before.columns, lambda c: c.name), _by(after.columns, lambda c: c.name)
    added = tuple(c for n, c in new_cols.items() if n not in old_cols)
    dropped = tuple(c for n, c in old_cols.items() if n not in new_cols)
    changed = tuple(ColumnChange(old_cols[n], c) for n, c in new_cols.items()
                    if n in old_cols and not same_column(old_cols[n], c))

    pk_changed, pk_renamed = False, None
    if before.primary_key != after.primary_key:
        if (before.primary_key is not None and after.primary_key is not None
                and before.primary_key.columns == after.primary_key.columns):
            pk_renamed = Renamed(before.primary_key.name, after.primary_key.name)
        else:
            pk_changed = True

    idx_added, idx_dropped, idx_renamed = _named(before.indexes, after.indexes, same=_same_index)
    fk_added, fk_dropped, fk_renamed = _named(before.foreign_keys, after.foreign_keys)
    chk_added, chk_dropped, _ = _named(before.checks, after.checks, renames_allowed=False)
    return TableDiff(
        before, after, renamed_from,
        columns_added=added, columns_dropped=dropped, columns_renamed=column_renames, columns_changed=changed,
        primary_key_changed=pk_changed, primary_key_renamed=pk_renamed,
        indexes_added=idx_added, indexes_dropped=idx_dropped, indexes_renamed=idx_renamed,
        foreign_keys_added=fk_added, foreign_keys_dropped=fk_dropped, foreign_keys_renamed=fk_renamed,
        checks_added=chk_added, checks_dropped=chk_dropped,
    )


def same_column(a: Column, b: Column) -> bool:
    """Equal columns, where a verbatim SQL default (`dbgenerated`) counts as equal when it differs only
    in how PostgreSQL reprints it (case, spaces, casts it adds), and a list (array) column's NOT NULL does
    not count: Prisma writes lists without it and takes a NOT NULL list of a database for the same list."""
    if a == b:
        return True
    if a.type.array and b.type.array and a.nullable != b.nullable:
        return same_column(replace(a, nullable=b.nullable), b)
    if a.default is None or b.default is None or a.default.kind != "expression" or b.default.kind != "expression":
        return False
    return replace(a, default=None) == replace(b, default=None) and \
        _expression_key(str(a.default.value)) == _expression_key(str(b.default.value))


def _expression_key(sql: str) -> str:
    text = re.sub(r"::\s*[a-z_ ]+(\(\d+(,\d+)?\))?(\[\])?", "", sql.lower())
    text = re.sub(r"\s+", "", text)
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    return text


def _same_index(a, b) -> bool:
    """Two indexes are the same whether or not a UNIQUE constraint backs one: Prisma reads a hand-written
    `CONSTRAINT x UNIQUE (...)` as the `@@unique` it equals (umami's 19_add_session_replay writes one), so
    it is no difference. The database's own object is kept, so a real change still drops the constraint."""
    return replace(a, constraint=False) == replace(b, constraint=False)


def _named(old_items, new_items, renames_allowed: bool = True, same=None):
    """(added, dropped, renamed) for objects keyed by name; an object whose definition is unchanged
    under another name is renamed. ``same(a, b)``: when two definitions are equal (default ``==``)."""
    same = same or (lambda a, b: a == b)
    old, new = _by(old_items, lambda o: o.name), _by(new_items, lambda o: o.name)
    added = [o for n, o in new.items() if n not in old or not same(old[n], o)]
    dropped = [o for n, o in old.items() if n not in new or not same(new[n], o)]
    renamed = []
    if renames_allowed:
        for d in list(dropped):
            if d.name in new:
                continue  # changed in place: a drop and an add of the same name
            twin = next((a for a in added if a.name not in old and same(replace(a, name=d.name), d)), None)
            if twin is not None:
                renamed.append(Renamed(d.name, twin.name))
                dropped.remove(d)
                added.remove(twin)
    return tuple(added), tuple(dropped), tuple(renamed)
