"""A column becomes optional.
"""

from __future__ import annotations

from prisma_dsql.catalog.model import Table
from prisma_dsql.plan import operations as ops
from prisma_dsql.plan.builder import P_ALTER, Builder


def relax_column(b: Builder, table: Table, change) -> None:
    """Required -> optional: DROP NOT NULL, or the check that made it required goes (DSQL)."""
    ref, old, new = table.key, change.old, change.new
    where = f"{table.name}.{new.name}"
    if old.not_null_check:
        b.add(P_ALTER, ops.DropConstraint(ref, old.not_null_check, span=new.span),
              f"{where} becomes optional: the check that made it required goes")
    else:
        b.add(P_ALTER, ops.DropNotNull(ref, new.name, span=new.span), f"{where} becomes optional")
