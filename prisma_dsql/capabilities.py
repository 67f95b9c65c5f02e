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
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, TypeVar

_T = TypeVar("_T")


@dataclass(frozen=True)
class Capability:
    key: str
    summary: str
    #: First day DSQL supports it; None means DSQL does not support it at all.
    since: _dt.date | None
    uncertain: bool = False


def _d(text: str) -> _dt.date:
    return _dt.date.fromisoformat(text)


#: Aurora DSQL's general availability: no DSQL version is older.
GA = _d("2025-05-27")


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
    # Prisma 7 has no expression indexes (`@@index([raw("...")])` is rejected as an unknown field), so
    # no rule and no translation uses this yet; it is here for the introspector and the differ.
    Capability("expression_indexes", "indexes on expressions", _d("2026-08-13")),
    Capability("numeric_precision_1000", "NUMERIC precision up to 1000, and NUMERIC columns indexable",
               _d("2026-08-25")),
    Capability("foreign_keys", "FOREIGN KEY constraints (inline, or NOT VALID + ASYNC VALIDATE), all actions",
               _d("2026-08-26")),
    Capability("partial_indexes", "CREATE INDEX ASYNC ... WHERE predicate", _d("2026-09-15")),
    # Supported since GA (2025-05).
    Capability("domains", "CREATE DOMAIN (DROP DOMAIN ... CASCADE refused)", GA),
    Capability("views", "CREATE VIEW", GA),
    Capability("schemas", "CREATE SCHEMA (at most 10 besides public/sys)", GA),
    Capability("unique_indexes", "CREATE UNIQUE INDEX ASYNC", GA),
    Capability("rename", "ALTER TABLE RENAME TO / RENAME COLUMN / RENAME CONSTRAINT, ALTER DOMAIN RENAME", GA),
    Capability("unique_using_index", "ALTER TABLE ADD CONSTRAINT ... UNIQUE USING INDEX (a valid index)", GA),
    # Relied on, undocumented: `prisma-dsql doctor` probes them on the user's cluster and records the verdict
    # in prisma-dsql.toml's [capabilities], which config.settings() applies over these dates.
    Capability("add_column_checked_domain", "ADD COLUMN of a domain-typed column whose domain has a CHECK", GA,
               uncertain=True),
    Capability("setval_identity", "setval() on an identity column's sequence", _d("2026-02-13"), uncertain=True),
    Capability("if_not_exists_pending_index", "CREATE INDEX ASYNC IF NOT EXISTS while that index still builds",
               GA, uncertain=True),
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
    # Runs on live clusters but is undocumented, and dsql-lint flags it: drop + create until confirmed.
    Capability("alter_index_rename", "ALTER INDEX ... RENAME TO", None, uncertain=True),
    # Runs on live clusters (reference) but is undocumented, and dsql-lint cannot parse it: a changed enum
    # is moved onto a new domain and back until this is confirmed.
    Capability("alter_domain_rename", "ALTER DOMAIN ... RENAME TO", None, uncertain=True),
    Capability("alter_domain_constraints", "ALTER DOMAIN ADD/DROP CONSTRAINT (a changed enum)", None,
               uncertain=True),
    Capability("collations", "COLLATE", None),
    Capability("multiple_ddl_per_transaction", "more than one DDL statement in a transaction", None),
    Capability("mixed_ddl_dml_transaction", "DDL and DML in one transaction", None),
    Capability("alter_column_type", "ALTER COLUMN TYPE", None),
    Capability("alter_column_set_not_null", "ALTER COLUMN SET NOT NULL", None),
    Capability("add_column_with_constraints", "ADD COLUMN with DEFAULT, NOT NULL or a constraint", None),
    Capability("add_primary_key", "adding or changing a primary key after CREATE TABLE", None),
    Capability("add_unique_constraint", "ADD CONSTRAINT UNIQUE (use a unique index)", None),
    Capability("fulltext_indexes", "full-text (tsvector/GIN) indexes", None),
    # json has no B-tree operator class (no equality operator), in PostgreSQL either: never.
    Capability("json_indexes", "B-tree indexes (incl. unique and primary key) on json columns", None),
    # PostgreSQL has a B-tree operator class for jsonb; DSQL's documentation says nothing of one, so
    # it is taken as absent until confirmed.
    Capability("jsonb_indexes", "B-tree indexes (incl. unique and primary key) on jsonb columns", None,
               uncertain=True),
    Capability("postgres_18_functions", "functions new in PostgreSQL 18 (uuidv7())", None),
    # Column types.
    Capability("column_type_inet", "inet columns", None),
    Capability("column_type_citext", "citext columns (an extension)", None),
    Capability("column_type_money", "money columns", None, uncertain=True),
    Capability("column_type_xml", "xml columns", None, uncertain=True),
    Capability("column_type_bit", "bit / varbit columns", None, uncertain=True),
    Capability("column_type_oid", "oid columns", None, uncertain=True),
    Capability("column_type_tsvector", "tsvector columns", None, uncertain=True),
    Capability("unlisted_column_types",
               "column types missing from COLUMN_TYPES (extension types such as geometry, hstore, vector)", None),
)

