"""``migrate status`` and ``migrate resolve``, with Prisma's semantics, on the history table deploy writes.

Contract
--------
* :func:`status(rows, folder)` -> :class:`Status`: applied, pending (in the folder, not applied), failed
  (unfinished and not rolled back, with logs; ``resumable`` when its failure was undone and deploy continues it
  once the data is fixed, see :mod:`prisma_dsql.deploy.undo`), interrupted (unfinished, no logs; Prisma counts
  it as failed:
  ``resumable`` says whether deploy resumes it, which it does only while its migration.sql is in the folder and
  unchanged, exactly as the deploy engine decides), edited (applied, but migration.sql's checksum changed; CRLF/LF tolerated), missing
  (applied but not in the folder). ``exit_code`` is Prisma's: 0 when the database is up to date, else 1.
* :func:`resolve_applied(conn, folder, name)`: like ``prisma migrate resolve --applied``: the migration must be in
  the folder (P3017) and not already applied (P3008); its failed rows are marked rolled back and a finished row
  with ``applied_steps_count = 0`` is inserted.
* :func:`resolve_rolled_back(conn, name)`: like ``--rolled-back``: sets ``rolled_back_at`` on the migration's
  failed rows; refused when it has none (P3011 never applied / P3012 not failed).

Migration names are folder names, which may hold any character: the texts made here show control characters
visibly (:func:`prisma_dsql.render.safe.visible`), never raw.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prisma_dsql.deploy import history, undo
from prisma_dsql.deploy.folder import Folder, checksum_matches
from prisma_dsql.errors import PrismaDsqlError
from prisma_dsql.render.safe import visible


class ResolveError(PrismaDsqlError):
    exit_code = 1


@dataclass
class Status:
    local: list[str] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    interrupted: list[dict] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    history_table: bool = True

    @property
    def exit_code(self) -> int:
        return 1 if (self.pending or self.failed or self.interrupted or self.edited or self.missing) else 0

    def as_dict(self) -> dict:
        return {"local": self.local, "applied": self.applied, "pending": self.pending, "failed": self.failed,
                "interrupted": self.interrupted, "edited": self.edited, "missingLocally": self.missing,
                "historyTable": self.history_table, "upToDate": self.exit_code == 0}

    def text(self, folder_path) -> str:
        n = len(self.local)
        out = [f"{n} migration{'s' if n != 1 else ''} found in {folder_path}"]
        if not self.history_table and self.local:
            out.append("The database has no _prisma_migrations table yet.")
        if self.missing:
            out.append("The following migrations are applied to the database but missing from the local "
                       "migrations directory:\n" + "\n".join(f"  {m}" for m in self.missing))
        for f in self.failed:
            if f.get("resumable"):
                way = (f"\nOnce the data is fixed, `prisma-dsql migrate deploy` continues it (no resolve needed); "
                       f"or give it up with `prisma-dsql migrate resolve --rolled-back {f['name']}`.")
            else:
                way = f"\nSettle it with `prisma-dsql migrate resolve --applied|--rolled-back {f['name']}`."
            out.append(f"The migration {f['name']} failed ({f['appliedSteps']} statement(s) applied):\n"
                       + "\n".join("    " + line for line in (f['logs'] or '').splitlines()) + way)
        for f in self.interrupted:
            head = f"The migration {f['name']} was interrupted after {f['appliedSteps']} statement(s)"
            if f["resumable"]:
                out.append(f"{head}; `prisma-dsql migrate deploy` resumes it (Prisma lists it as failed).")
            else:
                why = ("is not in the migrations folder any more" if f["missingLocally"] else
                       "its migration.sql was modified after it started")
                out.append(f"{head}, and {why}: `prisma-dsql migrate deploy` refuses to resume it (it would run a "
                           "different file). Restore the original migration.sql, or settle it with `prisma-dsql "
                           f"migrate resolve --rolled-back {f['name']}` after undoing what ran.")
        if self.edited:
            out.append("The following migrations were modified after they were applied:\n"
                       + "\n".join(f"  {m}" for m in self.edited))
        if self.pending:
            k = len(self.pending)
            out.append(f"Following migration{'s' if k != 1 else ''} {'have' if k != 1 else 'has'} not yet been "
                       "applied:\n" + "\n".join(f"  {m}" for m in self.pending)
                       + "\nTo apply migrations in production run `prisma-dsql migrate deploy`.")
        if self.exit_code == 0:
            out.append("Database schema is up to date!")
        return visible("\n".join(out), keep_newlines=True)


def status(rows: list[history.HistoryRow], folder: Folder, history_table: bool = True) -> Status:
    local = folder.by_name()
    st = Status(local=list(local), history_table=history_table)
    live = [r for r in rows if r.rolled_back_at is None]
    applied_names = set()
    for r in live:
        if r.applied:
            applied_names.add(r.migration_name)
            if r.migration_name not in local:
                bucket = st.missing
            elif not checksum_matches(r.checksum, local[r.migration_name].data):
                bucket = st.edited
            else:
                continue
            if r.migration_name not in bucket:
                bucket.append(r.migration_name)
    st.applied = [name for name in local if name in applied_names]
    for r in live:
        if r.failed and r.migration_name not in applied_names:
            entry = {"name": r.migration_name, "appliedSteps": r.applied_steps_count, "logs": r.logs,
                     "startedAt": r.started_at.isoformat()}
            mine = local.get(r.migration_name)
            if not r.logs:  # what deploy decides for it: resumed only with the very file that started
                entry["missingLocally"] = mine is None
                entry["resumable"] = mine is not None and checksum_matches(r.checksum, mine.data)
            else:  # failed: deploy continues it when the failure was undone (its logs end with a resume line)
                entry["resumable"] = (undo.parse_resume(r.logs) is not None and mine is not None
                                      and checksum_matches(r.checksum, mine.data))
            (st.failed if r.logs else st.interrupted).append(entry)
    unsettled = {f["name"] for f in st.failed + st.interrupted}
    st.pending = [name for name in local if name not in applied_names and name not in unsettled]
    return st


def resolve_applied(conn, folder: Folder, name: str) -> str:
    local = folder.by_name()
    if name not in local:
        raise ResolveError(f"migration `{name}` could not be found in {folder.path} (Prisma P3017)")
    history.ensure_table(conn)
    rows = [r for r in history.read(conn) if r.migration_name == name]
    if any(r.applied for r in rows):
        raise ResolveError(f"migration `{name}` is already recorded as applied in the database (Prisma P3008)")
    for r in rows:
        if r.failed:
            history.roll_back(conn, r.id)
    history.mark_applied(conn, name, local[name].checksum)
    return visible(f"Migration {name} marked as applied.")


def resolve_rolled_back(conn, name: str) -> str:
    rows = [r for r in history.read(conn) if r.migration_name == name]
    if not rows:
        raise ResolveError(f"migration `{name}` cannot be rolled back because it was never applied to the "
                           "database (Prisma P3011)")
    failed = [r for r in rows if r.failed]
    if not failed:
        raise ResolveError(f"migration `{name}` cannot be rolled back because it is not in a failed state "
                           "(Prisma P3012)")
    for r in failed:
        history.roll_back(conn, r.id)
    return visible(f"Migration {name} marked as rolled back.")
