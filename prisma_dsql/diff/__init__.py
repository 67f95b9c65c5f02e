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
from dataclasses import dataclass, field, replace

from prisma_dsql.catalog.model import Catalog, Check, Column, Domain, EnumType, ForeignKey, Index, Table

TableKey = tuple[str, str]


@dataclass(frozen=True)
class Renames:
    """Rename hints in database names: tables {(schema, old): new}, columns {(schema, table-after-rename,
    old): new}."""

    tables: dict[TableKey, str] = field(default_factory=dict)
    columns: dict[tuple[str, str, str], str] = field(default_factory=dict)


@dataclass(frozen=True)
class ColumnChange:
    old: Column
    new: Column

    @property
    def type_changed(self) -> bool:
        return self.old.type != self.new.type

    @property
    def nullability_changed(self) -> bool:
        return self.old.nullable != self.new.nullable

    @property
    def default_changed(self) -> bool:
        return self.old.default != self.new.default

    @property
    def identity_changed(self) -> bool:
        return self.old.identity != self.new.identity


@dataclass(frozen=True)
class Renamed:
    old: str
    new: str


@dataclass(frozen=True)
class TableDiff:
    """Changes inside a table that exists on both sides. `old` is the actual table after any
    rename hints were applied to it (names of the renamed table/columns already new)."""

    old: Table
    new: Table
    renamed_from: str | None = None
    columns_added: tuple[Column, ...] = ()
    columns_dropped: tuple[Column, ...] = ()
    columns_renamed: tuple[Renamed, ...] = ()
    columns_changed: tuple[ColumnChange, ...] = ()
    primary_key_changed: bool = False
    primary_key_renamed: Renamed | None = None
    indexes_added: tuple[Index, ...] = ()
    indexes_dropped: tuple[Index, ...] = ()
    indexes_renamed: tuple[Renamed, ...] = ()
    foreign_keys_added: tuple[ForeignKey, ...] = ()
    foreign_keys_dropped: tuple[ForeignKey, ...] = ()
    foreign_keys_renamed: tuple[Renamed, ...] = ()
    checks_added: tuple[Check, ...] = ()
    checks_dropped: tuple[Check, ...] = ()

    @property
    def key(self) -> TableKey:
        return self.new.key

    @property
    def is_empty(self) -> bool:
        return not (self.renamed_from or self.columns_added or self.columns_dropped or self.columns_renamed
                    or self.columns_changed or self.primary_key_changed or self.primary_key_renamed
                    or self.indexes_added or self.indexes_dropped or self.indexes_renamed
                    or self.foreign_keys_added or self.foreign_keys_dropped or self.foreign_keys_renamed
                    or self.checks_added or self.checks_dropped)


@dataclass(frozen=True)
class TypeChange:
    """An enum type or a domain whose definition changes (values added or removed, base type...)."""

    old: EnumType | Domain
    new: EnumType | Domain

    @property
    def key(self) -> TableKey:
        return self.new.key


@dataclass(frozen=True)
class CatalogDiff:
    #: The database as it is, with the hinted renames already applied (names as they will be).
    actual: Catalog
    desired: Catalog
    #: The hints, and the database before them, so a planner can compare again (`compare(source, ..., renames)`).
    renames: Renames = field(default_factory=Renames, compare=False)
    source: Catalog | None = field(default=None, compare=False)
    schemas_added: tuple[str, ...] = ()
    extensions_added: tuple = ()
    extensions_dropped: tuple = ()
    enums_added: tuple[EnumType, ...] = ()
    enums_dropped: tuple[EnumType, ...] = ()
    enums_changed: tuple[TypeChange, ...] = ()
    domains_added: tuple[Domain, ...] = ()
    domains_dropped: tuple[Domain, ...] = ()
    domains_changed: tuple[TypeChange, ...] = ()
    tables_added: tuple[Table, ...] = ()
    tables_dropped: tuple[Table, ...] = ()
    tables_changed: tuple[TableDiff, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.schemas_added or self.extensions_added or self.extensions_dropped or self.enums_added
                    or self.enums_dropped or self.enums_changed or self.domains_added or self.domains_dropped
                    or self.domains_changed or self.tables_added or self.tables_dropped or self.tables_changed)

    def rename_suggestions(self) -> list[tuple[str, ...]]:
        """Drop + add pairs that look like renames, in database names: ("table", schema, old, new) and
        ("column", schema, table, old, new). Implicit many-to-many tables (`_AToB`) are left out: their
        columns A and B follow the models' alphabetical order, which a rename can flip."""
        hints: list[tuple[str, ...]] = []
        for dropped in self.tables_dropped:
            for added in self.tables_added:
                if dropped.schema == added.schema and _same_columns(dropped, added) \
                        and not dropped.name.startswith("_") and not added.name.startswith("_"):
                    hints.append(("table", added.schema, dropped.name, added.name))
        for t in self.tables_changed:
            for old in t.columns_dropped:
                for new in t.columns_added:
                    if old.type == new.type:
                        hints.append(("column", t.new.schema, t.new.name, old.name, new.name))
        return hints


def _same_columns(a: Table, b: Table) -> bool:
    return sorted((c.name, c.type) for c in a.columns) == sorted((c.name, c.type) for c in b.columns)


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

    idx_added, idx_dropped, idx_renamed = _named(before.indexes, after.indexes)
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
    in how PostgreSQL reprints it (case, spaces, casts it adds)."""
    if a == b:
        return True
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


def _named(old_items, new_items, renames_allowed: bool = True):
    """(added, dropped, renamed) for objects keyed by name; an object whose definition is unchanged
    under another name is renamed."""
    old, new = _by(old_items, lambda o: o.name), _by(new_items, lambda o: o.name)
    added = [o for n, o in new.items() if n not in old or old[n] != o]
    dropped = [o for n, o in old.items() if n not in new or new[n] != o]
    renamed = []
    if renames_allowed:
        for d in list(dropped):
            if d.name in new:
                continue  # changed in place: a drop and an add of the same name
            twin = next((a for a in added if a.name not in old and replace(a, name=d.name) == d), None)
            if twin is not None:
                renamed.append(Renamed(d.name, twin.name))
                dropped.remove(d)
                added.remove(twin)
    return tuple(added), tuple(dropped), tuple(renamed)
