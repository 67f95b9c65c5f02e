"""Migrations: generating them from a schema and writing Prisma's migrations folder.

- `prisma_dsql.migrations.generate`: schema -> checked, rendered `Script`.
- `prisma_dsql.migrations.folder`: `<dir>/<timestamp>_<name>/migration.sql` + `migration_lock.toml`.
- `prisma_dsql.migrations.additive`: two schemas -> the creates between them (until the differ).
"""
