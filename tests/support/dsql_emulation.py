"""Run Aurora DSQL scripts on plain PostgreSQL, refusing what DSQL refuses.

``apply_dsql_script(url, sql)`` splits the script (:mod:`prisma_dsql.sql.split`), checks every
statement against :data:`RULES` (and the transaction rules), and only if nothing is refused runs the
statements one by one on an autocommit connection, i.e. each in its own transaction as DSQL
requires.  DSQL-only syntax is rewritten to its PostgreSQL equivalent first:

* ``CREATE [UNIQUE] INDEX ASYNC ...``                   -> ``CREATE [UNIQUE] INDEX ...`` (built synchronously)
* ``ALTER TABLE ASYNC t VALIDATE CONSTRAINT c``          -> ``ALTER TABLE t VALIDATE CONSTRAINT c``
* ``CALL sys.wait_for_job('...')``                       -> ``SELECT true``

``find_violations(sql)`` returns the refusals without touching a database.  ``introspect(url)``
returns the resulting schema as plain data for assertions.

Refusals are data: :data:`RULES` is a table of ``Rule(name, scope, test, message)`` where ``test``
is a compiled regex (searched in the *masked* text, see :func:`~prisma_dsql.sql.split.mask_sql`,
so string literals and quoted identifiers never match) or a small predicate.  Scopes:

``statement``     the whole statement
``column``        one column definition of CREATE TABLE, or the definition in ALTER TABLE ADD COLUMN
``alter_action``  one comma-separated action of ALTER TABLE (``ADD COLUMN ...``, ``ALTER COLUMN ...``)
``index_key``     one key element of CREATE INDEX's column list

Not emulated: async job failure semantics (a failing unique build fails synchronously here instead
of leaving an INVALID index), per-transaction row limits, OCC errors, DROP COLUMN on a primary key
column, table/index count limits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Union

import psycopg

from prisma_dsql.sql.split import Statement, mask_sql, split_sql

__all__ = [
    "RULES",
    "Applied",
    "DsqlEmulationError",
    "DsqlExecutionError",
    "DsqlRejected",
    "Rule",
    "Violation",
    "apply_dsql_script",
    "find_violations",
    "introspect",
    "to_postgres",
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


def _r(name: str, scope: str, test: str | Callable[[str], bool], message: str) -> Rule:
    return Rule(name, scope, re.compile(test, _F) if isinstance(test, str) else test, message)


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
    _r("alter_table_async_not_validate", "statement",
       r"^ALTER\s+TABLE\s+ASYNC\b(?!.*\bVALIDATE\s+CONSTRAINT\b)",
       "ALTER TABLE ASYNC is only for VALIDATE CONSTRAINT"),
    _r("add_column_with_constraint", "alter_action", _add_column_extras,
       "ALTER TABLE ADD COLUMN with constraint not supported (only name and type; no DEFAULT/NOT NULL/...)"),
    _r("add_constraint_without_not_valid", "alter_action",
       r"^\s*ADD\s+(?:CONSTRAINT\s+\S+\s+)?(?:FOREIGN\s+KEY|CHECK)\b(?!.*\bNOT\s+VALID\s*$)",
       "ADD CONSTRAINT FOREIGN KEY/CHECK needs NOT VALID (then ALTER TABLE ASYNC ... VALIDATE CONSTRAINT)"),
    _r("add_unique_or_primary_key", "alter_action",
       r"^\s*ADD\s+(?:CONSTRAINT\s+\S+\s+)?(?:UNIQUE|PRIMARY\s+KEY)\b",
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
       'type "serial" does not exist: use BIGINT GENERATED BY DEFAULT AS IDENTITY (CACHE 1|65536)'),
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

_DDL_RE = re.compile(r"^(?:CREATE|ALTER|DROP|GRANT|REVOKE|COMMENT|TRUNCATE|REINDEX|SECURITY\s+LABEL)\b", _F)
_DML_RE = re.compile(r"^(?:INSERT|UPDATE|DELETE|MERGE|COPY)\b|^WITH\b.*\b(?:INSERT|UPDATE|DELETE)\b", _F)
_BEGIN_RE = re.compile(r"^(?:BEGIN|START\s+TRANSACTION)\b", _F)
_END_RE = re.compile(r"^(?:COMMIT|END|ROLLBACK|ABORT)\b", _F)
TRANSACTION_MESSAGES = {
    "multi_ddl_transaction": "multiple ddl statements not supported in a transaction",
    "ddl_dml_transaction": "ddl and dml are not supported in the same transaction",
}


# ------------------------------------------------------------------------------------------ checking


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str
    line: int
    statement: str
    part: str = ""  # the column definition / ALTER action / index key concerned, if not the whole statement

    def __str__(self) -> str:
        where = f" (at: {_shorten(self.part, 80)})" if self.part else ""
        return f"line {self.line}: [{self.rule}] {self.message}{where}: {_shorten(self.statement)}"


def _shorten(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class DsqlEmulationError(Exception):
    pass


class DsqlRejected(DsqlEmulationError):
    """DSQL would refuse the script; nothing was executed (or, with precheck=False, nothing from here on)."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        super().__init__("DSQL would reject:\n" + "\n".join(f"  {v}" for v in violations))

    @property
    def rules(self) -> set[str]:
        return {v.rule for v in self.violations}


