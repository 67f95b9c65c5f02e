"""The differ's result: typed changes between two catalogs (`CatalogDiff`, `TableDiff`, ...), and the
rename hints it takes (`Renames`). Plain frozen data; `compare` (`prisma_dsql.diff.compare`) makes it."""

from __future__ import annotations

from dataclasses import dataclass, field

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
        # A list's NOT NULL is not Prisma's business (see `same_column`).
        return self.old.nullable != self.new.nullable and not (self.old.type.array and self.new.type.array)

    @property
    def default_changed(self) -> bool:
        return self.old.default != self.new.default

    @property
    def enum_values_changed(self) -> bool:
        """The values of an enum column held by a table CHECK (DSQL) change."""
        return self.old.enum_values != self.new.enum_values

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
