"""Undo what a failed migration built that hurts the running application (Aurora DSQL: one statement per
transaction, so a failure leaves the statements before it committed).

Contract
--------
:func:`candidates(steps)` reads the statements a migration has already applied (their text only, with the
classification of :mod:`prisma_dsql.deploy.steps`) and returns what each built that the undo may remove, as
:class:`Candidate` (the statement, what it is, the catalog query that says whether it is still there in the state
that hurts, and the ``DROP``). What counts is data, :data:`RULES`:

* ``invalid_index``: an index the migration built (``CREATE [UNIQUE] INDEX [ASYNC]``) that is INVALID (a failed
  or unfinished build): a unique one still rejects writers' duplicates while it is useless to readers.
* ``not_valid_constraint``: a CHECK or FOREIGN KEY the migration added ``NOT VALID`` and that is still not
  validated: it is enforced on every new write (the running application's inserts fail with 23514 / 23503).
* ``temporary_column`` / ``temporary_table``: the copy of a column or table an enum swap or a rebuild writes to
  (``<name>__prisma_dsql_new``), removed only while the original (``<name>``) still exists: the copy holds
  nothing the application had that the original does not.
* ``temporary_domain``: a domain named as the planner names temporary ones (``<name>_<8 hex digits>_``),
  removed only when no column uses it (a plain ``DROP DOMAIN``, never ``CASCADE``).
* Scratch (the last three) only while no later applied statement names it (a copy already filled, given a
  default or swapped stays): the resumed migration runs again only the statement that created it.

Nothing that holds data the application already had is ever dropped: no table, column or domain other than
those temporary copies, and no ``CASCADE``.

:func:`undo(call, candidates)` runs each query, then each ``DROP`` still due, one statement per call (``call`` is
the engine's retrying :meth:`Runner.call`), and returns an :class:`UndoReport`: what was removed (and by which
statement, so the engine can run those statements again when the migration resumes), what could not be removed
and the exact ``DROP`` to run by hand.

:func:`resume_line` / :func:`parse_resume` write and read the line of ``_prisma_migrations.logs`` that makes a
failed migration resumable by ``deploy``: the statements to run again, and the statement to continue from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from prisma_dsql.deploy.steps import Step, _qualified, _skip, _tokens

#: The suffix the planner gives the copy of a column or table (prisma_dsql.plan.planner REBUILD_SUFFIX/SWAP_SUFFIX).
TEMPORARY_SUFFIX = "__prisma_dsql_new"
#: A temporary domain of an enum change: `<name>_<crc32 hex>_`.
TEMPORARY_DOMAIN = re.compile(r"_[0-9a-f]{8}_$")

#: What constrains writers or is the migration's own scratch space, in the order the undo removes it (indexes and
#: constraints first: they are what the running application hits; domains last: columns may still use them).
RULES: tuple[tuple[str, str], ...] = (
    ("invalid_index", "an INVALID index left by a failed build (a unique one still rejects duplicates)"),
    ("not_valid_constraint", "a NOT VALID constraint, enforced on every new write while not validated"),
    ("temporary_column", "a temporary copy of a column (its original still holds the data)"),
    ("temporary_table", "a temporary copy of a table (its original still holds the data)"),
    ("temporary_domain", "a temporary domain no column uses"),
)
_ORDER = {kind: i for i, (kind, _) in enumerate(RULES)}
WHY = dict(RULES)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Candidate:
    step_index: int  # 0-based statement of the migration that built it
    kind: str  # a key of RULES
    name: str
    table: str | None
    #: A query with one boolean result: True when the object is there, in the state that hurts (or is scratch).
    check: tuple[str, tuple]
    drop: str

    def describe(self) -> str:
        where = f' on "{self.table}"' if self.table and self.kind != "temporary_table" else ""
        return f'"{self.name}"{where}: {WHY[self.kind]} (statement {self.step_index + 1})'


@dataclass
class UndoReport:
    removed: list[Candidate] = field(default_factory=list)
    #: (candidate, error) for each object the undo could not remove.
    failed: list[tuple[Candidate, str]] = field(default_factory=list)

    def rerun(self) -> list[int]:
        """0-based statements to run again when the migration resumes (what they built is gone)."""
        return sorted({c.step_index for c in self.removed})

    def lines(self) -> list[str]:
        out = []
        if self.removed:
            out.append("Removed (so that the running application keeps working):")
            out += [f"  - {c.describe()}: {c.drop};" for c in self.removed]
        if self.failed:
            out.append("Could not remove (run these by hand):")
            out += [f"  - {c.describe()}: {c.drop}; ({err})" for c, err in self.failed]
        return out


_INDEX_INVALID = ("SELECT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                  "JOIN pg_class t ON t.oid = i.indrelid WHERE c.relname = %s AND t.relname = %s "
                  "AND NOT i.indisvalid)")
_CONSTRAINT_NOT_VALID = ("SELECT EXISTS (SELECT 1 FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
                         "WHERE c.conname = %s AND t.relname = %s AND NOT c.convalidated)")
_COLUMN_PAIR = ("SELECT count(*) = 2 FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid "
                "WHERE t.relname = %s AND t.relkind IN ('r', 'p') AND a.attname IN (%s, %s) AND NOT a.attisdropped")
_TABLE_PAIR = "SELECT count(*) = 2 FROM pg_class WHERE relname IN (%s, %s) AND relkind IN ('r', 'p')"
_DOMAIN_UNUSED = ("SELECT EXISTS (SELECT 1 FROM pg_type d WHERE d.typname = %s AND d.typtype = 'd' AND NOT EXISTS "
                  "(SELECT 1 FROM pg_attribute a WHERE a.atttypid = d.oid AND NOT a.attisdropped))")


def _of(step: Step) -> list[Candidate]:
    toks = _tokens(step.text)
    w = [t.word for t in toks]
    if len(w) < 3:
        return []
    out: list[Candidate] = []
    table = step.target_table
    if w[0] == "create":
        i = _skip(toks, 1, "unique")
        if i < len(w) and w[i] == "index" and table:
            i = _skip(toks, i + 1, "async", "concurrently", "if not exists")
            name, _ = _qualified(toks, i) if i < len(w) and w[i] != "on" else (None, i)
            if name:
                out.append(Candidate(step.index, "invalid_index", name, table, (_INDEX_INVALID, (name, table)),
                                     f"DROP INDEX {_ident(name)}"))
        elif i < len(w) and w[i] == "table" and table and table.endswith(TEMPORARY_SUFFIX):
            original = table[: -len(TEMPORARY_SUFFIX)]
            out.append(Candidate(step.index, "temporary_table", table, None, (_TABLE_PAIR, (table, original)),
                                 f"DROP TABLE {_ident(table)}"))
        elif i < len(w) and w[i] == "domain":
            name, _ = _qualified(toks, i + 1)
            if name and TEMPORARY_DOMAIN.search(name):
                out.append(Candidate(step.index, "temporary_domain", name, None, (_DOMAIN_UNUSED, (name,)),
                                     f"DROP DOMAIN {_ident(name)}"))
    elif w[:2] == ["alter", "table"] and table:
        if step.adds_constraint and any(w[j:j + 2] == ["not", "valid"] for j in range(len(w) - 1)):
            name = step.adds_constraint
            out.append(Candidate(step.index, "not_valid_constraint", name, table,
                                 (_CONSTRAINT_NOT_VALID, (name, table)),
                                 f"ALTER TABLE {_ident(table)} DROP CONSTRAINT {_ident(name)}"))
        for j in range(len(w) - 1):
            if w[j] == "add" and (w[j + 1] == "column" or toks[j + 1].name):
                k = _skip(toks, j + 1, "column", "if not exists")
                column = toks[k].name if k < len(toks) else None
                if column and column.endswith(TEMPORARY_SUFFIX):
                    original = column[: -len(TEMPORARY_SUFFIX)]
                    out.append(Candidate(step.index, "temporary_column", column, table,
                                         (_COLUMN_PAIR, (table, column, original)),
                                         f"ALTER TABLE {_ident(table)} DROP COLUMN {_ident(column)}"))
    return out


#: Scratch space: removed only when running its one statement again rebuilds it exactly (see candidates()).
SCRATCH = frozenset({"temporary_column", "temporary_table", "temporary_domain"})


def candidates(steps: list[Step]) -> list[Candidate]:
    """What the applied ``steps`` built that the undo may remove, in the order it removes them.

    Scratch space (a temporary copy, a temporary domain) is a candidate only while no later applied statement
    names it, other than statements whose own scratch is removed too: the resumed migration runs again only the
    statement that created it, so a copy already filled by a later statement (or a default set on it, or a
    swap that used it) must stay, or its rows would be lost when the swap goes on."""
    found = [c for step in steps for c in _of(step)]
    names = {step.index: {t.name for t in _tokens(step.text) if t.name} for step in steps}
    scratch = [c for c in found if c.kind in SCRATCH]
    keep = {id(c) for c in found if c.kind not in SCRATCH}
    removable = {id(c) for c in scratch}
    changed = True
    while changed:  # a domain is removable only if the columns naming it are removed too
        changed = False
        rerun = {c.step_index for c in scratch if id(c) in removable}
        for c in scratch:
            if id(c) not in removable:
                continue
            later = [i for i, seen in names.items() if i > c.step_index and c.name in seen]
            if any(i not in rerun for i in later):
                removable.discard(id(c))
                changed = True
    chosen = [c for c in found if id(c) in keep or id(c) in removable]
    return sorted(chosen, key=lambda c: (_ORDER[c.kind], -c.step_index))


def undo(call, found: list[Candidate]) -> UndoReport:
    """Remove every candidate still there in the state that hurts; each query and DROP is one call."""
    from prisma_dsql.redact import redact

    report = UndoReport()
    for c in found:
        try:
            due = call(lambda conn, c=c: bool(conn.execute(c.check[0], c.check[1]).fetchone()[0]))
            if not due:
                continue
            call(lambda conn, c=c: conn.execute(c.drop))
            report.removed.append(c)
        except Exception as exc:  # the database refused or is gone: say what to run, keep going
            lines = str(exc).strip().splitlines()
            report.failed.append((c, redact(lines[0]) if lines else type(exc).__name__))
    return report


# -- the resume line in _prisma_migrations.logs ----------------------------------------------------------------

_RESUME = re.compile(r"^prisma-dsql resume: run again statements? \[(?P<again>[\d, ]*)\], continue from statement "
                     r"(?P<at>\d+)\.?$", re.MULTILINE)


def resume_line(again: list[int], continue_at: int) -> str:
    """The logs line that makes the migration resumable (1-based statement numbers in the text)."""
    return (f"prisma-dsql resume: run again statements [{', '.join(str(i + 1) for i in again)}], continue from "
            f"statement {continue_at + 1}.")


def parse_resume(logs: str | None) -> tuple[list[int], int] | None:
    """(0-based statements to run again, 0-based statement to continue from), or None: not resumable."""
    if not logs:
        return None
    m = None
    for m in _RESUME.finditer(logs):
        pass
    if m is None:
        return None
    again = [int(x) - 1 for x in m.group("again").replace(" ", "").split(",") if x]
    return again, int(m.group("at")) - 1
