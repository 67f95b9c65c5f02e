"""Directive comments in migration.sql: `-- prisma-dsql:<name>` lines that tell the deploy engine
how to run the statement after them (docs/directives.md).

Contract: the one list of directive names, and their text form both ways. The planner writes
directives with `render`; deploy and rehearsal read them with `parse` (a line -> the name, or
None for any other line; `DirectiveError` for a malformed or unknown one). Nothing here runs
or checks SQL.

- `REPEAT_UNTIL_ZERO_ROWS`: run the DML again, each run in its own transaction, until it changes
  no row. A statement the planner writes with it holds `LIMIT <int>` exactly once (the batch
  size); the engine may lower that number at run time (byte limits), never raise it.
- `WAIT_FOR_JOBS`: wait for every async job started so far before the statement runs.
- `WRITERS_BLOCKED`: the statement starts a copy of rows (a table rebuild, a column swap): the application
  must not write to that table until the swap is done; `deploy` says so before running it.
- `FINGERPRINT <sha-256>`: where the plan started (prisma_dsql.migrations.fingerprint); it belongs to
  the file, so it stands before the first statement. The only directive with an argument.
"""

from __future__ import annotations

import re

#: What every directive line starts with, and the same without the comment dashes.
PREFIX = "-- prisma-dsql:"
NAME_PREFIX = "prisma-dsql:"

REPEAT_UNTIL_ZERO_ROWS = "repeat-until-zero-rows"
WAIT_FOR_JOBS = "wait-for-jobs"
FINGERPRINT = "fingerprint"
WRITERS_BLOCKED = "writers-blocked"
#: Every directive name, in the order docs/directives.md lists them.
NAMES: tuple[str, ...] = (REPEAT_UNTIL_ZERO_ROWS, WAIT_FOR_JOBS, FINGERPRINT, WRITERS_BLOCKED)
#: The directives that take an argument, and the form it must have.
ARGUMENTS: dict[str, re.Pattern[str]] = {FINGERPRINT: re.compile(r"^\s+[0-9a-f]{64}\s*$")}

#: A directive line: its name and whatever follows it.
LINE = re.compile(r"^\s*--\s*prisma-dsql:\s*(?P<name>\S*)(?P<rest>.*)$")
#: The batch size of a repeated statement: `LIMIT <int>`, once.
BATCH_LIMIT = re.compile(r"\bLIMIT\s+(\d+)\b", re.IGNORECASE)


class DirectiveError(ValueError):
    """A `-- prisma-dsql:` line that is not a known directive written as one."""


def render(name: str) -> str:
    """The comment line for directive `name` (no newline)."""
    if name not in NAMES:
        raise DirectiveError(f"unknown directive {name!r}")
    return PREFIX + name


def parse(line: str) -> str | None:
    """The directive a line holds, None when it is not a directive line at all (spaces around
    the name are tolerated, as the deploy engine always has)."""
    m = LINE.match(line)
    if m is None:
        return None
    name = m.group("name")
    if name not in NAMES:
        known = ", ".join(f"`{PREFIX}{n}`" for n in NAMES)
        raise DirectiveError(f"unknown directive `{PREFIX}{name}` (known: {known})")
    argument = ARGUMENTS.get(name)
    if argument is not None:
        if not argument.match(m.group("rest")):
            raise DirectiveError(f"`{PREFIX}{name}` takes one argument: a sha-256 in hex")
    elif m.group("rest").strip():
        raise DirectiveError(f"`{PREFIX}{name}` takes no arguments")
    return name


def batch_size(sql: str) -> int | None:
    """The `LIMIT n` of a repeated statement, when it holds exactly one."""
    found = BATCH_LIMIT.findall(sql)
    return int(found[0]) if len(found) == 1 else None


def with_batch_size(sql: str, rows: int) -> str:
    """`sql` with its one `LIMIT n` set to `rows` (the engine lowers a batch for byte limits)."""
    if batch_size(sql) is None:
        raise DirectiveError("a repeated statement must hold exactly one LIMIT <int>")
    return BATCH_LIMIT.sub(f"LIMIT {int(rows)}", sql, count=1)
