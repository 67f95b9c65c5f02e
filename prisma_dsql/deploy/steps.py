"""What one statement of a migration.sql is, for the deploy engine: its kind, the async job it starts,
the objects it needs, and the directives written before it.

Contract
--------
:func:`analyse(statement, file)` -> :class:`Step`. Reads the statement's text only (no database):

* ``kind``: ``"async_index"`` (``CREATE [UNIQUE] INDEX ASYNC``), ``"async_validate"`` (``ALTER TABLE ASYNC
  ... VALIDATE CONSTRAINT``), ``"dml"`` (rows written, or read: INSERT/UPDATE/DELETE/MERGE/COPY, a writing
  WITH, SELECT/VALUES/TABLE), ``"session"`` (``SET``/``RESET``: replayed on every new connection), ``"ddl"``
  (everything else, ``TRUNCATE`` and ``DO`` blocks included: run alone). The coarse kind comes from the shared
  classifier :func:`prisma_dsql.sql.classify.classify`; ``sql_kind`` keeps it.
* ``block``: the line of the ``BEGIN`` of the transaction block the statement was written in (Prisma writes
  ``BEGIN; ... COMMIT;`` around enum changes), None outside one. The ``BEGIN``/``COMMIT`` statements
  themselves are not steps: :func:`unwrap_transactions` removes them (see there).
* ``job_object``: the index or constraint an async statement builds or validates, and its table.
* ``needs_names``: identifiers of the statement that may name an index or constraint (``USING INDEX x``,
  ``DROP INDEX x``, ``ALTER INDEX x``, ``DROP CONSTRAINT x``, ...): a pending job on an object of that name
  must finish first.
* ``needs_tables``: tables whose pending jobs must finish first (the statement drops, renames or alters
  existing parts of them); ``references``: tables named after ``REFERENCES`` (their pending unique index
  builds must finish first).
* directives from ``-- prisma-dsql:`` comments right before the statement (see docs/directives.md):
  ``repeat`` (repeat-until-zero-rows) and ``wait_all`` (wait-for-jobs). An unknown directive, a directive
  that is not right before a statement, ``repeat`` on a statement that is not DML, and transaction control other
  than balanced ``BEGIN; ... COMMIT;`` blocks raise :class:`MigrationFileError` (exit 2) naming the file and
  line.

Names are compared as PostgreSQL folds them: unquoted lower-cased, quoted as written; schemas are dropped
(a same-named object in another schema only makes the engine wait when it need not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from prisma_dsql.errors import PrismaDsqlError
from prisma_dsql.sql.classify import ASYNC_DDL, DML, TRANSACTION_CONTROL, classify, transaction_verb
from prisma_dsql.sql.directives import ARGUMENTS as _ARGUMENTS
from prisma_dsql.sql.directives import FINGERPRINT, WAIT_FOR_JOBS, WRITERS_BLOCKED
from prisma_dsql.sql.directives import LINE as _DIRECTIVE_LINE
from prisma_dsql.sql.directives import NAME_PREFIX as DIRECTIVE_PREFIX
from prisma_dsql.sql.directives import NAMES as DIRECTIVES
from prisma_dsql.sql.directives import REPEAT_UNTIL_ZERO_ROWS as REPEAT
from prisma_dsql.sql.split import Statement

_FINGERPRINT_ARG = _ARGUMENTS[FINGERPRINT]


class MigrationFileError(PrismaDsqlError):
    """A migration.sql the engine cannot run as written (exit 2)."""

    exit_code = 2


@dataclass(frozen=True)
class JobObject:
    kind: str  # "index" | "constraint"
    name: str
    table: str
    unique: bool = False
    #: Key columns of an index when they are plain column names (empty: expressions, or unknown).
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    index: int  # 0-based position in the migration
    text: str
    line: int  # 1-based line in migration.sql
    kind: str
    job_object: JobObject | None = None
    needs_names: frozenset[str] = frozenset()
    needs_tables: frozenset[str] = frozenset()
    references: frozenset[str] = frozenset()
    #: (table, referenced columns) of each REFERENCES clause; columns empty when not written.
    reference_columns: tuple[tuple[str, tuple[str, ...]], ...] = ()
    repeat: bool = False
    wait_all: bool = False
    #: `-- prisma-dsql:writers-blocked`: a copy of rows starts; writers of the table must be stopped.
    writers_blocked: bool = False
    #: The table the statement creates or alters (for the commit probe, see deploy.probe).
    target_table: str | None = None
    #: `ADD CONSTRAINT name`: the constraint's name (with `references`, a foreign key to those tables).
    adds_constraint: str | None = None
    #: The shared classifier's kind (ddl / dml / async-ddl / transaction-control / other).
    sql_kind: str = "ddl"
    #: Line of the `BEGIN` of the transaction block the statement was written in; None outside one.
    block: int | None = None

    @property
    def is_do_block(self) -> bool:
        """A ``DO`` block (anonymous PL/pgSQL): PostgreSQL runs it, Aurora DSQL has no PL/pgSQL."""
        return self.text[:2].lower() == "do" and (len(self.text) == 2 or not (self.text[2].isalnum()
                                                                             or self.text[2] in "_$"))

    @property
    def is_async(self) -> bool:
        return self.kind in ("async_index", "async_validate")

    def head(self, width: int = 100) -> str:
        """The statement on one line, shortened."""
        one = " ".join(self.text.split())
        return one if len(one) <= width else one[: width - 1] + "…"


# -- tokens -------------------------------------------------------------------------------------------------

#: Literals and quoted names in the unrolled form (a run of plain characters, then an escaped quote and another
#: run): one regex step per run, not per character, so a 50 MB literal costs no per-character memory.
_TOKEN = re.compile(r'"[^"]*(?:""[^"]*)*"|\'[^\']*(?:\'\'[^\']*)*\'|[A-Za-z_\u0080-\U0010ffff][\w$\u0080-\U0010ffff]*|\S')


@dataclass(frozen=True)
class _Tok:
    text: str
    word: str  # lower-cased keyword for unquoted words, "" otherwise
    name: str | None  # identifier as PostgreSQL folds it, None for punctuation and literals


def _tokens(text: str) -> list[_Tok]:
    out = []
    for m in _TOKEN.finditer(text):
        t = m.group()
        if t.startswith('"'):
            out.append(_Tok(t, "", t[1:-1].replace('""', '"')))
        elif t.startswith("'"):
            out.append(_Tok(t, "", None))
        elif t[0].isalpha() or t[0] == "_" or ord(t[0]) > 127:
            out.append(_Tok(t, t.lower(), t.lower()))
        else:
            out.append(_Tok(t, "", None))
    return out


def _qualified(toks: list[_Tok], i: int) -> tuple[str | None, int]:
    """The (unqualified) name starting at toks[i] (`a`, `s.a`, `"s"."a"`) and the index after it."""
    if i >= len(toks) or toks[i].name is None:
        return None, i
    name, i = toks[i].name, i + 1
    while i + 1 < len(toks) and toks[i].text == "." and toks[i + 1].name is not None:
        name, i = toks[i + 1].name, i + 2
    return name, i


def _name_list(toks: list[_Tok], i: int) -> list[str]:
    """The comma-separated (qualified) names from token `i` on, as DROP TABLE a, b lists them."""
    names = []
    while i < len(toks):
        name, i = _qualified(toks, i)
        if name:
            names.append(name)
        if i < len(toks) and toks[i].text == ",":
            i += 1
            continue
        break
    return names


def _skip(toks: list[_Tok], i: int, *words: str) -> int:
    """Skip optional keyword runs such as IF NOT EXISTS / ONLY."""
    changed = True
    while changed:
        changed = False
        for phrase in words:
            parts = phrase.split()
            if [t.word for t in toks[i:i + len(parts)]] == parts:
                i += len(parts)
                changed = True
    return i


def _column_list(toks: list[_Tok], i: int) -> tuple[str, ...]:
    """`(a, "B", c)` at toks[i] (after an optional USING method): the names; () when any key is not a bare
    column (an expression, options) or there is no list."""
    i = _skip(toks, i, "using btree", "using btree_index")
    if i >= len(toks) or toks[i].text != "(":
        return ()
    cols: list[str] = []
    i += 1
    while i < len(toks):
        if toks[i].name is None:
            return ()
        cols.append(toks[i].name)
        i += 1
        if i < len(toks) and toks[i].text == ",":
            i += 1
            continue
        if i < len(toks) and toks[i].text == ")":
            return tuple(cols)
        return ()
    return ()


#: Statements that read rows: run with the step count in one transaction, as DML is.
_READS = {"select", "values", "table"}
#: ALTER TABLE actions that work on what already exists (columns, constraints, the table's name).
_ALTERS_EXISTING = {"drop", "rename", "alter", "set", "validate", "owner", "replica", "cluster", "inherit",
                    "no", "enable", "disable", "attach", "detach", "force"}


def analyse(statement: Statement, index: int, file: Path | str = "migration.sql",
            directives: tuple[tuple[str, int], ...] = (), block: int | None = None) -> Step:
    toks = _tokens(statement.text)
    words = [t.word for t in toks]
    first = words[0] if words else ""
    where = f"{file}:{statement.line}"
    sql_kind = classify(statement.text)
    if sql_kind == TRANSACTION_CONTROL:
        raise MigrationFileError(f"{where}: `{statement.text.split()[0]}`: transaction control other than a "
                                 "`BEGIN; ... COMMIT;` block is not supported in a migration run by prisma-dsql "
                                 "(each statement runs in its own transaction, as DSQL requires); remove it")
    repeat = any(name == REPEAT for name, _ in directives)
    wait_all = any(name == WAIT_FOR_JOBS for name, _ in directives)
    writers_blocked = any(name == WRITERS_BLOCKED for name, _ in directives)

    kind = "ddl"
    job_object = None
    needs_names: set[str] = set()
    needs_tables: set[str] = set()
    target_table = None
    if sql_kind == DML or first in _READS or (first == "with" and sql_kind != ASYNC_DDL):
        kind = "dml"
    elif first in ("set", "reset"):
        kind = "session"
    elif first == "create":
        i = _skip(toks, 1, "unique")
        unique = "unique" in words[1:2]
        if i < len(toks) and words[i] == "index":
            i += 1
            is_async = i < len(toks) and words[i] == "async"
            i = _skip(toks, i + (1 if is_async else 0), "if not exists", "concurrently")
            name = None
            if i < len(toks) and words[i] != "on":
                name, i = _qualified(toks, i)
            i = _skip(toks, i, "on", "only")
            table, i = _qualified(toks, i)
            target_table = table
            if is_async:
                kind = "async_index"
                job_object = JobObject("index", name or "", table or "", unique, _column_list(toks, i))
        elif i < len(toks) and words[i] in ("table", "view"):
            target_table, _ = _qualified(toks, _skip(toks, i + 1, "if not exists"))
    elif first == "alter" and len(words) > 1 and words[1] == "table":
        i = 2
        is_async = i < len(toks) and words[i] == "async"
        i = _skip(toks, i + (1 if is_async else 0), "if exists", "only")
        table, i = _qualified(toks, i)
        target_table = table
        action = words[i] if i < len(toks) else ""
        if is_async and action == "validate" and table:
            cname, _ = _qualified(toks, _skip(toks, i + 1, "constraint"))
            kind = "async_validate"
            job_object = JobObject("constraint", cname or "", table)
            if cname:
                needs_names.add(cname)
        elif action in _ALTERS_EXISTING and table:
            needs_tables.add(table)
    elif first == "drop" and len(words) > 1 and words[1] in ("table", "view", "materialized"):
        needs_tables.update(_name_list(toks, _skip(toks, 2, "view", "if exists")))
    elif first == "drop" and len(words) > 1 and words[1] == "index":
        needs_names.update(_name_list(toks, _skip(toks, 2, "concurrently", "if exists")))
    elif first == "alter" and len(words) > 1 and words[1] == "index":
        name, _ = _qualified(toks, _skip(toks, 2, "if exists"))
        if name:
            needs_names.add(name)

    references: set[str] = set()
    reference_columns: list[tuple[str, tuple[str, ...]]] = []
    adds_constraint = None
    for j, t in enumerate(toks):
        if t.word == "constraint" and j > 0 and toks[j - 1].word == "add" and kind == "ddl":
            adds_constraint, _ = _qualified(toks, j + 1)
        if t.word == "references":
            name, k = _qualified(toks, j + 1)
            if name:
                references.add(name)
                reference_columns.append((name, _column_list(toks, k)))
        elif t.word == "index" and j > 0 and toks[j - 1].word == "using":
            name, _ = _qualified(toks, j + 1)
            if name:
                needs_names.add(name)
        elif t.word == "constraint" and j > 0 and toks[j - 1].word in ("drop", "rename") and kind == "ddl":
            name, _ = _qualified(toks, _skip(toks, j + 1, "if exists"))
            if name:
                needs_names.add(name)

    if repeat and kind != "dml":
        line = next(line for name, line in directives if name == REPEAT)
        raise MigrationFileError(f"{file}:{line}: `-- prisma-dsql:{REPEAT}` must come right before an INSERT, "
                                 "UPDATE or DELETE statement (it repeats that statement until it changes no row)")
    return Step(index=index, text=statement.text, line=statement.line, kind=kind, job_object=job_object,
                needs_names=frozenset(needs_names), needs_tables=frozenset(needs_tables),
                references=frozenset(references), repeat=repeat, wait_all=wait_all, target_table=target_table,
                writers_blocked=writers_blocked,
                adds_constraint=adds_constraint, reference_columns=tuple(reference_columns), sql_kind=sql_kind,
                block=block)


@dataclass(frozen=True)
class TransactionBlock:
    """A ``BEGIN; ... COMMIT;`` block of a migration.sql (lines of its two statements)."""

    begin_line: int
    commit_line: int
    statements: int


def unwrap_transactions(statements: list[Statement], file: Path | str,
                        directives: list[tuple] | None = None) -> tuple[list[tuple[Statement, int | None, tuple]],
                                                                       tuple[TransactionBlock, ...]]:
    """Remove the ``BEGIN``/``COMMIT`` of balanced transaction blocks, as Prisma accepts them in a folder.

    Returns ``(statement, block, directives)`` for every other statement (``block``: the line of the ``BEGIN``
    it follows, None outside a block) and the blocks found. What the blocks become is the runner's to decide:
    on PostgreSQL a block (or the whole migration) runs as one transaction, as written; on Aurora DSQL, which
    runs one DDL statement per transaction, the wrapper is dropped and each statement runs on its own (the
    folder check says so). Refused (:class:`MigrationFileError`, exit 2, naming the line): a ``BEGIN`` inside a
    block, a ``COMMIT`` with no ``BEGIN``, a ``BEGIN`` never committed, any other transaction control
    (``ROLLBACK``, ``SAVEPOINT``, ``PREPARE TRANSACTION``, ...), and a directive written before ``BEGIN`` or
    ``COMMIT``."""
    directives = directives if directives is not None else [()] * len(statements)
    kept: list[tuple[Statement, int | None, tuple]] = []
    blocks: list[TransactionBlock] = []
    open_at: int | None = None
    inside = 0
    for statement, found in zip(statements, directives):
        if statement.kind != TRANSACTION_CONTROL:
            kept.append((statement, open_at, found))
            inside += open_at is not None
            continue
        word = statement.text.split()[0]
        if found:
            raise MigrationFileError(f"{file}:{found[0][1]}: a directive must come right before the statement it "
                                     f"is for, not before `{word}`")
        verb = transaction_verb(statement.text)
        if verb == "begin":
            if open_at is not None:
                raise MigrationFileError(f"{file}:{statement.line}: `{word}` inside the transaction block opened "
                                         f"at line {open_at}; remove one of them")
            open_at, inside = statement.line, 0
        elif verb == "commit":
            if open_at is None:
                raise MigrationFileError(f"{file}:{statement.line}: `{word}` with no `BEGIN` before it; remove it")
            blocks.append(TransactionBlock(open_at, statement.line, inside))
            open_at = None
        else:
            raise MigrationFileError(f"{file}:{statement.line}: `{word}`: only `BEGIN; ... COMMIT;` blocks are "
                                     "supported in a migration run by prisma-dsql (a ROLLBACK or SAVEPOINT would "
                                     "make the recorded progress wrong); remove it")
    if open_at is not None:
        raise MigrationFileError(f"{file}:{open_at}: `BEGIN` with no `COMMIT` after it; add `COMMIT;` where the "
                                 "block ends")
    return kept, tuple(blocks)


def directives_by_statement(script: str, statements: list[Statement], file: Path | str) -> list[tuple]:
    """For each statement, the ``(directive, line)`` pairs written right before it.

    Every ``-- prisma-dsql:`` line of the file must be a known directive among the comments that lead a
    statement; anything else raises :class:`MigrationFileError` naming the line. Only the lines that hold
    ``prisma-dsql:`` are looked at (found with ``str.find``, their numbers counted as it goes): a file of
    millions of lines costs no per-line memory."""
    found: dict[int, tuple[re.Match, str]] = {}
    line, at = 1, 0
    pos = script.find(DIRECTIVE_PREFIX)
    while pos >= 0:
        start = script.rfind("\n", 0, pos) + 1
        end = script.find("\n", pos)
        end = len(script) if end < 0 else end
        line += script.count("\n", at, start)
        at = start
        text = script[start:end]
        m = _DIRECTIVE_LINE.match(text)
        if m is not None:
            found[line] = (m, text.strip())
        pos = script.find(DIRECTIVE_PREFIX, end)
    result: list[tuple] = []
    claimed: set[int] = set()
    lines = sorted(found)  # the found lines are walked once, beside the statements (both in file order)
    k = 0
    for s in statements:
        mine = []
        while k < len(lines) and lines[k] < s.line:
            line_no = lines[k]
            k += 1
            m, text = found[line_no]
            if text in {c.strip() for c in s.leading_comments}:
                mine.append((m.group("name"), line_no))
                claimed.add(line_no)
        result.append(tuple(mine))
    for line_no, (m, _text) in sorted(found.items(), key=lambda item: item[0]):
        name = m.group("name")
        if name not in DIRECTIVES:
            known = ", ".join(f"`-- {DIRECTIVE_PREFIX}{d}`" for d in DIRECTIVES)
            raise MigrationFileError(f"{file}:{line_no}: unknown directive `-- {DIRECTIVE_PREFIX}{name}` "
                                     f"(known: {known}; see docs/directives.md)")
        if name == FINGERPRINT:
            if not _FINGERPRINT_ARG.match(m.group("rest")):
                raise MigrationFileError(f"{file}:{line_no}: `-- {DIRECTIVE_PREFIX}{name}` takes one argument: the "
                                         "SHA-256 (64 hex digits) of the catalog the migration was planned from")
            if statements and line_no > statements[0].line:
                raise MigrationFileError(f"{file}:{line_no}: `-- {DIRECTIVE_PREFIX}{name}` belongs before the "
                                         "first statement of the file")
            continue
        if m.group("rest").strip():
            raise MigrationFileError(f"{file}:{line_no}: `-- {DIRECTIVE_PREFIX}{name}` takes no arguments")
        if line_no not in claimed:
            raise MigrationFileError(f"{file}:{line_no}: `-- {DIRECTIVE_PREFIX}{name}` is not right before a "
                                     "statement (only comments may stand between a directive and its statement)")
    return result
