"""Did a DDL statement commit? Asked of the catalog when the outcome is unknown (a lost connection, an error
at COMMIT, a crash between the statement and its history write).

Contract
--------
:func:`committed(conn, step)` -> ``True`` (its effect is in the catalog: do not run it again), ``False`` (not
there, or the statement is safe to run again: ``ALTER COLUMN ... SET/DROP``, ``COMMENT``, ``GRANT``, ``CREATE OR
REPLACE``), or ``None`` (this statement's effect cannot be checked; the engine then runs it again and reads
"already exists" / "does not exist" errors as "it had committed", see :data:`ALREADY_DONE`).

Names are resolved as the statement's own would be: schema-qualified names as written, others through the
search_path (``to_regclass``, ``to_regtype``). ``ALTER TABLE ASYNC ... VALIDATE`` is not answered here: whether
it committed is whether a new job for the constraint exists (the engine compares sys.jobs before and after).
"""

from __future__ import annotations

from prisma_dsql.deploy.steps import Step, _skip, _tokens
from prisma_dsql.sql.names import quote

#: SQLSTATEs that, on a re-run after an unknown outcome, mean the first run had committed:
#: duplicate_table, duplicate_object, duplicate_column, duplicate_schema, duplicate_function,
#: undefined_table, undefined_object, undefined_column.
ALREADY_DONE = {"42P07", "42710", "42701", "42P06", "42723", "42P01", "42704", "42703"}


_ident = quote  # every name the probe writes is quoted as the targets quote it


def _name(toks, i):
    """(qualified SQL text usable by to_regclass, last part, index after)."""
    parts = []
    while i < len(toks) and toks[i].name is not None:
        parts.append(toks[i].name)
        i += 1
        if i < len(toks) and toks[i].text == ".":
            i += 1
            continue
        break
    if not parts:
        return None, None, i
    return ".".join(_ident(p) for p in parts), parts[-1], i


def _rel_exists(conn, qualified: str, kinds: str) -> bool:
    row = conn.execute("SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass(%s)", (qualified,)).fetchone()
    return row is not None and row[0] in kinds


def committed(conn, step: Step) -> bool | None:
    toks = _tokens(step.text)
    w = [t.word for t in toks]
    if not w:
        return False
    if w[0] in ("comment", "grant", "revoke", "analyze", "set", "reset"):
        return False
    if w[:3] == ["create", "or", "replace"]:
        return False
    if w[0] == "create":
        i = _skip(toks, 1, "unique")
        if i < len(w) and w[i] == "index":
            i = _skip(toks, i + 1, "async", "concurrently", "if not exists")
            if i < len(w) and w[i] == "on":
                return None  # unnamed index: nothing to look up
            qualified, _, i = _name(toks, i)
            j = _skip(toks, i, "on", "only")
            table_q, _, _ = _name(toks, j)
            if qualified is None:
                return None
            if "." not in qualified and table_q and "." in table_q:  # an index lives in its table's schema
                qualified = table_q.rsplit(".", 1)[0] + "." + qualified
            return _rel_exists(conn, qualified, "iI")
        i = _skip(toks, i, "temporary", "temp", "unlogged")
        kind = w[i] if i < len(w) else ""
        if kind in ("table", "view", "sequence"):
            qualified, _, _ = _name(toks, _skip(toks, i + 1, "if not exists"))
            kinds = {"table": "rp", "view": "vm", "sequence": "S"}[kind]
            return _rel_exists(conn, qualified, kinds) if qualified else None
        if kind == "schema":
            _, last, _ = _name(toks, _skip(toks, i + 1, "if not exists"))
            if last is None:
                return None
            return conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (last,)).fetchone() is not None
        if kind in ("domain", "type"):
            qualified, _, _ = _name(toks, i + 1)
            if qualified is None:
                return None
            return conn.execute("SELECT to_regtype(%s) IS NOT NULL", (qualified,)).fetchone()[0]
        return None
    if w[0] == "drop" and len(w) > 1:
        kind = w[1]
        i = _skip(toks, 2, "concurrently", "if exists")
        qualified, last, _ = _name(toks, i)
        if qualified is None:
            return None
        if kind in ("table", "view", "index", "sequence"):
            return conn.execute("SELECT to_regclass(%s) IS NULL", (qualified,)).fetchone()[0]
        if kind == "schema":
            return conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (last,)).fetchone() is None
        if kind in ("domain", "type"):
            return conn.execute("SELECT to_regtype(%s) IS NULL", (qualified,)).fetchone()[0]
        return None
    if w[:2] == ["alter", "table"]:
        i = _skip(toks, 2, "if exists", "only")
        table, _, i = _name(toks, i)
        if table is None or i >= len(w):
            return None
        action = w[i]
        if action == "add":
            j = i + 1
            if j < len(w) and w[j] == "constraint":
                _, cname, _ = _name(toks, j + 1)
                return _constraint_exists(conn, table, cname) if cname else None
            j = _skip(toks, j, "column", "if not exists")
            _, col, _ = _name(toks, j)
            return _column_exists(conn, table, col) if col else None
        if action == "drop":
            j = i + 1
            if j < len(w) and w[j] == "constraint":
                _, cname, _ = _name(toks, _skip(toks, j + 1, "if exists"))
                return (not _constraint_exists(conn, table, cname)) if cname else None
            _, col, _ = _name(toks, _skip(toks, j, "column", "if exists"))
            return (not _column_exists(conn, table, col)) if col else None
        if action == "rename":
            j = i + 1
            if j < len(w) and w[j] == "to":
                _, new, _ = _name(toks, j + 1)
                if new is None:
                    return None
                schema = table.rsplit(".", 1)[0] + "." if "." in table else ""
                return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (schema + _ident(new),)).fetchone()[0]
            if j < len(w) and w[j] == "constraint":
                _, _, k = _name(toks, j + 1)
                _, new, _ = _name(toks, _skip(toks, k, "to"))
                return _constraint_exists(conn, table, new) if new else None
            _, _, k = _name(toks, _skip(toks, j, "column"))
            _, new, _ = _name(toks, _skip(toks, k, "to"))
            return _column_exists(conn, table, new) if new else None
        if action == "alter":
            return False  # SET/DROP DEFAULT, DROP NOT NULL, identity options: running again changes nothing
        return None
    return None


def _column_exists(conn, table: str, column: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attname = %s "
                        "AND NOT attisdropped AND attnum > 0", (table, column)).fetchone() is not None


def _constraint_exists(conn, table: str, name: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass(%s) AND conname = %s",
                        (table, name)).fetchone() is not None
