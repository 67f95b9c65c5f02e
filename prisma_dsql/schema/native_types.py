"""Prisma's `@db.*` native types for the PostgreSQL connector, as data.

Each entry: the Prisma scalar types it may annotate, how many arguments it
takes, and the range each argument must lie in (Prisma's own limits for
PostgreSQL). The SQL rendering lives in the translator.
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


_PRECISION = ((0, 6),)


POSTGRES_NATIVE_TYPES: dict[str, NativeTypeSpec] = {
    "SmallInt": NativeTypeSpec(("Int",)),
    "Integer": NativeTypeSpec(("Int",)),
    "BigInt": NativeTypeSpec(("BigInt",)),
    "Decimal": NativeTypeSpec(("Decimal",), 0, 2, counts=(0, 2), ranges=((1, 1000), (0, 1000))),
    "Money": NativeTypeSpec(("Decimal",)),
    "Real": NativeTypeSpec(("Float",)),
    "DoublePrecision": NativeTypeSpec(("Float",)),
    "Inet": NativeTypeSpec(("String",)),
    "Oid": NativeTypeSpec(("Int",)),
    "Citext": NativeTypeSpec(("String",)),
    "Xml": NativeTypeSpec(("String",)),
    "Uuid": NativeTypeSpec(("String",)),
    "VarChar": NativeTypeSpec(("String",), 0, 1, ranges=((0, None),)),
    "Char": NativeTypeSpec(("String",), 0, 1, ranges=((0, None),)),
    "Text": NativeTypeSpec(("String",)),
    "ByteA": NativeTypeSpec(("Bytes",)),
    "Timestamp": NativeTypeSpec(("DateTime",), 0, 1, ranges=_PRECISION),
    "Timestamptz": NativeTypeSpec(("DateTime",), 0, 1, ranges=_PRECISION),
    "Date": NativeTypeSpec(("DateTime",)),
    "Time": NativeTypeSpec(("DateTime",), 0, 1, ranges=_PRECISION),
    "Timetz": NativeTypeSpec(("DateTime",), 0, 1, ranges=_PRECISION),
    "Boolean": NativeTypeSpec(("Boolean",)),
    "Bit": NativeTypeSpec(("String",), 0, 1, ranges=((1, None),)),
    "VarBit": NativeTypeSpec(("String",), 0, 1, ranges=((1, None),)),
    "Json": NativeTypeSpec(("Json",)),
    "JsonB": NativeTypeSpec(("Json",)),
}