class DsqlExecutionError(DsqlEmulationError):
    """PostgreSQL refused a statement that passed the DSQL checks."""

    def __init__(self, statement: Statement, executed: str, error: psycopg.Error) -> None:
        self.statement = statement
        self.executed = executed
        self.error = error
        self.sqlstate = error.sqlstate
        super().__init__(
            f"line {statement.line}: PostgreSQL error {error.sqlstate}: {str(error).strip()}\n"
            f"  statement: {_shorten(statement.text)}"
        )


def statement_violations(statement: Statement) -> list[Violation]:
    masked = mask_sql(statement.text)
    units = [("statement", 0, len(masked)), *_units(masked)]
    found: list[Violation] = []
    for scope, a, b in units:
        unit = masked[a:b].strip()
        part = "" if scope == "statement" else statement.text[a:b].strip()
        for rule in RULES:
            if rule.scope == scope and rule.matches(unit):
                found.append(Violation(rule.name, rule.message, statement.line, statement.text, part))
    return found


def _transaction_violations(statements: list[Statement]) -> list[Violation]:
    found: list[Violation] = []
    in_block, ddl, dml = False, 0, 0
    for st in statements:
        masked = mask_sql(st.text)
        if _BEGIN_RE.match(masked):
            in_block, ddl, dml = True, 0, 0
        elif _END_RE.match(masked):
            in_block = False
        elif in_block:
            is_ddl, is_dml = bool(_DDL_RE.match(masked)), bool(_DML_RE.match(masked))
            ddl, dml = ddl + is_ddl, dml + is_dml
            if is_ddl and ddl > 1:
                rule = "multi_ddl_transaction"
            elif (is_ddl and dml) or (is_dml and ddl):
                rule = "ddl_dml_transaction"
            else:
                continue
            found.append(Violation(rule, TRANSACTION_MESSAGES[rule], st.line, st.text))
    return found


def find_violations(sql: str) -> list[Violation]:
    """Everything in ``sql`` that DSQL would refuse, in script order."""
    statements = split_sql(sql)
    found = [v for st in statements for v in statement_violations(st)]
    found += _transaction_violations(statements)
    return sorted(found, key=lambda v: v.line)


# ------------------------------------------------------------------------------------------ rewriting

# (pattern on the masked statement, replacement): None deletes the "drop" group, a string replaces
# the whole statement.
_REWRITES: tuple[tuple[re.Pattern[str], str | None], ...] = (
    (re.compile(r"^CREATE\s+(?:UNIQUE\s+)?INDEX(?P<drop>\s+ASYNC)\b", _F), None),
    (re.compile(r"^ALTER\s+TABLE(?P<drop>\s+ASYNC)\b(?=.*\bVALIDATE\s+CONSTRAINT\b)", _F), None),
    (re.compile(r"^CALL\s+sys\.wait_for_job\s*\(", _F), "SELECT true"),
)


