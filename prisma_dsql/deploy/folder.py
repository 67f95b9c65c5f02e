"""Read a Prisma migrations folder for deploying.

Contract
--------
:func:`read_folder(path)` -> :class:`Folder` with its migrations sorted by directory name, as Prisma sorts
them. Each :class:`LocalMigration` carries the bytes' checksum (lowercase hex SHA-256, as Prisma stores it),
and, parsed on demand by :meth:`LocalMigration.steps`, its statements as :class:`~prisma_dsql.deploy.steps.Step`.

Refused with exit 2 (:class:`FolderError`): a missing folder, a ``migration_lock.toml`` naming a provider
other than postgresql, a migration directory without ``migration.sql``, a file that is not UTF-8 or cannot be
split into statements, an unknown ``-- prisma-dsql:`` directive. A folder without a lock file is accepted, as
Prisma accepts it. Reading is bounded: a migration.sql over :data:`MAX_FILE_BYTES` is refused.

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

from prisma_dsql.deploy.steps import MigrationFileError, Step, analyse, directives_by_statement
from prisma_dsql.errors import PrismaDsqlError

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
            return self.data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FolderError(f"{self.path}: not UTF-8 text (byte {exc.start})") from None

    def steps(self) -> list[Step]:
        """The statements, analysed; raises FolderError/MigrationFileError (exit 2) on a file we cannot run."""
        return list(self._steps)

    @cached_property
    def _steps(self) -> tuple[Step, ...]:
        from prisma_dsql.sql.split import SqlSplitError, split_sql

        try:
            statements = split_sql(self.script)
        except SqlSplitError as exc:
            raise MigrationFileError(f"{self.path}:{exc.line}: {str(exc).split(': ', 1)[-1]}") from None
        directives = directives_by_statement(self.script, statements, self.path)
        return tuple(analyse(s, i, self.path, d) for i, (s, d) in enumerate(zip(statements, directives)))


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
    for child in sorted(path.iterdir(), key=lambda p: p.name):
        if not child.is_dir():
            continue
        sql = child / MIGRATION_FILE
        if not sql.is_file():
            raise FolderError(f"{child} holds no {MIGRATION_FILE} (Prisma needs one in every migration directory)")
        migrations.append(LocalMigration(child.name, sql, _read_bounded(sql, MAX_FILE_BYTES)))
    return Folder(path, tuple(migrations), provider)


def _read_bounded(path: Path, limit: int) -> bytes:
    with open(path, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise FolderError(f"{path} is larger than {limit // (1024 * 1024) or 1} MiB; refusing to read it")
    return data
