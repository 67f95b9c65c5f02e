"""The pull pipeline: database -> catalog -> `PullSchema` -> text (see the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prisma_dsql.capabilities import JSON_COLUMN_TYPES, Profile, profile_for
from prisma_dsql.catalog.model import Catalog
from prisma_dsql.pull.build import build_schema
from prisma_dsql.pull.printer import print_schema


@dataclass(frozen=True)
class PullResult:
    text: str
    models: int
    enums: int
    relations: int
    #: What the database holds that the schema cannot say.
    warnings: tuple[str, ...] = ()
    #: Re-introspection: models added and removed, by name.
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    kept: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        parts = [f"{self.models} model{'s' if self.models != 1 else ''}",
                 f"{self.enums} enum{'s' if self.enums != 1 else ''}",
                 f"{self.relations} relation field{'s' if self.relations != 1 else ''}"]
        text = ", ".join(parts)
        if self.added or self.removed:
            text += f" ({len(self.added)} new: {', '.join(self.added) or '-'}; {len(self.removed)} removed: " \
                    f"{', '.join(self.removed) or '-'})"
        return text


def pull(catalog: Catalog, *, profile: Profile | None = None, existing: Any = None) -> PullResult:
    """The schema for `catalog`; `existing`: a `LoadedSchema` to re-introspect into."""
    profile = profile or profile_for("dsql")
    json_default = profile.first_supported(JSON_COLUMN_TYPES) or "JSONB"
    if existing is not None:
        from prisma_dsql.pull.merge import merge

        return merge(catalog, existing, profile, json_default)
    schema = build_schema(catalog, json_default)
    return PullResult(print_schema(schema), len(schema.models), len(schema.enums), _relation_fields(schema),
                      tuple(schema.warnings))


def _relation_fields(schema) -> int:
    return sum(1 for m in schema.models for f in m.fields if f.key and f.key[0] in ("fk", "back", "m2m"))


def pull_database(spec: Any, *, existing: Any = None, profile: Profile | None = None,
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
