"""Prisma's naming conventions for database objects (PostgreSQL connector).

Default constraint and index names come from database names (after @map /
@@map): `{table}_pkey`, `{table}_{cols}_key`, `{table}_{cols}_idx`,
`{table}_{cols}_fkey`. PostgreSQL identifiers hold 63 bytes; when a name would
be longer, Prisma cuts the part before the suffix to `63 - len(suffix)` bytes
on a character boundary and then appends the suffix, so two long names can
collide after truncation.
"""

from __future__ import annotations

from prisma_dsql.sql.names import DEFAULT_IDENTIFIER_BYTES, cut, cut_with_suffix

#: Prisma's own limit (PostgreSQL's NAMEDATALEN - 1), whatever the target: these are Prisma's names.
MAX_IDENTIFIER_BYTES = DEFAULT_IDENTIFIER_BYTES


def truncate_bytes(text: str, limit: int) -> str:
    """The longest prefix of `text` whose UTF-8 encoding fits in `limit` bytes."""
    return cut(text, limit)


def _name(base: str, suffix: str) -> str:
    return cut_with_suffix(base, suffix, MAX_IDENTIFIER_BYTES)


def primary_key_name(table: str) -> str:
    return _name(table, "_pkey")


def unique_name(table: str, columns: tuple[str, ...] | list[str]) -> str:
    return _name("_".join((table, *columns)), "_key")


def index_name(table: str, columns: tuple[str, ...] | list[str]) -> str:
    return _name("_".join((table, *columns)), "_idx")


def foreign_key_name(table: str, columns: tuple[str, ...] | list[str]) -> str:
    return _name("_".join((table, *columns)), "_fkey")


def implicit_m2n_names(relation_name: str) -> dict[str, str]:
    """Names Prisma gives an implicit many-to-many join table `_<relation>`.

    These follow their own rules (prisma-engines' sql_schema_calculator, checked
    against `migrate diff`): the table name is cut to 63 *characters*; the primary
    key and the index on B keep the first 55 characters of it; each foreign key
    keeps the first 56 bytes, so the names of long join tables never collide.
    """
    table = f"_{relation_name}"[:MAX_IDENTIFIER_BYTES]
    fk_base = MAX_IDENTIFIER_BYTES - len("_fkey") - 2
    raw = table.encode("utf-8")
    cut = raw[:fk_base].decode("utf-8", errors="ignore")
    return {
        "table": table,
        "primary_key": table[: MAX_IDENTIFIER_BYTES - len("_AB_pkey")] + "_AB_pkey",
        "index": table[: MAX_IDENTIFIER_BYTES - len("_B_index")] + "_B_index",
        # Prisma compares with `>` for A and `>=` for B; the result is the same.
        "fk_a": (cut if len(raw) > fk_base else table) + "_A_fkey",
        "fk_b": (cut if len(raw) >= fk_base else table) + "_B_fkey",
    }


def identifier_too_long(name: str) -> bool:
    return len(name.encode("utf-8")) > MAX_IDENTIFIER_BYTES
