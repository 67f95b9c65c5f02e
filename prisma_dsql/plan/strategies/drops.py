"""Dropped tables and columns: data loss, refused without --accept-data-loss, run last (builds before drops).
"""

from __future__ import annotations

from prisma_dsql.diff import CatalogDiff, TableDiff
from prisma_dsql.plan import operations as ops
from prisma_dsql.plan.builder import P_DROP_DATA, P_DROP_FK, Blocked, Builder
from prisma_dsql.plan.model import DATA_LOSS, Hazard


def drop_tables(b: Builder, diff: CatalogDiff) -> None:
    dropped = {t.key for t in diff.tables_dropped}
    for t in diff.tables_dropped:
        # Foreign keys between dropped tables go first, so that the tables can go in any order.
        for fk in t.foreign_keys:
            if fk.referenced_key in dropped and fk.referenced_key != t.key:
                b.add(P_DROP_FK, ops.DropConstraint(t.key, fk.name), f"table {t.name} is dropped")
        b.add(P_DROP_DATA, ops.DropTable(t.key), f"table {t.name} is no longer in the schema",
              (Hazard(DATA_LOSS, f"{t.name} is deleted with its rows ({b.rows_text(t.key)})"),))
        if not b.options.accept_data_loss:
            b.blocked.append(Blocked(f"table {t.name} would be dropped with its data ({b.rows_text(t.key)})", None,
                                     "pass --accept-data-loss, or --rename-table if it was renamed"))


def drop_columns(b: Builder, t: TableDiff) -> None:
    """Columns no longer in the schema: dropped with their data (only with --accept-data-loss), after every
    build of the plan (P_DROP_DATA), so that a failure before leaves the values in place."""
    ref, new = t.key, t.new
    for c in t.columns_dropped:
        b.add(P_DROP_DATA, ops.DropColumn(ref, c.name),
              f"column {new.name}.{c.name} is no longer in the schema",
              (Hazard(DATA_LOSS, f"the values of {new.name}.{c.name} in {b.rows_text(ref)} are deleted"),))
        if not b.options.accept_data_loss:
            b.blocked.append(Blocked(f"column {new.name}.{c.name} would be dropped with its data "
                                     f"({b.rows_text(ref)})", None,
                                     "pass --accept-data-loss, or --rename-column if it was renamed"))
