"""`db pull`: a live database read back into a Prisma schema that keeps what the schema meant.

Contract:

- `pull(catalog, *, profile=None, existing=None) -> PullResult`: the schema text for an
  introspected `catalog` (`prisma_dsql.introspect`), with the enums, identity columns, required
  columns and relations this tool's DSQL DDL encodes (`pull.build`), laid out like
  `prisma format` (`pull.printer`). With `existing` (a loaded single-file schema) it is a
  re-introspection (`pull.merge`): the datasource and generator blocks, comments, model order,
  model/field/relation names and the attributes the database cannot know (`@updatedAt`,
  `@default(uuid())`, ...) are kept; new models are appended; models whose tables are gone are
  dropped.
- `pull_database(spec, *, existing=None) -> PullResult`: connect (`prisma_dsql.connect`),
  introspect, and pull. Errors are `PrismaDsqlError`s (connection: exit 1, or 2 for a missing or
  malformed target) whose messages hold no secret.

The library never writes files; the CLI decides where the text goes.
"""

from prisma_dsql.pull.run import PullResult, pull, pull_database

__all__ = ["PullResult", "pull", "pull_database"]
