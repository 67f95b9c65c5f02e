"""Plans: the central data type of a migration, shared by dry runs, scripts and the deploy engine.

Contract: a `Plan` is an ordered tuple of `Step`s plus what it was computed for (the target,
its profile in words, and the fingerprint of the catalog it starts from, so that applying it
to a database that has moved on can be refused). A `Step` is one SQL statement that runs in a
transaction of its own, with its kind (DDL, DML, or DDL that starts a DSQL background job),
its hazards, the reason in words, the `.prisma` span it serves, a stable id and the ids of the
steps it needs. Nothing here renders SQL or talks to a database.

`Plan.text()` is the migration.sql: Prisma's layout (a `-- Label` line, the statement and `;`,
a blank line between steps), with the directive comments the deploy engine honours written on
the lines before a step (see docs/directives.md):

    -- prisma-dsql:repeat-until-zero-rows   run the DML again, each time in its own transaction,
                                           until it changes no row (a batched backfill)
    -- prisma-dsql:wait-for-jobs            wait for every async job started so far first
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prisma_dsql.source import Span
from prisma_dsql.sql import directives

#: Hazard kinds, as pg-schema-diff types them: what can go wrong when a step runs.
DATA_LOSS = "data-loss"
REBUILD = "rebuild"
MAY_FAIL = "may-fail-on-existing-data"
LONG_RUNNING = "long-running"
ROW_LIMIT = "row-limit"
#: The step copies rows (a rebuild, a column swap) or follows such a copy: the application must not write
#: to the table until the swap is done. A write that races in is found before the swap (which then stops,
#: the old table or column still in place), never lost silently; `deploy` says so before the first such step.
WRITERS_BLOCKED = "writers-blocked"
HAZARD_KINDS = (DATA_LOSS, REBUILD, MAY_FAIL, LONG_RUNNING, ROW_LIMIT, WRITERS_BLOCKED)


@dataclass(frozen=True)
class Hazard:
    kind: str
    message: str


@dataclass(frozen=True)
class Precondition:
    """A query that must find nothing before a migration's first statement runs: `sql` returns one row
    of one integer, the number of rows that would make the step fail (0: the step can run), and
    `sample_sql` (optional) a few of those rows for the message. `name` is stable (for skipping and
    reports), `message` says in words what is checked."""

    name: str
    sql: str
    message: str
    sample_sql: str = ""

    def to_data(self) -> dict[str, Any]:
        return {"name": self.name, "sql": self.sql, "message": self.message, "sample_sql": self.sample_sql}


@dataclass(frozen=True)
class Step:
    """One statement of a plan.

    `label` is Prisma's step name (CreateTable, AlterTable, ...); `kind` is "ddl", "dml" or
    "async-ddl" (a statement that returns a DSQL job id); `sql` has no `;`. `operation` is the
    operation (`prisma_dsql.plan.operations`) the statement was rendered from; `preconditions` the
    queries that must find nothing before the migration starts (see `Precondition`).
    """

    id: str
    sql: str
    label: str
    kind: str
    subject: str = ""
    reason: str = ""
    span: Span | None = field(default=None, compare=False)
    hazards: tuple[Hazard, ...] = ()
    depends_on: tuple[str, ...] = ()
    directives: tuple[str, ...] = ()
    operation: Any = field(default=None, compare=False, repr=False)
    preconditions: tuple[Precondition, ...] = ()

    @property
    def async_job(self) -> bool:
        return self.kind == "async-ddl"

    def to_data(self) -> dict[str, Any]:
        return {
            "id": self.id, "label": self.label, "kind": self.kind, "sql": self.sql, "subject": self.subject,
            "reason": self.reason,
            "source": None if self.span is None else {"file": self.span.file, "line": self.span.line,
                                                      "column": self.span.column},
            "hazards": [{"kind": h.kind, "message": h.message} for h in self.hazards],
            "depends_on": list(self.depends_on), "directives": list(self.directives),
            "operation": None if self.operation is None else type(self.operation).__name__,
            "preconditions": [p.to_data() for p in self.preconditions],
        }


@dataclass(frozen=True)
class Plan:
    target: str
    profile: str
    steps: tuple[Step, ...]
    #: SHA-256 of the normalized catalog the plan starts from (`Catalog.fingerprint()`).
    fingerprint: str = ""
    step_comments: bool = True
    empty_text: str = "-- This is an empty migration.\n"

    @property
    def is_empty(self) -> bool:
        return not self.steps

    def text(self) -> str:
        if not self.steps:
            return self.empty_text
        return "\n".join(self._step_text(s) for s in self.steps)

    def _step_text(self, step: Step) -> str:
        lines = [directives.render(d) for d in step.directives]
        if self.step_comments:
            lines.append(f"-- {step.label}")
        lines.append(f"{step.sql};")
        return "\n".join(lines) + "\n"

    def statements(self) -> list[str]:
        return [s.sql for s in self.steps]

    def hazards(self) -> list[tuple[Step, Hazard]]:
        return [(s, h) for s in self.steps for h in s.hazards]

    def to_data(self) -> dict[str, Any]:
        return {"target": self.target, "profile": self.profile, "fingerprint": self.fingerprint,
                "steps": [s.to_data() for s in self.steps]}
