"""Indexes and unique indexes: built (`CREATE [UNIQUE] INDEX [ASYNC]`, may fail on duplicates) and dropped.
"""

from __future__ import annotations

from prisma_dsql.catalog.model import Table
from prisma_dsql.diff import TableDiff
from prisma_dsql.plan import operations as ops
from prisma_dsql.plan.builder import P_CREATE_INDEX, P_DROP_INDEX, Builder
from prisma_dsql.plan.model import LONG_RUNNING, MAY_FAIL, Hazard


def create_index(b: Builder, table: Table, index, existing: bool, phase: int = P_CREATE_INDEX,
                  renamed_from: str | None = None) -> None:
    hazards = []
    if existing and index.unique and renamed_from is None:
        hazards.append(Hazard(MAY_FAIL, f"the build fails if {table.name} holds duplicate values of "
                                        f"({', '.join(index.column_names)})"))
    if existing and b.rows.get(table.key, 0) and b.rows[table.key] > 1_000_000:
        hazards.append(Hazard(LONG_RUNNING, f"an index build over {b.rows_text(table.key)}"))
    reason = (f"index {renamed_from} is now named {index.name}: built under the new name" if renamed_from else
              f"index {index.name} is new" if existing else f"index {index.name} of new table {table.name}")
    checks = ()
    if existing and index.unique and renamed_from is None and index.predicate is None \
            and not any(k.expression for k in index.columns):
        checks = ((ops.CountDuplicates(table.key, index.column_names),
                   f"values of ({', '.join(index.column_names)}) that {table.name} holds more than once"),)
    number = b.add(phase, ops.CreateIndex(table, index), reason, hazards, preconditions=checks)
    if index.unique and b.target.INDEX_MODE:
        b.new_unique[(table.schema, table.name, index.column_names)] = number


def drop_indexes(b: Builder, t: TableDiff) -> None:
    """Removed or changed indexes (a UNIQUE constraint's index goes with the constraint)."""
    ref = t.key
    before_rename = (ref[0], t.renamed_from) if t.renamed_from else ref
    for i in t.indexes_dropped:
        why = f"index {i.name} is removed or changed" + ("" if i.valid else " (its build failed: it is INVALID)")
        if i.constraint:  # backs a UNIQUE constraint: DROP INDEX is refused, the constraint takes it along
            b.add(P_DROP_INDEX, ops.DropConstraint(before_rename, i.name), why)
        else:
            b.add(P_DROP_INDEX, ops.DropIndex(ref[0], i.name), why)
