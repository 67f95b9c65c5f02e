"""Table rebuilds, where the profile can make a change no other way (DSQL: a castable type change, a primary
key change, a new identity column): a new table of the new shape, a batched copy in key order (casts from
`casts`; what has no cast is not copied, and a required column nothing can fill is refused at plan time),
the old table dropped and the new one renamed, foreign keys into it that the database has dropped first and
added back.
"""

from __future__ import annotations

from dataclasses import replace

from prisma_dsql.catalog.model import PrimaryKey
from prisma_dsql.diff import CatalogDiff, TableDiff
from prisma_dsql.plan import casts
from prisma_dsql.plan import operations as ops
from prisma_dsql.plan.builder import P_ALTER, P_DROP_FK, REBUILD_SUFFIX, Blocked, Builder, row_key, type_text
from prisma_dsql.plan.model import DATA_LOSS, LONG_RUNNING, MAY_FAIL, REBUILD, WRITERS_BLOCKED, Hazard
from prisma_dsql.plan.strategies.constraint import add_foreign_key
from prisma_dsql.plan.strategies.index import create_index
from prisma_dsql.plan.strategies.type_change import replaced_in_place
from prisma_dsql.sql.directives import REPEAT_UNTIL_ZERO_ROWS
from prisma_dsql.sql.directives import WRITERS_BLOCKED as STOP_WRITERS
from prisma_dsql.sql.names import cut_with_suffix


def needs_rebuild(b: Builder, t: TableDiff) -> bool:
    """Whether the profile can only make this table's changes by rebuilding it; blocked when not allowed."""
    reasons = []
    if t.primary_key_changed and not b.profile.supports("add_primary_key"):
        reasons.append("its primary key changes (a primary key exists only from CREATE TABLE)")
    if not b.profile.supports("alter_column_type"):
        reasons += [f"{t.new.name}.{c.new.name} changes type ({type_text(c.old)} -> {type_text(c.new)})"
                    for c in t.columns_changed if c.type_changed and not is_domain_swap(b, c)
                    and not replaced_in_place(b, t, c)]
    if not b.profile.supports("add_column_with_constraints"):
        reasons += [f"{t.new.name}.{c.name} is a new identity (autoincrement) column" for c in t.columns_added
                    if c.identity is not None]
    reasons += [f"{t.new.name}.{c.new.name}: its identity (autoincrement) changes" for c in t.columns_changed
                if c.identity_changed and not c.type_changed]
    if not reasons:
        return False
    if not b.options.allow_rebuild:
        for r in reasons:
            b.blocked.append(Blocked(f"table {t.new.name}: {r}; {b.profile.describe()} cannot alter this in place",
                                     t.new.span, "pass --allow-rebuild to rebuild the table (new table, batched copy, "
                                                 "swap by rename), or change the schema another way"))
    return True


def is_domain_swap(b: Builder, change) -> bool:
    """A column moving from one domain to another, where ALTER COLUMN TYPE does not exist: a column swap."""
    return (change.old.type.kind == "user" and change.new.type.kind == "user" and not change.old.type.array
            and not b.profile.supports("alter_column_type"))


