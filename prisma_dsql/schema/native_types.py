"""Prisma's `@db.*` native types for the PostgreSQL connector, as data.

Each entry: the Prisma scalar types it may annotate, and how many arguments it
takes (min, max). The SQL rendering lives in the catalog stage.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NativeTypeSpec:
    scalars: tuple[str, ...]
    min_args: int = 0
    max_args: int = 0


POSTGRES_NATIVE_TYPES: dict[str, NativeTypeSpec] = {
    "SmallInt": NativeTypeSpec(("Int",)),
    "Integer": NativeTypeSpec(("Int",)),
    "BigInt": NativeTypeSpec(("BigInt",)),
    "Decimal": NativeTypeSpec(("Decimal",), 0, 2),
    "Money": NativeTypeSpec(("Decimal",)),
    "Real": NativeTypeSpec(("Float",)),
    "DoublePrecision": NativeTypeSpec(("Float",)),
    "Inet": NativeTypeSpec(("String",)),
    "Oid": NativeTypeSpec(("Int",)),
    "Citext": NativeTypeSpec(("String",)),
    "Xml": NativeTypeSpec(("String",)),
    "Uuid": NativeTypeSpec(("String",)),
    "VarChar": NativeTypeSpec(("String",), 0, 1),
    "Char": NativeTypeSpec(("String",), 0, 1),
    "Text": NativeTypeSpec(("String",)),
    "ByteA": NativeTypeSpec(("Bytes",)),
    "Timestamp": NativeTypeSpec(("DateTime",), 0, 1),
    "Timestamptz": NativeTypeSpec(("DateTime",), 0, 1),
    "Date": NativeTypeSpec(("DateTime",)),
    "Time": NativeTypeSpec(("DateTime",), 0, 1),
    "Timetz": NativeTypeSpec(("DateTime",), 0, 1),
    "Boolean": NativeTypeSpec(("Boolean",)),
    "Bit": NativeTypeSpec(("String",), 0, 1),
    "VarBit": NativeTypeSpec(("String",), 0, 1),
    "Json": NativeTypeSpec(("Json",)),
    "JsonB": NativeTypeSpec(("Json",)),
}
