"""PostgreSQL as Prisma writes it: `prisma migrate diff --from-empty --script`, byte for byte.

Everything is the base renderer's default: schemas, extensions, enum types,
tables in declaration order with SERIAL columns, then every index, then every
foreign key as `ALTER TABLE ... ADD CONSTRAINT`.
"""

from __future__ import annotations

from prisma_dsql.targets.base import Target


class PostgresTarget(Target):
    name = "postgres"
