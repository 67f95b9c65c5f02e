"""What a target database can do, as dated data.

Aurora DSQL gained much of its PostgreSQL surface during 2026. Each capability
below carries the date it arrived (None: never, as of the newest facts we
have), and a `Profile` is the set of capabilities of one target on one date.
Code asks `profile.supports("foreign_keys")` or `profile.limit(...)`; it never
compares dates itself. Facts the public sources disagree on are marked
`uncertain=True`: flipping one is a one-line change here.

Knows nothing of Prisma: these are database facts (source:
shared/docs/dsql-reference.md, the DSQL user guide and release notes).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Capability:
    key: str
    summary: str
    #: First day DSQL supports it; None means DSQL does not support it at all.
    since: _dt.date | None
    uncertain: bool = False


def _d(text: str) -> _dt.date:
    return _dt.date.fromisoformat(text)


CAPABILITIES: tuple[Capability, ...] = (
    # Arrived during 2026.
    Capability("identity_columns", "BIGINT GENERATED ... AS IDENTITY (CACHE 1 or >= 65536)", _d("2026-02-13")),
    Capability("sequences", "CREATE SEQUENCE (BIGINT; CACHE 1 or >= 65536)", _d("2026-02-13")),
    Capability("json_columns", "json as a column type", _d("2026-05-01"), uncertain=True),
    Capability("jsonb_columns", "jsonb as a column type (1 MiB per value)", _d("2026-06-01"), uncertain=True),
    Capability("alter_column_default", "ALTER COLUMN SET DEFAULT / DROP DEFAULT", _d("2026-07-01")),
    Capability("alter_column_drop_not_null", "ALTER COLUMN DROP NOT NULL", _d("2026-07-01")),
    Capability("add_identity", "ALTER COLUMN ADD GENERATED ... AS IDENTITY", _d("2026-07-01")),
    Capability("drop_column", "ALTER TABLE DROP COLUMN (not on primary key columns)", _d("2026-08-03")),
    Capability("check_not_valid", "ADD CONSTRAINT CHECK ... NOT VALID + ALTER TABLE ASYNC VALIDATE", _d("2026-08-03")),
    Capability("expression_indexes", "indexes on expressions", _d("2026-08-13")),
    Capability("numeric_precision_1000", "NUMERIC precision up to 1000, and NUMERIC columns indexable",
               _d("2026-08-25")),
    Capability("foreign_keys", "FOREIGN KEY constraints (inline, or NOT VALID + ASYNC VALIDATE), all actions",
               _d("2026-08-26")),
    Capability("partial_indexes", "CREATE INDEX ASYNC ... WHERE predicate", _d("2026-09-15")),
    # Supported since GA (2025-05).
    Capability("domains", "CREATE DOMAIN (DROP DOMAIN ... CASCADE refused)", _d("2025-05-27")),
    Capability("views", "CREATE VIEW", _d("2025-05-27")),
    Capability("schemas", "CREATE SCHEMA (at most 10 besides public/sys)", _d("2025-05-27")),
    Capability("unique_indexes", "CREATE UNIQUE INDEX ASYNC", _d("2025-05-27")),
    # Never (as of late 2026).
    Capability("serial_types", "SERIAL / BIGSERIAL / SMALLSERIAL", None),
    Capability("identity_non_bigint", "IDENTITY on INTEGER or SMALLINT columns", None),
    Capability("enum_types", "CREATE TYPE ... AS ENUM", None),
    Capability("composite_types", "CREATE TYPE ... AS (...)", None),
    Capability("array_columns", "array column types (text[], int[]): query-time only", None),
    Capability("synchronous_index_build", "CREATE INDEX without ASYNC", None),
    Capability("index_methods", "USING hash/gin/gist/spgist/brin (btree only)", None),
    Capability("index_sort_order", "ASC/DESC in index column lists", None),
    Capability("index_operator_classes", "operator classes in index column lists", None),
    Capability("extensions", "CREATE EXTENSION", None),
    Capability("triggers", "CREATE TRIGGER", None),
    Capability("plpgsql", "PL/pgSQL functions and DO blocks", None),
    Capability("advisory_locks", "pg_advisory_lock and friends", None),
    Capability("truncate", "TRUNCATE", None),
    Capability("savepoints", "SAVEPOINT", None),
    Capability("collations", "COLLATE", None),
    Capability("multiple_ddl_per_transaction", "more than one DDL statement in a transaction", None),
    Capability("mixed_ddl_dml_transaction", "DDL and DML in one transaction", None),
    Capability("alter_column_type", "ALTER COLUMN TYPE", None),
    Capability("alter_column_set_not_null", "ALTER COLUMN SET NOT NULL", None),
    Capability("add_column_with_constraints", "ADD COLUMN with DEFAULT, NOT NULL or a constraint", None),
    Capability("add_primary_key", "adding or changing a primary key after CREATE TABLE", None),
    Capability("add_unique_constraint", "ADD CONSTRAINT UNIQUE (use a unique index)", None),
    Capability("fulltext_indexes", "full-text (tsvector/GIN) indexes", None),
    # Column types.
    Capability("column_type_inet", "inet columns", None),
    Capability("column_type_citext", "citext columns (an extension)", None),
    Capability("column_type_money", "money columns", None, uncertain=True),
    Capability("column_type_xml", "xml columns", None, uncertain=True),
    Capability("column_type_bit", "bit / varbit columns", None, uncertain=True),
    Capability("column_type_oid", "oid columns", None, uncertain=True),
    Capability("column_type_tsvector", "tsvector columns", None, uncertain=True),
)

CAPABILITY_KEYS = frozenset(c.key for c in CAPABILITIES)
_BY_KEY = {c.key: c for c in CAPABILITIES}

#: Limits of DSQL (no dates: unchanged through 2026 as far as we know).
DSQL_LIMITS: dict[str, int] = {
    "indexes_per_table": 24,  # primary key and unique indexes count
    "columns_per_index": 8,  # also for primary keys
    "columns_per_table": 255,
    "tables": 1000,
    "schemas": 10,  # besides public and sys
    "views": 5000,
    "sequences": 5000,
    "identifier_bytes": 63,
    "rows_per_transaction": 3000,
    "bytes_per_transaction": 10 * 1024 * 1024,
    "transaction_seconds": 300,
    "char_bytes": 4096,
    "varchar_bytes": 65535,
    "connection_minutes": 60,
}


@dataclass(frozen=True)
class Profile:
    """The capabilities and limits of one target on one date."""

    target: str  # "dsql" or "postgres"
    as_of: _dt.date | None
    features: frozenset[str]
    limits: dict[str, int] = field(default_factory=dict, hash=False, compare=False)

    def supports(self, key: str) -> bool:
        if key not in CAPABILITY_KEYS:
            raise KeyError(f"unknown capability {key!r}")
        return key in self.features

    def limit(self, name: str) -> int | None:
        """The limit, or None where the target has none worth checking."""
        return self.limits.get(name)

    def numeric_max_precision(self) -> int:
        if self.target == "postgres":
            return 1000
        return 1000 if self.supports("numeric_precision_1000") else 38

    def describe(self) -> str:
        if self.target == "postgres":
            return "PostgreSQL"
        return f"Aurora DSQL as of {self.as_of.isoformat()}"


def capability(key: str) -> Capability:
    return _BY_KEY[key]


def newest_known_date() -> _dt.date:
    return max(c.since for c in CAPABILITIES if c.since is not None)


def dsql_profile(as_of: _dt.date | str | None = None) -> Profile:
    """DSQL's profile on `as_of` (default: the newest date we have facts for)."""
    if isinstance(as_of, str):
        as_of = parse_version(as_of)
    day = as_of or newest_known_date()
    features = frozenset(c.key for c in CAPABILITIES if c.since is not None and c.since <= day)
    return Profile("dsql", day, features, dict(DSQL_LIMITS))


def postgres_profile() -> Profile:
    return Profile("postgres", None, CAPABILITY_KEYS, {"identifier_bytes": 63})


def parse_version(text: str) -> _dt.date:
    """`--dsql-version YYYY-MM-DD` -> date, or ValueError with a readable message."""
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--dsql-version takes a date as YYYY-MM-DD, not {text!r}") from None


def profile_for(target: str = "dsql", dsql_version: str | _dt.date | None = None) -> Profile:
    if target == "postgres":
        return postgres_profile()
    if target == "dsql":
        return dsql_profile(dsql_version)
    raise ValueError(f"unknown target {target!r}: use dsql or postgres")
