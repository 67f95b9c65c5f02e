"""Preconditions of a migration: the queries that must find nothing before its first statement runs.

Contract
--------
:func:`derive(statements, start_at=0)` -> list of :class:`Check`. Reads the statements' text only (no
database). Each statement it recognises that can fail on rows already in the database gets a check, attributed
to the statement that would fail (the ``VALIDATE`` of a ``NOT VALID`` constraint, not its ``ADD``):

* ``CREATE UNIQUE INDEX [ASYNC]`` over plain columns (``ALTER TABLE ... ADD [CONSTRAINT] UNIQUE / PRIMARY KEY``
  too): duplicate values (NULLs never clash unless ``NULLS NOT DISTINCT``; a partial index's ``WHERE`` kept).
* a column made required: ``ALTER COLUMN c SET NOT NULL``, ``CHECK (c IS NOT NULL)`` added valid or validated
  later, ``ADD COLUMN c ... NOT NULL`` without a ``DEFAULT``: rows where ``c`` is NULL. A column added by an
  earlier statement of the migration that has not run is NULL on every row, so the check counts the rows of
  the table; a column some earlier ``UPDATE ... SET c = ...`` of the migration fills (the planner's batched
  backfill) needs no check.
* any other ``CHECK (expr)`` added valid or validated later (``c IN (...)`` for an enum's values among them):
  rows where ``expr`` is false.
* ``FOREIGN KEY (cols) REFERENCES t (cols)`` added valid (PostgreSQL) or validated later: orphans.
* ``ALTER COLUMN c [SET DATA] TYPE T``: to an enum the migration creates, values outside its labels; otherwise,
  when the ``USING`` is absent or a plain cast of ``c``, values whose text ``pg_input_is_valid`` refuses for T.
* ``UPDATE ... SET new = "c"[::text]::"D"`` into a domain with a ``CHECK`` (the planner's enum copy): values of
  ``c`` the checks refuse.

Statements before ``start_at`` (a resumed migration) are context only: they ran, so what they created exists.
Tables created by a statement that has not run yet have no rows: nothing of theirs is checked, unless an
``INSERT ... SELECT ... FROM src`` fills them (a rebuild's copy): they are checked on ``src``. After a rename that
has not run yet, the queries use the names the database still has. The same query is run once.

:func:`evaluate(conn, checks)` runs the checks (count, then at most 5 samples each) in one read-only
transaction; a check whose table or column does not exist (a ``CHECK`` naming a column renamed earlier in the
migration, say) or whose form the server refuses is reported as not checked instead of failing the rest; one
whose query fails on the rows (class 22: a cast in a ``CHECK``) fails, as its statement would.
:func:`report` words the failing ones for people; :func:`check_migration` is deploy's hook;
:func:`check_plan` / :func:`hazard_lines` serve ``plan --url`` and ``migrate dev --url``.

Every query is rendered by the target's :meth:`~prisma_dsql.targets.base.Target.precondition` from the
planner's query operations (``CountDuplicates`` ...), the same renderer the planner's own preconditions use.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from prisma_dsql.capabilities import Profile, dsql_profile
from prisma_dsql.errors import PrismaDsqlError
from prisma_dsql.plan import operations as ops
from prisma_dsql.render.safe import visible
from prisma_dsql.sql.names import quote

#: Rows shown per failing check.
SAMPLES = 5
#: Characters of one sample value shown.
VALUE_WIDTH = 60
#: What makes a check uncheckable rather than an error: the object it reads is not there (yet), or the server
#: does not run the query's form (0A000; `pg_input_is_valid` where it is missing, say).
UNCHECKABLE = {"42P01", "42703", "42704", "42883", "3F000", "0A000"}
#: Longer statements are not read: none of the recognised forms is this long (a huge INSERT is not tokenised).
MAX_STATEMENT = 1_000_000
_HEAD = re.compile(r"\s*(create|alter|update|insert)\b", re.I)


@dataclass(frozen=True)
class Check:
    """One precondition: ``sql`` counts what would make statement ``statement`` (1-based) fail."""

    kind: str  # the query operation's name: CountDuplicates, CountMissing, CountRows, ...
    subject: str
    what: str  # what the count counts, in words
    fix: str
    sql: str
    sample_sql: str
    statement: int
    line: int
    text: str  # the statement it guards


@dataclass
class Result:
    check: Check
    count: int | None = None
    samples: list[tuple] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    #: Why it could not be checked (its table or column does not exist yet), or why its query failed on the data.
    error: str | None = None
    #: The query itself failed on the rows (a cast in the check, say): the statement will fail the same way.
    data_error: bool = False

    @property
    def failed(self) -> bool:
        return bool(self.count) or self.data_error


# -- tokens ---------------------------------------------------------------------------------------------------

_TOKEN = re.compile(r'--[^\n]*|/\*.*?(?:\*/|\Z)|"[^"]*(?:""[^"]*)*"|\'[^\']*(?:\'\'[^\']*)*\''
                    r'|[A-Za-z_\u0080-\U0010ffff][\w$\u0080-\U0010ffff]*|::|\S', re.S)


@dataclass(frozen=True)
class _Tok:
    text: str
    word: str  # lower-cased, unquoted words only
    name: str | None  # identifier as PostgreSQL folds it
    start: int
    end: int


def _tokens(text: str) -> list[_Tok]:
    out = []
    for m in _TOKEN.finditer(text):
        t = m.group()
        if t.startswith("--") or t.startswith("/*"):
            continue  # comments (directives among them) say nothing about what the statement does
        if t.startswith('"'):
            out.append(_Tok(t, "", t[1:-1].replace('""', '"'), m.start(), m.end()))
        elif t[0].isalpha() or t[0] == "_" or ord(t[0]) > 127:
            out.append(_Tok(t, t.lower(), t.lower(), m.start(), m.end()))
        else:
            out.append(_Tok(t, "", None, m.start(), m.end()))
    return out


class _Cursor:
    def __init__(self, text: str, toks: list[_Tok]) -> None:
        self.text, self.toks, self.i = text, toks, 0

    def peek(self, k: int = 0) -> _Tok | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def at(self, *words: str) -> bool:
        return all((t := self.peek(k)) is not None and t.word == w for k, w in enumerate(words))

    def take(self, *words: str) -> bool:
        if self.at(*words):
            self.i += len(words)
            return True
        return False

    def skip(self, *phrases: str) -> None:
        moved = True
        while moved:
            moved = any(self.take(*p.split()) for p in phrases)

    def name(self) -> tuple[str | None, str | None]:
        """A possibly qualified name: (schema, name)."""
        t = self.peek()
        if t is None or t.name is None:
            return None, None
        self.i += 1
        schema, name = None, t.name
        while self.peek() is not None and self.peek().text == "." and self.peek(1) is not None \
                and self.peek(1).name is not None:
            schema, name = name, self.peek(1).name
            self.i += 2
        return schema, name

    def group(self) -> tuple[int, int] | None:
        """At `(`: the token range inside the balanced parentheses (the cursor moves after them)."""
        if self.peek() is None or self.peek().text != "(":
            return None
        depth, start = 0, self.i + 1
        while self.i < len(self.toks):
            t = self.toks[self.i].text
            depth += t == "("
            depth -= t == ")"
            self.i += 1
            if depth == 0:
                return start, self.i - 1
        return None

    def source(self, a: int, b: int) -> str:
        """The statement's text of tokens a..b-1, as written."""
        if a >= b:
            return ""
        return self.text[self.toks[a].start:self.toks[b - 1].end]


