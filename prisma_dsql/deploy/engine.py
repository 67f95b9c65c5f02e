"""The deploy engine: apply a Prisma migrations folder to Aurora DSQL (or PostgreSQL), one statement per
transaction, keeping Prisma's ``_prisma_migrations`` history.

Contract
--------
:func:`deploy(connector, folder, options, reporter)` -> :class:`Summary`.

1. Reads and checks the folder (:mod:`prisma_dsql.deploy.folder`): exit 2 before touching the database for a
   missing folder, a wrong provider, a file that cannot be split, an unknown directive.
2. Takes the lease lock (:mod:`prisma_dsql.deploy.lock`), creates ``_prisma_migrations`` if missing.
3. Continues a *failed* migration whose failure this engine undid (its logs end with the resume line of
   :mod:`prisma_dsql.deploy.undo`) if its file is unchanged: the statements whose objects the undo removed run
   again (skipped when the catalog already holds them), then the failed statement and the rest. Refuses, as
   Prisma does (P3009), while any other migration is *failed* (unfinished, not rolled back, with logs):
   ``migrate resolve`` settles it. A migration started again after ``resolve --rolled-back`` skips every DDL
   statement whose effect the catalog already holds (:func:`probe.committed`), so its own objects from the
   first attempt are not created twice. An *interrupted* one (unfinished, no logs: a crash, a kill, a lost
   connection, retries used up) is resumed if its file is unchanged, refused if its checksum changed.
4. For each migration not yet applied, in folder order: a history row (as Prisma writes it), then each
   statement in its own transaction:

   * DDL alone; then ``applied_steps_count`` in a transaction of its own (where the transaction rules allow
     DDL with DML, as on PostgreSQL, in the DDL's own transaction). If the outcome of a DDL is
     unknown (retryable error, or resuming after a crash between the DDL and its count), the catalog is
     asked whether it committed (:mod:`prisma_dsql.deploy.probe`) and it is not run twice.
   * DML together with its ``applied_steps_count`` update (DML with DML), so the count is exact for DML.
   * ``-- prisma-dsql:repeat-until-zero-rows`` DML: repeated, one transaction per round, until a round changes
     no row (at most ``max_rounds`` rounds); then the count. Its ``LIMIT <n>`` is lowered per run from the
     measured row size (:mod:`prisma_dsql.deploy.batching`): by default a round stays within half of the
     profile's rows and bytes per transaction, ``batch_rows`` caps it, a round DSQL refuses as too large
     (54000) is retried at half the size, and a round that takes over a third of the transaction age
     limit halves the next.
   * ``CREATE INDEX ASYNC`` / ``ALTER TABLE ASYNC ... VALIDATE``: the ``job_id`` is kept and the deploy goes on;
     :class:`~prisma_dsql.deploy.schedule.Scheduler` says which later statement must wait for which job; at
     most ``max_jobs`` jobs run at once; every job of a migration has finished before its ``finished_at`` is
     written. A failed job stops the deploy with its details.
   * 40001 and lost connections are retried (:mod:`prisma_dsql.deploy.runner`), counted in the summary.
   * Any other error stops at once: the statement, its line in migration.sql and the server's message.
   * After a failed statement or job the undo (:mod:`prisma_dsql.deploy.undo`) removes what the migration's
     applied statements built that constrains writers (INVALID indexes, NOT VALID constraints) or is its scratch
     space (temporary columns, tables, domains); the message says what it removed and what the user decides,
     and is written to ``logs`` as Prisma does (the migration is then *failed*), ending with the resume line.
5. Releases the lock.

On plain PostgreSQL (told from the server: no ``sys.jobs``, see :func:`~prisma_dsql.deploy.jobs.has_jobs`) the
same folder deploys too: ``CREATE INDEX ASYNC`` runs as ``CREATE INDEX`` and ``ALTER TABLE ASYNC ... VALIDATE``
as ``ALTER TABLE ... VALIDATE``; they finish before the next statement, so every wait (the scheduler's, the
``wait-for-jobs`` directive, a hand-written ``CALL sys.wait_for_job``) is already satisfied. And a migration runs
in one transaction, as Prisma's does there (:meth:`_Deploy._migration_atomic`, cut by
:func:`prisma_dsql.deploy.atomic.segments` around statements PostgreSQL refuses in a transaction block): a
failure applies nothing and leaves the row failed with its logs.

:func:`plan(folder, rows, options)` is ``--dry-run``: the lines saying every statement and wait that would run.
:func:`status` and :func:`resolve` are ``migrate status`` and ``migrate resolve`` with Prisma's semantics.

Test hook: ``PRISMA_DSQL_TEST_CRASH_AT=<phase>:<n>`` (phases ``committed``: the n-th statement run by this
process committed, its count not written; ``recorded``: its count written; ``wait``: 0.3 s into the n-th
wait for a job) kills the process with SIGKILL there. Only the crash tests set it.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from prisma_dsql.capabilities import Profile, dsql_profile, postgres_profile
from prisma_dsql.deploy import atomic, batching, history, preconditions
from prisma_dsql.deploy import undo as undomod
from prisma_dsql.deploy import jobs as jobsmod
from prisma_dsql.deploy import probe as probemod
from prisma_dsql.deploy.folder import Folder, LocalMigration, check_folder, checksum_matches, read_folder
from prisma_dsql.deploy.lock import DEFAULT_LEASE, DEFAULT_WAIT, Lease
from prisma_dsql.deploy.progress import QuietReporter, Reporter
from prisma_dsql.deploy.runner import Committed, RetriesExhausted, RetryPolicy, Runner
from prisma_dsql.deploy.schedule import Scheduler
from prisma_dsql.deploy.steps import JobObject, Step
from prisma_dsql.errors import PrismaDsqlError
from prisma_dsql.migrations.fingerprint import check_before_deploy
from prisma_dsql.redact import redact
from prisma_dsql.render.safe import visible

#: Async jobs allowed to run at once. DSQL documents no limit; builds take 5-30 s each even on empty tables, so
#: a from-empty deploy is bounded by the slowest builds only when most run together. 64 keeps a 300-index
#: migration at about three of its slowest builds while not flooding a cluster with hundreds of jobs.
DEFAULT_MAX_JOBS = 64
DEFAULT_MAX_ROUNDS = 100_000
#: How long one job may run before the deploy stops (resumable) instead of waiting on.
DEFAULT_JOB_TIMEOUT = 6 * 3600.0


class DeployError(PrismaDsqlError):
    """The deploy stopped (exit 1). ``resumable``: running deploy again continues where it stopped."""

    exit_code = 1
    resumable = False


class StatementFailed(DeployError):
    pass


class JobFailed(DeployError):
    pass


class MigrationStateError(DeployError):
    pass


class Interrupted(DeployError):
    resumable = True


@dataclass(frozen=True)
class DeployOptions:
    max_jobs: int = DEFAULT_MAX_JOBS
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    lock_wait: float = DEFAULT_WAIT
    lock_lease: float = DEFAULT_LEASE
    max_rounds: int = DEFAULT_MAX_ROUNDS
    job_timeout: float = DEFAULT_JOB_TIMEOUT
    #: Rows per round of a repeat-until-zero-rows statement at most (``--batch-rows``); None: from the limits.
    batch_rows: int | None = None
    #: Share of the profile's per-transaction limits one round may use.
    batch_share: float = batching.DEFAULT_SHARE
    #: The DSQL facts whose limits size the batches (default: the newest DSQL profile).
    profile: Profile = field(default_factory=dsql_profile)
    #: Refuse a database that moved from where the first pending migration was planned (its fingerprint).
    check_fingerprint: bool = True
    #: Check each migration's preconditions before it runs (deploy.preconditions). False only in the tests of the
    #: run-time failure path, which stand for a write that raced in after the check.
    check_preconditions: bool = True


@dataclass
class Summary:
    applied: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)
    statements: int = 0
    rounds: int = 0
    jobs: int = 0
    waits: int = 0
    wait_seconds: float = 0.0
    retries: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    lock_taken_over_from: str | None = None
    #: Rows per round of each repeat-until-zero-rows statement ("migration:line" -> the last size used).
    batch_rows: dict[str, int] = field(default_factory=dict)
    #: The server has no sys.jobs: async statements ran in their PostgreSQL forms.
    plain_postgres: bool = False

    def text(self) -> str:
        n = len(self.applied)
        if not n:
            head = "No pending migrations to apply."
        else:
            head = (f"Applied {n} migration{'s' if n != 1 else ''} in {self.seconds:.1f} s: {self.statements} "
                    f"statement{'s' if self.statements != 1 else ''}, {self.jobs} async job"
                    f"{'s' if self.jobs != 1 else ''} ({self.waits} wait{'s' if self.waits != 1 else ''}, "
                    f"{self.wait_seconds:.1f} s waiting)")
            if self.rounds:
                head += f", {self.rounds} backfill round{'s' if self.rounds != 1 else ''}"
            if self.resumed:
                head += f"; resumed {', '.join(self.resumed)}"
            head += "."
            if self.plain_postgres:
                head += ("\nPlain PostgreSQL (no sys.jobs): async index builds and validations ran in their "
                         "PostgreSQL forms.")
        retries = sum(self.retries.values())
        head += (f"\nRetries: {self.retries.get('occ', 0)} after OCC conflicts (40001), "
                 f"{self.retries.get('connection', 0)} after lost connections." if retries else "\nRetries: none.")
        return visible(head, keep_newlines=True)  # migration names are folder names: any bytes


# -- test hook ---------------------------------------------------------------------------------------------------

def _crash(phase: str, n: int) -> None:
    point = os.environ.get("PRISMA_DSQL_TEST_CRASH_AT")
    if not point or point != f"{phase}:{n}":
        return
    import signal
    import threading

    if phase == "wait":  # die while the wait is in progress
        threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGKILL)).start()
        return
    os.kill(os.getpid(), signal.SIGKILL)


# -- the deploy -------------------------------------------------------------------------------------------------

@dataclass
class _Job:
    job_id: str
    obj: JobObject
    step: Step
    migration: str
    started: float


@dataclass
class _Ctx:
    migration: LocalMigration
    row_id: str
    steps: list[Step]
    #: applied_steps_count as recorded so far (it only moves forward).
    count: int = 0
    #: Statements to run again before continuing (what an earlier undo removed), not yet run again.
    again: list[int] = field(default_factory=list)
    #: Skip a statement whose effect the catalog already holds (a migration started again after
    #: `migrate resolve --rolled-back`, and statements run again after an undo).
    skip_existing: bool = False


def deploy(connector, folder_path: Path, options: DeployOptions | None = None,
           reporter: Reporter | None = None, *, open_extra=None) -> Summary:
    """Apply every pending migration of ``folder_path`` (see the module docstring).

    ``connector``: a :class:`prisma_dsql.connect.Connector`. ``open_extra()``: a new connection for the lock's
    heartbeat (default: another connection from the connector's spec and factory)."""
    folder = read_folder(folder_path)
    notes = check_folder(folder, dsql=connector.spec.is_dsql)  # all of it, before the database is touched
    options = options or DeployOptions()
    if options.check_fingerprint:  # read-only: the database is where the first pending migration starts
        check_before_deploy(connector, folder)
    reporter = reporter or QuietReporter()
    for note in notes:
        reporter.line(f"note: {note}")
    return _Deploy(connector, folder, options, reporter, open_extra).run()


class _Deploy:
    def __init__(self, connector, folder: Folder, options: DeployOptions, reporter: Reporter, open_extra) -> None:
        from prisma_dsql.connect import open_connection

        self.connector = connector
        self.folder = folder
        self.options = options
        self.reporter = reporter
        self.runner = Runner(connector, options.retry, on_retry=reporter.retry)
        self.open_extra = open_extra or (lambda: open_connection(connector.spec, factory=connector.factory,
                                                                 session=connector.session))
        self.scheduler = Scheduler(options.max_jobs, self._lookup_reference)
        self.jobs: dict[str, _Job] = {}
        self.jobs_done = 0
        self.summary = Summary()
        self.executed = 0  # statements run by this process (crash hook numbering)
        self.wait_calls = 0

    # -- top level ------------------------------------------------------------------------------------------
    def run(self) -> Summary:
        t0 = time.monotonic()
        # History and lock live in the schema current at the start (Prisma's: the connection's), named so
        # explicitly: a migration's `SET search_path` must not move them.
        schema = self.runner.call(lambda conn: conn.execute("SELECT current_schema()").fetchone()[0]) or "public"
        self.table = history.qualified(schema)
        self.has_jobs = self.runner.call(jobsmod.has_jobs)
        self.summary.plain_postgres = not self.has_jobs
        # The transaction rules that apply: the profile's on DSQL (and a local DSQL), PostgreSQL's without sys.jobs.
        self.rules = self.options.profile if self.has_jobs else postgres_profile()
        self.sync_index = self.rules.supports("synchronous_index_build")
        lease = Lease(self.open_extra, lease=self.options.lock_lease, wait=self.options.lock_wait,
                      on_wait=self.reporter.line, run=self.runner.call, schema=schema)
        self.lease = lease
        lease.acquire()
        if lease.took_over:
            self.summary.lock_taken_over_from = lease.took_over
            self.reporter.line(f"Took over the deploy lock of {lease.took_over} (its lease had expired).")
        try:
            table = self.table
            self.runner.call(lambda conn: history.ensure_table(conn, table))
            rows = self.runner.call(lambda conn: history.read(conn, table))
            pending, resume = self._pending(rows)
            for m in pending:  # every file is readable and its directives known before anything runs
                m.steps()
            for index, m in enumerate(pending, 1):
                row = resume if resume is not None and resume.migration_name == m.name else None
                self._migration(m, row, index, len(pending))
        finally:
            self.reporter.done()
            try:
                lease.release()
            except Exception:  # the lease expires by itself; a failed release must not hide the real error
                pass
            self.summary.retries = dict(self.runner.retries)
            self.summary.seconds = time.monotonic() - t0
        return self.summary

    def _pending(self, rows: list[history.HistoryRow]):
        local = self.folder.by_name()
        self.rolled_back = {r.migration_name for r in rows if r.rolled_back_at is not None}
        failed = [r for r in rows if r.failed and r.logs]
        resumable = [r for r in failed if undomod.parse_resume(r.logs) is not None]
        if failed and len(failed) == len(resumable) == 1:
            r = failed[0]
            failed = []
            m = local.get(r.migration_name)
            if m is None or not checksum_matches(r.checksum, m.data):
                why = "is not in the migrations folder any more" if m is None else "was modified after it started"
                raise MigrationStateError(
                    f"migration {r.migration_name} failed and {why}; deploy continues it only with the very file "
                    f"that started. Restore the original migration.sql, or give it up with `prisma-dsql migrate "
                    f"resolve --rolled-back {r.migration_name}`")
        if failed:
            r = failed[0]
            raise MigrationStateError(
                f"migration {r.migration_name} failed (started {r.started_at:%Y-%m-%d %H:%M:%S %Z}, "
                f"{r.applied_steps_count} statement(s) applied); new migrations are not applied until it is "
                f"resolved (Prisma P3009). Its error:\n{_indent(r.logs)}\n"
                f"After fixing the database, run `prisma-dsql migrate resolve --applied {r.migration_name}` or "
                f"`prisma-dsql migrate resolve --rolled-back {r.migration_name}`")
        interrupted = [r for r in rows if r.interrupted] + resumable[:1]
        applied = {r.migration_name for r in rows if r.applied}
        resume = None
        if interrupted:
            r = interrupted[-1]
            m = local.get(r.migration_name)
            if m is None:
                raise MigrationStateError(f"migration {r.migration_name} was interrupted and is not in "
                                          f"{self.folder.path} any more; restore it, or settle it with "
                                          f"`prisma-dsql migrate resolve --rolled-back {r.migration_name}`")
            if not checksum_matches(r.checksum, m.data):
                raise MigrationStateError(
                    f"migration {r.migration_name} was modified after it started ({r.applied_steps_count} "
                    f"statement(s) applied with the file whose checksum was {r.checksum}); resuming would run a "
                    f"different file. Restore the original migration.sql, or settle it with `prisma-dsql migrate "
                    f"resolve --rolled-back {r.migration_name}` after undoing what ran")
            resume = r
        for r in rows:
            if r.applied and r.migration_name in local and not checksum_matches(r.checksum, local[r.migration_name]
                                                                                   .data):
                self._warn(f"migration {r.migration_name} was modified after it was applied (checksum differs)")
            if r.applied and r.migration_name not in local:
                self._warn(f"migration {r.migration_name} is applied to the database but missing from "
                           f"{self.folder.path}")
        pending = [m for m in self.folder.migrations if m.name not in applied]
        return pending, resume

    def _warn(self, text: str) -> None:
        if text not in self.summary.warnings:
            self.summary.warnings.append(text)
            self.reporter.line(f"warning: {text}")

    # -- one migration -------------------------------------------------------------------------------------
    def _migration(self, m: LocalMigration, row, index: int, total: int) -> None:
        steps = m.steps()
        again: list[int] = []
        if row is None:
            # Before anything of it runs or is recorded: the rows already there that would make a statement fail.
            if self.options.check_preconditions:
                preconditions.check_migration(self.runner, m, steps, 0, self.reporter, self.rules)
            row_id = self._start_row(m)
            start_at = 0
        else:
            row_id, start_at = row.id, row.applied_steps_count
            resume = undomod.parse_resume(row.logs)
            if resume is not None:  # failed, undone: run again what the undo removed, then continue
                again, at = resume
                start_at = max(start_at, at)
                self.reporter.line(f"  {m.name} failed before; continuing after statement {start_at}"
                                   + (f" (first running again statement(s) {', '.join(str(i + 1) for i in again)}, "
                                      "removed by the undo)" if again else ""))
            # Before its next statement (and those the undo removed): nothing of the row is changed if one fails.
            if self.options.check_preconditions:
                preconditions.check_migration(self.runner, m, steps, min([start_at, *again]), self.reporter,
                                              self.rules)
            self.summary.resumed.append(m.name)
        ctx = _Ctx(m, row_id, steps, count=start_at, again=list(again),
                   skip_existing=m.name in self.rolled_back or bool(again))
        self.reporter.migration(m.name, index, total, len(steps), start_at)
        if not self.has_jobs:  # plain PostgreSQL: one transaction, as Prisma's
            self._migration_atomic(ctx, start_at)
            return
        if row is not None:
            start_at = self._recover(ctx, start_at)
        for i in again:
            self._step(ctx, steps[i])
            ctx.again.remove(i)
        for step in steps[start_at:]:
            self._step(ctx, step)
        self._wait(list(self.jobs), ctx, f"the {len(self.jobs)} async job(s) of {m.name} before recording it")
        self.runner.call(lambda conn: history.finish(conn, row_id, len(steps), self.table))
        self.summary.applied.append(m.name)
        self.reporter.line(f"  applied {m.name}")

    def _start_row(self, m: LocalMigration) -> str:
        import uuid

        row_id = str(uuid.uuid4())

        def insert(conn):
            history.start(conn, m.name, m.checksum, self.table, row_id=row_id)

        self.runner.call(insert, probe=lambda conn: conn.execute(
            f"SELECT 1 FROM {self.table} WHERE id = %s", (row_id,)).fetchone())
        return row_id

    def _record(self, ctx: _Ctx, count: int) -> None:
        self.runner.call(lambda conn: history.record_steps(conn, ctx.row_id, count, self.table))
        ctx.count = max(ctx.count, count)

    # -- resume --------------------------------------------------------------------------------------------
    def _recover(self, ctx: _Ctx, start_at: int) -> int:
        """Rebuild the jobs of the statements already applied, then settle the first one not recorded (its
        commit may have happened without its count)."""
        for step in ctx.steps[:start_at]:
            self.scheduler.note(step)
            if step.kind == "session":  # the settings the statements after it were written for
                self.runner.session.append(step.text)
                self.runner.call(lambda conn, text=step.text: conn.execute(text))
            if step.is_async and not self.sync_index:
                self._adopt_job(ctx, step)
        if start_at < len(ctx.steps):
            step = ctx.steps[start_at]
            if step.is_async and self.sync_index:
                step = replace(step, text=jobsmod.postgres_form(step.text), kind="ddl")
            if step.kind == "ddl":
                done = self.runner.call(lambda conn: probemod.committed(conn, step))
                if done:
                    self.reporter.line(f"  statement {start_at + 1} (line {step.line}) had committed before the "
                                       "interruption; recording it")
                    self.scheduler.note(step)
                    self._record(ctx, start_at + 1)
                    return start_at + 1
            elif step.kind == "async_index":
                state = self.runner.call(lambda conn: jobsmod.index_state(conn, step.job_object))
                if state != "missing":
                    self.reporter.line(f"  statement {start_at + 1} (line {step.line}) had started its build "
                                       "before the interruption; recording it")
                    self._adopt_job(ctx, step)
                    self._record(ctx, start_at + 1)
                    return start_at + 1
            elif step.kind == "async_validate":
                found = self.runner.call(lambda conn: (jobsmod.constraint_validated(conn, step.job_object),
                                                       jobsmod.find_jobs(conn, step.job_object)))
                validated, known = found
                if validated or any(j.running or j.ok for j in known):
                    self._adopt_job(ctx, step)
                    self._record(ctx, start_at + 1)
                    return start_at + 1
        return start_at

    def _adopt_job(self, ctx: _Ctx, step: Step) -> None:
        """A job started by an earlier run: wait for it later if it still runs, stop if it failed."""
        obj = step.job_object

        def look(conn):
            if obj.kind == "index":
                state = jobsmod.index_state(conn, obj)
                if state in ("valid", "missing"):
                    return None, []
            elif jobsmod.constraint_validated(conn, obj) in (True, None):
                return None, []
            return "unsettled", jobsmod.find_jobs(conn, obj)

        state, known = self.runner.call(look)
        if state is None:
            return
        running = [j for j in known if j.running]
        if running:
            self._track(running[0].job_id, obj, step, ctx)
            return
        if known and known[0].failed:
            self._job_failed(ctx, _Job(known[0].job_id, obj, step, ctx.migration.name, time.monotonic()), known[0])
        if obj.kind == "constraint":  # its job is gone (rows vanish after ~30 min) and it is not validated: again
            self._enqueue(ctx, step, record=False)
            return
        self._job_failed(ctx, _Job("?", obj, step, ctx.migration.name, time.monotonic()),
                         jobsmod.JobState("?", "unknown", "the build ended without a job record and left the "
                                                          "index INVALID"))

    # -- one statement -------------------------------------------------------------------------------------
    def _step(self, ctx: _Ctx, step: Step) -> None:
        self.lease.check()
        self.reporter.statement(ctx.migration.name, step, len(ctx.steps))
        if step.writers_blocked:  # the plan's writers-blocked hazard: said before the copy starts
            self.reporter.line(f"  writers must be stopped: statement {step.index + 1} (line {step.line}) copies rows "
                               "to swap them in; a write that races in stops the migration before the swap")
        blockers = self.scheduler.blockers(step)
        if blockers:
            names = sorted({self.jobs[k].obj.name for k in blockers if k in self.jobs})
            self._wait(blockers, ctx, f"{', '.join(names) if len(names) <= 3 else f'{len(names)} jobs'} before "
                                      f"statement {step.index + 1} (line {step.line})")
        if ctx.skip_existing and self._already_there(step):
            self.reporter.line(f"  statement {step.index + 1} (line {step.line}): already in the database; not run "
                               "again")
            self.scheduler.note(step)
            self._record(ctx, step.index + 1)
            return
        if step.is_async:
            while self.scheduler.over_cap():
                self._make_room(ctx)
        self.executed += 1
        if step.kind == "dml" and step.repeat:
            self._repeat(ctx, step)
        elif step.kind == "dml":
            self._dml(ctx, step)
        elif step.is_async and self.sync_index:
            self._ddl(ctx, replace(step, text=jobsmod.postgres_form(step.text), kind="ddl"))
        elif step.is_async:
            self._enqueue(ctx, step)
        elif self.sync_index and jobsmod.is_wait_call(step.text):
            self._record(ctx, step.index + 1)  # no jobs here: every statement before it has finished
        else:
            self._ddl(ctx, step)
        self.scheduler.note(step)
        self.summary.statements += 1

    def _fail_statement(self, ctx: _Ctx, step: Step, exc: BaseException) -> None:
        message = self._failure_text(ctx, step, exc)
        message = self._undo(ctx, redact(message), failed=step)
        self._log_failure(ctx, message)
        raise StatementFailed(message) from None

    def _log_failure(self, ctx: _Ctx, message: str) -> None:
        try:
            self.runner.call(lambda conn: history.fail(conn, ctx.row_id, message, self.table))
        except Exception:  # the database is gone: the row stays interrupted, which deploy resumes
            pass

    def _call_statement(self, ctx: _Ctx, step: Step, fn, probe=None, too_large_ok: bool = False):
        import psycopg

        try:
            return self.runner.call(fn, probe=probe)
        except RetriesExhausted as exc:
            raise Interrupted(f"migration {ctx.migration.name} stopped at statement {step.index + 1} "
                              f"({ctx.migration.path}:{step.line}): {exc}. Nothing is lost: run deploy again to "
                              "resume there (--max-retries allows more retries)") from None
        except psycopg.Error as exc:
            if too_large_ok and getattr(exc, "sqlstate", None) == batching.TOO_LARGE:
                raise _TooLarge(exc) from None
            self._fail_statement(ctx, step, exc)

    def _dml(self, ctx: _Ctx, step: Step) -> None:
        count = step.index + 1

        def run(conn):
            with conn.transaction():
                conn.execute(step.text)
                conn.execute(history.record_steps_sql(self.table), (count, ctx.row_id))

        def probe(conn):
            row = conn.execute(f"SELECT applied_steps_count FROM {self.table} WHERE id = %s",
                               (ctx.row_id,)).fetchone()
            return row is not None and row[0] >= count

        self._call_statement(ctx, step, run, probe)
        ctx.count = max(ctx.count, count)
        _crash("committed", self.executed)
        _crash("recorded", self.executed)

    def _batch_size(self, ctx: _Ctx, step: Step) -> batching.BatchSize:
        tables = batching.measured_tables(step.text)
        size = self.runner.call(lambda conn: batching.row_bytes(conn, tables)) if tables else None
        batch = batching.BatchSize.plan(batching.limit_of(step.text), self.options.profile.limits, size,
                                        self.options.batch_rows, self.options.batch_share)
        self.reporter.line(f"  backfill at line {step.line}: {batch.rows:,} rows a round ({batch.reason})")
        return batch

    def _repeat(self, ctx: _Ctx, step: Step) -> None:
        rounds = 0
        batch = self._batch_size(ctx, step)
        key = f"{ctx.migration.name}:{step.line}"
        while True:
            if rounds >= self.options.max_rounds:
                message = (f"migration {ctx.migration.name}: the backfill at {ctx.migration.path}:{step.line} still "
                           f"changed rows after {rounds} rounds (`-- prisma-dsql:repeat-until-zero-rows` stops at "
                           f"{self.options.max_rounds}); it does not converge: each round must leave fewer rows "
                           "to change, e.g. `WHERE col IS NULL` on the column it sets")
                message = self._undo(ctx, message, failed=step)
                self._log_failure(ctx, message)
                raise StatementFailed(message)
            self.lease.check()
            text = batching.with_limit(step.text, batch.rows)
            self.summary.batch_rows[key] = batch.rows
            t0 = time.monotonic()
            try:
                changed = self._call_statement(ctx, step, lambda conn: conn.execute(text).rowcount,
                                               too_large_ok=True)
            except _TooLarge as refused:
                if not batch.shrink():
                    self._fail_statement(ctx, step, refused.error)
                self.reporter.line(f"  backfill at line {step.line}: refused as too large; {batch.rows:,} rows a "
                                   "round from now on")
                continue
            if batch.took(time.monotonic() - t0):
                self.reporter.line(f"  backfill at line {step.line}: {batch.reason}; {batch.rows:,} rows a round")
            rounds += 1
            self.summary.rounds += 1
            if not changed or changed < 0:
                break
            if rounds % 50 == 0:
                self.reporter.line(f"  backfill at line {step.line}: {rounds} rounds so far")
        _crash("committed", self.executed)
        self._record(ctx, step.index + 1)
        _crash("recorded", self.executed)

    def _ddl(self, ctx: _Ctx, step: Step) -> None:
        import psycopg

        if step.kind == "session":
            self.runner.session.append(step.text)
        seen = {"probe": False, "tries": 0}

        def probe(conn):
            result = probemod.committed(conn, step)
            seen["probe"] = result is None
            return result

        together = self.rules.supports("mixed_ddl_dml_transaction")  # PostgreSQL: the DDL and its count at once

        def run(conn):
            seen["tries"] += 1
            try:
                if together:
                    with conn.transaction():
                        conn.execute(step.text)
                        conn.execute(history.record_steps_sql(self.table), (step.index + 1, ctx.row_id))
                else:
                    conn.execute(step.text)
            except psycopg.Error as exc:
                # Re-run after an unknown outcome that the catalog could not settle: "already exists" or
                # "does not exist" means the first run had committed.
                if seen["tries"] > 1 and seen["probe"] and getattr(exc, "sqlstate", None) in probemod.ALREADY_DONE:
                    return Committed(True)
                raise

        self._call_statement(ctx, step, run, probe)
        _crash("committed", self.executed)
        if not together:
            self._record(ctx, step.index + 1)
        ctx.count = max(ctx.count, step.index + 1)
        _crash("recorded", self.executed)

    def _enqueue(self, ctx: _Ctx, step: Step, record: bool = True) -> None:
        obj = step.job_object
        before: set[str] = set()
        if obj.kind == "constraint":
            before = {j.job_id for j in self.runner.call(lambda conn: jobsmod.find_jobs(conn, obj))}

        def run(conn):
            cur = conn.execute(step.text)
            row = cur.fetchone() if cur.description else None
            return str(row[0]) if row is not None else ""

        def probe(conn):
            if obj.kind == "index":
                if jobsmod.index_state(conn, obj) == "missing":
                    return None
                known = jobsmod.find_jobs(conn, obj)
                return known[0].job_id if known else ""
            if jobsmod.constraint_validated(conn, obj):
                return ""
            new = [j for j in jobsmod.find_jobs(conn, obj) if j.job_id not in before]
            return new[0].job_id if new else None

        result = self._call_statement(ctx, step, run, probe)
        job_id = result.value if isinstance(result, Committed) else result
        _crash("committed", self.executed)
        if record:
            self._record(ctx, step.index + 1)
        _crash("recorded", self.executed)
        if job_id:
            self._track(job_id, obj, step, ctx)
        self.summary.jobs += 1

    def _track(self, job_id: str, obj: JobObject, step: Step, ctx: _Ctx) -> None:
        self.jobs[job_id] = _Job(job_id, obj, step, ctx.migration.name, time.monotonic())
        self.scheduler.started(job_id, obj)
        self.reporter.jobs(len(self.jobs), self.jobs_done)

    # -- waiting -------------------------------------------------------------------------------------------
    def _settle(self, ctx: _Ctx, states: dict[str, jobsmod.JobState]) -> None:
        for job_id, state in states.items():
            job = self.jobs.get(job_id)
            if job is None:
                continue
            if state.failed:
                self._job_failed(ctx, job, state)
            if state.ok:
                self._done(job_id)

    def _done(self, job_id: str) -> None:
        self.jobs.pop(job_id, None)
        self.scheduler.finished(job_id)
        self.jobs_done += 1
        self.reporter.jobs(len(self.jobs), self.jobs_done)

    def _make_room(self, ctx: _Ctx) -> None:
        states = self.runner.call(lambda conn: jobsmod.statuses(conn, list(self.jobs)))
        self._settle(ctx, states)
        if self.scheduler.over_cap():
            oldest = self.scheduler.oldest()
            self._wait([oldest], ctx, f"a free job slot ({self.options.max_jobs} jobs running; --max-jobs)")

    def _wait(self, keys, ctx: _Ctx, what: str) -> None:
        keys = [k for k in keys if k in self.jobs]
        if not keys:
            return
        t0 = time.monotonic()
        self.reporter.waiting(what)
        self.summary.waits += 1
        self._settle(ctx, self.runner.call(lambda conn: jobsmod.statuses(conn, keys)))
        for key in keys:
            if key in self.jobs:
                self._wait_one(ctx, self.jobs[key])
        self.summary.wait_seconds += time.monotonic() - t0

    def _wait_one(self, ctx: _Ctx, job: _Job) -> None:
        deadline = time.monotonic() + self.options.job_timeout
        while True:
            self.lease.check()
            self.wait_calls += 1
            _crash("wait", self.wait_calls)
            succeeded = self.runner.call(lambda conn: jobsmod.wait_call(conn, job.job_id))
            states = self.runner.call(lambda conn: jobsmod.statuses(conn, [job.job_id]))
            state = states.get(job.job_id)
            if state is not None and state.failed:
                self._job_failed(ctx, job, state)
            if (state is not None and state.ok) or (succeeded and state is None):
                self._done(job.job_id)
                return
            if state is None:  # the row is gone: ask the catalog what the job left
                ok = self.runner.call(lambda conn: jobsmod.index_state(conn, job.obj) == "valid"
                                      if job.obj.kind == "index" else bool(jobsmod.constraint_validated(conn, job.obj)))
                if ok:
                    self._done(job.job_id)
                    return
                self._job_failed(ctx, job, jobsmod.JobState(job.job_id, "unknown", "the job is no longer in "
                                                            "sys.jobs and its object is not valid"))
            if time.monotonic() >= deadline:
                raise Interrupted(f"job {job.job_id} ({_what(job.obj)}) is still {state.status} after "
                                  f"{int(self.options.job_timeout)} s; stopped waiting. Run deploy again to resume "
                                  "(it waits for the job again)")

    def _job_failed(self, ctx: _Ctx, job: _Job, state: jobsmod.JobState) -> None:
        head = (f"migration {ctx.migration.name}: {_what(job.obj)} failed ({state.describe()}); started by "
                f"statement {job.step.index + 1} ({ctx.migration.path}:{job.step.line}):")
        lines = [head, _indent(job.step.text)]
        self.jobs.pop(job.job_id, None)
        self.scheduler.finished(job.job_id)
        message = self._undo(ctx, redact("\n".join(lines)), failed=job.step)
        self._log_failure(ctx, message)
        raise JobFailed(message)

    def _lookup_reference(self, constraint: str, table: str):
        return self.runner.call(lambda conn: jobsmod.referenced_table(conn, constraint, table))

    # -- after a failure: undo what hurts writers, say how to go on (prisma_dsql.deploy.undo) --------------
    def _undo(self, ctx: _Ctx, message: str, *, failed: Step) -> str:
        """Remove what the migration's applied statements built that constrains writers (or is its scratch
        space), and return ``message`` with what was removed, what the user decides, and the resume line that
        lets ``deploy`` continue after the data is fixed."""
        applied = ctx.steps[:max(ctx.count, failed.index + 1 if failed.is_async else failed.index)]
        report = undomod.undo(self.runner.call, undomod.candidates(applied))
        again = sorted(set(report.rerun()) | set(ctx.again)
                       | ({failed.index} if failed.index < ctx.count else set()))
        lines = [message, *report.lines()]
        name = ctx.migration.name
        numbers = f"statement{'s' if len(again) != 1 else ''} {', '.join(str(i + 1) for i in again)}"
        if ctx.count >= len(ctx.steps):  # every statement ran: only what the undo removed is left to do
            where = f"runs again {numbers} and finishes it"
        else:
            where = f"continues from statement {ctx.count + 1}" + (f" (running again {numbers} first)" if again else "")
        lines.append(f"{ctx.count} statement(s) of {name} stay applied; nothing that holds the application's data "
                     "was removed.")
        lines.append(f"What now: fix the data, then run `prisma-dsql migrate deploy` again: it {where}, no resolve "
                     f"needed. Or give the migration up with "
                     f"`prisma-dsql migrate resolve --rolled-back {name}`: the next deploy starts it from statement 1 "
                     "and skips what is already in the database (docs/deploy.md, \"Finishing a half-applied "
                     "migration\").")
        lines.append(undomod.resume_line(again, ctx.count))
        return "\n".join(lines)

    def _already_there(self, step: Step) -> bool:
        """Is the statement's effect already in the catalog (a migration started again after `resolve
        --rolled-back`, or run again after an undo)? DML is always run (backfills repeat harmlessly)."""
        if step.kind == "async_index" and not self.sync_index:
            return self.runner.call(lambda conn: jobsmod.index_state(conn, step.job_object)) == "valid"
        if step.kind == "async_validate" and not self.sync_index:
            return self.runner.call(lambda conn: jobsmod.constraint_validated(conn, step.job_object)) is True
        if step.is_async:
            step = replace(step, text=jobsmod.postgres_form(step.text), kind="ddl")
        if step.kind != "ddl":
            return False
        return self.runner.call(lambda conn: probemod.committed(conn, step)) is True

    # -- plain PostgreSQL: a migration is one transaction (prisma_dsql.deploy.atomic) ----------------------
    def _migration_atomic(self, ctx: _Ctx, start_at: int) -> None:
        """Run the statements from ``start_at`` as PostgreSQL runs Prisma's migration: in one transaction, so a
        failure changes nothing (the history row, written first, gets the error in ``logs``). Statements
        PostgreSQL refuses inside a transaction block run alone, between the transactions before and after
        them (:func:`prisma_dsql.deploy.atomic.segments`)."""
        import psycopg

        from prisma_dsql.deploy.steps import Step as _S

        version = self.runner.call(lambda conn: conn.info.server_version)
        steps = ctx.steps
        for step in steps[:start_at]:
            if step.kind == "session":
                self.runner.session.append(step.text)
                self.runner.call(lambda conn, text=step.text: conn.execute(text))
        for begin, end, alone in atomic.segments(steps, start_at, version):
            if alone:
                self.reporter.line(f"  statement {begin + 1} (line {steps[begin].line}) cannot run inside a "
                                   "transaction block: run on its own")
            current: dict[str, _S] = {}
            settings: list[str] = []

            def run(conn, begin=begin, end=end):
                settings.clear()
                with conn.transaction() if not alone else _nothing():
                    for step in steps[begin:end]:
                        current["step"] = step
                        self.reporter.statement(ctx.migration.name, step, len(steps))
                        if ctx.skip_existing and step.kind != "dml" and self._already_there_on(conn, step):
                            continue
                        self._run_in_transaction(conn, step)
                        if step.kind == "session":
                            settings.append(step.text)
                    if not alone:
                        conn.execute(history.record_steps_sql(self.table), (end, ctx.row_id))

            def probe(conn, end=end):
                row = conn.execute(f"SELECT applied_steps_count FROM {self.table} WHERE id = %s",
                                   (ctx.row_id,)).fetchone()
                return row is not None and row[0] >= end

            try:
                self.lease.check()
                self.runner.call(run, probe=probe)
            except RetriesExhausted as exc:
                step = current.get("step", steps[begin])
                raise Interrupted(f"migration {ctx.migration.name} stopped at statement {step.index + 1} "
                                  f"({ctx.migration.path}:{step.line}): {exc}. Nothing is lost: run deploy again "
                                  "to resume there") from None
            except (psycopg.Error, _Rounds) as exc:
                step = current.get("step", steps[begin])
                if isinstance(exc, _Rounds):
                    message = f"migration {ctx.migration.name}: {exc.message}"
                else:
                    message = self._failure_text(ctx, step, exc)
                message = redact(message)
                rolled = (f"Nothing of statements {begin + 1}-{end} was applied: they ran in one transaction, "
                          "which was rolled back" if end - begin > 1 else "The statement was rolled back")
                message += (f"\n{rolled} ({ctx.count} statement(s) of {ctx.migration.name} applied before "
                            f"it).\nWhat now: fix the data or the migration's cause, then run `prisma-dsql "
                            f"migrate deploy` again (it continues from statement {ctx.count + 1}); or `prisma-dsql "
                            f"migrate resolve --rolled-back {ctx.migration.name}`.\n"
                            + undomod.resume_line([], ctx.count))
                self._log_failure(ctx, message)
                raise StatementFailed(message) from None
            self.runner.session.extend(settings)
            self.summary.statements += end - begin
            if alone:
                self._record(ctx, end)
            ctx.count = max(ctx.count, end)
        self.runner.call(lambda conn: history.finish(conn, ctx.row_id, len(steps), self.table))
        self.summary.applied.append(ctx.migration.name)
        self.reporter.line(f"  applied {ctx.migration.name}")

    def _already_there_on(self, conn, step: Step) -> bool:
        if step.is_async:
            step = replace(step, text=jobsmod.postgres_form(step.text), kind="ddl")
        return step.kind == "ddl" and probemod.committed(conn, step) is True

    def _run_in_transaction(self, conn, step: Step) -> None:
        """One statement inside the migration's transaction: async forms as PostgreSQL's, waits skipped (every
        statement before has finished), repeat-until-zero-rows repeated until a round changes no row."""
        if step.is_async:
            conn.execute(jobsmod.postgres_form(step.text))
        elif jobsmod.is_wait_call(step.text):
            return
        elif step.kind == "dml" and step.repeat:
            rounds = 0
            while True:
                if rounds >= self.options.max_rounds:
                    raise _Rounds(f"the backfill at line {step.line} still changed rows after {rounds} rounds "
                                  f"(`-- prisma-dsql:repeat-until-zero-rows` stops at {self.options.max_rounds}); "
                                  "it does not converge")
                changed = conn.execute(step.text).rowcount
                rounds += 1
                self.summary.rounds += 1
                if not changed or changed < 0:
                    break
        else:
            conn.execute(step.text)

    def _failure_text(self, ctx: _Ctx, step: Step, exc: BaseException) -> str:
        state = getattr(exc, "sqlstate", None) or ""
        diag = getattr(exc, "diag", None)
        server = (getattr(diag, "message_primary", None) or str(exc).strip().splitlines()[0]) if str(exc) else ""
        detail = getattr(diag, "message_detail", None)
        return (f"migration {ctx.migration.name} failed at statement {step.index + 1} "
                f"({ctx.migration.path}:{step.line}):\n{_indent(step.text)}\n"
                f"{'SQLSTATE ' + state + ': ' if state else ''}{server}" + (f"\n{detail}" if detail else ""))


class _Rounds(Exception):
    """A backfill that did not converge inside the migration's transaction (plain PostgreSQL)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _nothing:
    """A context manager that does nothing: a statement PostgreSQL runs only outside a transaction block."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class _TooLarge(Exception):
    """A round DSQL refused as too large (54000): retried smaller."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


def _what(obj: JobObject) -> str:
    if obj.kind == "index":
        return f'the build of {"unique " if obj.unique else ""}index "{obj.name}" on "{obj.table}"'
    return f'the validation of constraint "{obj.name}" on "{obj.table}"'


def _indent(text: str | None, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in (text or "").splitlines())


def _first(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return redact(lines[0]) if lines else type(exc).__name__
