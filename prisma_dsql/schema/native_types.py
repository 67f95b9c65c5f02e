"""Prisma's `@db.*` native types for every connector, as data.

Each entry: the Prisma scalar types it may annotate, how many arguments it
takes, and the range each argument must lie in (Prisma's own limits for that
connector, from prisma-engines' psl connectors, checked against Prisma 7.10's
validator by tests/test_prisma_connector_matrix.py). The SQL rendering lives in
the translator. `NATIVE_TYPES[provider]` is the table for a datasource provider;
a schema without a datasource has no connector, so no native type at all.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NativeTypeSpec:
    scalars: tuple[str, ...]
    min_args: int = 0
    max_args: int = 0
    #: Allowed argument counts when not every count between min and max is (Decimal: 0 or 2).
    counts: tuple[int, ...] | None = None
    #: (low, high) for each argument; high None = no upper bound.
    ranges: tuple[tuple[int, int | None], ...] = ()
    #: SQL Server's `Max` is accepted in place of the length.
    max_keyword: bool = False
    #: Only these argument values may annotate a Boolean field (MySQL: Bit(1)).
    boolean_only_with: tuple[int, ...] | None = None


_PRECISION = ((0, 6),)


def _opt(scalars: tuple[str, ...], low: int = 0, high: int | None = None, **kw) -> NativeTypeSpec:
    """A type with one optional integer argument."""
    return NativeTypeSpec(scalars, 0, 1, ranges=((low, high),), **kw)


def _one(scalars: tuple[str, ...], low: int = 0, high: int | None = None, **kw) -> NativeTypeSpec:
    """A type with one required integer argument."""
    return NativeTypeSpec(scalars, 1, 1, ranges=((low, high),), **kw)


def _decimal(high_precision: int, high_scale: int, low_precision: int = 1) -> NativeTypeSpec:
    return NativeTypeSpec(("Decimal",), 0, 2, counts=(0, 2), ranges=((low_precision, high_precision),
                                                                      (0, high_scale)))


POSTGRES_NATIVE_TYPES: dict[str, NativeTypeSpec] = {
    "SmallInt": NativeTypeSpec(("Int",)),
    "Integer": NativeTypeSpec(("Int",)),
    "BigInt": NativeTypeSpec(("BigInt",)),
    "Decimal": _decimal(1000, 1000),
    "Money": NativeTypeSpec(("Decimal",)),
    "Real": NativeTypeSpec(("Float",)),
    "DoublePrecision": NativeTypeSpec(("Float",)),
    "Inet": NativeTypeSpec(("String",)),
    "Oid": NativeTypeSpec(("Int",)),
    "Citext": NativeTypeSpec(("String",)),
    "Xml": NativeTypeSpec(("String",)),
    "Uuid": NativeTypeSpec(("String",)),
    "VarChar": _opt(("String",)),
    "Char": _opt(("String",)),
    "Text": NativeTypeSpec(("String",)),
    "ByteA": NativeTypeSpec(("Bytes",)),
    "Timestamp": NativeTypeSpec(("DateTime",), 0, 1, ranges=_PRECISION),
    "Timestamptz": NativeTypeSpec(("DateTime",), 0, 1, ranges=_PRECISION),
    "Date": NativeTypeSpec(("DateTime",)),
    "Time": NativeTypeSpec(("DateTime",), 0, 1, ranges=_PRECISION),
    "Timetz": NativeTypeSpec(("DateTime",), 0, 1, ranges=_PRECISION),
    "Boolean": NativeTypeSpec(("Boolean",)),
    "Bit": _opt(("String",), 1),
    "VarBit": _opt(("String",), 1),
    "Json": NativeTypeSpec(("Json",)),
    "JsonB": NativeTypeSpec(("Json",)),
}

MYSQL_NATIVE_TYPES: dict[str, NativeTypeSpec] = {
    "Int": NativeTypeSpec(("Int",)),
    "UnsignedInt": NativeTypeSpec(("Int",)),
    "SmallInt": NativeTypeSpec(("Int",)),
    "UnsignedSmallInt": NativeTypeSpec(("Int",)),
    "TinyInt": NativeTypeSpec(("Boolean", "Int")),
    "UnsignedTinyInt": NativeTypeSpec(("Boolean", "Int")),
    "MediumInt": NativeTypeSpec(("Int",)),
    "UnsignedMediumInt": NativeTypeSpec(("Int",)),
    "BigInt": NativeTypeSpec(("BigInt",)),
    "UnsignedBigInt": NativeTypeSpec(("BigInt",)),
    "Decimal": _decimal(65, 30, low_precision=0),
    "Float": NativeTypeSpec(("Float",)),
    "Double": NativeTypeSpec(("Float",)),
    "Bit": _one(("Boolean", "Bytes"), 1, 64, boolean_only_with=(1,)),
    "Char": _one(("String",), 0, 255),
    "VarChar": _one(("String",), 0, 65535),
    "Binary": _one(("Bytes",)),
    "VarBinary": _one(("Bytes",)),
    "TinyBlob": NativeTypeSpec(("Bytes",)),
    "Blob": NativeTypeSpec(("Bytes",)),
    "MediumBlob": NativeTypeSpec(("Bytes",)),
    "LongBlob": NativeTypeSpec(("Bytes",)),
    "TinyText": NativeTypeSpec(("String",)),
    "Text": NativeTypeSpec(("String",)),
    "MediumText": NativeTypeSpec(("String",)),
    "LongText": NativeTypeSpec(("String",)),
    "Date": NativeTypeSpec(("DateTime",)),
    "Time": _opt(("DateTime",)),
    "DateTime": _opt(("DateTime",)),
    "Timestamp": _opt(("DateTime",)),
    "Year": NativeTypeSpec(("Int",)),
    "Json": NativeTypeSpec(("Json",)),
}

SQLSERVER_NATIVE_TYPES: dict[str, NativeTypeSpec] = {
    "TinyInt": NativeTypeSpec(("Int",)),
    "SmallInt": NativeTypeSpec(("Int",)),
    "Int": NativeTypeSpec(("Int",)),
    "BigInt": NativeTypeSpec(("BigInt",)),
    "Decimal": _decimal(38, 38),
    "Money": NativeTypeSpec(("Float",)),
    "SmallMoney": NativeTypeSpec(("Float",)),
    "Bit": NativeTypeSpec(("Boolean", "Int")),
    "Float": _opt(("Float",), 1, 53),
    "Real": NativeTypeSpec(("Float",)),
    "Date": NativeTypeSpec(("DateTime",)),
    "Time": NativeTypeSpec(("DateTime",)),
    "DateTime": NativeTypeSpec(("DateTime",)),
    "DateTime2": NativeTypeSpec(("DateTime",)),
    "DateTimeOffset": NativeTypeSpec(("DateTime",)),
    "SmallDateTime": NativeTypeSpec(("DateTime",)),
    "Char": _opt(("String",), 0, 8000),
    "NChar": _opt(("String",), 0, 4000),
    "VarChar": _opt(("String",), 0, 8000, max_keyword=True),
    "Text": NativeTypeSpec(("String",)),
    "NVarChar": _opt(("String",), 0, 4000, max_keyword=True),
    "NText": NativeTypeSpec(("String",)),
    "Binary": _opt(("Bytes",), 0, 8000),
    "VarBinary": _opt(("Bytes",), 0, 8000, max_keyword=True),
    "Image": NativeTypeSpec(("Bytes",)),
    "Xml": NativeTypeSpec(("String",)),
    "UniqueIdentifier": NativeTypeSpec(("String",)),
}

COCKROACH_NATIVE_TYPES: dict[str, NativeTypeSpec] = {
    "Bit": _opt(("String",), 1),
    "Bool": NativeTypeSpec(("Boolean",)),
    "Bytes": NativeTypeSpec(("Bytes",)),
    "Char": _opt(("String",)),
    "Date": NativeTypeSpec(("DateTime",)),
    "Decimal": _decimal(1000, 1000),
    "Float4": NativeTypeSpec(("Float",)),
    "Float8": NativeTypeSpec(("Float",)),
    "Inet": NativeTypeSpec(("String",)),
    "Int2": NativeTypeSpec(("Int",)),
    "Int4": NativeTypeSpec(("Int",)),
    "Int8": NativeTypeSpec(("BigInt",)),
    "JsonB": NativeTypeSpec(("Json",)),
    "Oid": NativeTypeSpec(("Int",)),
    "CatalogSingleChar": NativeTypeSpec(("String",)),
    "String": _opt(("String",)),
    "Time": NativeTypeSpec(("DateTime",), 0, 1, ranges=_PRECISION),
    "Timestamp": NativeTypeSpec(("DateTime",), 0, 1, ranges=_PRECISION),
    "Timestamptz": NativeTypeSpec(("DateTime",), 0, 1, ranges=_PRECISION),
    "Timetz": NativeTypeSpec(("DateTime",), 0, 1, ranges=_PRECISION),
    "Uuid": NativeTypeSpec(("String",)),
    "VarBit": _opt(("String",), 1),
}

MONGODB_NATIVE_TYPES: dict[str, NativeTypeSpec] = {
    "String": NativeTypeSpec(("String",)),
    "Double": NativeTypeSpec(("Float",)),
    "BinData": NativeTypeSpec(("Bytes",)),
    "ObjectId": NativeTypeSpec(("String", "Bytes")),
    "Bool": NativeTypeSpec(("Boolean",)),
    "Date": NativeTypeSpec(("DateTime",)),
    "Int": NativeTypeSpec(("Int",)),
    "Timestamp": NativeTypeSpec(("DateTime",)),
    "Long": NativeTypeSpec(("Int", "BigInt")),
    "Json": NativeTypeSpec(("Json",)),
}

#: Datasource provider -> its native types (SQLite has none).
NATIVE_TYPES: dict[str, dict[str, NativeTypeSpec]] = {
    "postgresql": POSTGRES_NATIVE_TYPES,
    "postgres": POSTGRES_NATIVE_TYPES,
    "cockroachdb": COCKROACH_NATIVE_TYPES,
    "mysql": MYSQL_NATIVE_TYPES,
    "sqlserver": SQLSERVER_NATIVE_TYPES,
    "mongodb": MONGODB_NATIVE_TYPES,
    "sqlite": {},
}

#: How Prisma names each connector in its messages.
CONNECTOR_NAMES = {"postgresql": "Postgres", "postgres": "Postgres", "cockroachdb": "CockroachDB",
                   "mysql": "MySQL", "sqlserver": "SQL Server", "mongodb": "MongoDB", "sqlite": "sqlite"}
