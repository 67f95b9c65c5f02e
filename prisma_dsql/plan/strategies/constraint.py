"""Foreign keys, checks and primary keys: added (NOT VALID then an async VALIDATE where that is how it is
done), dropped, changed.
"""

from __future__ import annotations

from prisma_dsql.catalog.model import Check, ForeignKey, Table
from prisma_dsql.diff import TableDiff
from prisma_dsql.plan import operations as ops
from prisma_dsql.plan.builder import P_ADD_FK, P_ALTER, P_DROP_FK, P_VALIDATE, Builder
from prisma_dsql.plan.model import MAY_FAIL, Hazard
from prisma_dsql.sql.directives import WAIT_FOR_JOBS


def add_foreign_key(b: Builder, table: Table, fk: ForeignKey, existing: bool) -> None:
    """A foreign key, once per plan (a rebuilt or re-added column and the table it references may both ask)."""
    ref = table.key
    if (ref, fk.name) in b.foreign_keys_added:
        return
    b.foreign_keys_added.add((ref, fk.name))
    fails = existing and b.may_have_rows(ref)
    orphans = ((ops.CountOrphans(ref, fk.columns, fk.referenced_key, fk.referenced_columns),
                f"rows of {table.name} whose ({', '.join(fk.columns)}) match no row of {fk.referenced_table}"),) \
        if fails else ()
    if b.target.FOREIGN_KEYS != "inline":
        b.add(P_ADD_FK, ops.AddForeignKey(ref, fk), f"foreign key {fk.name} is new",
              (Hazard(MAY_FAIL, "fails if a row references a missing row"),) if fails else (), preconditions=orphans)
        return
    waits = b.new_unique.get((fk.referenced_schema, fk.referenced_table, fk.referenced_columns))
    directives = (WAIT_FOR_JOBS,) if waits is not None else ()
    first = b.add(P_ADD_FK, ops.AddForeignKey(ref, fk, not_valid=True),
                  f"foreign key {fk.name} is new (NOT VALID first: existing rows are checked in the background)",
                  (), directives, (waits,) if waits is not None else ())
    b.add(P_VALIDATE, ops.ValidateConstraint(ref, fk.name, foreign_key=True, span=fk.span),
          f"foreign key {fk.name}: existing rows are checked in the background",
          (Hazard(MAY_FAIL, "fails if a row references a missing row"),) if fails else (), (), (first,), orphans)


def add_check(b: Builder, ref, check: Check) -> None:
    breaks = ((ops.CountViolations(ref, check.expression), f"rows of {ref[1]} that break check {check.name}"),)
    if b.target.VALIDATE_IS_ASYNC:
        first = b.add(P_ALTER, ops.AddCheck(ref, check, not_valid=True), f"check {check.name} is new (NOT VALID first)")
        b.add(P_VALIDATE, ops.ValidateConstraint(ref, check.name, span=check.span),
              f"check {check.name}: existing rows are checked in the background",
              (Hazard(MAY_FAIL, "fails if a row breaks the check"),), (), (first,), breaks)
    else:
        b.add(P_ALTER, ops.AddCheck(ref, check), f"check {check.name} is new",
              (Hazard(MAY_FAIL, "fails if a row breaks the check"),), preconditions=breaks)


def drop_constraints(b: Builder, t: TableDiff) -> None:
    """Removed or changed foreign keys and checks; they run before the table's rename (their priority comes
    first), so they name the table as it still is."""
    ref = t.key
    before_rename = (ref[0], t.renamed_from) if t.renamed_from else ref
    for fk in t.foreign_keys_dropped:
        b.add(P_DROP_FK, ops.DropConstraint(before_rename, fk.name), f"foreign key {fk.name} is removed or changed")
    for c in t.checks_dropped:
        b.add(P_DROP_FK, ops.DropConstraint(before_rename, c.name), f"check {c.name} is removed or changed")


def change_primary_key(b: Builder, t: TableDiff) -> None:
    """A changed primary key, where ADD PRIMARY KEY exists (elsewhere: a rebuild)."""
    ref, new = t.key, t.new
    old_pk, new_pk = t.old.primary_key, new.primary_key
    items = []
    if old_pk is not None:
        items.append((ops.DropConstraint(ref, old_pk.name), f"the primary key of {new.name} changes"))
    if new_pk is not None:
        items.append((ops.AddPrimaryKey(ref, new_pk.name, new_pk.columns, span=new_pk.span),
                      f"the primary key of {new.name} changes", (Hazard(MAY_FAIL, "fails on duplicate keys"),), (),
                      ((ops.CountDuplicates(ref, tuple(new_pk.columns)),
                        f"values of ({', '.join(new_pk.columns)}) that {new.name} holds more than once"),)))
    b.chain(P_ALTER, items)