# --- Statement forms --------------------------------------------------------------------------------
# Read by the local Aurora DSQL's statement rules (prisma_dsql/rehearsal/rules.py): each rule that refuses a
# statement form names the capability that lifts it, so the refused forms follow `--dsql-version`. The
# capabilities above are read there too (foreign_keys, partial_indexes, drop_column, ...); these are the
# forms no other part of the tool needs.
STATEMENT_FORMS: tuple[Capability, ...] = (
    Capability("create_database", "CREATE DATABASE (one database, postgres, per cluster)", None),
    Capability("create_procedure", "CREATE PROCEDURE", None),
    Capability("temporary_tables", "CREATE TEMPORARY TABLE / VIEW / SEQUENCE", None),
    Capability("create_table_as", "CREATE TABLE ... AS / SELECT INTO", None),
    Capability("partitioning", "PARTITION BY / PARTITION OF / INHERITS", None),
    Capability("tablespaces", "TABLESPACE clauses", None),
    Capability("storage_parameters", "WITH (storage parameters) on tables and indexes", None),
    Capability("materialized_views", "CREATE MATERIALIZED VIEW", None),
    Capability("lock_table", "LOCK TABLE", None),
    Capability("exclusion_constraints", "EXCLUDE constraints", None),
    Capability("drop_domain_cascade", "DROP DOMAIN ... CASCADE", None),
    Capability("isolation_levels", "isolation levels other than REPEATABLE READ", None),
    Capability("session_settings", "SET of settings other than the client ones DSQL lists", None),
    Capability("index_concurrently", "CREATE / DROP INDEX CONCURRENTLY", None),
    Capability("schema_qualified_index_name", "a schema-qualified name in CREATE INDEX", None),
    Capability("row_level_security", "row-level security (ENABLE ROW LEVEL SECURITY, CREATE POLICY)", None),
    Capability("alter_domain_set_not_null", "ALTER DOMAIN ... SET NOT NULL", None),
    Capability("drop_primary_key", "dropping a primary key constraint or a primary-key column", None),
    Capability("sequence_cache_any", "sequence / identity CACHE other than 1 or >= 65536", None),
    Capability("non_bigint_sequences", "sequences AS INTEGER / SMALLINT", None),
    Capability("constraint_without_not_valid", "ADD CONSTRAINT FOREIGN KEY / CHECK without NOT VALID", None),
    Capability("synchronous_validate", "ALTER TABLE ... VALIDATE CONSTRAINT without ASYNC", None),
)
#: Setting names (regex alternatives, lower case) that SET may change on DSQL: the client settings, and
#: the planner switch DSQL documents.
SETTABLE_SETTINGS: tuple[str, ...] = (
    "application_name", "client_encoding", "datestyle", "extra_float_digits", "intervalstyle", "timezone",
    r"time\s+zone", "search_path", "role", "transaction", r"(?:session\s+)?characteristics",
    r"dsql\.enable_batched_nestloop",
)
CAPABILITIES = CAPABILITIES + STATEMENT_FORMS

CAPABILITY_KEYS = frozenset(c.key for c in CAPABILITIES)
_BY_KEY = {c.key: c for c in CAPABILITIES}

#: Column types by base name (lower case, arguments and quotes removed) and the capability a profile
#: needs for each (None: every DSQL version has it). A type not listed needs `unlisted_column_types`:
#: it is not known to work on DSQL. Shared by the rules and the renderer, so that turning a rule off
#: never lets through a type the target refuses.
COLUMN_TYPES: dict[str, str | None] = {
    **dict.fromkeys((
        "smallint", "int2", "integer", "int", "int4", "bigint", "int8", "real", "float4", "double precision",
        "float8", "numeric", "decimal", "char", "character", "bpchar", "varchar", "character varying", "text",
        "date", "time", "timetz", "time without time zone", "time with time zone", "timestamp", "timestamptz",
        "timestamp without time zone", "timestamp with time zone", "interval", "boolean", "bool", "bytea", "uuid",
    )),
    "json": "json_columns",
    "jsonb": "jsonb_columns",
    "inet": "column_type_inet",
    "citext": "column_type_citext",
    "money": "column_type_money",
    "xml": "column_type_xml",
    "bit": "column_type_bit",
    "varbit": "column_type_bit",
    "bit varying": "column_type_bit",
    "oid": "column_type_oid",
    "tsvector": "column_type_tsvector",
}

