"""Prisma names for database names, as Prisma's introspection makes them.

Contract: `prisma_name(db_name, kind)` returns a valid Prisma identifier for a table, column,
enum or enum value: the name itself when it is one, else the name with every character that
cannot be in an identifier replaced by `_` and a leading non-letter removed (the element then
carries `@map`/`@@map` with the database name); models and enums named like a Prisma scalar
or a reserved word get Prisma's `Renamed` prefix (`RenamedString`, `Renamedawait`).
`unique_names(names)` makes a list of such names distinct by appending a number, so two
database names never become one Prisma name.
"""

from __future__ import annotations

import re

from prisma_dsql.schema.passes.context import RESERVED_MODEL_NAMES, RESERVED_SCALAR_NAMES

_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_INVALID = re.compile(r"[^A-Za-z0-9_]")

#: Names a model or enum cannot take: Prisma's scalar types, the names its client reserves, the keywords.
RESERVED_TYPE_NAMES = frozenset((*RESERVED_SCALAR_NAMES, *RESERVED_MODEL_NAMES, "Unsupported", "model", "type",
                                 "view", "datasource", "generator"))


def is_identifier(name: str) -> bool:
    return _IDENT.match(name) is not None


#: What a name with no letter to start from becomes: `<prefix>_<what it had>`, or the fallback when it had
#: nothing usable at all (Prisma's EMPTY_ENUM_VALUE for an empty enum value).
_PREFIX = {"model": "Model", "enum": "Enum", "field": "field", "value": "VALUE"}
_FALLBACK = {"model": "Model", "enum": "Enum", "field": "field", "value": "EMPTY_ENUM_VALUE"}


def prisma_name(db_name: str, kind: str = "field") -> str:
    """A valid identifier for `db_name`; `kind`: "model", "enum", "field" or "value"."""
    if is_identifier(db_name):
        name = db_name
    else:
        cleaned = _INVALID.sub("_", db_name)
        name = cleaned.lstrip("_0123456789")
        if not name:
            rest = cleaned.strip("_")
            name = f"{_PREFIX[kind]}_{rest}" if rest else (_FALLBACK[kind] if not db_name else _PREFIX[kind])
    if kind in ("model", "enum") and name in RESERVED_TYPE_NAMES:
        name = "Renamed" + name
    return name


def identifier_tail(text: str) -> str:
    """`text` made fit to follow the start of an identifier (invalid characters become `_`)."""
    return _INVALID.sub("_", text)


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
