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


@lru_cache(maxsize=None)
def query_text(name: str) -> str:
    """The SQL of query `name` (`sql/<name>.sql`)."""
    if name not in QUERIES:
        raise KeyError(f"no introspection query named {name!r}")
    return resources.files(__package__).joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")