def _split(toks: list[_Tok], a: int, b: int) -> list[tuple[int, int]]:
    """Token ranges of the comma-separated items of a..b at depth 0."""
    parts, depth, start = [], 0, a
    for j in range(a, b):
        t = toks[j].text
        if t in "([":
            depth += 1
        elif t in ")]":
            depth -= 1
        elif t == "," and depth == 0:
            parts.append((start, j))
            start = j + 1
    parts.append((start, b))
    return [p for p in parts if p[0] < p[1]]


def _columns(toks: list[_Tok], a: int, b: int) -> tuple[str, ...] | None:
    """Plain column names of an index's keys (`a`, `"B" DESC`, `c text_pattern_ops`); None if any is an
    expression."""
    cols = []
    for x, y in _split(toks, a, b):
        if toks[x].name is None or (y > x + 1 and toks[x + 1].text in ("(", ".", "::")):
            return None
        if any(t.name is None or not t.word for t in toks[x + 1:y]):  # options only: DESC, NULLS LAST, opclass
            return None
        cols.append(toks[x].name)
    return tuple(cols)


# -- what a migration does ------------------------------------------------------------------------------------

#: Words after a column in a check about that column's values; words that start a check but are no column.
_COMPARING = {"in", "is", "between", "like", "ilike", "not", "similar"}
_NOT_COLUMNS = {"not", "value", "exists", "case", "true", "false", "null", "array", "row"}


