"""Run Aurora DSQL scripts on plain PostgreSQL, refusing what DSQL refuses (a test helper).

What DSQL refuses lives in the product: :mod:`prisma_dsql.rehearsal.rules` (``RULES``,
``find_violations``; re-exported here) and the live emulation :mod:`prisma_dsql.rehearsal.emulator`.

``apply_dsql_script(url, sql)`` splits the script, checks every statement against the rules (and the
transaction rules), and only if nothing is refused runs the statements one by one on an autocommit
connection, i.e. each in its own transaction as DSQL requires.  It is the *synchronous* shortcut the
tests that only need the resulting schema use: DSQL-only syntax is rewritten first,

* ``CREATE [UNIQUE] INDEX ASYNC ...``                   -> ``CREATE [UNIQUE] INDEX ...`` (built at once)
* ``ALTER TABLE ASYNC t VALIDATE CONSTRAINT c``          -> ``ALTER TABLE t VALIDATE CONSTRAINT c``
* ``CALL sys.wait_for_job('...')``                       -> ``SELECT true``

so a failing unique build fails the statement here.  Tests of job behaviour use
``prisma_dsql.rehearsal.emulator.connect`` instead.  ``introspect(url)`` returns the resulting schema as
plain data for assertions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import psycopg

from prisma_dsql.rehearsal.rules import (
    RULES,
    TRANSACTION_MESSAGES,
    ColumnDef,
    Rule,
    Violation,
    find_violations,
    parse_column_def,
    statement_violations,
    transaction_violations,
)
from prisma_dsql.sql.split import Statement, mask_sql, split_sql

__all__ = [
    "RULES",
    "TRANSACTION_MESSAGES",
    "Applied",
    "ColumnDef",
    "DsqlEmulationError",
    "DsqlExecutionError",
    "DsqlRejected",
    "Rule",
    "Violation",
    "apply_dsql_script",
    "find_violations",
    "introspect",
    "parse_column_def",
    "to_postgres",
]

_F = re.IGNORECASE | re.DOTALL


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
    tx_violations = {v.line: v for v in transaction_violations(statements)}
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
