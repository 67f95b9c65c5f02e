"""Renames: tables and columns (from hints), keys and indexes (same definition, new name).
"""

from __future__ import annotations

from prisma_dsql.diff import TableDiff
from prisma_dsql.plan import operations as ops
from prisma_dsql.plan.builder import P_ALTER, P_DROP_TYPE, Builder
from prisma_dsql.plan.strategies.index import create_index
from prisma_dsql.sql.directives import WAIT_FOR_JOBS


def rename_objects(b: Builder, t: TableDiff) -> None:
    """Hinted table and column renames, and primary keys, foreign keys and indexes whose definition stays
    under a new name. Where ALTER INDEX RENAME does not exist, the index is built under its new name before
    the old one goes, so a unique index never stops enforcing."""
    ref, new = t.key, t.new
    if t.renamed_from:
        b.add(P_ALTER, ops.RenameTable((ref[0], t.renamed_from), new.name, span=new.span),
              f"table {t.renamed_from} is renamed to {new.name} (--rename-table)")
    if t.primary_key_renamed:
        r = t.primary_key_renamed
        b.add(P_ALTER, ops.RenameConstraint(ref, r.old, r.new), f"primary key {r.old} is now named {r.new}")
    for r in t.columns_renamed:
        b.add(P_ALTER, ops.RenameColumn(ref, r.old, r.new, span=(new.column(r.new) or new).span),
              f"column {new.name}.{r.old} is renamed to {r.new} (--rename-column)")
    for r in t.foreign_keys_renamed:
        b.add(P_ALTER, ops.RenameConstraint(ref, r.old, r.new), f"foreign key {r.old} is now named {r.new}")
    for r in t.indexes_renamed:
        index = next(i for i in new.indexes if i.name == r.new)
        if b.profile.supports("alter_index_rename"):
            b.add(P_ALTER, ops.RenameIndex(ref[0], r.old, r.new, span=index.span), f"index {r.old} is now named {r.new}")
        else:
            create_index(b, new, index, existing=True, renamed_from=r.old)
            b.add(P_DROP_TYPE, ops.DropIndex(ref[0], r.old, span=index.span),
                  f"index {r.old} is now named {r.new}: the old one goes once the new one is built", (),
                  (WAIT_FOR_JOBS,) if b.target.INDEX_MODE else ())
