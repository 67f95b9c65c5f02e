"""Type changes where the column stays: `ALTER COLUMN TYPE ... USING` when PostgreSQL has a cast
(`prisma_dsql.plan.casts`), else the column dropped and added again, as Prisma does (data loss: only with
--accept-data-loss; a required column with no default cannot come back to a table with rows). Where ALTER
COLUMN TYPE does not exist (DSQL) a castable change is a table rebuild (`rebuild`).
"""

from __future__ import annotations

from prisma_dsql.catalog.model import Table
from prisma_dsql.diff import TableDiff
from prisma_dsql.plan import casts
from prisma_dsql.plan import operations as ops
from prisma_dsql.plan.builder import P_ALTER, P_DROP_FK, Blocked, Builder
from prisma_dsql.plan.model import DATA_LOSS, MAY_FAIL, Hazard
from prisma_dsql.plan.strategies.add_column import add_column
from prisma_dsql.plan.strategies.constraint import add_foreign_key
from prisma_dsql.plan.strategies.index import create_index


def change_type(b: Builder, table: Table, change, t: TableDiff | None = None) -> bool:
    """A column's type changes where ALTER COLUMN TYPE exists: `USING (c::T)` when the cast table has a cast,
    else the column is dropped and added again. Returns whether the new default was set already."""
    ref, old, new = table.key, change.old, change.new
    where = f"{table.name}.{new.name}"
    cast = casts.classify(old.type, new.type)
    if not cast.exists:
        replace_column(b, table, change, cast, t)
        return True
    hazards = []
    if cast.safety == casts.MAY_FAIL:
        hazards.append(Hazard(MAY_FAIL, cast.says))
    elif cast.safety == casts.LOSSY:
        hazards.append(Hazard(DATA_LOSS, cast.says))
        if not b.options.accept_data_loss:
            b.blocked.append(Blocked(f"{where}: {cast.says}", new.span, "pass --accept-data-loss"))
    # The old default may not cast to the new type (`default ... cannot be cast automatically`, one
    # enum to another): it goes first and the new one is set once the column has its type.
    items = []
    if old.default is not None:
        items.append((ops.DropDefault(ref, new.name, span=new.span),
                      f"{where} changes type: its default goes first (it may not cast)"))
    reason = f"{where} changes type" + ("" if cast.safety != casts.LOSSLESS else f" ({cast.says})")
    unconvertible = ()
    if cast.safety == casts.MAY_FAIL:  # the values the cast refuses, counted before the migration starts
        unconvertible = ((ops.CountUnconvertible(ref, new.name, b.target.type_sql(new.type, ref[0])),
                          f"values of {where} that do not convert"),)
    items.append((ops.AlterColumnType(ref, new), reason, tuple(hazards), (), unconvertible))
    done = False
    if new.default is not None and old.default is not None:
        items.append((ops.SetDefault(ref, new), f"{where} keeps a default of the new type"))
        done = True
    b.chain(P_ALTER, items)
    return done or new.default is None and old.default is not None


def replace_column(b: Builder, table: Table, change, cast, t: TableDiff | None) -> None:
    """No cast from the old type to the new one: the column is dropped and added again, empty, as Prisma
    does (data loss: only with --accept-data-loss). Its indexes and foreign keys go with it and are built
    again; a required column with no default cannot be added back to a table that has rows."""
    ref, old, new = table.key, change.old, change.new
    where = f"{table.name}.{new.name}"
    loss = f"{cast.says}; the values of {where} in {b.rows_text(ref)} are deleted"
    if not b.options.accept_data_loss:
        b.blocked.append(Blocked(f"{where} changes type and {cast.says}", new.span, "pass --accept-data-loss"))
    known = b.rows.get(ref)
    if not new.nullable and new.default is None and new.identity is None and known:
        b.blocked.append(Blocked(f"{where}: no cast exists, so the column would be dropped and added again, which "
                                 f"cannot be done while {table.name} has rows ({b.rows_text(ref)}), since it is "
                                 "required", new.span, "give it a @default, or make it optional first"))
    # Foreign keys of other tables onto this column would block its drop: dropped first, added back after.
    restore = []
    for other in (b.diff.actual.tables if b.diff is not None else ()):
        for fk in other.foreign_keys:
            if other.key != ref and fk.referenced_key == ref and old.name in fk.referenced_columns:
                b.add(P_DROP_FK, ops.DropConstraint(other.key, fk.name),
                      f"{where} changes type: foreign key {fk.name} of {other.name} onto it goes first")
                wanted = b.diff.desired.table(*other.key)
                kept = next((f for f in wanted.foreign_keys if f.name == fk.name), None) if wanted else None
                if kept is not None and kept == fk:
                    restore.append((wanted, kept))
    b.add(P_ALTER, ops.DropColumn(ref, old.name, span=new.span), f"{where} changes type: the old column goes",
          (Hazard(DATA_LOSS, loss),))
    if b.profile.supports("add_column_with_constraints"):
        hazards = ()
        if not new.nullable and new.default is None and new.identity is None and b.may_have_rows(ref):
            hazards = (Hazard(MAY_FAIL, f"{where} is required without a default: fails if the table has rows"),)
        b.add(P_ALTER, ops.AddColumns(ref, (new,)), f"{where} changes type: added again with the new type", hazards)
    else:
        add_column(b, table, new)
    pk = table.primary_key
    if pk is not None and new.name in pk.columns and b.profile.supports("add_primary_key"):
        # DROP COLUMN took the primary key along.
        b.add(P_ALTER, ops.AddPrimaryKey(ref, pk.name, pk.columns, span=pk.span),
              f"{where} changes type: the primary key is made again", (Hazard(MAY_FAIL, "fails on duplicate keys"),))
    rebuild_dependents(b, table, {new.name}, t)
    for other, fk in restore:
        add_foreign_key(b, other, fk, existing=True)


def rebuild_dependents(b: Builder, table: Table, columns: set[str], t: TableDiff | None) -> None:
    """Indexes and foreign keys of `table` over `columns`, built again after those columns were dropped and
    added back (DROP COLUMN takes them along); those the diff adds anyway are left to it."""
    added = {i.name for i in t.indexes_added} | {f.name for f in t.foreign_keys_added} if t else set()
    for i in table.indexes:
        if columns & set(i.column_names) and i.name not in added:
            create_index(b, table, i, existing=True)
    for fk in table.foreign_keys:
        if columns & set(fk.columns) and fk.name not in added:
            add_foreign_key(b, table, fk, existing=True)


def replaced_in_place(b: Builder, t: TableDiff, change) -> bool:
    """A type change with no cast, made by dropping the column and adding it again (not in the key)."""
    pk = t.old.primary_key.columns if t.old.primary_key else ()
    return (not casts.classify(change.old.type, change.new.type).exists and b.profile.supports("drop_column")
            and change.new.name not in pk)