def rebuild(b: Builder, diff: CatalogDiff, t: TableDiff) -> None:
    old, new = t.old, t.new
    ref = new.key
    temp_name = cut_with_suffix(new.name, REBUILD_SUFFIX, b.name_bytes)
    temp_pk = None if new.primary_key is None else PrimaryKey(cut_with_suffix(temp_name, "_pkey", b.name_bytes),
                                                              new.primary_key.columns, new.primary_key.span)
    temp = replace(new, name=temp_name, primary_key=temp_pk, indexes=(), foreign_keys=())
    stop = Hazard(WRITERS_BLOCKED, f"stop writes to {new.name} until the rebuilt table is swapped in: a write "
                                   "after its row is copied would be lost (the swap refuses to go on if it finds one)")
    hazards = (Hazard(REBUILD, f"{new.name} is copied into a new table and swapped in by rename; rows written to it "
                               "while the copy runs may not be copied: stop writers first"),
               Hazard(LONG_RUNNING, f"{b.rows_text(ref)} copied {b.batch:,} per transaction"), stop)
    # Foreign keys of other tables into this one would block the drop: those the database has (and that stay
    # as they are) are dropped and added back; changed ones are their own table's business.
    before = {tc.key: tc.renamed_from for tc in diff.tables_changed if tc.renamed_from}
    changed_fks = {(tc.key, f.name) for tc in diff.tables_changed
                   for f in (*tc.foreign_keys_dropped, *tc.foreign_keys_added)}
    restore = []
    for other in diff.actual.tables:
        if other.key == ref:
            continue
        for fk in other.foreign_keys:
            if fk.referenced_key != ref or (other.key, fk.name) in changed_fks:
                continue
            wanted = diff.desired.table(*other.key)
            b.add(P_DROP_FK, ops.DropConstraint((other.schema, before.get(other.key, other.name)), fk.name),
                  f"table {new.name} is rebuilt: foreign key {fk.name} of {other.name} would block its drop")
            if wanted is not None and any(f.name == fk.name for f in wanted.foreign_keys):
                restore.append((wanted, next(f for f in wanted.foreign_keys if f.name == fk.name)))
    if t.renamed_from:
        b.add(P_ALTER, ops.RenameTable((ref[0], t.renamed_from), new.name), f"table {t.renamed_from} is renamed")
    # The copy reads the table as it is in the database: renamed columns under their old names.
    source_name = {r.new: r.old for r in t.columns_renamed}
    old_cols = {c.name: c for c in old.columns}
    mapping = []
    copy_hazards: list[Hazard] = []
    uncast: list[str] = []
    for c in new.columns:
        prev = old_cols.get(c.name)
        if prev is None:
            if not c.nullable and c.default is None and c.identity is None and b.may_have_rows(ref):
                b.blocked.append(Blocked(f"table {new.name} is rebuilt with the new required column {c.name}, which "
                                         f"has no default: the copied rows ({b.rows_text(ref)}) would have no value",
                                         c.span, "give it a @default, or make it optional first"))
            continue
        cast_to = None
        if prev.type != c.type:
            cast = casts.classify(prev.type, c.type)
            if not cast.exists:
                uncast.append(c.name)
                if not c.nullable and c.default is None and c.identity is None and b.may_have_rows(ref):
                    b.blocked.append(Blocked(f"{new.name}.{c.name}: {cast.says}; it is required without a default, "
                                             f"so the copied rows ({b.rows_text(ref)}) would have no value", c.span,
                                             "give it a @default, or make it optional first"))
                continue
            if cast.safety == casts.MAY_FAIL:
                copy_hazards.append(Hazard(MAY_FAIL, f"{c.name}: {cast.says}"))
            elif cast.safety == casts.LOSSY:
                copy_hazards.append(Hazard(DATA_LOSS, f"{c.name}: {cast.says}"))
                if not b.options.accept_data_loss:
                    b.blocked.append(Blocked(f"{new.name}.{c.name}: {cast.says}", c.span, "pass --accept-data-loss"))
            cast_to = c.type
        mapping.append((c.name, source_name.get(c.name, c.name), cast_to))
    key = row_key(old, {name for name, _, cast_to in mapping if cast_to is None})
    if not key:
        b.blocked.append(Blocked(f"table {new.name} has no primary key, nor a unique key of required columns that "
                                 "survive the change unchanged: its rows cannot be copied in batches", new.span))
        return
    identity = [c for c in new.columns if c.identity is not None and c.name in old_cols]
    dropped = [c.name for c in old.columns if c.name not in {n for n, _, _ in mapping}]
    drop_hazards = [*hazards]
    if dropped:
        drop_hazards.append(Hazard(DATA_LOSS, f"columns {', '.join(dropped)} are not copied"
                                   + (f" ({', '.join(uncast)}: no cast to the new type)" if uncast else "")))
        if not b.options.accept_data_loss:
            b.blocked.append(Blocked(f"table {new.name}: the rebuild leaves out columns {', '.join(dropped)}"
                                     + (" (no cast to their new types)" if uncast else ""),
                                     new.span, "pass --accept-data-loss"))
    items = [
        (ops.CreateTable(temp), f"table {new.name} is rebuilt: the new shape first", hazards),
        (ops.CopyRows(ref, (ref[0], temp_name), tuple(mapping), key, b.batch),
         f"table {new.name} is rebuilt: rows are copied in batches, in key order", (*copy_hazards, stop),
         (REPEAT_UNTIL_ZERO_ROWS, STOP_WRITERS)),
        (ops.VerifyRowsCopy(ref, (ref[0], temp_name), tuple(mapping)),
         f"table {new.name} is rebuilt: the copy is compared with the old table; a write that raced in stops the "
         "rebuild here, with the old table still in place", (stop,)),
        (ops.DropTable(ref), f"table {new.name} is rebuilt: the old table goes", tuple(drop_hazards)),
        (ops.RenameTable((ref[0], temp_name), new.name), f"table {new.name} is rebuilt: the new one takes its name"),
    ]
    if temp_pk is not None:
        items.append((ops.RenameConstraint(ref, temp_pk.name, new.primary_key.name),
                      f"table {new.name} is rebuilt: its primary key takes its name"))
    # Copied ids keep their values: the identity must continue after the highest, not at 1.
    items += [(ops.SyncIdentity(ref, c.name), f"table {new.name} is rebuilt: {c.name} numbers on after the copied ids")
              for c in identity]
    b.chain(P_ALTER, items)
    for i in new.indexes:
        create_index(b, new, i, existing=True)
    for fk in new.foreign_keys:
        add_foreign_key(b, new, fk, existing=True)
    for other, fk in restore:
        add_foreign_key(b, other, fk, existing=True)