#: Column types (base names, as in COLUMN_TYPES) that a B-tree index (plain, unique or primary key)
#: may hold only with a capability: base name -> (capability, the type in messages). Shared by the
#: rules and the renderer.
INDEXED_TYPES: dict[str, tuple[str, str]] = {
    "numeric": ("numeric_precision_1000", "NUMERIC"),
    "decimal": ("numeric_precision_1000", "NUMERIC"),
    "json": ("json_indexes", "JSON"),
    "jsonb": ("jsonb_indexes", "JSONB"),
}

#: Column types for JSON values, preferred first, with the capability each needs.
JSON_COLUMN_TYPES: tuple[tuple[str, str], ...] = (("jsonb_columns", "JSONB"), ("json_columns", "JSON"))

#: SQL functions that a column DEFAULT may call and that need a capability:
#: name (lower case) -> (capability, where the function comes from).
FUNCTIONS: dict[str, tuple[str, str]] = {
    "uuid_generate_v1": ("extensions", "the uuid-ossp extension"),
    "uuid_generate_v1mc": ("extensions", "the uuid-ossp extension"),
    "uuid_generate_v3": ("extensions", "the uuid-ossp extension"),
    "uuid_generate_v4": ("extensions", "the uuid-ossp extension"),
    "uuid_generate_v5": ("extensions", "the uuid-ossp extension"),
    "uuid_generate_v7": ("extensions", "the pg_uuidv7 extension"),
    "uuidv7": ("postgres_18_functions", "PostgreSQL 18"),
    "gen_random_bytes": ("extensions", "the pgcrypto extension"),
    "crypt": ("extensions", "the pgcrypto extension"),
    "gen_salt": ("extensions", "the pgcrypto extension"),
    "digest": ("extensions", "the pgcrypto extension"),
    "hmac": ("extensions", "the pgcrypto extension"),
    "nanoid": ("plpgsql", "an extension or a PL/pgSQL function"),
    "generate_ulid": ("plpgsql", "an extension or a PL/pgSQL function"),
    "gen_ulid": ("plpgsql", "an extension or a PL/pgSQL function"),
    "ulid_generate": ("plpgsql", "an extension or a PL/pgSQL function"),
    "gen_random_ulid": ("plpgsql", "an extension or a PL/pgSQL function"),
    "nextval": ("sequences", "sequences"),
    "currval": ("sequences", "sequences"),
    "setval": ("sequences", "sequences"),
}

_TYPE_ARGS = re.compile(r"\([^)]*\)")
_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_$]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_$]*)*)\s*\(")


@lru_cache(maxsize=1024)
def type_base_name(sql_type: str) -> str:
    """`"Timestamp"(3) WITH TIME ZONE` -> `timestamp with time zone` (an array keeps its `[]`)."""
    return " ".join(_TYPE_ARGS.sub("", sql_type).lower().replace('"', "").split())


@lru_cache(maxsize=1024)
def column_type_capability(sql_type: str) -> str:
    """The capability a column of SQL type `sql_type` needs ("" when every DSQL version has it)."""
    base = type_base_name(sql_type)
    if base.endswith("[]"):
        return "array_columns"
    if base not in COLUMN_TYPES:
        return "unlisted_column_types"
    return COLUMN_TYPES[base] or ""


def called_functions(sql: str) -> list[str]:
    """Lower-case names (schema prefix removed) of the functions an SQL expression calls, in order."""
    return [m.group(1).split(".")[-1].strip().lower() for m in _CALL.finditer(sql)]


# -- limits and transaction rules ---------------------------------------------------------------------------
# The numbers below are the only place DSQL's limits live: code reads them through `profile.limit(name)`
# (or these tables), never as literals. tests/test_capabilities_read.py fails when a key is read by nothing.

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
    "key_bytes": 1024,  # combined key columns of a primary key or of one index (54000 key size too large)
    "connection_minutes": 60,  # DSQL closes a connection after this long
}

#: Statements that start an async job on DSQL (they return a job_id at once; sys.jobs tracks the work,
#: `CALL sys.wait_for_job(id)` waits for it): statement form -> the job_type sys.jobs reports.
DSQL_JOB_STATEMENTS: dict[str, str] = {
    "CREATE [UNIQUE] INDEX ASYNC": "INDEX_BUILD",
    "ALTER TABLE ASYNC ... VALIDATE CONSTRAINT": "VALIDATE_CONSTRAINT",
}

#: SQLSTATEs by which DSQL reports its transaction rules: a transaction over a limit (rows, bytes, age,
#: key size) and an optimistic-concurrency conflict (retry the whole transaction).
DSQL_SQLSTATES: dict[str, str] = {
    "limit_exceeded": "54000",
    "occ_conflict": "40001",
}

#: DSQL's precision and scale of NUMERIC / DECIMAL written without them (PostgreSQL: unbounded).
DSQL_NUMERIC_DEFAULT: tuple[int, int] = (18, 6)

