"""The catalog queries, one named `.sql` file each in `sql/` (shipped in the wheel).

Contract: `QUERIES` lists them in the order they run; each takes named parameters
(`%(schemas)s` for the first, `%(namespaces)s` for the rest) and reads only catalogs
Aurora DSQL has (pg_class, pg_attribute, pg_attrdef, pg_constraint, pg_index,
pg_namespace, pg_type, pg_depend, pg_description, pg_am, pg_sequence, pg_enum and
pg_extension, which DSQL keeps empty). Their number is fixed: it never grows with the
number of tables.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

#: Query names, in the order they run.
QUERIES: tuple[str, ...] = ("namespaces", "relations", "columns", "constraints", "indexes", "types")


#: Catalog columns newer than PostgreSQL 12 (the oldest server read): (column, first version
#: that has it as `server_version_num`, what to read instead). DSQL is PostgreSQL 16-compatible.
NEWER_COLUMNS: tuple[tuple[str, int, str], ...] = (("ix.indnullsnotdistinct", 150000, "false"),)


@lru_cache(maxsize=None)
def query_text(name: str, server_version: int | None = None) -> str:
    """The SQL of query `name` (`sql/<name>.sql`), for a server of `server_version`
    (`server_version_num`; None: the newest)."""
    if name not in QUERIES:
        raise KeyError(f"no introspection query named {name!r}")
    text = resources.files(__package__).joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")
    for column, since, instead in NEWER_COLUMNS:
        if server_version is not None and server_version < since:
            text = text.replace(column, instead)
    return text
