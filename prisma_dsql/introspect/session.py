"""Running the catalog queries: one read-only REPEATABLE READ transaction, retried on 40001.

Contract: `read_catalog_rows(conn, schemas)` runs every query of
`prisma_dsql.introspect.queries` in one transaction on an open psycopg 3 connection and
returns their rows with the number of server round trips it took. The connection must be
idle (not inside a transaction); it is left idle, with its autocommit setting unchanged.

Aurora DSQL answers SQLSTATE 40001 on catalog reads right after DDL (OC001, "schema has
been updated by another transaction"), and on any optimistic-concurrency conflict: the
whole transaction is retried, a bounded number of times, after a jittered backoff. Any
other database error becomes an `IntrospectionError` (exit code 1) naming the query.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any, Callable

from prisma_dsql.errors import PrismaDsqlError
from prisma_dsql.introspect.queries import QUERIES, query_text
from prisma_dsql.redact import redact

#: Attempts in all (the first and the retries) before a 40001 is given up on.
MAX_ATTEMPTS = 5
#: Backoff before retry n (1-based): a random time up to BACKOFF_SECONDS * 2**(n-1), capped.
BACKOFF_SECONDS = 0.05
BACKOFF_CAP_SECONDS = 2.0

BEGIN = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"

SERIALIZATION_FAILURE = "40001"


class IntrospectionError(PrismaDsqlError):
    """The database catalog could not be read."""

    exit_code = 1


@dataclass(frozen=True)
class CatalogRows:
    """Rows of each query by name, and what reading them took."""

    rows: dict[str, list[tuple[Any, ...]]]
    round_trips: int
    attempts: int


def read_catalog_rows(conn: Any, schemas: tuple[str, ...] | None, *, opclasses: bool = True,
                      max_attempts: int = MAX_ATTEMPTS, sleep: Callable[[float], None] = time.sleep) -> CatalogRows:
    """`opclasses`: read index definitions for their operator classes (pointless where the
    database has none, as on DSQL)."""
    import psycopg
    from psycopg.pq import TransactionStatus

    if conn.closed:
        raise IntrospectionError("cannot read the database catalog: the connection is closed")
    if conn.info.transaction_status != TransactionStatus.IDLE:
        raise IntrospectionError("cannot read the database catalog: the connection is inside a transaction "
                                 "(introspection runs its own read-only transaction)")
    saved_autocommit = conn.autocommit
    conn.autocommit = True  # BEGIN and COMMIT are sent explicitly, so the round trips are known
    round_trips = 0
    try:
        for attempt in range(1, max_attempts + 1):
            current = "BEGIN"
            try:
                conn.execute(BEGIN)
                round_trips += 1
                rows: dict[str, list[tuple[Any, ...]]] = {}
                params: dict[str, Any] = {"schemas": list(schemas) if schemas is not None else None}
                version = None
                for name in QUERIES:
                    current = name
                    rows[name] = conn.execute(query_text(name, version), params).fetchall()
                    round_trips += 1
                    if name == "namespaces":
                        version = rows[name][0][-1]
                        params = {"namespaces": list(rows[name][0][1]), "opclasses": opclasses}
                current = "COMMIT"
                conn.execute("COMMIT")
                round_trips += 1
                return CatalogRows(rows, round_trips, attempt)
            except psycopg.Error as exc:
                round_trips += 1
                round_trips += _rollback(conn)
                if exc.sqlstate == SERIALIZATION_FAILURE and attempt < max_attempts:
                    sleep(random.uniform(0, min(BACKOFF_CAP_SECONDS, BACKOFF_SECONDS * 2 ** (attempt - 1))))
                    continue
                what = f"query {current!r}" if current in QUERIES else current
                again = f" after {attempt} attempts" if exc.sqlstate == SERIALIZATION_FAILURE else ""
                detail = redact(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
                raise IntrospectionError(
                    f"cannot read the database catalog ({what} failed{again}): "
                    f"{exc.sqlstate or 'no SQLSTATE'} {detail}") from None
        raise AssertionError("unreachable")  # pragma: no cover
    finally:
        if not conn.closed:
            conn.autocommit = saved_autocommit


def _rollback(conn: Any) -> int:
    """End a failed transaction; the round trips it took (0 when the connection is gone)."""
    import psycopg
    from psycopg.pq import TransactionStatus

    if conn.closed or conn.info.transaction_status == TransactionStatus.IDLE:
        return 0
    try:
        conn.execute("ROLLBACK")
    except psycopg.Error:
        return 1
    return 1