def to_postgres(text: str) -> str:
    """Rewrite one DSQL statement to its PostgreSQL equivalent (matching on masked text)."""
    masked = mask_sql(text)
    for pattern, replacement in _REWRITES:
        m = pattern.search(masked)
        if m is None:
            continue
        if replacement is not None:
            return replacement
        # masked and original text have equal length, so offsets carry over
        return text[: m.start("drop")] + text[m.end("drop") :]
    return text


@dataclass(frozen=True)
class Applied:
    line: int
    statement: str  # as in the script
    executed: str  # as sent to PostgreSQL


def apply_dsql_script(url: str, sql: str, *, precheck: bool = True) -> list[Applied]:
    """Run ``sql`` on PostgreSQL at ``url`` as DSQL would; see the module docstring.

    With ``precheck`` (default) the whole script is checked before anything runs; without it,
    statements run until the first refused one (like DSQL, leaving earlier ones applied).
    Raises :class:`DsqlRejected` or :class:`DsqlExecutionError`.
    """
    statements = split_sql(sql)
    if precheck and (violations := find_violations(sql)):
        raise DsqlRejected(violations)
    tx_violations = {v.line: v for v in _transaction_violations(statements)}
    applied: list[Applied] = []
    with psycopg.connect(url, autocommit=True) as conn:
        for st in statements:
            violations = statement_violations(st) + ([tx_violations[st.line]] if st.line in tx_violations else [])
            if violations:
                raise DsqlRejected(violations)
            executed = to_postgres(st.text)
            try:
                conn.execute(executed)
            except psycopg.Error as exc:
                raise DsqlExecutionError(st, executed, exc) from exc
            applied.append(Applied(st.line, st.text, executed))
    return applied


# -------------------------------------------------------------------------------------- introspection

_FK_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}

_COLUMNS_SQL = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), a.attidentity, s.seqcache, s.seqstart, s.seqincrement
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
LEFT JOIN pg_sequence s ON a.attidentity <> '' AND s.seqrelid =
     pg_get_serial_sequence(format('%%I.%%I', n.nspname, c.relname), a.attname)::regclass
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p')
ORDER BY c.relname, a.attnum
"""

_KEYS = """ARRAY(SELECT att.attname::text FROM unnest({keys}) WITH ORDINALITY k(num, ord)
                 JOIN pg_attribute att ON att.attrelid = {rel} AND att.attnum = k.num ORDER BY k.ord)"""
_CONSTRAINTS_SQL = f"""
SELECT cl.relname, con.conname, con.contype, {_KEYS.format(keys="con.conkey", rel="con.conrelid")},
       fcl.relname, fn.nspname, {_KEYS.format(keys="con.confkey", rel="con.confrelid")},
       con.confdeltype, con.confupdtype, con.convalidated, pg_get_constraintdef(con.oid)
FROM pg_constraint con
JOIN pg_class cl ON cl.oid = con.conrelid
JOIN pg_namespace n ON n.oid = cl.relnamespace
LEFT JOIN pg_class fcl ON fcl.oid = con.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fcl.relnamespace
WHERE n.nspname = %(schema)s AND con.contype IN ('p', 'f', 'c')
ORDER BY cl.relname, con.conname
"""

_INDEXES_SQL = """
SELECT t.relname, i.relname, ix.indisunique, ix.indisvalid,
       ARRAY(SELECT CASE WHEN ix.indkey[k - 1] <> 0
                         THEN (SELECT att.attname::text FROM pg_attribute att
                               WHERE att.attrelid = ix.indrelid AND att.attnum = ix.indkey[k - 1])
                         ELSE pg_get_indexdef(ix.indexrelid, k, true) END
             FROM generate_series(1, ix.indnatts) k ORDER BY k),
       ix.indnkeyatts, pg_get_expr(ix.indpred, ix.indrelid), pg_get_indexdef(ix.indexrelid), am.amname,
       EXISTS (SELECT 1 FROM pg_constraint con
               WHERE con.conindid = ix.indexrelid AND con.conrelid = ix.indrelid AND con.contype IN ('u', 'x'))
