"""Read a Prisma migrations folder for deploying.

Contract
--------
:func:`read_folder(path)` -> :class:`Folder` with its migrations sorted by directory name, as Prisma sorts
them. Each :class:`LocalMigration` carries the bytes' checksum (lowercase hex SHA-256, as Prisma stores it),
and, parsed on demand by :meth:`LocalMigration.steps`, its statements as :class:`~prisma_dsql.deploy.steps.Step`.

Refused with exit 2 (:class:`FolderError`): a missing or unreadable folder, a ``migration_lock.toml`` naming a
provider other than postgresql, a migration directory without ``migration.sql``, a migration.sql that cannot be
read (permissions), is not UTF-8, holds a NUL character (PostgreSQL cannot take one in a statement) or cannot be
split into statements, an unknown ``-- prisma-dsql:`` directive. A folder without a lock file is accepted, as
Prisma accepts it. Reading is bounded: a migration.sql over :data:`MAX_FILE_BYTES` is refused. A UTF-8 byte
order mark at the start of a file is dropped, as Prisma drops it (the checksum stays that of the bytes).

``BEGIN; ... COMMIT;`` blocks (Prisma writes them around enum changes) are accepted: their two statements are
not steps, each step knows its block (:func:`prisma_dsql.deploy.steps.unwrap_transactions`).

:func:`check_folder(folder, dsql=...)` checks a whole folder before anything touches a database: every file
read, split, classified and its directives known; on Aurora DSQL a ``DO`` block is refused with its line and
why. It returns notes to show (on DSQL: which migrations had their ``BEGIN``/``COMMIT`` wrapper dropped).

:func:`checksum_matches(stored, data)`: Prisma tolerates a file whose line endings changed (a Git checkout
with autocrlf): the stored checksum may be that of the bytes, of the bytes with CRLF turned into LF, or with LF
turned into CRLF.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from prisma_dsql.deploy.steps import (MigrationFileError, Step, TransactionBlock, analyse, directives_by_statement,
                                     unwrap_transactions)
from prisma_dsql.errors import PrismaDsqlError
from prisma_dsql.files import describe_os_error

LOCK_FILE = "migration_lock.toml"
MIGRATION_FILE = "migration.sql"
PROVIDERS = ("postgresql", "postgres")
MAX_FILE_BYTES = 64 * 1024 * 1024
_PROVIDER = re.compile(r'^\s*provider\s*=\s*"(?P<p>[^"]*)"', re.MULTILINE)


class FolderError(PrismaDsqlError):
    """The migrations folder cannot be deployed as it is."""

    exit_code = 2


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def checksum_matches(stored: str, data: bytes) -> bool:
    stored = stored.lower()
    if stored == checksum(data):
        return True
    lf = data.replace(b"\r\n", b"\n")
    return stored in (checksum(lf), checksum(lf.replace(b"\n", b"\r\n")))


@dataclass(frozen=True)
class LocalMigration:
    name: str
    path: Path  # the migration.sql file
    data: bytes = field(repr=False)

    @cached_property
    def checksum(self) -> str:
        return checksum(self.data)

    @cached_property
    def script(self) -> str:
        try:
            text = self.data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FolderError(f"{self.path}: not UTF-8 text (byte {exc.start})") from None
        nul = text.find("\0")
        if nul >= 0:
            line = text.count("\n", 0, nul) + 1
            raise FolderError(f"{self.path}:{line}: a NUL character (byte {nul}); PostgreSQL cannot take one in a "
                              "statement, so this migration could never run. Remove it (an editor or a tool "
                              "wrote the file in another encoding?)")
        # A byte order mark is dropped, as Prisma drops it: it is not part of the first statement.
        return text[1:] if text.startswith("\ufeff") else text

    def steps(self) -> list[Step]:
        """The statements, analysed; raises FolderError/MigrationFileError (exit 2) on a file we cannot run."""
        return list(self._parsed[0])

    @property
    def transaction_blocks(self) -> tuple[TransactionBlock, ...]:
        """The ``BEGIN; ... COMMIT;`` blocks of the file (their statements carry ``Step.block``)."""
        return self._parsed[1]

    @cached_property
    def _parsed(self) -> tuple[tuple[Step, ...], tuple[TransactionBlock, ...]]:
        from prisma_dsql.sql.split import SqlSplitError, split_sql

        try:
            statements = split_sql(self.script)
        except SqlSplitError as exc:
            raise MigrationFileError(f"{self.path}:{exc.line}: {str(exc).split(': ', 1)[-1]}") from None
        directives = directives_by_statement(self.script, statements, self.path)
        kept, blocks = unwrap_transactions(statements, self.path, directives)
        steps = tuple(analyse(s, i, self.path, d, block) for i, (s, block, d) in enumerate(kept))
        return steps, blocks


@dataclass(frozen=True)
class Folder:
    path: Path
    migrations: tuple[LocalMigration, ...]
    provider: str | None  # from migration_lock.toml, None when there is none

    def by_name(self) -> dict[str, LocalMigration]:
        return {m.name: m for m in self.migrations}


def read_folder(path: Path) -> Folder:
    path = Path(path)
    if not path.exists():
        raise FolderError(f"no migrations folder at {path} (create migrations with `prisma-dsql migrate` or "
                          "`prisma migrate dev`, or pass --migrations-dir)")
    if not path.is_dir():
        raise FolderError(f"{path} is not a folder (pass the migrations folder with --migrations-dir)")
    provider = None
    lock = path / LOCK_FILE
    if lock.is_file():
        text = _read_bounded(lock, 64 * 1024).decode("utf-8", errors="replace")
        m = _PROVIDER.search(text)
        provider = m.group("p") if m else None
        if provider not in PROVIDERS:
            shown = f'"{provider}"' if provider is not None else "no provider"
            raise FolderError(f"{lock} names {shown}; prisma-dsql deploys PostgreSQL migrations to Aurora DSQL "
                              '(provider = "postgresql"). These migrations were made for another database')
    migrations = []
    try:
        children = sorted(path.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        raise FolderError(f"{path}: cannot read the folder: {describe_os_error(exc, path)}") from None
    for child in children:
        if not child.is_dir():
            continue
        sql = child / MIGRATION_FILE
        if not sql.is_file():
            raise FolderError(f"{child} holds no {MIGRATION_FILE} (Prisma needs one in every migration directory)")
        migrations.append(LocalMigration(child.name, sql, _read_bounded(sql, MAX_FILE_BYTES)))
    return Folder(path, tuple(migrations), provider)


def check_folder(folder: Folder, *, dsql: bool) -> list[str]:
    """Check every migration of ``folder`` completely (read, split, classified, directives known) before
    anything is created in a database; raise :class:`FolderError`/:class:`MigrationFileError` (exit 2) on the
    first that cannot run. ``dsql``: the target is Aurora DSQL, which refuses a ``DO`` block (no PL/pgSQL) and
    runs one statement per transaction. Returns the notes to show before deploying."""
    notes: list[str] = []
    for m in folder.migrations:
        steps = m.steps()
        if not dsql:
            continue
        for step in steps:
            if step.is_do_block:
                raise MigrationFileError(
                    f"{m.path}:{step.line}: a `DO` block: Aurora DSQL runs no PL/pgSQL (no DO blocks, no LANGUAGE "
                    "plpgsql functions), so this migration cannot run there. Write its statements out as plain "
                    "SQL in a new migration (or deploy this folder to PostgreSQL, which runs it as written)")
        if m.transaction_blocks:
            lines = ", ".join(f"{b.begin_line}-{b.commit_line}" for b in m.transaction_blocks)
            notes.append(f"migration {m.name}: its BEGIN; ... COMMIT; wrapper (lines {lines}) is dropped on Aurora "
                         "DSQL, which runs one statement per transaction: each statement inside runs and commits "
                         "on its own, so a failure part-way leaves the statements before it applied")
    return notes


def _read_bounded(path: Path, limit: int) -> bytes:
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise FolderError(f"{path}: cannot read it: {describe_os_error(exc, path)}") from None
    if len(data) > limit:
        raise FolderError(f"{path} is larger than {limit // (1024 * 1024) or 1} MiB; refusing to read it")
    return data
