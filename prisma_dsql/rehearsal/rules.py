"""What Aurora DSQL refuses, as data, checked statically (no database).

Contract
--------
``find_violations(sql)`` splits a script (:mod:`prisma_dsql.sql.split`) and returns every
:class:`Violation` in script order: statements DSQL refuses (:data:`RULES`) and the transaction rules
(at most one DDL per transaction, never DDL with DML; GRANT/REVOKE count as DDL).
``statement_violations(statement)`` checks one statement; ``statement_kind(text)`` says whether a
statement is DDL, DML or something else for the transaction rules.

Refusals are data: :data:`RULES` is a table of ``Rule(name, scope, test, message, sqlstate)`` where
``test`` is a compiled regex (searched in the *masked* text, see :func:`~prisma_dsql.sql.split.mask_sql`,
so string literals and quoted identifiers never match) or a small predicate, and ``sqlstate`` is the
code DSQL answers with (the live emulation, :mod:`prisma_dsql.rehearsal.emulator`, raises it).  Scopes:

``statement``     the whole statement
``column``        one column definition of CREATE TABLE, or the definition in ALTER TABLE ADD COLUMN
``alter_action``  one comma-separated action of ALTER TABLE (``ADD COLUMN ...``, ``ALTER COLUMN ...``)
``index_key``     one key element of CREATE INDEX's column list

Facts: docs/dsql-reference.md of the project's shared docs.  Messages quote DSQL where its wording is
known (``unsupported mode. please use CREATE INDEX ASYNC.``, the two transaction messages); the others
say what is refused in our words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Union

from prisma_dsql.sql.split import Statement, mask_sql, split_sql

__all__ = [
    "RULES",
    "TRANSACTION_MESSAGES",
    "ColumnDef",
    "Rule",
    "Violation",
    "find_violations",
    "parse_column_def",
    "statement_kind",
    "statement_violations",
    "transaction_rule",
    "transaction_violations",
]

_F = re.IGNORECASE | re.DOTALL


# --------------------------------------------------------------------------------------------- parsing


def _top_level_split(text: str, start: int, end: int, sep: str = ",") -> list[tuple[int, int]]:
    """Spans of ``text[start:end]`` split at ``sep`` outside () and []; text must be masked."""
    spans, depth, begin = [], 0, start
    for i in range(start, end):
        c = text[i]
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == sep and depth == 0:
            spans.append((begin, i))
            begin = i + 1
    spans.append((begin, end))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _paren_span(text: str, open_at: int) -> int:
    """Index of the ``)`` matching the ``(`` at ``open_at`` (masked text)."""
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return len(text)


_COLUMN_NAME_RE = re.compile(r'\s*("[^"]*"|[^\s"(),]+)\s*', _F)
_CONSTRAINT_KW_RE = re.compile(
    r"\b(CONSTRAINT|NOT|NULL|DEFAULT|PRIMARY|UNIQUE|CHECK|REFERENCES|GENERATED|COLLATE)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class ColumnDef:
    name: str
    type: str  # as written (masked), e.g. "BIGINT", "character varying(10)", "TEXT[]"
    rest: str  # constraints, defaults, identity, collation ("" if none)


def parse_column_def(masked: str) -> ColumnDef:
    m = _COLUMN_NAME_RE.match(masked)
    if m is None:
        return ColumnDef("", masked.strip(), "")
    after = m.end()
    depth, cut = 0, len(masked)
    for i in range(after, len(masked)):
        c = masked[i]
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif depth == 0 and (kw := _CONSTRAINT_KW_RE.match(masked, i)) and (i == 0 or not masked[i - 1].isalnum()):
            cut = kw.start()
            break
    return ColumnDef(m.group(1), masked[after:cut].strip(), masked[cut:].strip())


_TABLE_CONSTRAINT_RE = re.compile(r"^\s*(CONSTRAINT|PRIMARY|UNIQUE|CHECK|FOREIGN|EXCLUDE|LIKE)\b", _F)
_CREATE_TABLE_RE = re.compile(
    r"^CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?"
    r"[^\s(]+\s*\(",
    _F,
)
_ALTER_TABLE_RE = re.compile(
    r"^ALTER\s+TABLE\s+(?:ASYNC\s+)?(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?[^\s(]+(?:\s*\*)?\s+", _F
)
_ADD_COLUMN_RE = re.compile(
    r"^ADD\s+(?!(?:CONSTRAINT|PRIMARY|UNIQUE|CHECK|FOREIGN|EXCLUDE)\b)(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?", _F
)
_CREATE_INDEX_ON_RE = re.compile(
    r"^CREATE\s+(?:UNIQUE\s+)?INDEX\b.*?\bON\s+(?:ONLY\s+)?[^\s(]+\s*(?:USING\s+\w+\s*)?\(", _F
)


def _units(masked: str) -> list[tuple[str, int, int]]:
    """(scope, start, end) spans of the masked statement for the non-statement scopes."""
    units: list[tuple[str, int, int]] = []
    if m := _CREATE_TABLE_RE.match(masked):
        close = _paren_span(masked, m.end() - 1)
        for a, b in _top_level_split(masked, m.end(), close):
            if not _TABLE_CONSTRAINT_RE.match(masked[a:b]):
                units.append(("column", a, b))
    elif m := _ALTER_TABLE_RE.match(masked):
        for a, b in _top_level_split(masked, m.end(), len(masked)):
            units.append(("alter_action", a, b))
            action = masked[a:b].strip()
            if add := _ADD_COLUMN_RE.match(action):
                offset = masked.index(action, a) + add.end()
                units.append(("column", offset, b))
    elif m := _CREATE_INDEX_ON_RE.match(masked):
        close = _paren_span(masked, m.end() - 1)
        for a, b in _top_level_split(masked, m.end(), close):
            units.append(("index_key", a, b))
    return units


# ----------------------------------------------------------------------------------------------- rules

Test = Union[re.Pattern[str], Callable[[str], bool]]


@dataclass(frozen=True)
class Rule:
    name: str
    scope: str  # "statement" | "column" | "alter_action" | "index_key"
    test: Test
    message: str
    sqlstate: str = "0A000"  # feature_not_supported, what DSQL answers for most refusals

    def matches(self, masked_unit: str) -> bool:
        if isinstance(self.test, re.Pattern):
            return self.test.search(masked_unit) is not None
        return bool(self.test(masked_unit))


_IDENTITY_RE = re.compile(r"\bGENERATED\s+(?:ALWAYS|BY\s+DEFAULT)\s+AS\s+IDENTITY\b(?:\s*\((?P<opts>[^()]*)\))?", _F)
_CACHE_RE = re.compile(r"\bCACHE\s+(\d+)", re.IGNORECASE)
_ALLOWED_SETTINGS = (
    "application_name|client_encoding|datestyle|extra_float_digits|intervalstyle|timezone|time\\s+zone|"
    "search_path|role|transaction|session\\s+characteristics"
)
# Column types DSQL refuses (arrays and serials have their own rules).  (?) = unconfirmed, see
# docs/dsql-reference.md "Column types"; kept refused so generated SQL stays on the safe side.
REJECTED_COLUMN_TYPES = (
    "inet", "cidr", "macaddr", "macaddr8", "citext",
    "money", "xml", "bit", "varbit", "bit varying", "tsvector", "tsquery",  # (?)
    "point", "line", "lseg", "box", "path", "polygon", "circle",
    "int4range", "int8range", "numrange", "tsrange", "tstzrange", "daterange",
)  # fmt: skip
_REJECTED_TYPE_RE = re.compile(
    r"^(?:" + "|".join(t.replace(" ", r"\s+") for t in REJECTED_COLUMN_TYPES) + r")\b", re.IGNORECASE
)
MAX_INDEX_KEYS = 8
MAX_VARCHAR = 65535  # bytes in DSQL; checked here against the declared length
MAX_CHAR = 4096


def _valid_cache(opts: str | None) -> bool:
    m = _CACHE_RE.search(opts or "")
    return m is not None and (int(m.group(1)) == 1 or int(m.group(1)) >= 65536)


def _identity_cache_bad(text: str) -> bool:
    m = _IDENTITY_RE.search(text)
    return m is not None and not _valid_cache(m.group("opts"))


def _identity_type_bad(masked_column: str) -> bool:
    col = parse_column_def(masked_column)
    return _IDENTITY_RE.search(col.rest) is not None and col.type.lower() not in ("bigint", "int8")


def _column_type(pattern: str) -> Callable[[str], bool]:
    rx = re.compile(pattern, _F)
    return lambda masked: rx.search(parse_column_def(masked).type) is not None


def _length_over(kind: str, limit: int) -> Callable[[str], bool]:
    rx = re.compile(rf"^{kind}\s*\(\s*(\d+)\s*\)", re.IGNORECASE)

    def test(masked: str) -> bool:
        m = rx.match(parse_column_def(masked).type)
        return m is not None and int(m.group(1)) > limit

    return test


def _add_column_extras(masked_action: str) -> bool:
    m = _ADD_COLUMN_RE.match(masked_action.strip())
    return m is not None and parse_column_def(masked_action.strip()[m.end() :]).rest != ""


def _sequence_cache_bad(masked: str) -> bool:
    return re.match(r"^CREATE\s+SEQUENCE\b", masked, _F) is not None and not _valid_cache(masked)


def _too_many_index_keys(masked: str) -> bool:
    m = _CREATE_INDEX_ON_RE.match(masked)
    if m is None:
        return False
    return len(_top_level_split(masked, m.end(), _paren_span(masked, m.end() - 1))) > MAX_INDEX_KEYS


def _strip_nulls_order(key: str) -> str:
    return re.sub(r"\s+NULLS\s+(FIRST|LAST)\s*$", "", key.strip(), flags=re.IGNORECASE)


def _r(name: str, scope: str, test: str | Callable[[str], bool], message: str, sqlstate: str = "0A000") -> Rule:
    return Rule(name, scope, re.compile(test, _F) if isinstance(test, str) else test, message, sqlstate)


_IDX = r"^CREATE\s+(?:UNIQUE\s+)?INDEX\b"
RULES: tuple[Rule, ...] = (
    # --- statements DSQL never accepts
    _r("create_type", "statement", r"^CREATE\s+TYPE\b",
       "CREATE TYPE (enums, composite types) is not supported; use TEXT with a CHECK or a domain"),
    _r("create_extension", "statement", r"^CREATE\s+EXTENSION\b", "extensions are not supported"),
    _r("create_database", "statement", r"^CREATE\s+DATABASE\b", "CREATE DATABASE is not supported"),
    _r("truncate", "statement", r"^TRUNCATE\b", "TRUNCATE is not supported; use DELETE"),
    _r("create_trigger", "statement", r"^CREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?TRIGGER\b",
       "triggers are not supported"),
    _r("do_block", "statement", r"^DO\b", "DO blocks are not supported"),
    _r("non_sql_function", "statement",
       r"^CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)\b.*\bLANGUAGE\s+(?!SQL\b)[A-Za-z_]",
       "only LANGUAGE SQL functions are supported"),
    _r("temporary_object", "statement", r"^CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?TEMP(?:ORARY)?\b",
       "temporary tables are not supported"),
    _r("create_table_as", "statement", r"^CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?[^\s(]+\s+AS\b",
       "CREATE TABLE AS is not supported"),
    _r("partitioning", "statement", r"^CREATE\s+TABLE\b.*\b(?:PARTITION\s+(?:BY|OF)|INHERITS\s*\()",
       "partitioning and INHERITS are not supported"),
    _r("tablespace", "statement", r"\bTABLESPACE\b", "TABLESPACE is not supported"),
    _r("storage_parameters", "statement", r"^CREATE\s+(?:UNIQUE\s+)?(?:TABLE|INDEX)\b.*\)\s*WITH\s*\(",
       "WITH (storage parameters) is not supported"),
    _r("materialized_view", "statement", r"^CREATE\s+MATERIALIZED\s+VIEW\b", "materialized views are not supported"),
    _r("savepoint", "statement", r"^(?:SAVEPOINT|RELEASE|ROLLBACK\s+(?:WORK\s+|TRANSACTION\s+)?TO)\b",
       "SAVEPOINT is not supported"),
    _r("lock_table", "statement", r"^LOCK\b", "LOCK TABLE is not supported"),
    _r("advisory_lock", "statement", r"\bpg_(?:try_)?advisory_(?:xact_)?(?:un)?lock(?:_shared|_all)?\s*\(",
       "advisory locks are not supported (0A000)"),
    _r("set_setting", "statement", rf"^SET\s+(?:SESSION\s+|LOCAL\s+)?(?!(?:{_ALLOWED_SETTINGS})\b)",
       "this setting cannot be SET in DSQL"),
    _r("isolation_level", "statement", r"\bISOLATION\s+LEVEL\s+(?!REPEATABLE\s+READ\b)",
       "only REPEATABLE READ isolation is supported"),
    _r("exclusion_constraint", "statement", r"\bEXCLUDE\s+(?:USING\b|\()", "exclusion constraints are not supported"),
    _r("drop_domain_cascade", "statement", r"^DROP\s+DOMAIN\b.*\bCASCADE\b", "DROP DOMAIN ... CASCADE is refused"),
    _r("sequence_cache", "statement", _sequence_cache_bad, "sequences need CACHE 1 or CACHE >= 65536"),
    _r("sequence_type", "statement", r"^CREATE\s+SEQUENCE\b.*\bAS\s+(?!BIGINT\b|INT8\b)\w",
       "sequences must be BIGINT"),
    # --- indexes
    _r("index_without_async", "statement", _IDX + r"(?!\s+ASYNC\b)",
       "unsupported mode. please use CREATE INDEX ASYNC."),
    _r("index_concurrently", "statement",
       r"^(?:CREATE\s+(?:UNIQUE\s+)?INDEX|DROP\s+INDEX)\s+(?:ASYNC\s+)?CONCURRENTLY\b",
       "CONCURRENTLY is not supported"),
    _r("index_using", "statement", _IDX + r"[^(]*?\bON\s+(?:ONLY\s+)?[^\s(]+\s+USING\b",
       "USING <method> is not supported in CREATE INDEX (btree only, implicit)"),
    _r("index_schema_qualified_name", "statement",
       _IDX + r"\s+(?:ASYNC\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?!ON\b)[^\s(]*\.[^\s(]*\s+ON\b",
       "the index name cannot be schema-qualified"),
    _r("index_too_many_keys", "statement", _too_many_index_keys, f"at most {MAX_INDEX_KEYS} index key columns"),
    _r("index_sort_direction", "index_key", lambda k: re.search(r"\b(?:ASC|DESC)$", _strip_nulls_order(k), _F),
       "ASC/DESC is not supported in index keys"),
    _r("index_opclass_or_collate", "index_key",
       lambda k: re.match(r"^(?:[^\s(]+(?:\s*\(.*\))?|\(.*\))\s+(?!(?:ASC|DESC)$)\S",
                          _strip_nulls_order(k), _F),
       "operator classes and COLLATE are not supported in index keys"),
    # --- ALTER TABLE
    _r("validate_without_async", "statement", r"^ALTER\s+TABLE\s+(?!ASYNC\b).*\bVALIDATE\s+CONSTRAINT\b",
       "VALIDATE CONSTRAINT runs as a job: use ALTER TABLE ASYNC ... VALIDATE CONSTRAINT"),
    _r("alter_table_async_not_validate", "statement",
       r"^ALTER\s+TABLE\s+ASYNC\b(?!.*\bVALIDATE\s+CONSTRAINT\b)",
       "ALTER TABLE ASYNC is only for VALIDATE CONSTRAINT"),
    _r("add_column_with_constraint", "alter_action", _add_column_extras,
       "ALTER TABLE ADD COLUMN with constraint not supported (only name and type; no DEFAULT/NOT NULL/...)"),
    _r("add_constraint_without_not_valid", "alter_action",
       r"^\s*ADD\s+(?:CONSTRAINT\s+\S+\s+)?(?:FOREIGN\s+KEY|CHECK)\b(?!.*\bNOT\s+VALID\s*$)",
       "ADD CONSTRAINT FOREIGN KEY/CHECK needs NOT VALID (then ALTER TABLE ASYNC ... VALIDATE CONSTRAINT)"),
    _r("add_unique_or_primary_key", "alter_action",
       # `ADD [CONSTRAINT n] UNIQUE USING INDEX idx` is DSQL's way to name a unique index as a constraint.
       r"^\s*ADD\s+(?:CONSTRAINT\s+\S+\s+)?(?:UNIQUE(?!\s+USING\s+INDEX\b)|PRIMARY\s+KEY)\b",
       "ADD CONSTRAINT UNIQUE/PRIMARY KEY is not supported (use CREATE UNIQUE INDEX ASYNC)"),
    _r("alter_column_type", "alter_action", r"^\s*ALTER\s+(?:COLUMN\s+)?\S+\s+(?:SET\s+DATA\s+)?TYPE\b",
       "ALTER COLUMN TYPE is not supported (recreate the table)"),
    _r("set_not_null", "alter_action", r"^\s*ALTER\s+(?:COLUMN\s+)?\S+\s+SET\s+NOT\s+NULL\b",
       "ALTER COLUMN SET NOT NULL is not supported"),
    _r("identity_cache", "alter_action",
       lambda a: re.match(r"^\s*ALTER\s+(?:COLUMN\s+)?\S+\s+ADD\b", a, _F) and _identity_cache_bad(a),
       "identity needs CACHE 1 or CACHE >= 65536"),
    # --- column definitions
    _r("serial_type", "column", _column_type(r"^(?:SMALL|BIG)?SERIAL[248]?$"),
       'type "serial" does not exist: use BIGINT GENERATED BY DEFAULT AS IDENTITY (CACHE 1|65536)',
       "42704"),  # undefined_object: DSQL has no serial pseudo-types at all
    _r("array_type", "column", _column_type(r"\[|\bARRAY\b"), "array column types are not supported"),
    _r("unsupported_column_type", "column", lambda c: _REJECTED_TYPE_RE.match(parse_column_def(c).type),
       "this column type is not supported"),
    _r("varchar_too_long", "column", _length_over(r"(?:VARCHAR|CHARACTER\s+VARYING)", MAX_VARCHAR),
       f"varchar(n) is limited to {MAX_VARCHAR} bytes"),
    _r("char_too_long", "column", _length_over(r"(?:CHAR|CHARACTER|BPCHAR)", MAX_CHAR),
       f"char(n) is limited to {MAX_CHAR} bytes"),
    _r("collate", "column", lambda c: re.search(r"\bCOLLATE\b", parse_column_def(c).rest, _F),
       "COLLATE is not supported"),
    _r("identity_type", "column", _identity_type_bad, "identity columns must be BIGINT"),
    _r("identity_cache", "column", _identity_cache_bad, "identity needs CACHE 1 or CACHE >= 65536"),
)  # fmt: skip


def _kind_pattern(words: str) -> re.Pattern[str]:
    return re.compile(words, _F)


_DDL_RE = _kind_pattern(r"^(?:CREATE|ALTER|DROP|GRANT|REVOKE|COMMENT|TRUNCATE|REINDEX|SECURITY\s+LABEL)\b")
_DML_RE = _kind_pattern(r"^(?:INSERT|UPDATE|DELETE|MERGE|COPY)\b|^WITH\b.*\b(?:INSERT|UPDATE|DELETE|MERGE)\b")
_BEGIN_RE = _kind_pattern(r"^(?:BEGIN|START\s+TRANSACTION)\b")
_END_RE = _kind_pattern(r"^(?:COMMIT|END|ROLLBACK|ABORT)\b")
TRANSACTION_MESSAGES = {
    "multi_ddl_transaction": "multiple ddl statements not supported in a transaction",
    "ddl_dml_transaction": "ddl and dml are not supported in the same transaction",
}


def statement_kind(masked: str) -> str:
    """``"ddl"``, ``"dml"``, ``"begin"``, ``"end"`` or ``"other"`` for one (masked) statement."""
    if _DDL_RE.match(masked):
        return "ddl"
    if _DML_RE.match(masked):
        return "dml"
    if _BEGIN_RE.match(masked):
        return "begin"
    if _END_RE.match(masked):
        return "end"
    return "other"


def transaction_rule(kind: str, ddl_before: int, dml_before: int) -> str | None:
    """The transaction rule a statement of ``kind`` breaks after ``ddl_before``/``dml_before`` statements
    of the same transaction, or None."""
    if kind == "ddl" and ddl_before:
        return "multi_ddl_transaction"
    if (kind == "ddl" and dml_before) or (kind == "dml" and ddl_before):
        return "ddl_dml_transaction"
    return None


# ------------------------------------------------------------------------------------------ checking


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str
    line: int
    statement: str
    part: str = ""  # the column definition / ALTER action / index key concerned, if not the whole statement
    sqlstate: str = "0A000"

    def __str__(self) -> str:
        where = f" (at: {_shorten(self.part, 80)})" if self.part else ""
        return f"line {self.line}: [{self.rule}] {self.message}{where}: {_shorten(self.statement)}"


def _shorten(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def statement_violations(statement: Statement) -> list[Violation]:
    """The :data:`RULES` one statement breaks (transaction rules aside)."""
    masked = mask_sql(statement.text)
    units = [("statement", 0, len(masked)), *_units(masked)]
    found: list[Violation] = []
    for scope, a, b in units:
        unit = masked[a:b].strip()
        part = "" if scope == "statement" else statement.text[a:b].strip()
        for rule in RULES:
            if rule.scope == scope and rule.matches(unit):
                found.append(Violation(rule.name, rule.message, statement.line, statement.text, part, rule.sqlstate))
    return found


def transaction_violations(statements: list[Statement]) -> list[Violation]:
    """Transaction-rule breaks inside explicit BEGIN ... COMMIT blocks of a script."""
    found: list[Violation] = []
    in_block, ddl, dml = False, 0, 0
    for st in statements:
        kind = statement_kind(mask_sql(st.text))
        if kind == "begin":
            in_block, ddl, dml = True, 0, 0
        elif kind == "end":
            in_block = False
        elif in_block:
            rule = transaction_rule(kind, ddl, dml)
            ddl, dml = ddl + (kind == "ddl"), dml + (kind == "dml")
            if rule is not None:
                found.append(Violation(rule, TRANSACTION_MESSAGES[rule], st.line, st.text))
    return found


def find_violations(sql: str) -> list[Violation]:
    """Everything in ``sql`` that DSQL would refuse, in script order."""
    statements = split_sql(sql)
    found = [v for st in statements for v in statement_violations(st)]
    found += transaction_violations(statements)
    return sorted(found, key=lambda v: v.line)
