"""PostgreSQL's type names -> the catalog's `SqlType` spelling (as `prisma_dsql.translate` writes it).

Contract: `sql_type(...)` takes what the catalog queries return for a column or a domain
(the element type's kind, schema and name, `format_type` of the element with the
modifier, whether it is an array) and returns the `SqlType` a schema would translate to:
`integer` -> INTEGER, `character varying(10)` -> VARCHAR(10), `timestamp(3) without time
zone` -> TIMESTAMP(3), `numeric(65,30)` -> DECIMAL(65,30), enum types and domains ->
kind "user" with their schema. Types the translator has no name for are kind "raw", spelled
as `format_type` prints them (as Prisma's `Unsupported("...")` would be written).

On DSQL a bare NUMERIC is NUMERIC(18,6) (`capabilities.DSQL_NUMERIC_DEFAULT`): with a
profile that says so, `numeric` without modifier reads as DECIMAL(18,6).
"""

from __future__ import annotations

import re
from functools import lru_cache

from prisma_dsql.capabilities import DSQL_NUMERIC_DEFAULT, Profile
from prisma_dsql.catalog.model import SqlType

#: format_type's base names (modifiers removed) -> catalog names.
BUILTIN_NAMES: dict[str, str] = {
    "smallint": "SMALLINT", "integer": "INTEGER", "bigint": "BIGINT",
    "real": "REAL", "double precision": "DOUBLE PRECISION", "numeric": "DECIMAL", "money": "MONEY",
    "text": "TEXT", "character varying": "VARCHAR", "character": "CHAR", "citext": "CITEXT",
    "boolean": "BOOLEAN", "bytea": "BYTEA", "uuid": "UUID", "xml": "XML", "json": "JSON", "jsonb": "JSONB",
    "inet": "INET", "oid": "OID", "bit": "BIT", "bit varying": "VARBIT",
    "date": "DATE",
    "timestamp without time zone": "TIMESTAMP", "timestamp with time zone": "TIMESTAMPTZ",
    "time without time zone": "TIME", "time with time zone": "TIMETZ",
}

#: Schemas whose base types are builtin (extension types such as citext live elsewhere).
_FORMATTED = re.compile(r"^(?P<head>[a-z][a-z ]*?)(?:\((?P<args>\d+(?:,\d+)*)\))?(?P<tail> with(?:out)? time zone)?$")

_USER_KINDS = frozenset({"e", "d"})


@lru_cache(maxsize=4096)
def sql_type(elem_kind: str | None, elem_schema: str | None, elem_name: str | None, elem_text: str | None,
             is_array: bool, profile: Profile | None = None) -> SqlType:
    """The catalog type of a column (or domain) from the catalog query's columns."""
    array = bool(is_array)
    if elem_kind in _USER_KINDS:
        return SqlType(elem_name or "", array=array, kind="user", schema=elem_schema)
    text = elem_text or elem_name or ""
    if elem_kind == "b" and elem_schema not in (None, "pg_catalog"):
        # An extension's base type: format_type may qualify it with its schema.
        text = elem_name or text
    m = _FORMATTED.match(text)
    if m is not None:
        base = m.group("head") + (m.group("tail") or "")
        name = BUILTIN_NAMES.get(base)
        if name is not None:
            args = tuple(int(a) for a in m.group("args").split(",")) if m.group("args") else ()
            if name == "DECIMAL" and not args and profile is not None and profile.target == "dsql":
                args = DSQL_NUMERIC_DEFAULT
            return SqlType(name, args, array)
    return SqlType(text, array=array, kind="raw")
