"""Catalog differ: what changes between the database as it is and as the schema wants it.

By stage: `model` (the typed changes: `CatalogDiff`, `TableDiff`, `ColumnChange`, `TypeChange`, `Renamed`,
and the hints `Renames`), `renames` (hints applied to the database's catalog; `unused_hints`), `compare`
(`compare(actual, desired, renames)` -> `CatalogDiff`; `same_column`). See `compare` for the contract.
"""

from prisma_dsql.diff.compare import compare, same_column
from prisma_dsql.diff.model import (
    CatalogDiff,
    ColumnChange,
    Renamed,
    Renames,
    TableDiff,
    TableKey,
    TypeChange,
)
from prisma_dsql.diff.renames import unused_hints

__all__ = ["CatalogDiff", "ColumnChange", "Renamed", "Renames", "TableDiff", "TableKey", "TypeChange", "compare",
           "same_column", "unused_hints"]
