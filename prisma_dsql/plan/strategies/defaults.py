"""A column's default set, changed or dropped.
"""

from __future__ import annotations

from prisma_dsql.catalog.model import Table
from prisma_dsql.plan import operations as ops
from prisma_dsql.plan.builder import P_ALTER, Builder


def change_default(b: Builder, table: Table, change) -> None:
    """SET DEFAULT / DROP DEFAULT."""
    ref, new = table.key, change.new
    where = f"{table.name}.{new.name}"
    if new.default is None:
        b.add(P_ALTER, ops.DropDefault(ref, new.name, span=new.span), f"{where} no longer has a default")
    else:
        b.add(P_ALTER, ops.SetDefault(ref, new), f"{where} has a new default")
