"""``deploy --dry-run``: every statement and every wait a deploy would run, without running anything.

Contract: :func:`plan(folder, rows, max_jobs, plain_postgres=False)` -> lines of text. ``rows`` is the history read from the database
(``None``: no database given, every migration is pending). Failed and edited migrations are reported as deploy
would refuse them; a failed migration whose failure was undone is shown resuming, as deploy continues it.
Waits are decided by the same :class:`~prisma_dsql.deploy.schedule.Scheduler` the engine
uses; a ``VALIDATE`` of a foreign key not added in this run is assumed to need no wait (the engine reads the
catalog for it), and the job-slot waits of ``--max-jobs`` are shown where the cap is reached. With
``plain_postgres`` (the database has no sys.jobs) async statements are shown in the PostgreSQL forms the engine
runs there, with nothing to wait for. A batched statement's LIMIT is shown as written: the engine sizes it
from the rows it measures when it runs.
"""

from __future__ import annotations

from prisma_dsql.deploy import undo
from prisma_dsql.deploy.folder import Folder, checksum_matches
from prisma_dsql.deploy.jobs import is_wait_call, postgres_form
from prisma_dsql.deploy.schedule import Scheduler


def plan(folder: Folder, rows, max_jobs: int, plain_postgres: bool = False) -> list[str]:
    """The lines, with control characters of folder names (and statements) made visible."""
    from prisma_dsql.render.safe import visible

    return [visible(line, keep_newlines=True) for line in _plan(folder, rows, max_jobs, plain_postgres)]


def _plan(folder: Folder, rows, max_jobs: int, plain_postgres: bool = False) -> list[str]:
    out: list[str] = []
    rows = rows or []
    failed = [r for r in rows if r.failed and r.logs]
    resumable = {r.migration_name: r for r in failed if undo.parse_resume(r.logs) is not None}
    if failed and len(failed) == len(resumable) == 1:
        failed = []
    if failed:
        return [(f"deploy would stop: migration {failed[0].migration_name} failed and must be resolved first "
                 "(`prisma-dsql migrate resolve`)")]
    applied = {r.migration_name for r in rows if r.applied}
    interrupted = {r.migration_name: r for r in rows if r.interrupted}
    interrupted.update(resumable)
    pending = [m for m in folder.migrations if m.name not in applied]
    if not pending:
        return ["No pending migrations to apply."]
    scheduler = Scheduler(max_jobs)
    job = 0
    for m in pending:
        steps = m.steps()
        start = 0
        row = interrupted.get(m.name)
        if row is not None:
            if not checksum_matches(row.checksum, m.data):
                out.append(f"deploy would stop: migration {m.name} was modified after it started")
                return out
            start = row.applied_steps_count
            again: list[int] = []
            if row.logs:  # failed, undone: what the undo removed runs again, then the failed statement on
                again, at = undo.parse_resume(row.logs)
                start = max(start, at)
            out.append(f"-- migration {m.name}: resume at statement {start + 1} of {len(steps)}"
                       if start < len(steps) else f"-- migration {m.name}: all {len(steps)} statements ran")
            out[-1] += ((f" (failed before; first running again statement(s) "
                          f"{', '.join(str(i + 1) for i in again)}, removed by the undo)" if again else ""))
        else:
            out.append(f"-- migration {m.name}: {len(steps)} statement{'s' if len(steps) != 1 else ''}")
        if plain_postgres:
            out.append("-- plain PostgreSQL: the statements run in one transaction (a failure applies none of "
                       "them), as Prisma runs a migration")
        for block in m.transaction_blocks:
            out.append(f"-- lines {block.begin_line}-{block.commit_line} are a BEGIN; ... COMMIT; block: on Aurora "
                       "DSQL the wrapper is dropped (one statement per transaction), each statement commits alone")
        for step in steps[:start]:
            scheduler.note(step)
        for step in steps[start:]:
            if plain_postgres and (step.is_async or is_wait_call(step.text)):
                if step.is_async:
                    out.append(f"-- statement {step.index + 1}, line {step.line} (PostgreSQL's form: it finishes "
                               "before the next statement)")
                    out.append(postgres_form(step.text) + ";")
                else:
                    out.append(f"-- statement {step.index + 1}, line {step.line}: satisfied, PostgreSQL has no jobs")
                continue
            blockers = scheduler.blockers(step)
            if blockers:
                names = ", ".join(scheduler.pending[k].name for k in blockers)
                out.append(f"-- wait for: {names}")
                for k in blockers:
                    scheduler.finished(k)
            if step.is_async and scheduler.over_cap():
                oldest = scheduler.oldest()
                out.append(f"-- wait for a job slot (--max-jobs {max_jobs}): {scheduler.pending[oldest].name} or "
                           "another job finishing first")
                scheduler.finished(oldest)
            tag = " (repeated until it changes no row; its LIMIT sized from the measured rows)" if step.repeat else ""
            out.append(f"-- statement {step.index + 1}, line {step.line}{tag}")
            out.append(step.text + ";")
            if step.is_async:
                job += 1
                scheduler.started(f"job{job}", step.job_object)
                out.append(f"-- (async job started: {step.job_object.kind} {step.job_object.name})")
            scheduler.note(step)
        if scheduler.pending:
            out.append(f"-- wait for all {len(scheduler.pending)} async job(s), then record {m.name} as applied")
            scheduler.pending.clear()
        else:
            out.append(f"-- record {m.name} as applied")
    return out
