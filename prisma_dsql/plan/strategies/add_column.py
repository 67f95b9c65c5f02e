"""New columns. Where ALTER TABLE ADD COLUMN takes only a name and a type (DSQL): bare ADD COLUMN, SET
DEFAULT, a batched backfill of existing rows, then `CHECK (c IS NOT NULL) NOT VALID` and an async VALIDATE
for a required one.
"""

from __future__ import annotations

from dataclasses import replace

from prisma_dsql.catalog.model import Column, Table
from prisma_dsql.diff import TableDiff
from prisma_dsql.plan import operations as ops
from prisma_dsql.plan.builder import P_ALTER, Builder, backfill_items, required_check
from prisma_dsql.plan.model import MAY_FAIL, Hazard
from prisma_dsql.plan.strategies.enum import enum_check_items


def add_column(b: Builder, table: Table, column: Column) -> None:
    ref = table.key
    where = f"{table.name}.{column.name}"
    if b.profile.supports("add_column_with_constraints"):
        return  # grouped per table by _alter_table
    items: list = [(ops.AddColumns(ref, (replace(column, nullable=True, default=None, identity=None),)),
                    f"{where} is new (added with its name and type only: ALTER TABLE ADD COLUMN takes nothing more)")]
    if column.default is not None:
        items.append((ops.SetDefault(ref, column), f"{where} has a default"))
    if not column.nullable:
        may_fail = None
        if column.default is not None and b.may_have_rows(ref):
            items += backfill_items(b, table, column, f"{where} is required: existing rows get the default")
        elif column.default is None and b.may_have_rows(ref):
            may_fail = (f"{where} is required and has no default: the check fails if {table.name} has rows "
                        f"({b.rows_text(ref)}); add a @default or make it optional first")
        empty = (f"rows of {table.name}, which the new required column {column.name} without a default cannot "
                 "be given")
        items += required_check(b, ref, column.name, column.span, f"{where} is required", may_fail,
                                ((ops.CountRows(ref), empty),))
    b.chain(P_ALTER, items)
    if column.enum_values is not None:
        enum_check_items(b, table, column, None)


def add_columns(b: Builder, t: TableDiff) -> None:
    """New columns of an existing table: whole, in one ALTER TABLE, where ADD COLUMN takes constraints
    (PostgreSQL, as Prisma writes it); else one by one (`add_column`)."""
    ref, new = t.key, t.new
    if b.profile.supports("add_column_with_constraints"):
        if t.columns_added:
            hazards = [Hazard(MAY_FAIL, f"{new.name}.{c.name} is required without a default: fails if the table "
                                        f"has rows") for c in t.columns_added
                       if not c.nullable and c.default is None and c.identity is None and b.may_have_rows(ref)]
            empty = f"rows of {new.name}, which a new required column without a default cannot be added to"
            b.add(P_ALTER, ops.AddColumns(ref, t.columns_added), f"{len(t.columns_added)} new column(s) on {new.name}",
                  hazards, preconditions=((ops.CountRows(ref), empty),) if hazards else ())
    else:
        for c in t.columns_added:
            add_column(b, new, c)
