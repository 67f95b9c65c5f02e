"""Prisma's migration history table, ``_prisma_migrations``, created and written as Prisma does.

Contract
--------
* :data:`CREATE_TABLE` is Prisma's own DDL for PostgreSQL, word for word; :func:`ensure_table` runs it in a
  transaction of its own (it is DDL) when the table is missing.
* Each write is one statement: :func:`start` inserts the row of a migration that begins (random uuid id,
  checksum, name; started_at by the column default), :func:`record_steps` sets ``applied_steps_count``,
  :func:`finish` sets ``finished_at`` (and clears ``logs``), :func:`fail` writes ``logs``, :func:`roll_back` sets
  ``rolled_back_at``, :func:`mark_applied` inserts a finished row with ``applied_steps_count = 0`` (as
  ``migrate resolve --applied`` does). ``record_steps_sql()`` is exposed so a DML statement and the count it
  advances can commit in one transaction (DML with DML; never DDL with DML).
* Every function takes ``table``: the engine passes :func:`qualified` (the schema current when the deploy
  started), so a migration's ``SET search_path`` does not move the history.
* :func:`read` returns the rows ordered by ``started_at`` then ``migration_name``, as Prisma reads them.

The caller runs these on an autocommit connection (one statement, one transaction) and handles retries.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from prisma_dsql.sql.names import quote

TABLE = "_prisma_migrations"

#: Prisma's DDL (schema-engine, postgres flavour).
CREATE_TABLE = """CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)"""

COLUMNS = ("id", "checksum", "finished_at", "migration_name", "logs", "rolled_back_at", "started_at",
           "applied_steps_count")



def qualified(schema: str) -> str:
    """The table in ``schema``, quoted: history statements name it so, because a migration's own
    ``SET search_path`` must not move where the deploy reads and writes its history."""
    return quote(schema) + "." + TABLE


def record_steps_sql(table: str = TABLE) -> str:
    """The count only moves forward: a statement run again when a migration resumes after an undo (see
    prisma_dsql.deploy.undo) must not lower the count of the statements applied after it."""
    return f"UPDATE {table} SET applied_steps_count = GREATEST(applied_steps_count, %s) WHERE id = %s"


@dataclass(frozen=True)
class HistoryRow:
    id: str
    checksum: str
    finished_at: datetime | None
    migration_name: str
    logs: str | None
    rolled_back_at: datetime | None
    started_at: datetime
    applied_steps_count: int

    @property
    def failed(self) -> bool:
        """Unfinished and not rolled back: Prisma's "failed" (P3009), which includes an interrupted run."""
        return self.finished_at is None and self.rolled_back_at is None

    @property
    def interrupted(self) -> bool:
        """Unfinished, not rolled back and no error logged: a run that stopped (crash, kill, lost
        connection, retries exhausted) and that deploy resumes."""
        return self.failed and not self.logs

    @property
    def applied(self) -> bool:
        return self.finished_at is not None and self.rolled_back_at is None


def exists(conn, table: str = TABLE) -> bool:
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()
    return bool(row[0])


def ensure_table(conn, table: str = TABLE) -> bool:
    """Create the table if missing; True when this call created it."""
    if exists(conn, table):
        return False
    conn.execute(CREATE_TABLE.replace(f"CREATE TABLE {TABLE}", f"CREATE TABLE {table}", 1))
    return True


def read(conn, table: str = TABLE) -> list[HistoryRow]:
    if not exists(conn, table):
        return []
    rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM {table} ORDER BY started_at, migration_name").fetchall()
    return [HistoryRow(*row) for row in rows]


def start(conn, name: str, checksum: str, table: str = TABLE, *, row_id: str | None = None) -> str:
    row_id = row_id or str(uuid.uuid4())
    conn.execute(f"INSERT INTO {table} (id, checksum, migration_name) VALUES (%s, %s, %s)", (row_id, checksum, name))
    return row_id


def record_steps(conn, row_id: str, count: int, table: str = TABLE) -> None:
    conn.execute(record_steps_sql(table), (count, row_id))


def finish(conn, row_id: str, count: int, table: str = TABLE) -> None:
    """Finished, as Prisma writes it: the logs of an earlier failure that deploy then finished are cleared."""
    conn.execute(f"UPDATE {table} SET finished_at = now(), logs = NULL, applied_steps_count = %s WHERE id = %s",
                 (count, row_id))


def fail(conn, row_id: str, logs: str, table: str = TABLE) -> None:
    conn.execute(f"UPDATE {table} SET logs = %s WHERE id = %s", (logs, row_id))


def roll_back(conn, row_id: str, table: str = TABLE) -> None:
    conn.execute(f"UPDATE {table} SET rolled_back_at = now() WHERE id = %s", (row_id,))


def mark_applied(conn, name: str, checksum: str, table: str = TABLE) -> str:
    row_id = str(uuid.uuid4())
    conn.execute(f"INSERT INTO {table} (id, checksum, started_at, finished_at, migration_name, applied_steps_count) "
                 "VALUES (%s, %s, now(), now(), %s, 0)", (row_id, checksum, name))
    return row_id