#: Schemas every DSQL cluster has; they do not count toward the `schemas` limit.
DSQL_BUILTIN_SCHEMAS: tuple[str, ...] = ("public", "sys")
#: Schema names DSQL reserves, and the prefix of more (PostgreSQL's `pg_*`).
DSQL_RESERVED_SCHEMAS: tuple[str, ...] = ("sys", "information_schema")
DSQL_RESERVED_SCHEMA_PREFIXES: tuple[str, ...] = ("pg_",)

#: Limits that change with a capability: for each, (capability, value) pairs, the first the profile
#: has wins; a None capability is the value before any of them.
DSQL_CAPABILITY_LIMITS: dict[str, tuple[tuple[str | None, int], ...]] = {
    "numeric_precision": (("numeric_precision_1000", 1000), (None, 38)),
}

#: Limits of plain PostgreSQL that the rules and renderers check.
POSTGRES_LIMITS: dict[str, int] = {"identifier_bytes": 63, "numeric_precision": 1000}


@dataclass(frozen=True)
class Profile:
    """The capabilities and limits of one target on one date."""

    target: str  # "dsql" or "postgres"
    as_of: _dt.date | None
    features: frozenset[str]
    limits: dict[str, int] = field(default_factory=dict, hash=False, compare=False)
    #: The target in words, for messages: "Aurora DSQL", "PostgreSQL".
    label: str = ""
    #: The date the user asked for when it differs from `as_of` (a date past the newest facts we
    #: have gets the newest profile); it only changes what `describe()` says.
    requested: _dt.date | None = field(default=None, compare=False)

    def supports(self, key: str) -> bool:
        if key not in CAPABILITY_KEYS:
            raise KeyError(f"unknown capability {key!r}")
        return key in self.features

    def limit(self, name: str) -> int | None:
        """The limit, or None where the target has none worth checking."""
        return self.limits.get(name)

    def first_supported(self, choices: Iterable[tuple[str, _T]]) -> _T | None:
        """The value of the first (capability, value) pair whose capability the profile has."""
        return next((value for key, value in choices if self.supports(key)), None)

    def describe(self) -> str:
        """`Aurora DSQL as of 2026-08-01`, `PostgreSQL`."""
        text = self.label if self.as_of is None else f"{self.label} as of {self.as_of.isoformat()}"
        if self.requested is not None and self.requested != self.as_of:
            text += f" (newest known; you asked for {self.requested.isoformat()})"
        return text


def capability(key: str) -> Capability:
    return _BY_KEY[key]


def newest_known_date() -> _dt.date:
    return max(c.since for c in CAPABILITIES if c.since is not None)


def dsql_profile(as_of: _dt.date | str | None = None) -> Profile:
    """DSQL's profile on `as_of` (default: the newest date we have facts for).

    A date before DSQL's general availability is a ValueError. A date after the newest fact gets
    the newest profile, which says so in `describe()`: nothing newer is known, not "nothing changed".
    """
    if isinstance(as_of, str):
        as_of = parse_version(as_of)
    newest = newest_known_date()
    if as_of is not None and as_of < GA:
        raise ValueError(f"DSQL version {as_of.isoformat()} is before Aurora DSQL's general availability "
                         f"({GA.isoformat()}): give {GA.isoformat()} or later")
    day = newest if as_of is None else min(as_of, newest)
    features = frozenset(c.key for c in CAPABILITIES if c.since is not None and c.since <= day)
    limits = dict(DSQL_LIMITS)
    for name, steps in DSQL_CAPABILITY_LIMITS.items():
        limits[name] = next(value for key, value in steps if key is None or key in features)
    requested = as_of if as_of is not None and as_of > newest else None
    return Profile("dsql", day, features, limits, "Aurora DSQL", requested)


def postgres_profile() -> Profile:
    return Profile("postgres", None, CAPABILITY_KEYS, dict(POSTGRES_LIMITS), "PostgreSQL")


_VERSION = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_version(text: str) -> _dt.date:
    """`--dsql-version YYYY-MM-DD` -> date, or ValueError with a readable message. Only that
    spelling: `20260101` and other ISO forms that `date.fromisoformat` takes are refused."""
    try:
        if not _VERSION.fullmatch(text):
            raise ValueError
        return _dt.date.fromisoformat(text)
    except (ValueError, TypeError):
        raise ValueError(f"--dsql-version takes a date as YYYY-MM-DD, not {text!r}") from None


def profile_for(target: str = "dsql", dsql_version: str | _dt.date | None = None) -> Profile:
    if target == "postgres":
        return postgres_profile()
    if target == "dsql":
        return dsql_profile(dsql_version)
    raise ValueError(f"unknown target {target!r}: use dsql or postgres")
