"""Aurora DSQL: the PostgreSQL script changed only where DSQL needs it.

Differences from `PostgresTarget`, as data:

- every index is its own `CREATE [UNIQUE] INDEX ASYNC` (a background job);
- foreign keys go inside CREATE TABLE (referenced tables first); a reference
  cycle, or a reference to a unique index that is built later, is added
  `NOT VALID` after the indexes and then checked with
  `ALTER TABLE ASYNC ... VALIDATE CONSTRAINT`;
- each statement is its own step: DSQL runs one DDL statement per transaction.

- schema names DSQL reserves (`sys`, `information_schema`, `pg_*`) are refused.

Types (identity columns instead of SERIAL, domains instead of enum types) are
chosen when the catalog is built from the profile; what the profile cannot
hold at all is refused by the base renderer (and reported earlier by the rules).
"""

from __future__ import annotations

from prisma_dsql.capabilities import DSQL_RESERVED_SCHEMA_PREFIXES, DSQL_RESERVED_SCHEMAS
from prisma_dsql.targets.base import Target


class DsqlTarget(Target):
    name = "dsql"
    FOREIGN_KEYS = "inline"
    INDEX_MODE = "ASYNC"
    VALIDATE_CONSTRAINT = "ALTER TABLE ASYNC {table} VALIDATE CONSTRAINT {name}"
    VALIDATE_IS_ASYNC = True
    RESERVED_SCHEMAS = DSQL_RESERVED_SCHEMAS
    RESERVED_SCHEMA_PREFIXES = DSQL_RESERVED_SCHEMA_PREFIXES
