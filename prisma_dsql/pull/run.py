"""The pull pipeline: database -> catalog -> `PullSchema` -> text (see the package docstring)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prisma_dsql.capabilities import JSON_COLUMN_TYPES, Profile, profile_for
from prisma_dsql.catalog.model import Catalog
from prisma_dsql.pull.build import build_schema
from prisma_dsql.pull.model import PullResult
from prisma_dsql.pull.printer import print_schema

if TYPE_CHECKING:
    from prisma_dsql.connect import ConnectionSpec
    from prisma_dsql.loader import LoadedSchema


def pull(catalog: Catalog, *, profile: Profile | None = None, existing: LoadedSchema | None = None) -> PullResult:
    """The schema for `catalog`; `existing`: a `LoadedSchema` to re-introspect into."""
    profile = profile or profile_for("dsql")
    json_default = profile.first_supported(JSON_COLUMN_TYPES) or "JSONB"
    if existing is not None:
        from prisma_dsql.pull.merge import merge

        return merge(catalog, existing, profile, json_default)
    schema = build_schema(catalog, json_default)
    return PullResult(print_schema(schema), len(schema.models), len(schema.enums), schema.relation_fields,
                      tuple(schema.warnings))


def pull_database(spec: ConnectionSpec, *, existing: LoadedSchema | None = None, profile: Profile | None = None,
                  schemas: tuple[str, ...] | None = None) -> PullResult:
    """Connect to `spec` (a `connect.ConnectionSpec`), read its catalog and pull it."""
    from prisma_dsql.connect import open_connection
    from prisma_dsql.introspect import introspect

    profile = profile or profile_for("dsql" if spec.is_dsql else "postgres")
    conn = open_connection(spec)
    try:
        catalog = introspect(conn, schemas=schemas, profile=profile)
    finally:
        conn.close()
    return pull(catalog, profile=profile, existing=existing)
