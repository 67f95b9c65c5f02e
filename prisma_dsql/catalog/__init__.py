"""The database catalog: schemas, tables, columns, keys, indexes, types.

`prisma_dsql.catalog.model` defines the objects. Nothing in this package knows
Prisma: `prisma_dsql.translate` builds the objects from a Prisma schema graph
for a target profile, and a later introspector fills the same objects from a
database.
"""

from prisma_dsql.catalog.model import (
    REFERENTIAL_ACTIONS,
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
    SqlType,
    Table,
    View,
)

__all__ = [
    "REFERENTIAL_ACTIONS",
    "Catalog",
    "Check",
    "Column",
    "ColumnDefault",
    "Domain",
    "EnumType",
    "Extension",
    "ForeignKey",
    "Identity",
    "Index",
    "IndexColumn",
    "PrimaryKey",
    "Sequence",
    "SqlType",
    "Table",
    "View",
]
