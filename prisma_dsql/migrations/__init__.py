"""Migrations: the pipelines behind `migrate`, `migrate dev`, `migrate diff` and `plan`.

- `prisma_dsql.migrations.generate`: schema -> checked, planned from-empty migration.
- `prisma_dsql.migrations.sources`: the sides of a diff (empty, schema, migrations folder replayed into a
  shadow database, live database) as catalogs.
- `prisma_dsql.migrations.evolve`: a catalog and a schema (or two catalogs) -> the plan between them.
- `prisma_dsql.migrations.folder`: `<dir>/<timestamp>_<name>/migration.sql` + `migration_lock.toml`.
"""
