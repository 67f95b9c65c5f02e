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
from functools import lru_cache
from typing import Callable, Union

from prisma_dsql.capabilities import (
    DSQL_LIMITS,
    SETTABLE_SETTINGS,
    Profile,
    column_type_capability,
    dsql_profile,
)
from prisma_dsql.sql.classify import DML, TRANSACTION_CONTROL, classify, first_words, is_ddl, transaction_verb
from prisma_dsql.sql.split import Statement, mask_sql, split_sql

__all__ = [
    "RULES",
    "TRANSACTION_MESSAGES",
    "ColumnDef",
    "Rule",
    "Violation",
    "find_violations",
    "parse_column_def",
    "rules_for",
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
    #: The capability (prisma_dsql.capabilities) that lifts the refusal: a profile that has it keeps the
    #: rule out (see :func:`rules_for`).  Every rule names one, so the refused forms follow the date.
    capability: str | None = None

    def matches(self, masked_unit: str) -> bool:
        if isinstance(self.test, re.Pattern):
            return self.test.search(masked_unit) is not None
        return bool(self.test(masked_unit))


_IDENTITY_RE = re.compile(r"\bGENERATED\s+(?:ALWAYS|BY\s+DEFAULT)\s+AS\s+IDENTITY\b(?:\s*\((?P<opts>[^()]*)\))?", _F)
_CACHE_RE = re.compile(r"\bCACHE\s+(\d+)", re.IGNORECASE)
# Column types the static check refuses beyond prisma_dsql.capabilities.COLUMN_TYPES (which holds the
# types a capability decides): types no DSQL version has and the catalog has no key for.
REJECTED_COLUMN_TYPES = (
    "cidr", "macaddr", "macaddr8", "tsquery",
    "point", "line", "lseg", "box", "path", "polygon", "circle",
    "int4range", "int8range", "numrange", "tsrange", "tstzrange", "daterange",
)  # fmt: skip
_REJECTED_TYPE_RE = re.compile(
    r"^(?:" + "|".join(t.replace(" ", r"\s+") for t in REJECTED_COLUMN_TYPES) + r")\b", re.IGNORECASE
)


def _cache_ok(value: int) -> bool:
    return value == 1 or value >= 65536


def _valid_cache(opts: str | None) -> bool:
    m = _CACHE_RE.search(opts or "")
    return m is not None and _cache_ok(int(m.group(1)))


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
    if re.match(r"^CREATE\s+SEQUENCE\b", masked, _F):
        return not _valid_cache(masked)
    if re.match(r"^ALTER\s+SEQUENCE\b", masked, _F):  # ALTER keeps the cache unless it names one
        m = _CACHE_RE.search(masked)
        return m is not None and not _cache_ok(int(m.group(1)))
    return False


def _set_cache_bad(masked_action: str) -> bool:
    m = re.match(r"^\s*ALTER\s+(?:COLUMN\s+)?\S+\s+.*\bSET\s+CACHE\s+(\d+)", masked_action, _F)
    return m is not None and not _cache_ok(int(m.group(1)))


def _too_many_index_keys(limit: int) -> Callable[[str], bool]:
    def test(masked: str) -> bool:
        m = _CREATE_INDEX_ON_RE.match(masked)
        if m is None:
            return False
        return len(_top_level_split(masked, m.end(), _paren_span(masked, m.end() - 1))) > limit

    return test


def _strip_nulls_order(key: str) -> str:
    return re.sub(r"\s+NULLS\s+(FIRST|LAST)\s*$", "", key.strip(), flags=re.IGNORECASE)


def _column_type_refused(profile: Profile) -> Callable[[str], bool]:
    """A column type a capability decides that ``profile`` lacks, or one of REJECTED_COLUMN_TYPES.
    Types the catalog does not list (domains, user types) are left to the server."""

    def test(masked_column: str) -> bool:
        written = parse_column_def(masked_column).type
        if not written or _REJECTED_TYPE_RE.match(written):
            return bool(written)
        key = column_type_capability(written)
        return key not in ("", "array_columns", "unlisted_column_types") and not profile.supports(key)

    return test


def _r(name: str, scope: str, test: str | Callable[[str], bool], message: str, capability: str | None,
       sqlstate: str = "0A000") -> Rule:
    return Rule(name, scope, re.compile(test, _F) if isinstance(test, str) else test, message, sqlstate, capability)


_IDX = r"^CREATE\s+(?:UNIQUE\s+)?INDEX\b"


def _all_rules(profile: Profile) -> tuple[Rule, ...]:
    """Every rule, with the limits of ``profile``; :func:`rules_for` keeps those the profile has no
    capability for."""
    index_keys = profile.limit("columns_per_index") or 8
    max_varchar = profile.limit("varchar_bytes") or 65535
    max_char = profile.limit("char_bytes") or 4096
    settable = "|".join(SETTABLE_SETTINGS)
    return (
    # --- statements
    _r("create_type", "statement", r"^CREATE\s+TYPE\s+\S+\s+AS\s+ENUM\b",
       "CREATE TYPE (enums, composite types) is not supported; use TEXT with a CHECK or a domain", "enum_types"),
    _r("create_composite_type", "statement", r"^CREATE\s+TYPE\b(?!\s+\S+\s+AS\s+ENUM\b)",
       "CREATE TYPE (enums, composite types) is not supported; use TEXT with a CHECK or a domain",
       "composite_types"),
    _r("create_extension", "statement", r"^CREATE\s+EXTENSION\b", "extensions are not supported", "extensions"),
    _r("create_database", "statement", r"^CREATE\s+DATABASE\b", "CREATE DATABASE is not supported",
       "create_database"),
    _r("truncate", "statement", r"^TRUNCATE\b", "TRUNCATE is not supported; use DELETE", "truncate"),
    _r("create_trigger", "statement", r"^CREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?(?:EVENT\s+)?TRIGGER\b",
       "triggers are not supported", "triggers"),
    _r("do_block", "statement", r"^DO\b", "DO blocks are not supported", "plpgsql"),
    _r("non_sql_function", "statement",
       r"^CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)\b.*\bLANGUAGE\s+(?!SQL\b)[A-Za-z_]",
       "only LANGUAGE SQL functions are supported", "plpgsql"),
    _r("create_procedure", "statement", r"^CREATE\s+(?:OR\s+REPLACE\s+)?PROCEDURE\b",
       "CREATE PROCEDURE is not supported", "create_procedure"),
    _r("temporary_object", "statement", r"^CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:GLOBAL|LOCAL)\s+)?TEMP(?:ORARY)?\b",
       "temporary tables are not supported", "temporary_tables"),
    _r("create_table_as", "statement",
       r"^CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?[^\s(]+\s+(?:\([^()]*\)\s*)?AS\b|^SELECT\b.*\bINTO\s+(?!STRICT\b)",
       "CREATE TABLE AS is not supported", "create_table_as"),
    _r("partitioning", "statement",
       r"^CREATE\s+TABLE\b.*\b(?:PARTITION\s+(?:BY|OF)|INHERITS\s*\()|^ALTER\s+TABLE\b.*\b(?:ATTACH|DETACH)\s+PARTITION\b",
       "partitioning and INHERITS are not supported", "partitioning"),
    _r("tablespace", "statement", r"\bTABLESPACE\b", "TABLESPACE is not supported", "tablespaces"),
    _r("storage_parameters", "statement", r"^CREATE\s+(?:UNIQUE\s+)?(?:TABLE|INDEX)\b.*\)\s*WITH\s*\(",
       "WITH (storage parameters) is not supported", "storage_parameters"),
    _r("materialized_view", "statement", r"^CREATE\s+MATERIALIZED\s+VIEW\b", "materialized views are not supported",
       "materialized_views"),
    _r("savepoint", "statement", r"^(?:SAVEPOINT|RELEASE|ROLLBACK\s+(?:WORK\s+|TRANSACTION\s+)?TO)\b",
       "SAVEPOINT is not supported", "savepoints"),
    _r("lock_table", "statement", r"^LOCK\b", "LOCK TABLE is not supported", "lock_table"),
    _r("advisory_lock", "statement", r"\bpg_(?:try_)?advisory_(?:xact_)?(?:un)?lock(?:_shared|_all)?\s*\(",
       "advisory locks are not supported (0A000)", "advisory_locks"),
    # The second look-ahead stops the optional SESSION/LOCAL from being skipped to let a setting through.
    _r("set_setting", "statement",
       rf"^SET\s+(?:(?:SESSION|LOCAL)\s+)?(?!(?:SESSION|LOCAL)\s+(?!CHARACTERISTICS\b))(?!(?:{settable})\b)",
       "this setting cannot be SET in DSQL", "session_settings"),
    _r("isolation_level", "statement", r"\bISOLATION\s+LEVEL\s+(?!REPEATABLE\s+READ\b)",
       "only REPEATABLE READ isolation is supported", "isolation_levels"),
    _r("exclusion_constraint", "statement", r"\bEXCLUDE\s+(?:USING\b|\()", "exclusion constraints are not supported",
       "exclusion_constraints"),
    _r("drop_domain_cascade", "statement", r"^DROP\s+DOMAIN\b.*\bCASCADE\b", "DROP DOMAIN ... CASCADE is refused",
       "drop_domain_cascade"),
    _r("alter_domain_add_constraint", "statement", r"^ALTER\s+DOMAIN\s+\S+\s+ADD\b",
       "ALTER DOMAIN ... ADD CONSTRAINT is not supported", "alter_domain_constraints"),
    _r("alter_domain_set_not_null", "statement", r"^ALTER\s+DOMAIN\s+\S+\s+SET\s+NOT\s+NULL\b",
       "ALTER DOMAIN ... SET NOT NULL is not supported", "alter_domain_set_not_null"),
    _r("row_level_security", "statement",
       r"^(?:CREATE|ALTER)\s+POLICY\b|^ALTER\s+TABLE\b.*\b(?:ENABLE|FORCE)\s+ROW\s+LEVEL\s+SECURITY\b",
       "row-level security and policies are not supported", "row_level_security"),
    _r("create_sequence", "statement", r"^CREATE\s+SEQUENCE\b", "sequences are not supported", "sequences"),
    _r("sequence_cache", "statement", _sequence_cache_bad, "sequences need CACHE 1 or CACHE >= 65536",
       "sequence_cache_any"),
    _r("sequence_type", "statement", r"^CREATE\s+SEQUENCE\b.*\bAS\s+(?!BIGINT\b|INT8\b)\w",
       "sequences must be BIGINT", "non_bigint_sequences"),
    _r("foreign_key", "statement", r"^(?:CREATE|ALTER)\s+TABLE\b.*\b(?:FOREIGN\s+KEY|REFERENCES)\b",
       "foreign key constraints are not supported", "foreign_keys"),
    # --- indexes
    _r("index_without_async", "statement", _IDX + r"(?!\s+ASYNC\b)",
       "unsupported mode. please use CREATE INDEX ASYNC.", "synchronous_index_build"),
    _r("index_concurrently", "statement",
       r"^(?:CREATE\s+(?:UNIQUE\s+)?INDEX|DROP\s+INDEX)\s+(?:ASYNC\s+)?CONCURRENTLY\b",
       "CONCURRENTLY is not supported", "index_concurrently"),
    _r("index_using", "statement", _IDX + r"[^(]*?\bON\s+(?:ONLY\s+)?[^\s(]+\s+USING\b",
       "USING <method> is not supported in CREATE INDEX (btree only, implicit)", "index_methods"),
    _r("index_schema_qualified_name", "statement",
       _IDX + r"\s+(?:ASYNC\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?!ON\b)[^\s(]*\.[^\s(]*\s+ON\b",
       "the index name cannot be schema-qualified", "schema_qualified_index_name"),
    _r("index_too_many_keys", "statement", _too_many_index_keys(index_keys), f"at most {index_keys} index key columns",
       None),
    _r("partial_index", "statement", _IDX + r".*\)\s*(?:INCLUDE\s*\([^()]*\)\s*)?(?:NULLS\s+(?:NOT\s+)?DISTINCT\s*)?WHERE\b",
       "partial indexes (WHERE) are not supported", "partial_indexes"),
    _r("index_sort_direction", "index_key", lambda k: re.search(r"\b(?:ASC|DESC)$", _strip_nulls_order(k), _F),
       "ASC/DESC is not supported in index keys", "index_sort_order"),
    _r("index_opclass_or_collate", "index_key",
       lambda k: re.match(r"^(?:[^\s(]+(?:\s*\(.*\))?|\(.*\))\s+(?!(?:ASC|DESC)$)\S",
                          _strip_nulls_order(k), _F),
       "operator classes and COLLATE are not supported in index keys", "index_operator_classes"),
    _r("expression_index", "index_key", r"^\s*(?:\(|[^\s(]+\s*\()", "indexes on expressions are not supported",
       "expression_indexes"),
    # --- ALTER TABLE
    _r("validate_without_async", "statement", r"^ALTER\s+TABLE\s+(?!ASYNC\b).*\bVALIDATE\s+CONSTRAINT\b",
       "VALIDATE CONSTRAINT runs as a job: use ALTER TABLE ASYNC ... VALIDATE CONSTRAINT", "synchronous_validate"),
    _r("alter_table_async_not_validate", "statement",
       r"^ALTER\s+TABLE\s+ASYNC\b(?!.*\bVALIDATE\s+CONSTRAINT\b)",
       "ALTER TABLE ASYNC is only for VALIDATE CONSTRAINT", None),
    _r("add_column_with_constraint", "alter_action", _add_column_extras,
       "ALTER TABLE ADD COLUMN with constraint not supported (only name and type; no DEFAULT/NOT NULL/...)",
       "add_column_with_constraints"),
    _r("add_constraint_without_not_valid", "alter_action",
       r"^\s*ADD\s+(?:CONSTRAINT\s+\S+\s+)?(?:FOREIGN\s+KEY|CHECK)\b(?!.*\bNOT\s+VALID\s*$)",
       "ADD CONSTRAINT FOREIGN KEY/CHECK needs NOT VALID (then ALTER TABLE ASYNC ... VALIDATE CONSTRAINT)",
       "constraint_without_not_valid"),
    _r("add_check_constraint", "alter_action", r"^\s*ADD\s+(?:CONSTRAINT\s+\S+\s+)?CHECK\b",
       "ADD CONSTRAINT CHECK is not supported", "check_not_valid"),
    _r("add_unique_or_primary_key", "alter_action",
       # `ADD [CONSTRAINT n] UNIQUE USING INDEX idx` is DSQL's way to name a unique index as a constraint.
       r"^\s*ADD\s+(?:CONSTRAINT\s+\S+\s+)?(?:UNIQUE(?!\s+USING\s+INDEX\b)|PRIMARY\s+KEY)\b",
       "ADD CONSTRAINT UNIQUE/PRIMARY KEY is not supported (use CREATE UNIQUE INDEX ASYNC)", "add_unique_constraint"),
    _r("add_unique_using_index", "alter_action", r"^\s*ADD\s+(?:CONSTRAINT\s+\S+\s+)?UNIQUE\s+USING\s+INDEX\b",
       "ADD CONSTRAINT ... UNIQUE USING INDEX is not supported", "unique_using_index"),
    _r("drop_column", "alter_action", r"^\s*DROP\s+(?!CONSTRAINT\b)", "ALTER TABLE DROP COLUMN is not supported",
       "drop_column"),
    _r("alter_column_type", "alter_action", r"^\s*ALTER\s+(?:COLUMN\s+)?\S+\s+(?:SET\s+DATA\s+)?TYPE\b",
       "ALTER COLUMN TYPE is not supported (recreate the table)", "alter_column_type"),
    _r("set_not_null", "alter_action", r"^\s*ALTER\s+(?:COLUMN\s+)?\S+\s+SET\s+NOT\s+NULL\b",
       "ALTER COLUMN SET NOT NULL is not supported", "alter_column_set_not_null"),
    _r("alter_column_default", "alter_action", r"^\s*ALTER\s+(?:COLUMN\s+)?\S+\s+(?:SET|DROP)\s+DEFAULT\b",
       "ALTER COLUMN SET/DROP DEFAULT is not supported", "alter_column_default"),
    _r("drop_not_null", "alter_action", r"^\s*ALTER\s+(?:COLUMN\s+)?\S+\s+DROP\s+NOT\s+NULL\b",
       "ALTER COLUMN DROP NOT NULL is not supported", "alter_column_drop_not_null"),
    _r("add_identity", "alter_action", r"^\s*ALTER\s+(?:COLUMN\s+)?\S+\s+ADD\s+GENERATED\b",
       "ALTER COLUMN ADD GENERATED ... AS IDENTITY is not supported", "add_identity"),
    _r("identity_cache", "alter_action",
       lambda a: (re.match(r"^\s*ALTER\s+(?:COLUMN\s+)?\S+\s+ADD\b", a, _F) and _identity_cache_bad(a))
       or _set_cache_bad(a),
       "identity needs CACHE 1 or CACHE >= 65536", "sequence_cache_any"),
    _r("row_level_security", "alter_action", r"^\s*(?:ENABLE|FORCE)\s+ROW\s+LEVEL\s+SECURITY\b",
       "row-level security and policies are not supported", "row_level_security"),
    # --- column definitions
    _r("serial_type", "column", _column_type(r"^(?:SMALL|BIG)?SERIAL[248]?$"),
       'type "serial" does not exist: use BIGINT GENERATED BY DEFAULT AS IDENTITY (CACHE 1|65536)',
       "serial_types", "42704"),  # undefined_object: DSQL has no serial pseudo-types at all
    _r("array_type", "column", _column_type(r"\[|\bARRAY\b"), "array column types are not supported", "array_columns"),
    _r("unsupported_column_type", "column", _column_type_refused(profile), "this column type is not supported", None),
    _r("varchar_too_long", "column", _length_over(r"(?:VARCHAR|CHARACTER\s+VARYING)", max_varchar),
       f"varchar(n) is limited to {max_varchar} bytes", None),
    _r("char_too_long", "column", _length_over(r"(?:CHAR|CHARACTER|BPCHAR)", max_char),
       f"char(n) is limited to {max_char} bytes", None),
    _r("collate", "column", lambda c: re.search(r"\bCOLLATE\b", parse_column_def(c).rest, _F),
       "COLLATE is not supported", "collations"),
    _r("identity_columns", "column", lambda c: _IDENTITY_RE.search(parse_column_def(c).rest) is not None,
       "identity columns are not supported", "identity_columns"),
    _r("identity_type", "column", _identity_type_bad, "identity columns must be BIGINT", "identity_non_bigint"),
    _r("identity_cache", "column", _identity_cache_bad, "identity needs CACHE 1 or CACHE >= 65536",
       "sequence_cache_any"),
    )  # fmt: skip


@lru_cache(maxsize=32)
def rules_for(profile: Profile | None = None) -> tuple[Rule, ...]:
    """The rules of ``profile`` (default: DSQL's newest): every rule whose capability it lacks."""
    profile = profile if profile is not None else dsql_profile()
    return tuple(r for r in _all_rules(profile) if r.capability is None or not profile.supports(r.capability))


#: The rules of DSQL's newest known profile.
_NEWEST = dsql_profile()
RULES: tuple[Rule, ...] = rules_for(_NEWEST)
MAX_INDEX_KEYS = DSQL_LIMITS["columns_per_index"]


#: DSQL's answers that both emulations (the local DSQL's server-side session and the client-side emulator)
#: give word for word.
OC000_MESSAGE = "change conflicts with another transaction, please retry: (OC000)"
WAIT_IN_BLOCK_MESSAGE = "sys.wait_for_job cannot be called inside a transaction block"

#: The DSQL-only statement forms the emulations rewrite into jobs (on masked text).
_IDENT = r'(?:"[^"]*(?:""[^"]*)*"|[^\s"(),.;]+)'
_QNAME = rf"{_IDENT}(?:\s*\.\s*{_IDENT})?"
ASYNC_INDEX_RE = re.compile(
    r"^CREATE\s+(?P<unique>UNIQUE\s+)?INDEX\s+(?P<async>ASYNC\s+)(?:IF\s+NOT\s+EXISTS\s+)?"
    rf"(?:(?!ON\b){_IDENT}\s+)?ON\s+(?:ONLY\s+)?(?P<table>{_QNAME})\s*\(",
    _F,
)
ASYNC_VALIDATE_RE = re.compile(
    rf"^ALTER\s+TABLE\s+ASYNC\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<table>{_QNAME})(?:\s*\*)?\s+"
    rf"VALIDATE\s+CONSTRAINT\s+(?P<constraint>{_IDENT})\s*$",
    _F,
)
WAIT_RE = re.compile(r'^CALL\s+(?:sys|"sys")\s*\.\s*(?:wait_for_job|"wait_for_job")\s*\(', _F)


TRANSACTION_MESSAGES = {
    "multi_ddl_transaction": "multiple ddl statements not supported in a transaction",
    "ddl_dml_transaction": "ddl and dml are not supported in the same transaction",
}


def statement_kind(masked: str) -> str:
    """``"ddl"``, ``"dml"``, ``"begin"``, ``"end"`` or ``"other"`` for one (masked) statement: the shared
    classifier's kinds (:mod:`prisma_dsql.sql.classify`, the one the splitter and deploy use), with an
    async statement counted as DDL (DSQL's transaction rules do) and transaction control told apart."""
    kind = classify(masked)
    if is_ddl(kind):
        return "ddl"
    if kind == DML:
        return "dml"
    if kind == TRANSACTION_CONTROL:
        verb = transaction_verb(masked)
        if verb == "begin":
            return "begin"
        words = first_words(masked, 2)
        # COMMIT / END, and ROLLBACK / ABORT that end the block (not ROLLBACK TO SAVEPOINT, not 2PC).
        if verb == "commit" or (words[:1] in (["rollback"], ["abort"]) and words[1:2] not in (["to"], ["prepared"])):
            return "end"
    return "other"


def transaction_rule(kind: str, ddl_before: int, dml_before: int, profile: Profile | None = None) -> str | None:
    """The transaction rule a statement of ``kind`` breaks after ``ddl_before``/``dml_before`` statements
    of the same transaction, or None. The rules are the profile's (DSQL's newest by default): a profile with
    ``multiple_ddl_per_transaction`` / ``mixed_ddl_dml_transaction`` lifts them."""
    profile = profile or _NEWEST
    if kind == "ddl" and ddl_before and not profile.supports("multiple_ddl_per_transaction"):
        return "multi_ddl_transaction"
    if ((kind == "ddl" and dml_before) or (kind == "dml" and ddl_before)) \
            and not profile.supports("mixed_ddl_dml_transaction"):
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


def statement_violations(statement: Statement, profile: Profile | None = None, masked: str | None = None
                         ) -> list[Violation]:
    """The rules of ``profile`` (default :data:`RULES`) one statement breaks (transaction rules aside);
    ``masked``: the statement's :func:`mask_sql` when the caller has it already."""
    rules = RULES if profile is None else rules_for(profile)
    masked = mask_sql(statement.text) if masked is None else masked
    units = [("statement", 0, len(masked)), *_units(masked)]
    found: list[Violation] = []
    for scope, a, b in units:
        unit = masked[a:b].strip()
        part = "" if scope == "statement" else statement.text[a:b].strip()
        for rule in rules:
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


def find_violations(sql: str, profile: Profile | None = None) -> list[Violation]:
    """Everything in ``sql`` that DSQL (as of ``profile``, default the newest) would refuse, in script order."""
    statements = split_sql(sql)
    found = [v for st in statements for v in statement_violations(st, profile)]
    found += transaction_violations(statements)
    return sorted(found, key=lambda v: v.line)
