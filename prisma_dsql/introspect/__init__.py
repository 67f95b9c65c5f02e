"""Reading a live PostgreSQL or Aurora DSQL database into the catalog a schema translates to.

Contract:

- `introspect(conn, *, schemas=None, profile=None) -> Catalog`: the catalog of the database
  an open psycopg 3 connection points at (`schemas`: the namespaces to read; None: every
  user schema). A database built by a migration from a schema compares equal
  (`normalized()`) to `stored_form(<that schema's catalog>, profile)`. Pass the target's
  `profile`: with a DSQL one a bare NUMERIC reads as NUMERIC(18,6) and operator classes (which
  DSQL lacks) are not read, which saves the costliest part of the index query.
- `introspect_database(...) -> Introspection`: the same, with per-table row estimates
  (`pg_class.reltuples`, never COUNT(*)) and the round trips it took.
- `stored_form(catalog, profile) -> Catalog`: a catalog spelled as the database keeps it
  (names cut to 63 bytes, DSQL's NUMERIC(18,6) and dropped sort orders, canonical
  timestamps, JSON and predicates). The differ applies it to the desired catalog.

It runs a fixed number of queries (`queries.QUERIES`, from named `.sql` files), whatever the
number of tables, in one read-only REPEATABLE READ transaction retried on SQLSTATE 40001,
and reads only catalogs DSQL has. Connecting is not its job: the caller opens the
connection (and psycopg is imported only by the code that runs the queries).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prisma_dsql.capabilities import Profile
from prisma_dsql.catalog.model import Catalog
from prisma_dsql.introspect.build import build_catalog, is_own_table
from prisma_dsql.introspect.session import IntrospectionError, read_catalog_rows
from prisma_dsql.introspect.stored import stored_form


@dataclass(frozen=True)
class Introspection:
    """What reading a database gave."""

    catalog: Catalog
    #: Estimated rows per (schema, table) from pg_class.reltuples; None: never analysed.
    row_estimates: dict[tuple[str, str], int | None] = field(default_factory=dict, compare=False)
    #: Server round trips (BEGIN, each query, COMMIT, and any retried attempts).
    round_trips: int = 0
    #: Transactions it took (1 unless a 40001 made it retry).
    attempts: int = 1


def introspect_database(conn: Any, *, schemas: tuple[str, ...] | list[str] | None = None,
                        profile: Profile | None = None, default_schema: str | None = None) -> Introspection:
    """Read the database `conn` is connected to (see the module docstring). `default_schema`:
    the catalog's default schema (objects there are written unqualified); by default the
    session's current schema."""
    wanted = tuple(schemas) if schemas is not None else None
    # Where the profile has no operator classes (DSQL) no index can have one: skip reading them.
    opclasses = profile is None or profile.supports("index_operator_classes")
    read = read_catalog_rows(conn, wanted, opclasses=opclasses)
    catalog, estimates = build_catalog(read.rows, profile, default_schema)
    return Introspection(catalog, estimates, read.round_trips, read.attempts)


def introspect(conn: Any, *, schemas: tuple[str, ...] | list[str] | None = None,
               profile: Profile | None = None, default_schema: str | None = None) -> Catalog:
    """The catalog of the database `conn` is connected to."""
    return introspect_database(conn, schemas=schemas, profile=profile, default_schema=default_schema).catalog


__all__ = ["Introspection", "IntrospectionError", "introspect", "introspect_database", "is_own_table",
           "stored_form"]