@dataclass
class _Column:
    added_at: int
    filled: bool  # added with a DEFAULT, an identity or a generated expression: no NULLs


@dataclass
class _Pending:
    """A NOT VALID constraint waiting for its VALIDATE."""

    table: ops.TableRef
    query: ops.Query | None
    what: str
    fix: str
    new_column: str | None = None  # a `c IS NOT NULL` check: which column


class _Deriver:
    def __init__(self, statements: Sequence, start_at: int, profile: Profile, default_schema: str | None) -> None:
        from prisma_dsql.targets import target_for

        self.statements = statements
        self.start_at = start_at
        self.target = target_for(profile)
        self.default_schema = default_schema or "public"
        self.created: dict[str, int] = {}  # table -> statement index
        self.columns: dict[tuple[str, str], _Column] = {}
        self.filled: dict[tuple[str, str], int] = {}  # (table, column) -> the first UPDATE setting it
        self.enums: dict[str, tuple[str, ...]] = {}  # type name -> its labels as SQL literals
        self.domains: dict[str, tuple[_Cursor, list[tuple[int, int]]]] = {}  # domain -> its CHECKs' token ranges
        self.pending: dict[str, _Pending] = {}
        self.checks: list[Check] = []
        self.seen: set[str] = set()
        #: Renames not run yet: the name in the migration -> the name the database still has.
        self.table_alias: dict[str, str] = {}
        self.column_alias: dict[tuple[str, str], str] = {}

    # -- helpers ----------------------------------------------------------------------------------------------
    def _new(self, table: str) -> bool:
        """Created by a statement of this migration that has not run: it has no rows."""
        return self.created.get(table, -1) >= self.start_at

    def _pending_column(self, table: str, column: str) -> bool:
        c = self.columns.get((table, column))
        return c is not None and c.added_at >= self.start_at

    def _emit(self, index: int, query: ops.Query, what: str, fix: str) -> None:
        if index < self.start_at:
            return
        sql, sample = self.target.precondition(self._as_now(query), self.default_schema)
        if sql in self.seen:
            return  # the same rows counted for an earlier statement (an enum copied twice, say)
        self.seen.add(sql)
        st = self.statements[index]
        self.checks.append(Check(type(query).__name__, query.subject, what, fix, sql, sample, index + 1,
                                 getattr(st, "line", 0), _text(st)))

    def _required(self, index: int, ref: ops.TableRef, column: str) -> None:
        """`column` of `ref` must have a value on every row from statement `index` on."""
        table = ref[1]
        if self._new(table) or self.filled.get((table, column), index) < index:
            return
        c = self.columns.get((table, column))
        if self._pending_column(table, column):
            if c is not None and c.filled:
                return
            self._emit(index, ops.CountRows(ref),
                       f"rows of {table}, which the new required column {column} without a default cannot be given",
                       f"add a default to {column} (@default), or add it optional, fill it, then make it required")
            return
        self._emit(index, ops.CountMissing(ref, column), f"rows of {table} without a value in {column}",
                   f"give those rows a value of {column}, or add a default (@default) so the migration fills them, "
                   "or keep the column optional")

    def _check(self, index: int, ref: ops.TableRef, c: _Cursor, a: int, b: int, name: str | None,
               not_valid: bool) -> None:
        """`CHECK (expression)` over tokens a..b of statement `index`."""
        toks = c.toks
        table = ref[1]
        expression = c.source(a, b)
        # `c IS NOT NULL`, possibly in parentheses
        inner = [t for t in toks[a:b] if t.text not in "()"]
        if len(inner) == 4 and inner[0].name and [t.word for t in inner[1:]] == ["is", "not", "null"]:
            pending = _Pending(ref, None, "", "", new_column=inner[0].name)
        else:
            names = {t.name for t in toks[a:b] if t.name}
            if any(self._pending_column(table, n) for n in names):
                return  # a new column is NULL on every row: the check passes on NULL
            column = None  # `c IN (...)`, `c >= 0`, `"c" ~ '...'`: the column whose values the samples show
            if toks[a].name and toks[a].word not in _NOT_COLUMNS and a + 1 < b and (
                    toks[a + 1].word in _COMPARING or toks[a + 1].text in ("=", "<", ">", "!", "~", "::")):
                column = toks[a].name
            pending = _Pending(ref, ops.CountViolations(ref, expression, column),
                               f"rows of {table} that break CHECK ({_short(expression)})",
                               "change those rows so the check holds" +
                               (f" (values of {column} outside the new set: change them to one it keeps)"
                                if " in " in f" {expression.lower()} " else ""))
        if not_valid and name:
            self.pending[name] = pending
        else:
            self._fire(index, pending)

    def _fire(self, index: int, pending: _Pending) -> None:
        if self._new(pending.table[1]):
            return
        if pending.new_column is not None:
            self._required(index, pending.table, pending.new_column)
        elif pending.query is not None:
            self._emit(index, pending.query, pending.what, pending.fix)

    # -- statements -------------------------------------------------------------------------------------------
    def run(self) -> list[Check]:
        for index, st in enumerate(self.statements):
            text = _text(st)
            if len(text) > MAX_STATEMENT or not _HEAD.match(_uncommented_head(text)):
                continue
            toks = _tokens(text)
            if not toks:
                continue
            c = _Cursor(text, toks)
            if c.take("create"):
                self._create(index, c)
            elif c.take("alter", "table"):
                self._alter_table(index, c)
            elif c.take("update"):
                self._update(index, c)
            elif c.take("insert", "into"):
                self._insert(index, c)
        return self.checks

    def _create(self, index: int, c: _Cursor) -> None:
        c.skip("or replace", "global", "local", "temporary", "temp", "unlogged")
        if c.take("table"):
            c.skip("if not exists")
            _, name = c.name()
            if name and not c.at("as"):  # CREATE TABLE ... AS SELECT has rows: not a new empty table
                self.created.setdefault(name, index)
            return
        if c.take("type"):
            _, name = c.name()
            if name and c.take("as", "enum"):
                span = c.group()
                if span:
                    self.enums[name] = tuple(c.source(x, y) for x, y in _split(c.toks, *span))
            return
        if c.take("domain"):
            _, name = c.name()
            checks = []
            while name and c.i < len(c.toks):
                if c.take("check"):
                    span = c.group()
                    if span is None:
                        break
                    checks.append(span)
                else:
                    c.i += 1
            if checks:
                self.domains[name] = (c, checks)
            return
        unique = c.take("unique")
        if not c.take("index"):
            return
        c.skip("async", "concurrently", "if not exists")
        if not c.at("on"):
            c.name()
        if not c.take("on"):
            return
        c.skip("only")
        schema, table = c.name()
        if table is None:
            return
        if c.take("using"):
            c.name()
        span = c.group()
        if not unique or span is None:
            return
        cols = _columns(c.toks, *span)
        if c.take("include"):
            c.group()
        nulls_distinct = not c.take("nulls", "not", "distinct")
        c.skip("nulls distinct")
        if c.take("with"):
            c.group()
        if c.take("tablespace"):
            c.name()
        where = None
        if c.take("where"):
            where = c.source(c.i, len(c.toks))
        self._unique(index, (schema, table), cols, where, nulls_distinct)

    def _unique(self, index: int, ref: ops.TableRef, cols: tuple[str, ...] | None, where: str | None,
                nulls_distinct: bool) -> None:
        table = ref[1]
        if not cols or self._new(table) or any(self._pending_column(table, col) for col in cols):
            return  # an expression key is not checked; a new column is NULL on every row
        listed = ", ".join(cols)
        self._emit(index, ops.CountDuplicates(ref, cols, where, nulls_distinct),
                   f"values of ({listed}) that {table} holds more than once",
                   f"change or delete the rows holding a duplicate of ({listed}) so each value is unique, or make "
                   "the index non-unique")

    def _insert(self, index: int, c: _Cursor) -> None:
        """`INSERT INTO new ... SELECT ... FROM src` into a table the migration creates (a rebuild's copy): the new
        table holds src's rows, so its checks read src until the copy has run."""
        _, table = c.name()
        if table is None or not self._new(table) or index < self.start_at:
            return
        depth = 0
        for j in range(c.i, len(c.toks)):
            t = c.toks[j]
            depth += t.text == "("
            depth -= t.text == ")"
            if depth == 0 and t.word == "from":
                c.i = j + 1
                _, source = c.name()
                if source:
                    del self.created[table]
                    self.table_alias[table] = self.table_alias.get(source, source)
                return

    def _update(self, index: int, c: _Cursor) -> None:
        c.skip("only")
        _, table = c.name()
        if table is None:
            return
        toks = c.toks
        while c.i < len(toks) and toks[c.i].word != "set":
            c.i += 1
        c.i += 1
        depth = 0
        for j in range(c.i, len(toks)):
            t = toks[j]
            if depth == 0 and t.word in ("from", "where", "returning"):
                break
            depth += t.text == "("
            depth -= t.text == ")"
            if t.name and j + 1 < len(toks) and toks[j + 1].text == "=" and (j == c.i or toks[j - 1].text in ",("):
                self.filled.setdefault((table, t.name), index)
                self._cast_copy(index, (None, table), toks, j + 2)

    def _cast_copy(self, index: int, ref: ops.TableRef, toks: list[_Tok], j: int) -> None:
        """`SET new = "src"[::text]::"D"` into a domain with CHECKs (the planner's column copy for an enum change):
        the values of src that D's checks refuse make the copy fail."""
        if j >= len(toks) or toks[j].name is None:
            return
        src, k, via_text = toks[j].name, j + 1, False
        if toks[k:k + 2] and [t.text for t in toks[k:k + 1]] == ["::"] and k + 2 < len(toks) \
                and toks[k + 1].word == "text" and toks[k + 2].text == "::":
            via_text, k = True, k + 2
        if k + 1 >= len(toks) or toks[k].text != "::" or toks[k + 1].name not in self.domains:
            return
        if self._new(ref[1]) or self._pending_column(ref[1], src):
            return
        domain = toks[k + 1].name
        dc, spans = self.domains[domain]
        value = f"{quote(src)}::text" if via_text else quote(src)
        for a, b in spans:
            parts, at = [], dc.toks[a].start
            for t in dc.toks[a:b]:
                if t.word == "value":
                    parts.append(dc.text[at:t.start] + value)
                    at = t.end
            expression = "".join(parts) + dc.text[at:dc.toks[b - 1].end]
            self._emit(index, ops.CountViolations(ref, expression, src),
                       f"values of {ref[1]}.{src} that {domain} refuses (CHECK ({_short(dc.source(a, b))}))",
                       f"change them to values {domain} allows")

    def _alter_table(self, index: int, c: _Cursor) -> None:
        c.skip("async", "if exists", "only")
        ref = c.name()
        if ref[1] is None:
            return
        for a, b in _split(c.toks, c.i, len(c.toks)):
            self._action(index, ref, _Cursor(c.text, c.toks[:b]), a)

    def _action(self, index: int, ref: ops.TableRef, c: _Cursor, a: int) -> None:
        c.i = a
        table = ref[1]
        if c.take("add"):
            if c.at("constraint") or c.at("check") or c.at("foreign") or c.at("unique") or c.at("primary"):
                self._constraint(index, ref, c)
                return
            c.take("column")
            c.skip("if not exists")
            col = c.peek()
            if col is None or col.name is None:
                return
            rest = [t.word for t in c.toks[c.i + 1:]]
            filled = "default" in rest or "identity" in rest or "generated" in rest
            self.columns[(table, col.name)] = _Column(index, filled)
            required = any(rest[k:k + 2] == ["not", "null"] for k in range(len(rest)))
            if required and not filled and not self._new(table):
                self._required(index, ref, col.name)
            return
        if c.take("rename"):
            self._rename(index, table, c)
            return
        if c.take("validate", "constraint"):
            _, name = c.name()
            pending = self.pending.pop(name, None) if name else None
            if pending is not None:
                self._fire(index, pending)
            return
        if c.take("alter"):
            c.take("column")
            col = c.peek()
            if col is None or col.name is None:
                return
            c.i += 1
            if c.take("set", "not", "null"):
                self._required(index, ref, col.name)
            elif c.take("set", "data", "type") or c.take("type"):
                self._type(index, ref, col.name, c)

    def _rename(self, index: int, table: str, c: _Cursor) -> None:
        """A table's or column's story (created, added, filled) goes with its new name; until the rename has run,
        the checks of later statements read the name the database still has."""
        pending = index >= self.start_at
        if c.take("to"):
            new = c.name()[1]
            if not new:
                return
            for story in (self.columns, self.filled, self.column_alias):
                for key in [k for k in story if k[0] == table]:
                    story[(new, key[1])] = story.pop(key)
            if table in self.created:
                self.created[new] = self.created.pop(table)
            if pending:
                self.table_alias[new] = self.table_alias.pop(table, table)
            return
        c.take("column")
        old, to, new = c.peek(), c.peek(1), c.peek(2)
        if not (old and old.name and to and to.word == "to" and new and new.name):
            return
        for story in (self.columns, self.filled):
            if (table, old.name) in story:
                story[(table, new.name)] = story.pop((table, old.name))
        if pending:
            self.column_alias[(table, new.name)] = self.column_alias.pop((table, old.name), old.name)

    def _as_now(self, query: ops.Query) -> ops.Query:
        """``query`` with the names the database has before the migration's pending renames."""
        from dataclasses import replace

        schema, table = query.table

        def col(c: str, of: str = table) -> str:
            return self.column_alias.get((of, c), c)

        changes: dict = {"table": (schema, self.table_alias.get(table, table))}
        if getattr(query, "column", None):
            changes["column"] = col(query.column)
        if hasattr(query, "columns"):
            changes["columns"] = tuple(col(c) for c in query.columns)
        if isinstance(query, ops.CountOrphans):
            rs, rt = query.referenced
            changes["referenced"] = (rs, self.table_alias.get(rt, rt))
            changes["referenced_columns"] = tuple(col(c, rt) for c in query.referenced_columns)
        if isinstance(query, ops.CountViolations):
            changes.pop("column", None)  # its expression keeps the names it was written with
        return replace(query, **changes)

    def _constraint(self, index: int, ref: ops.TableRef, c: _Cursor) -> None:
        name = None
        if c.take("constraint"):
            _, name = c.name()
        not_valid = [t.word for t in c.toks[-2:]] == ["not", "valid"]
        table = ref[1]
        if c.take("check"):
            span = c.group()
            if span:
                self._check(index, ref, c, span[0], span[1], name, not_valid)
            return
        if c.take("unique") or c.take("primary", "key"):
            if c.at("using", "index"):
                return  # the index was built (and checked) by its own statement
            nulls_distinct = not c.take("nulls", "not", "distinct")
            c.skip("nulls distinct")
            span = c.group()
            if span:
                self._unique(index, ref, _columns(c.toks, *span), None, nulls_distinct)
            return
        if c.take("foreign", "key"):
            span = c.group()
            if not span or not c.take("references"):
                return
            cols = _columns(c.toks, *span)
            referenced = c.name()
            refspan = c.group()
            rcols = _columns(c.toks, *refspan) if refspan else None
            if not cols or not rcols or len(cols) != len(rcols) or referenced[1] is None:
                return  # REFERENCES t without columns: its primary key, unknown from the text
            if any(self._pending_column(table, col) for col in cols) or self._new(referenced[1]):
                return  # a new column is NULL everywhere; a table not yet created: its own statement fails first
            pending = _Pending(ref, ops.CountOrphans(ref, cols, referenced, rcols),
                               f"rows of {table} whose ({', '.join(cols)}) match no row of {referenced[1]}",
                               f"delete those rows, set ({', '.join(cols)}) to NULL on them, or add the missing "
                               f"rows to {referenced[1]}")
            if not_valid and name:
                self.pending[name] = pending
            else:
                self._fire(index, pending)

    def _type(self, index: int, ref: ops.TableRef, column: str, c: _Cursor) -> None:
        table = ref[1]
        if self._new(table) or self._pending_column(table, column):
            return
        start = c.i
        while c.i < len(c.toks) and c.toks[c.i].word not in ("using", "collate"):
            c.i += 1
        type_sql = c.source(start, c.i)
        if c.take("collate"):
            c.name()
        using = c.source(c.i + 1, len(c.toks)) if c.take("using") else None
        if not type_sql:
            return
        type_name = _type_name(type_sql)
        if type_name in self.enums:  # an enum the migration creates: its labels are the allowed values
            labels = ", ".join(self.enums[type_name])
            expression = f"{quote(column)}::text IN ({labels})"
            self._emit(index, ops.CountViolations(ref, expression, column),
                       f"values of {table}.{column} that are not labels of {type_name}",
                       f"change them to one of {labels}")
            return
        if using is not None and not _plain_cast(using, column):
            return  # a USING expression of its own: what converts is not known from the text
        self._emit(index, ops.CountUnconvertible(ref, column, type_sql),
                   f"values of {table}.{column} that do not convert to {type_sql}",
                   f"change them to values of {type_sql}, or write a USING expression that converts them")


