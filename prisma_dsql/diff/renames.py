"""Rename hints applied to the database's catalog before it is compared, and the hints that applied to
nothing. PostgreSQL follows renames in references, so foreign keys naming a renamed table or column are
renamed too."""

from __future__ import annotations

from dataclasses import replace

from prisma_dsql.catalog.model import Catalog, Table
from prisma_dsql.diff.model import Renamed, Renames, TableKey


def _apply_renames(actual: Catalog, desired: Catalog, renames: Renames):
    """`actual` as it is once the hinted renames ran (tables, columns, and the foreign keys that
    name them: PostgreSQL follows renames in references), with {new key: old name} for tables and
    {table key: (Renamed, ...)} for columns. Hints that do not apply (no such table or column,
    the new name taken) are ignored here; the caller reports them (`unused_hints`)."""
    keys = {t.key for t in actual.tables}
    tables: dict[TableKey, str] = {}
    for (schema, old), new in renames.tables.items():
        if (schema, old) in keys and (schema, new) not in keys and desired.table(schema, new) is not None:
            tables[(schema, new)] = old
    new_name = {(schema, old): new[1] for new, old in tables.items() for schema in [new[0]]}
    columns: dict[TableKey, tuple[Renamed, ...]] = {}
    for (schema, table, old), new in renames.columns.items():
        source = (schema, tables.get((schema, table), table))
        t = next((t for t in actual.tables if t.key == source), None)
        want = desired.table(schema, table)
        if t is None or want is None or t.column(old) is None or t.column(new) is not None or want.column(new) is None:
            continue
        columns[(schema, table)] = columns.get((schema, table), ()) + (Renamed(old, new),)
    if not tables and not columns:
        return actual, tables, columns
    col_maps = {key: {r.old: r.new for r in rs} for key, rs in columns.items()}

    def table_after(key: TableKey) -> TableKey:
        return (key[0], new_name.get(key, key[1]))

    out = []
    for t in actual.tables:
        key = table_after(t.key)
        t = replace(t, name=key[1])
        if key in col_maps:
            t = _rename_columns(t, col_maps[key])
        fks = []
        for f in t.foreign_keys:
            ref = table_after(f.referenced_key)
            cols = col_maps.get(ref, {})
            fks.append(replace(f, referenced_table=ref[1],
                               referenced_columns=tuple(cols.get(c, c) for c in f.referenced_columns)))
        out.append(replace(t, foreign_keys=tuple(fks)))
    return replace(actual, tables=tuple(out)), tables, columns


def unused_hints(actual: Catalog, desired: Catalog, renames: Renames) -> list[str]:
    """Rename hints that name no table or column they could apply to, in words."""
    _, tables, columns = _apply_renames(actual, desired, renames)
    used_tables = {(k[0], old) for k, old in tables.items()}
    out = [f"--rename-table {old}={new}: no table {old!r} to rename to a table {new!r} of the schema"
           for (schema, old), new in renames.tables.items() if (schema, old) not in used_tables]
    used_cols = {(k[0], k[1], r.old) for k, rs in columns.items() for r in rs}
    out += [f"--rename-column {table}.{old}={new}: no column {old!r} of {table!r} to rename to a column of the schema"
            for (schema, table, old), new in renames.columns.items() if (schema, table, old) not in used_cols]
    return out


def _rename_columns(table: Table, mapping: dict[str, str]) -> Table:
    def col(name: str) -> str:
        return mapping.get(name, name)

    pk = table.primary_key
    return replace(
        table,
        columns=tuple(replace(c, name=col(c.name)) for c in table.columns),
        primary_key=None if pk is None else replace(pk, columns=tuple(col(c) for c in pk.columns)),
        indexes=tuple(replace(i, columns=tuple(replace(ic, name=col(ic.name)) for ic in i.columns))
                      for i in table.indexes),
        foreign_keys=tuple(replace(f, columns=tuple(col(c) for c in f.columns)) for f in table.foreign_keys),
    )
