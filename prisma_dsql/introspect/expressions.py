"""SQL text as PostgreSQL prints it -> the catalog's typed values, and canonical forms of values
that the database stores differently from how a schema writes them.

Contract:

- `parse_default(expr, type)`: a column's `pg_get_expr(adbin)` -> `ColumnDefault` as
  `prisma_dsql.translate` builds it: `CURRENT_TIMESTAMP` -> "now"; `NULL` -> no default; a
  literal with its cast stripped -> "string" / "enum" (user types) / "json" / "bytes" /
  "datetime" / "number" / "boolean" by the column's type; `ARRAY[...]` -> "list"; anything
  else -> "expression" (verbatim).
- `canonical_datetime(text, type)`, `canonical_json(text)`, `canonical_predicate(sql)`: one
  spelling for values the database rewrites (a timestamp's offset, jsonb's key order, a partial
  index predicate's casts and parentheses). The introspector writes these forms, and
  `prisma_dsql.introspect.stored.stored_form` turns a schema's catalog into them, so that
  equal databases compare equal.
- `allowed_values(check)`: a domain CHECK that lists values (`VALUE IN (...)`, stored as
  `VALUE = ANY (ARRAY[...])`) -> the values; `not_null_column(check)`: the column of a
  `CHECK (col IS NOT NULL)`.

Whatever cannot be parsed is kept as the database printed it: never guessed.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from prisma_dsql.catalog.model import ColumnDefault, SqlType

NUMBER_TYPES = frozenset({"SMALLINT", "INTEGER", "BIGINT", "REAL", "DOUBLE PRECISION", "DECIMAL", "MONEY", "OID"})
JSON_TYPES = frozenset({"JSON", "JSONB"})
DATETIME_TYPES = frozenset({"TIMESTAMP", "TIMESTAMPTZ", "DATE", "TIME", "TIMETZ"})

_STRING = r"'(?:[^']|'')*'"
#: A cast suffix: `::text`, `::"Role"`, `::billing."Currency"`, `::character varying(10)[]`,
#: `::timestamp(3) without time zone`. Every part starts with its own character, so matching is
#: linear whatever the text (no two quantifiers compete for the same characters).
_NAME = r'(?:"(?:[^"]|"")*"|[A-Za-z_][\w$]*)'
_TYPE_WORDS = r"(?: (?:varying|precision|with time zone|without time zone))"
_CAST = rf"(?:::{_NAME}(?:\.{_NAME})?{_TYPE_WORDS}?(?:\(\d+(?:,\d+)*\))?{_TYPE_WORDS}?(?:\[\])*)"
_LITERAL = re.compile(rf"^(?P<s>{_STRING})(?P<cast>{_CAST})*$")
_NUMBER = re.compile(r"^\(?(?P<n>-?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)\)?" + rf"(?:{_CAST})*$")
_NULL = re.compile(rf"^NULL(?:{_CAST})*$", re.IGNORECASE)
_BOOLEAN = re.compile(r"^(?P<b>true|false)$", re.IGNORECASE)
_ARRAY = re.compile(rf"^ARRAY\[(?P<items>.*?)\](?:{_CAST})*$", re.DOTALL)


def unquote_string(literal: str) -> str:
    return literal[1:-1].replace("''", "'")


@lru_cache(maxsize=4096)
def parse_default(expr: str | None, t: SqlType) -> ColumnDefault | None:
    if expr is None:
        return None
    text = expr.strip()
    if text == "CURRENT_TIMESTAMP":
        return ColumnDefault("now")
    if _NULL.match(text):  # DEFAULT NULL is no default
        return None
    if t.array:
        m = _ARRAY.match(text)
        if m is not None:
            items = [parse_default(item, t.element()) for item in split_top_level(m.group("items"))]
            if all(i is not None and i.kind != "expression" for i in items):
                return ColumnDefault("list", tuple(items))
        return ColumnDefault("expression", text)
    literal = _LITERAL.match(text)
    if literal is not None:
        return _typed_literal(unquote_string(literal.group("s")), t) or ColumnDefault("expression", text)
    number = _NUMBER.match(text)
    if number is not None:
        return ColumnDefault("number", number.group("n"))
    if _BOOLEAN.match(text):
        return ColumnDefault("boolean", text.lower() == "true")
    return ColumnDefault("expression", text)


def _typed_literal(value: str, t: SqlType) -> ColumnDefault | None:
    if t.kind == "user":
        return ColumnDefault("enum", value)
    if t.kind == "raw":
        return ColumnDefault("string", value)
    if t.name in JSON_TYPES:
        return ColumnDefault("json", canonical_json(value))
    if t.name == "BYTEA":
        if value.startswith("\\x"):
            try:
                return ColumnDefault("bytes", bytes.fromhex(value[2:]))
            except ValueError:
                return None
        return None
    if t.name in DATETIME_TYPES:
        return ColumnDefault("datetime", canonical_datetime(value, t))
    if t.name in NUMBER_TYPES:
        try:
            Decimal(value)
        except InvalidOperation:
            return None
        return ColumnDefault("number", value)
    if t.name == "BOOLEAN":
        return ColumnDefault("boolean", value.lower() in ("t", "true", "y", "yes", "on", "1"))
    return ColumnDefault("string", value)


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """`text` split at `sep` outside quotes, parentheses and brackets (items stripped)."""
    out, depth, start, i, n = [], 0, 0, 0, len(text)
    while i < n:
        c = text[i]
        if c in "'\"":
            i = quoted_end(text, i)
            continue
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            out.append(text[start:i].strip())
            start = i + len(sep)
            i = start
            continue
        i += 1
    tail = text[start:].strip()
    if tail or out:
        out.append(tail)
    return [s for s in out if s]


# -- datetimes ----------------------------------------------------------------------------------

_DATETIME = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})?(?:[T ]?(?P<time>\d{2}:\d{2}(?::\d{2})?)(?:\.(?P<frac>\d{1,9}))?)?"
    r"\s*(?P<offset>Z|z|[+-]\d{2}(?::?\d{2})?(?::?\d{2})?)?$")


def canonical_datetime(text: str, t: SqlType) -> str:
    """One spelling of a date/time literal for a column of type `t`, as
    `prisma_dsql.translate` writes timestamps (`2020-01-02 03:04:05.678 +00:00`: fractions in
    groups of 3 digits, none when zero), with what the column type keeps:

    - TIMESTAMPTZ: the instant, in UTC;
    - TIMESTAMP: the wall time written (PostgreSQL drops the offset), marked `+00:00`;
    - DATE: the date; TIME: the time; TIMETZ: the time and its offset.

    Rounded to the type's fractional precision. Text it cannot read is returned unchanged.
    """
    m = _DATETIME.match(text.strip())
    if m is None or (m.group("date") is None and m.group("time") is None):
        return text
    date_text, time_text, frac, offset = m.group("date"), m.group("time"), m.group("frac"), m.group("offset")
    try:
        day = _dt.date.fromisoformat(date_text) if date_text else _dt.date(2000, 1, 1)
        parts = [int(p) for p in (time_text or "00:00:00").split(":")] + [0]
        micro = round(int((frac or "0").ljust(9, "0")[:9]) / 1000)
        moment = _dt.datetime(day.year, day.month, day.day, parts[0], parts[1], parts[2]) + \
            _dt.timedelta(microseconds=micro)
    except ValueError:
        return text
    tz = _offset(offset)
    name = t.name
    if name in ("TIME", "TIMETZ", "TIMESTAMP", "TIMESTAMPTZ"):
        precision = t.args[0] if t.args else 6
        if precision < 6:
            quantum = 10 ** (6 - precision)
            rounded = (moment.microsecond + quantum // 2) // quantum * quantum
            moment = moment.replace(microsecond=0) + _dt.timedelta(microseconds=rounded)
    if name == "DATE":
        return moment.date().isoformat()
    if name == "TIME":
        return moment.strftime("%H:%M:%S") + _fraction(moment.microsecond)
    if name == "TIMETZ":
        return moment.strftime("%H:%M:%S") + _fraction(moment.microsecond) + " " + _offset_text(tz or _dt.timedelta())
    if name == "TIMESTAMPTZ" and tz is not None:
        moment = moment - tz
    return moment.strftime("%Y-%m-%d %H:%M:%S") + _fraction(moment.microsecond) + " +00:00"


def _offset(text: str | None) -> _dt.timedelta | None:
    if text is None:
        return None
    if text in ("Z", "z"):
        return _dt.timedelta()
    digits = text[1:].replace(":", "")
    hours, minutes, seconds = int(digits[:2]), int(digits[2:4] or 0), int(digits[4:6] or 0)
    delta = _dt.timedelta(hours=hours, minutes=minutes, seconds=seconds)
    return -delta if text[0] == "-" else delta


def _offset_text(delta: _dt.timedelta) -> str:
    total = int(delta.total_seconds())
    sign = "-" if total < 0 else "+"
    total = abs(total)
    return f"{sign}{total // 3600:02d}:{total % 3600 // 60:02d}"


def _fraction(micro: int) -> str:
    if micro == 0:
        return ""
    if micro % 1000 == 0:
        return f".{micro // 1000:03d}"
    return f".{micro:06d}"


# -- json ---------------------------------------------------------------------------------------


def canonical_json(text: str) -> str:
    """JSON text in one spelling (keys sorted, no spaces, numbers as written without
    exponent): `json` keeps the text, `jsonb` reorders and respaces it. Invalid JSON is
    returned unchanged."""
    try:
        return _dump_json(json.loads(text, parse_float=Decimal, parse_int=Decimal))
    except (ValueError, RecursionError):  # not JSON, or nested deeper than Python recurses
        return text


def _dump_json(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + _dump_json(v)
                              for k, v in sorted(value.items())) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_dump_json(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return format(value, "f")
    return json.dumps(value, ensure_ascii=False)


# -- partial index predicates ------------------------------------------------------------------

_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)'
_TERM_NULL = re.compile(rf"^\(?(?P<col>{_IDENT})\)?(?:{_CAST})*\s+IS\s+(?P<not>NOT\s+)?NULL$", re.IGNORECASE)
_TERM_CMP = re.compile(
    rf"^\(?(?P<col>{_IDENT})\)?(?:{_CAST})*\s*(?P<op>=|<>|!=)\s*(?P<value>.+)$", re.IGNORECASE | re.DOTALL)


@lru_cache(maxsize=4096)
def canonical_predicate(sql: str | None) -> str | None:
    """A partial index's predicate in the spelling `prisma_dsql.translate` writes:
    `"a" = true AND "b" IS NOT NULL AND "c" != 'x'` (quoted columns, no casts, no extra
    parentheses). PostgreSQL prints `((a = true) AND (b IS NOT NULL) AND ((c)::text <> 'x'::text))`.
    A predicate with any other shape is returned as given (outer parentheses removed)."""
    if sql is None:
        return None
    text = _strip_parens(sql.strip())
    terms = [_strip_parens(t) for t in _split_and(text)]
    out = []
    for term in terms:
        canonical = _canonical_term(term)
        if canonical is None:
            return text
        out.append(canonical)
    return " AND ".join(out)


_NUMERIC_CAST = re.compile(r"^::(?:smallint|integer|bigint|numeric|real|double precision)$")


def _canonical_term(term: str) -> str | None:
    m = _TERM_NULL.match(term)
    if m is not None:
        return f"{_quoted(m.group('col'))} IS {'NOT ' if m.group('not') else ''}NULL"
    m = _TERM_CMP.match(term)
    if m is None:
        return None
    value = _strip_parens(m.group("value").strip())
    op = "=" if m.group("op") == "=" else "!="
    literal = _LITERAL.match(value)
    if literal is not None and _NUMERIC_CAST.match(literal.group("cast") or "") \
            and _NUMBER.match(unquote_string(literal.group("s"))):
        value = unquote_string(literal.group("s"))  # '-3'::integer: how PostgreSQL prints a negative number
    elif literal is not None:
        value = literal.group("s")
    elif (number := _NUMBER.match(value)) is not None:
        value = number.group("n")
    elif _BOOLEAN.match(value):
        value = value.lower()
    else:
        return None
    return f"{_quoted(m.group('col'))} {op} {value}"


def _quoted(ident: str) -> str:
    if ident.startswith('"'):
        return ident
    return '"' + ident + '"'


def quoted_end(text: str, i: int) -> int:
    """Where the string literal or quoted identifier opening at `text[i]` ends (just past its closing
    quote; doubled quotes are part of it), or len(text) when it is not closed."""
    q, n = text[i], len(text)
    j = text.find(q, i + 1)
    while j != -1 and j + 1 < n and text[j + 1] == q:
        j = text.find(q, j + 2)
    return n if j == -1 else j + 1


def _split_and(text: str) -> list[str]:
    """`text` split at AND outside quotes and parentheses."""
    parts, depth, start, i, n = [], 0, 0, 0, len(text)
    while i < n:
        c = text[i]
        if c in "'\"":
            i = quoted_end(text, i)
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif depth == 0 and c.isspace() and (m := _AND.match(text, i)):
            parts.append(text[start:i].strip())
            start = i = m.end()
            continue
        i += 1
    parts.append(text[start:].strip())
    return parts


_AND = re.compile(r"\s+AND\s+", re.IGNORECASE)


def _strip_parens(text: str) -> str:
    """`text` without parentheses that enclose all of it (one pass, whatever the nesting)."""
    if not (text.startswith("(") and text.endswith(")")):
        return text
    partner = _matching_parens(text)
    start, end = 0, len(text) - 1
    while start < end and text[start] == "(" and partner.get(start) == end:
        start += 1
        end -= 1
        while start <= end and text[start].isspace():
            start += 1
        while end >= start and text[end].isspace():
            end -= 1
    return text[start:end + 1]


def _matching_parens(text: str) -> dict[int, int]:
    """Position of each `(` -> its `)`, outside quotes."""
    out: dict[int, int] = {}
    stack: list[int] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "'\"":
            i = quoted_end(text, i)
            continue
        if c == "(":
            stack.append(i)
        elif c == ")" and stack:
            out[stack.pop()] = i
        i += 1
    return out


# -- checks -------------------------------------------------------------------------------------

_CHECK = re.compile(r"^CHECK\s*(?P<body>\(.*\))(?P<not_valid>\s+NOT\s+VALID)?$", re.DOTALL | re.IGNORECASE)
_ANY_ARRAY = re.compile(rf"^\(?VALUE\)?(?:{_CAST})*\s*=\s*ANY\s*\((?P<array>.*)\)$", re.DOTALL | re.IGNORECASE)
_VALUE_IN = re.compile(r"^VALUE\s+IN\s*\((?P<items>.*)\)$", re.DOTALL | re.IGNORECASE)
_VALUE_EQ = re.compile(rf"^\(?VALUE\)?(?:{_CAST})*\s*=\s*(?P<item>{_STRING})(?:{_CAST})*$", re.DOTALL | re.IGNORECASE)
_NOT_NULL = re.compile(rf"^\(?(?P<col>{_IDENT})\)?\s+IS\s+NOT\s+NULL$", re.IGNORECASE)


def check_expression(definition: str) -> str:
    """`pg_get_constraintdef` of a CHECK -> its expression, without `CHECK (...)`, `NOT VALID`
    and parentheses around all of it."""
    m = _CHECK.match(definition.strip())
    if m is None:
        return definition.strip()
    return _strip_parens(m.group("body"))


def allowed_values(expression: str) -> tuple[str, ...] | None:
    """The values of `VALUE IN ('a', 'b')` in any spelling PostgreSQL stores, or None."""
    text = _strip_parens(expression)
    m = _ANY_ARRAY.match(text)
    if m is not None:
        array = _strip_parens(m.group("array").strip())
        array = re.sub(rf"(?:{_CAST})+$", "", array).strip()
        array = _strip_parens(array)
        am = _ARRAY.match(array)
        items = split_top_level(am.group("items")) if am else None
    elif (m := _VALUE_IN.match(text)) is not None:
        items = split_top_level(m.group("items"))
    elif (m := _VALUE_EQ.match(text)) is not None:
        items = [m.group("item")]
    else:
        return None
    if not items:
        return None
    values = []
    for item in items:
        lit = _LITERAL.match(_strip_parens(item))
        if lit is None:
            return None
        values.append(unquote_string(lit.group("s")))
    return tuple(values)


_COLUMN_VALUES = re.compile(rf"^\(?(?P<col>{_IDENT})\)?(?P<rest>(?:{_CAST})*\s*(?:=|IN\b).*)$",
                            re.DOTALL | re.IGNORECASE)


def column_allowed_values(expression: str) -> tuple[str, tuple[str, ...]] | None:
    """(column, values) of a table CHECK `"col" IN ('a', 'b')` in any spelling PostgreSQL stores
    (`(col)::text = ANY (ARRAY[...])`): how a DSQL enum column holds its values; else None."""
    m = _COLUMN_VALUES.match(_strip_parens(expression))
    if m is None or m.group("col").upper() == "VALUE":
        return None
    values = allowed_values("VALUE" + m.group("rest"))
    if values is None:
        return None
    col = m.group("col")
    return (col[1:-1].replace('""', '"') if col.startswith('"') else col), values


def not_null_column(expression: str) -> str | None:
    """The column of `col IS NOT NULL`, or None."""
    m = _NOT_NULL.match(_strip_parens(expression))
    if m is None:
        return None
    col = m.group("col")
    return col[1:-1].replace('""', '"') if col.startswith('"') else col
