"""The resolution passes, one module each; `prisma_dsql.schema.resolve` runs them in order."""