def _uncommented_head(text: str) -> str:
    """The text from its first word on (leading comments and blanks skipped), for the cheap first-word test."""
    i = 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if text.startswith("--", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end + 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = len(text) if end < 0 else end + 2
        else:
            return text[i:i + 16]


def _text(st) -> str:
    return getattr(st, "text", None) or getattr(st, "sql", "") or ""


def _short(text: str, width: int = 80) -> str:
    one = " ".join(text.split())
    return one if len(one) <= width else one[: width - 1] + "…"


def _type_name(type_sql: str) -> str | None:
    toks = _tokens(type_sql)
    names = [t for t in toks if t.name is not None or t.text == "."]
    if not toks or any(t.name is None and t.text != "." for t in toks):
        return None
    return names[-1].name


def _plain_cast(using: str, column: str) -> bool:
    """`USING (c::T)` / `USING c::text::T` / `USING CAST(c AS T)`: converting is just the cast."""
    toks = [t for t in _tokens(using) if t.text not in "()"]
    if not toks:
        return False
    if toks[0].word == "cast":
        toks = toks[1:]
    return bool(toks) and toks[0].name == column and (len(toks) == 1 or toks[1].text == "::" or toks[1].word == "as")


def derive(statements: Sequence, start_at: int = 0, *, profile: Profile | None = None,
           default_schema: str | None = None) -> list[Check]:
    """The checks of the statements from ``start_at`` on (see the module docstring). ``statements``: objects
    with ``text`` (deploy steps) or ``sql`` (plan steps), in order; ``line`` when they have one."""
    return _Deriver(statements, start_at, profile or dsql_profile(), default_schema).run()


# -- running them ----------------------------------------------------------------------------------------------

def evaluate(conn, checks: Sequence[Check]) -> list[Result]:
    """Run every check in one read-only transaction; a check whose object is missing is reported, not fatal."""
    import psycopg

    skipped: dict[int, tuple[str, bool]] = {}
    read_only = True
    while True:
        results: list[Result] = []
        current = None
        try:
            with conn.transaction():
                if read_only:
                    conn.execute("SET TRANSACTION READ ONLY")
                for n, check in enumerate(checks):
                    if n in skipped:
                        results.append(Result(check, error=skipped[n][0], data_error=skipped[n][1]))
                        continue
                    current = n
                    count = conn.execute(check.sql).fetchone()[0]
                    result = Result(check, count=int(count or 0))
                    if result.count:
                        cur = conn.execute(check.sample_sql)
                        result.columns = [d.name for d in cur.description or ()]
                        result.samples = [tuple(row) for row in cur.fetchmany(SAMPLES)]
                    results.append(result)
                    current = None
            return results
        except psycopg.Error as exc:
            state = getattr(exc, "sqlstate", None)
            if current is None and read_only and not results and state == "0A000":
                read_only = False  # a server without SET TRANSACTION READ ONLY: the checks only read anyway
                continue
            data = (state or "").startswith("22")  # invalid input, division by zero...: the rows break it
            if current is None or (state not in UNCHECKABLE and not data):
                raise
            diag = getattr(exc, "diag", None)
            message = (getattr(diag, "message_primary", None) or str(exc).splitlines()[0]).strip()
            skipped[current] = (message, data)


def _value(v) -> str:
    text = "NULL" if v is None else repr(v) if isinstance(v, str) else str(v)
    text = visible(text)
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"


def describe(result: Result) -> list[str]:
    """The lines saying one failing check: the count, the samples, the fix."""
    check = result.check
    if result.data_error:
        return [visible(f"the rows make the check itself fail ({check.what}): {result.error}"),
                visible(f"fix: {check.fix}")]
    lines = [f"{result.count:,} {check.what}"]
    if result.samples:
        shown = []
        for row in result.samples:
            cols = result.columns
            if cols and cols[-1] == "n" and len(row) == len(cols):
                values = ", ".join(_value(v) for v in row[:-1])
                shown.append(f"({values}) x{row[-1]}" if len(row) > 2 else f"{values} x{row[-1]}")
            else:
                shown.append("(" + ", ".join(f"{c}={_value(v)}" for c, v in zip(cols, row)) + ")")
        more = "" if result.count <= len(result.samples) else ", …"
        lines.append("e.g. " + "; ".join(shown) + more)
    lines.append(f"fix: {check.fix}")
    return [visible(line) for line in lines]


def report(migration: str, path: str, results: Sequence[Result]) -> str:
    """The refusal: every failing check under the statement it guards."""
    failing = [r for r in results if r.failed]
    n = len(failing)
    lines = [f"migration {migration}: {n} precondition{'s' if n != 1 else ''} fail{'s' if n == 1 else ''} on the "
             "data already in the database; nothing was run and nothing recorded:"]
    for r in failing:
        one = " ".join(r.check.text.split())
        one = one if len(one) <= 100 else one[:99] + "…"
        lines.append(f"  statement {r.check.statement} ({path}:{r.check.line}): {visible(one)}")
        lines += [f"    {line}" for line in describe(r)]
    lines.append("Fix the data, then run deploy again: it checks again, then runs the migration.")
    return visible("\n".join(lines), keep_newlines=True)  # folder names and statements: any bytes


def unchecked(results: Sequence[Result]) -> list[str]:
    return [visible(f"statement {r.check.statement} (line {r.check.line}): {r.check.kind} not checked: {r.error}")
            for r in results if r.error and not r.data_error]


class PreconditionFailed(PrismaDsqlError):
    """A precondition of a migration found rows: refused before any of its statements ran (exit 1)."""

    exit_code = 1


def check_migration(runner, migration, steps: Sequence, start_at: int, reporter, profile: Profile) -> None:
    """Deploy's hook, called before the first statement of a migration runs (or, resumed, before statement
    ``start_at + 1``): derive its checks, run them read-only (retried on 40001 by ``runner``), and raise
    :class:`PreconditionFailed` with the counts and samples when any finds rows. Nothing is written."""
    checks = derive(steps, start_at, profile=profile)
    if not checks:
        return
    results = runner.call(lambda conn: evaluate(conn, checks))
    for line in unchecked(results):
        reporter.line(visible(f"note: {migration.name}: {line}"))
    if any(r.failed for r in results):
        raise PreconditionFailed(report(migration.name, str(migration.path), results))
    n = len(checks)
    reporter.line(visible(f"Preconditions of {migration.name}: {n} checked, no row in the way"))


# -- plans: `plan --url` and `migrate dev --url` -----------------------------------------------------------------------

#: The fix of a planner precondition, by its query kind (the deriver words its own).
_PLANNER_FIX = {
    "CountDuplicates": "change or delete the rows holding a duplicate so each value is unique",
    "CountMissing": "give those rows a value, or add a default (@default), or keep the column optional",
    "CountRows": "add a default (@default), or add the column optional, fill it, then make it required",
}


#: Plan operations whose statements the deriver reads: it knows better than the planner's precondition whether
#: one is needed (a unique index over a column the same plan adds: NULL on every row, nothing to count).
_DERIVED_OPERATIONS = {"CreateIndex", "AddColumns", "AddNotNullCheck", "ValidateConstraint", "SetNotNull",
                       "AddCheck", "AddForeignKey", "AlterColumnType", "AddPrimaryKey", "AttachUniqueConstraint"}


def plan_checks(plan, profile: Profile) -> list[Check]:
    """The checks deploy will run for ``plan``'s migration.sql (the deriver over its statements), plus the
    preconditions the planner attached to steps whose statements the deriver does not read (same SQL: one)."""
    checks = derive(plan.steps, profile=profile)
    seen = {c.sql for c in checks}
    for n, step in enumerate(plan.steps, 1):
        if type(step.operation).__name__ in _DERIVED_OPERATIONS:
            continue
        for p in step.preconditions:
            if p.sql in seen:
                continue
            seen.add(p.sql)
            kind = p.name.split(":", 1)[0]
            checks.append(Check(kind, p.name.split(":", 1)[-1], p.message, _PLANNER_FIX.get(kind, "fix the data"),
                                p.sql, p.sample_sql or p.sql, n, 0, step.sql))
    checks.sort(key=lambda c: c.statement)
    return checks


def check_plan(url: str, plan, profile: Profile) -> list[Result]:
    """Run :func:`plan_checks` against the database at ``url`` (read-only, retried on 40001)."""
    from prisma_dsql.connect import Connector, resolve_spec
    from prisma_dsql.deploy.runner import Runner

    import psycopg

    from prisma_dsql.redact import redact

    checks = plan_checks(plan, profile)
    if not checks:
        return []
    spec = resolve_spec(url=url)
    try:
        with Connector(spec) as connector:
            return Runner(connector).call(lambda conn: evaluate(conn, checks))
    except psycopg.Error as exc:  # one clear, secret-free line, as the other database errors
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise PreconditionFailed(redact(f"the plan's preconditions could not be checked: {first}",
                                        spec.secrets())) from None


def hazard_lines(results: Sequence[Result]) -> list[str]:
    """One hazard line per failing check (then its samples and fix), as `plan` and `migrate dev` print them."""
    lines = []
    for r in results:
        if not r.failed:
            continue
        head, *rest = describe(r)
        lines.append(f"! precondition fails: step {r.check.statement}: {head}")
        lines += [f"    {line}" for line in rest]
    return lines


def to_data(results: Sequence[Result]) -> list[dict]:
    return [{"kind": r.check.kind, "step": r.check.statement, "what": r.check.what, "count": r.count,
             "samples": [[None if v is None else visible(str(v)) for v in row] for row in r.samples],
             "columns": r.columns, "fix": r.check.fix, "sql": r.check.sql, "error": r.error} for r in results]
