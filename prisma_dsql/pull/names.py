"""Prisma names for database names, as Prisma's introspection makes them.

Contract: `prisma_name(db_name, kind)` returns a valid Prisma identifier for a table, column,
enum or enum value: the name itself when it is one, else the name with every character that
cannot be in an identifier replaced by `_` and a leading non-letter removed (the element then
carries `@map`/`@@map` with the database name); models and enums named like a Prisma scalar
or keyword get Prisma's `Renamed` prefix. `unique_names(names)` makes a list of such names
distinct by appending a number, so two database names never become one Prisma name.
"""

from __future__ import annotations

import re

_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_INVALID = re.compile(r"[^A-Za-z0-9_]")

#: Names a model or enum cannot take (Prisma's scalar types and keywords).
RESERVED_TYPE_NAMES = frozenset({
    "String", "Int", "BigInt", "Float", "Decimal", "Boolean", "DateTime", "Json", "Bytes", "Unsupported",
    "model", "enum", "type", "view", "datasource", "generator",
})


def is_identifier(name: str) -> bool:
    return _IDENT.match(name) is not None


def prisma_name(db_name: str, kind: str = "field") -> str:
    """A valid identifier for `db_name`; `kind`: "model", "enum", "field" or "value"."""
    name = db_name if is_identifier(db_name) else _INVALID.sub("_", db_name).lstrip("_0123456789")
    if not name:
        name = {"model": "Model", "enum": "Enum", "value": "VALUE"}.get(kind, "field")
        name = f"{name}_{_INVALID.sub('_', db_name).strip('_')}" if _INVALID.sub("", db_name) else name
        if not is_identifier(name):
            name = {"model": "Model", "enum": "Enum", "value": "EMPTY_ENUM_VALUE"}.get(kind, "field")
    if kind in ("model", "enum") and name in RESERVED_TYPE_NAMES:
        name = "Renamed" + name
    return name


def unique_names(names: list[str], taken: set[str] | None = None) -> list[str]:
    """`names` with repeats (and names in `taken`) made distinct: `a`, `a_1`, `a_2`."""
    seen = set(taken or ())
    out = []
    for n in names:
        candidate, i = n, 0
        while candidate in seen:
            i += 1
            candidate = f"{n}_{i}"
        seen.add(candidate)
        out.append(candidate)
    return out
