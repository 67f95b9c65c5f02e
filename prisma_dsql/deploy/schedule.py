"""When to wait for async jobs: pure bookkeeping shared by the deploy engine and ``--dry-run``.

Contract
--------
A :class:`Scheduler` holds the pending jobs (key -> :class:`~prisma_dsql.deploy.steps.JobObject`) in start
order. :meth:`Scheduler.blockers(step)` returns the keys of the pending jobs that must finish before ``step``
runs:

* every pending job, for a step with ``-- prisma-dsql:wait-for-jobs``;
* a job on an index or constraint the step names (``USING INDEX x``, ``DROP INDEX x``, ``ALTER INDEX x``,
  ``DROP CONSTRAINT x``, a second ``VALIDATE`` of ``x``);
* the jobs on a table the step drops, renames or alters in place (``ALTER TABLE t DROP/RENAME/ALTER/SET``,
  ``DROP TABLE t``);
* the unique index builds on a table the step references (``REFERENCES t (cols)``: those whose key columns are
  ``cols``; all of them when the columns are not written), and on the table referenced by
  the foreign key a ``VALIDATE CONSTRAINT`` checks (known from an earlier ``ADD CONSTRAINT ... REFERENCES``
  in this run, else from ``lookup_reference`` — the engine reads it from pg_constraint).

Everything else runs at once: builds on the same table, on other tables, backfills, new tables and columns.
:meth:`over_cap` says when starting one more job would exceed ``max_jobs``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from prisma_dsql.deploy.steps import JobObject, Step


class Scheduler:
    def __init__(self, max_jobs: int,
                 lookup_reference: Callable[[str, str], tuple[str, tuple[str, ...]] | None] | None = None) -> None:
        self.max_jobs = max_jobs
        self.pending: dict[Hashable, JobObject] = {}
        self.lookup_reference = lookup_reference
        #: constraint name -> ((referenced table, columns), ...) from ADD CONSTRAINT ... REFERENCES in this run
        self.fk_targets: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {}

    def note(self, step: Step) -> None:
        """Learn what a step that ran tells later steps (foreign key targets)."""
        if step.adds_constraint and step.reference_columns:
            self.fk_targets[step.adds_constraint] = step.reference_columns

    def started(self, key: Hashable, obj: JobObject) -> None:
        self.pending[key] = obj

    def finished(self, key: Hashable) -> None:
        self.pending.pop(key, None)

    def over_cap(self) -> bool:
        return len(self.pending) >= self.max_jobs

    def oldest(self) -> Hashable | None:
        return next(iter(self.pending), None)

    def blockers(self, step: Step) -> list[Hashable]:
        if not self.pending:
            return []
        if step.wait_all:
            return list(self.pending)
        references = list(step.reference_columns)
        if step.kind == "async_validate" and step.job_object is not None:
            obj = step.job_object
            targets = self.fk_targets.get(obj.name)
            if targets is None and self.lookup_reference is not None:
                found = self.lookup_reference(obj.name, obj.table)
                targets = (found,) if found else ()
            references += list(targets or ())
        referenced = {table for table, _ in references}
        #: table -> column sets named by REFERENCES clauses (None: columns not written)
        ref_cols: dict[str, list[frozenset[str] | None]] = {}
        for table, cols in references:
            ref_cols.setdefault(table, []).append(frozenset(cols) if cols else None)
        out = []
        for key, obj in self.pending.items():
            if obj.name in step.needs_names or obj.table in step.needs_tables:
                out.append(key)
            elif obj.kind == "index" and obj.unique and obj.table in referenced:
                wanted = ref_cols.get(obj.table, [None])
                # A foreign key needs the unique index on exactly its referenced columns; one on other columns
                # (or the primary key's, which exists from CREATE TABLE) does not hold it up.
                if not obj.columns or any(c is None or c == frozenset(obj.columns) for c in wanted):
                    out.append(key)
        return out