FROM pg_index ix
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_class t ON t.oid = ix.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_am am ON am.oid = i.relam
WHERE n.nspname = %(schema)s AND NOT ix.indisprimary AND t.relkind IN ('r', 'p')
ORDER BY t.relname, i.relname
"""

_DOMAINS_SQL = """
SELECT t.typname, format_type(t.typbasetype, t.typtypmod), t.typnotnull, t.typdefault,
       ARRAY(SELECT con.conname::text FROM pg_constraint con WHERE con.contypid = t.oid AND con.contype = 'c'
             ORDER BY con.conname),
       ARRAY(SELECT pg_get_constraintdef(con.oid) FROM pg_constraint con
             WHERE con.contypid = t.oid AND con.contype = 'c' ORDER BY con.conname)
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'd' AND n.nspname = %(schema)s
ORDER BY t.typname
"""


def introspect(url: str, schema: str = "public") -> dict[str, Any]:
    """The tables and domains of ``schema`` as plain data::

        {"tables": {name: {
            "columns": {name: {"type": "bigint", "nullable": False, "default": None | "expr",
                               "identity": None | {"generation": "BY DEFAULT" | "ALWAYS",
                                                   "cache": 65536, "start": 1, "increment": 1}}},
            "primary_key": None | {"name": ..., "columns": [...]},
            "indexes": {name: {"columns": [...], "include": [...], "unique": bool, "valid": bool,
                               "predicate": None | "expr", "method": "btree", "constraint": bool,
                               "definition": "CREATE INDEX ..."}},
            "foreign_keys": {name: {"columns": [...], "referenced_table": ..., "referenced_schema": ...,
                                    "referenced_columns": [...], "on_delete": "CASCADE", "on_update": ...,
                                    "validated": bool}},
            "checks": {name: {"definition": "CHECK (...)", "validated": bool}}}},
         "domains": {name: {"base_type": "text", "not_null": bool, "default": None | "expr",
                            "checks": {name: "CHECK (...)"}}}}

    Column order is table order; index columns are column names, or expressions as text.
    """
    params = {"schema": schema}
    tables: dict[str, dict[str, Any]] = {}

    def table(name: str) -> dict[str, Any]:
        return tables.setdefault(
            name, {"columns": {}, "primary_key": None, "indexes": {}, "foreign_keys": {}, "checks": {}}
        )

    with psycopg.connect(url, autocommit=True) as conn:
        for tname, col, typ, notnull, default, identity, cache, start, inc in conn.execute(_COLUMNS_SQL, params):
            table(tname)["columns"][col] = {
                "type": typ,
                "nullable": not notnull,
                "default": default,
                "identity": None
                if not identity
                else {
                    "generation": "ALWAYS" if identity == "a" else "BY DEFAULT",
                    "cache": cache,
                    "start": start,
                    "increment": inc,
                },
            }
        for row in conn.execute(_CONSTRAINTS_SQL, params):
            tname, cname, ctype, cols, ftable, fschema, fcols, on_del, on_upd, validated, definition = row
            if ctype == "p":
                table(tname)["primary_key"] = {"name": cname, "columns": list(cols)}
            elif ctype == "f":
                table(tname)["foreign_keys"][cname] = {
                    "columns": list(cols),
                    "referenced_table": ftable,
                    "referenced_schema": fschema,
                    "referenced_columns": list(fcols),
                    "on_delete": _FK_ACTIONS[on_del],
                    "on_update": _FK_ACTIONS[on_upd],
                    "validated": validated,
                }
            else:
                table(tname)["checks"][cname] = {"definition": definition, "validated": validated}
        for tname, iname, unique, valid, cols, nkeys, pred, definition, method, is_constraint in conn.execute(
            _INDEXES_SQL, params
        ):
            table(tname)["indexes"][iname] = {
                "columns": list(cols[:nkeys]),
                "include": list(cols[nkeys:]),
                "unique": unique,
                "valid": valid,
                "predicate": pred,
                "method": method,
                "constraint": is_constraint,
                "definition": definition,
            }
        domains = {
            name: {"base_type": base, "not_null": notnull, "default": default, "checks": dict(zip(names, defs))}
            for name, base, notnull, default, names, defs in conn.execute(_DOMAINS_SQL, params)
        }
    return {"tables": tables, "domains": domains}
