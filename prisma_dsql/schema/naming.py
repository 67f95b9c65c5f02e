"""Prisma's naming conventions for database objects (PostgreSQL connector).

Default constraint and index names come from database names (after @map /
@@map): `{table}_pkey`, `{table}_{cols}_key`, `{table}_{cols}_idx`,
`{table}_{cols}_fkey`. PostgreSQL identifiers hold 63 bytes; when a name would
be longer, Prisma cuts the part before the suffix to `63 - len(suffix)` bytes
on a character boundary and then appends the suffix, so two long names can
collide after truncation.
"""

from __future__ import annotations

MAX_IDENTIFIER_BYTES = 63


def truncate_bytes(text: str, limit: int) -> str:
    """The longest prefix of `text` whose UTF-8 encoding fits in `limit` bytes."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[:limit].decode("utf-8", errors="ignore")


def _name(base: str, suffix: str) -> str:
    return truncate_bytes(base, MAX_IDENTIFIER_BYTES - len(suffix.encode("utf-8"))) + suffix


def primary_key_name(table: str) -> str:
    return _name(table, "_pkey")


def unique_name(table: str, columns: tuple[str, ...] | list[str]) -> str:
    return _name("_".join((table, *columns)), "_key")


def index_name(table: str, columns: tuple[str, ...] | list[str]) -> str:
    return _name("_".join((table, *columns)), "_idx")


def foreign_key_name(table: str, columns: tuple[str, ...] | list[str]) -> str:
    return _name("_".join((table, *columns)), "_fkey")


def implicit_m2n_names(relation_name: str) -> dict[str, str]:
    """Names Prisma gives an implicit many-to-many join table `_<relation>`."""
    table = f"_{relation_name}"
    return {
        "table": table,
        "primary_key": _name(table, "_AB_pkey"),
        "index": _name(table, "_B_index"),
        "fk_a": _name(table, "_A_fkey"),
        "fk_b": _name(table, "_B_fkey"),
    }


def identifier_too_long(name: str) -> bool:
    return len(name.encode("utf-8")) > MAX_IDENTIFIER_BYTES
