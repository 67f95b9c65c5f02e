"""Which schemas (PostgreSQL namespaces) of a database a Prisma schema manages: the only ones read and planned.

Contract: :func:`managed_schemas(declared, url_schema)` -> the schema names, as Prisma decides them: the
datasource's ``schemas = [...]`` when given; else the connection URL's ``?schema=``; else ``public``. Nothing
outside them is introspected, so nothing outside them is ever planned (a table in another schema is not the
Prisma schema's to drop). :func:`declared_schemas(loaded)` reads ``schemas = [...]`` from a loaded schema.
"""

from __future__ import annotations

DEFAULT_SCHEMA = "public"


def managed_schemas(declared: tuple[str, ...] | list[str] | None = None, url_schema: str | None = None) \
        -> tuple[str, ...]:
    if declared:
        return tuple(dict.fromkeys(declared))
    if url_schema:
        return (url_schema,)
    return (DEFAULT_SCHEMA,)


def declared_schemas(loaded) -> tuple[str, ...]:
    """The datasource's ``schemas = [...]`` of a :class:`~prisma_dsql.loader.LoadedSchema` (empty if none)."""
    datasource = loaded.schema.datasource if loaded is not None else None
    return tuple(datasource.schemas) if datasource is not None else ()
