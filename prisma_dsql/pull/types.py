"""Column types and defaults -> Prisma field types, `@db.*` attributes and `@default(...)`.

Contract:

- `scalar_type(sql_type, json_default)` -> `(type name, native attribute or None)`: the Prisma
  scalar a column type maps to and the `@db.X(...)` that says which column type, left out
  where it is the scalar's default (`translate.DEFAULT_TYPES`; `Json`'s default is the
  target's JSON type, `json_default`). Types with no scalar are `Unsupported("...")`.
- `default_text(default, sql_type, enum_values)` -> the argument of `@default(...)`, or None
  where Prisma cannot say it (a `GENERATED ... STORED` column). `enum_values` maps an enum's
  database values to its Prisma value names.

Both are the inverse of `prisma_dsql.translate`: the field they give translates back to the
column they came from.
"""

from __future__ import annotations

import base64
import re

from prisma_dsql.catalog.model import ColumnDefault, SqlType
from prisma_dsql.pull.model import quote

#: Column type -> (Prisma scalar, native type name), the inverse of `translate.NATIVE_TYPES`.
SCALARS: dict[str, tuple[str, str]] = {
    "TEXT": ("String", "Text"), "VARCHAR": ("String", "VarChar"), "CHAR": ("String", "Char"),
    "UUID": ("String", "Uuid"), "CITEXT": ("String", "Citext"), "XML": ("String", "Xml"),
    "INET": ("String", "Inet"), "BIT": ("String", "Bit"), "VARBIT": ("String", "VarBit"),
    "INTEGER": ("Int", "Integer"), "SMALLINT": ("Int", "SmallInt"), "OID": ("Int", "Oid"),
    "BIGINT": ("BigInt", "BigInt"),
    "DOUBLE PRECISION": ("Float", "DoublePrecision"), "REAL": ("Float", "Real"),
    "DECIMAL": ("Decimal", "Decimal"), "MONEY": ("Decimal", "Money"),
    "TIMESTAMP": ("DateTime", "Timestamp"), "TIMESTAMPTZ": ("DateTime", "Timestamptz"),
    "DATE": ("DateTime", "Date"), "TIME": ("DateTime", "Time"), "TIMETZ": ("DateTime", "Timetz"),
    "BOOLEAN": ("Boolean", "Boolean"), "BYTEA": ("Bytes", "ByteA"),
    "JSON": ("Json", "Json"), "JSONB": ("Json", "JsonB"),
}

#: Each scalar's column type without `@db.*` (as `translate.DEFAULT_TYPES`; Json is per target).
DEFAULTS: dict[str, SqlType] = {
    "String": SqlType("TEXT"), "Int": SqlType("INTEGER"), "BigInt": SqlType("BIGINT"),
    "Float": SqlType("DOUBLE PRECISION"), "Decimal": SqlType("DECIMAL", (65, 30)),
    "DateTime": SqlType("TIMESTAMP", (3,)), "Boolean": SqlType("BOOLEAN"), "Bytes": SqlType("BYTEA"),
}


def scalar_type(t: SqlType, json_default: str = "JSONB") -> tuple[str, str | None]:
    base = t.element()
    found = SCALARS.get(base.name) if base.kind == "builtin" else None
    if found is None:
        return f"Unsupported({quote(base.name)})", None
    scalar, native = found
    default = DEFAULTS.get(scalar) if scalar != "Json" else SqlType(json_default)
    if default is not None and default.name == base.name and default.args == base.args:
        return scalar, None
    args = f"({', '.join(str(a) for a in base.args)})" if base.args else ""
    return scalar, f"@db.{native}{args}"


_PG_DATETIME = re.compile(r"^(?:(\d{4}-\d{2}-\d{2}) ?)?(\d{2}:\d{2}:\d{2}(?:\.\d+)?)?(?: ?([+-]\d{2}:\d{2}))?$")


def default_text(d: ColumnDefault, t: SqlType, enum_values: dict[str, str] | None = None) -> str | None:
    kind, value = d.kind, d.value
    if kind == "now":
        return "now()"
    if kind == "expression":
        return f"dbgenerated({quote(value)})"
    if kind == "generated":
        return None
    if kind == "enum":
        return (enum_values or {}).get(value, value)
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "number":
        return str(value)
    if kind == "bytes":
        return quote(base64.b64encode(value).decode("ascii"))
    if kind == "datetime":
        return quote(_rfc3339(value))
    if kind == "list":
        items = [default_text(i, t.element(), enum_values) for i in value]
        return "[" + ", ".join(i for i in items if i is not None) + "]"
    return quote(str(value))  # string, json


def _rfc3339(text: str) -> str:
    """`2020-01-02 03:04:05.678 +00:00` (how the catalog spells it) -> `2020-01-02T03:04:05.678+00:00`:
    Prisma reads DateTime defaults only as RFC 3339. A bare date or time gets the missing half."""
    m = _PG_DATETIME.match(text.strip())
    if m is None:
        return text
    date, time, offset = m.groups()
    return f"{date or '1970-01-01'}T{time or '00:00:00'}{offset or '+00:00'}"
