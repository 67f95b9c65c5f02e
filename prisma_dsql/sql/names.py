"""SQL identifiers: quoting, literals, and the byte cut PostgreSQL and DSQL apply to names.

Contract: pure functions on strings, no state, no imports beyond `capabilities` (for the
profile's `identifier_bytes`). Every part of prisma-dsql that writes a name into SQL text
(targets, the planner's reasons, introspection) quotes it with `quote`/`qualified` and every
part that predicts what name the database keeps cuts it with `cut` / `cut_with_suffix`, so
that no two spellings of these rules can drift apart.

- `quote(name)` -> `"name"` with `"` doubled (always quoted: Prisma quotes every name);
- `qualified(schema, name, default_schema)` -> `"s"."n"`, or `"n"` in the default schema;
- `string_literal(text)` -> `'text'` with `'` doubled;
- `cut(name, size)` -> at most `size` UTF-8 bytes, cut on a character boundary (what the
  database keeps of a longer identifier);
- `cut_with_suffix(base, suffix, size)` -> `base` cut so that `base + suffix` fits (how Prisma
  and the planner make `_pkey`, `_not_null`, `__prisma_dsql_new` names);
- `identifier_bytes(profile)` -> the profile's limit, 63 when it has none;
- `enum_check_name(table, column)` / `enum_check_expression(column, values)` -> the table CHECK
  that holds a DSQL enum column's values (`{table}_{column}_enum`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from prisma_dsql.capabilities import Profile

#: PostgreSQL's NAMEDATALEN - 1: what an identifier holds where a profile says nothing.
DEFAULT_IDENTIFIER_BYTES = 63


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str | None, name: str, default_schema: str | None = None) -> str:
    if schema is None or schema == default_schema:
        return quote(name)
    return f"{quote(schema)}.{quote(name)}"


def string_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def identifier_bytes(profile: Profile | None) -> int:
    size = profile.limit("identifier_bytes") if profile is not None else None
    return size or DEFAULT_IDENTIFIER_BYTES


def cut(name: str, size: int = DEFAULT_IDENTIFIER_BYTES) -> str:
    """`name` as the database keeps it: at most `size` UTF-8 bytes, cut on a character boundary."""
    if len(name) * 4 <= size:  # at most 4 bytes a character: nothing to cut
        return name
    return name.encode("utf-8")[:size].decode("utf-8", errors="ignore")


def cut_with_suffix(base: str, suffix: str, size: int = DEFAULT_IDENTIFIER_BYTES) -> str:
    """`base` cut so that `base + suffix` holds at most `size` bytes, then the suffix."""
    return cut(base, size - len(suffix.encode("utf-8"))) + suffix


def enum_check_name(table: str, column: str, size: int = DEFAULT_IDENTIFIER_BYTES) -> str:
    """The table CHECK that holds an enum column's values (DSQL): `{table}_{column}_enum`, cut to `size`."""
    return cut_with_suffix(f"{table}_{column}", "_enum", size)


def enum_check_expression(column: str, values: tuple[str, ...]) -> str:
    """That CHECK's expression: `"column" IN ('A', 'B')` (NULL passes, as for any CHECK)."""
    return f"{quote(column)} IN ({', '.join(string_literal(v) for v in values)})"
