"""A column becomes required.
"""

from __future__ import annotations

from prisma_dsql.catalog.model import Table
from prisma_dsql.plan import operations as ops
from prisma_dsql.plan.builder import P_ALTER, Builder, backfill_items, required_check
from prisma_dsql.plan.model import MAY_FAIL, Hazard


def require_column(b: Builder, table: Table, change) -> None:
    """Optional -> required: rows without a value get the default first (in batches), then SET NOT NULL, or
    where that does not exist (DSQL) a NOT VALID check validated in the background."""
    ref, new = table.key, change.new
    where = f"{table.name}.{new.name}"
    items = []
    if new.default is not None and b.may_have_rows(ref):
        items += backfill_items(b, table, new, f"{where} becomes required: rows without a value get the default")
    may_fail = (None if new.default is not None or not b.may_have_rows(ref) else
                f"{where} becomes required: fails if a row of {table.name} has no value ({b.rows_text(ref)})")
    check = ((ops.CountMissing(ref, new.name), f"rows of {table.name} without a value in {new.name}"),)
    if b.profile.supports("alter_column_set_not_null"):
        items.append((ops.SetNotNull(ref, new.name, span=new.span), f"{where} becomes required",
                      (Hazard(MAY_FAIL, may_fail),) if may_fail else (), (), check if may_fail else ()))
    else:
        items += required_check(b, ref, new.name, new.span, f"{where} becomes required", may_fail, check)
    b.chain(P_ALTER, items)
