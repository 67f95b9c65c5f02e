"""Changed enums. PostgreSQL: values added to the enum type. DSQL: an enum is a domain without a CHECK of its
own, each column of it holding the values as a CHECK of its table (`Column.enum_values`); new values replace
that CHECK without touching a row: `ADD CONSTRAINT <new> CHECK (...) NOT VALID`, `ALTER TABLE ASYNC ... VALIDATE
CONSTRAINT <new>` (reads the rows; fails, before anything is dropped, when a row holds a removed value), then
`DROP CONSTRAINT <old>` and `RENAME CONSTRAINT <new> TO <old>` among the drops.

A database made before (the "old shape": the values in the domain's own CHECK, which DSQL cannot drop or
change) reads as the new shape while its values are the schema's (`diff.compare`); when they change, its
columns move once onto a domain without a check (a column swap: a batched copy, writers stopped) and each
gets its table CHECK.
"""

from __future__ import annotations

import zlib
from dataclasses import replace

from prisma_dsql.capabilities import Profile
from prisma_dsql.catalog.model import Column, Domain, Table
from prisma_dsql.diff import CatalogDiff, TypeChange, compare
from prisma_dsql.plan import operations as ops
from prisma_dsql.plan.builder import (
    P_ALTER,
    P_DROP_DATA,
    P_DROP_TYPE,
    P_VALIDATE,
    P_TYPE,
    SWAP_SUFFIX,
    Blocked,
    Builder,
    backfill_items,
    required_check,
    row_key,
)
from prisma_dsql.catalog.model import Check
from prisma_dsql.plan.model import MAY_FAIL, REBUILD, ROW_LIMIT, WRITERS_BLOCKED, Hazard
from prisma_dsql.plan.strategies.index import create_index
from prisma_dsql.sql.directives import REPEAT_UNTIL_ZERO_ROWS
from prisma_dsql.sql.directives import WRITERS_BLOCKED as STOP_WRITERS
from prisma_dsql.sql.names import cut_with_suffix, enum_check_expression, enum_check_name


def enum_type_changes(b: Builder, diff: CatalogDiff) -> None:
    """Changed PostgreSQL enum types: new values are added; removing values is refused."""
    for change in diff.enums_changed:
        old, new = change.old, change.new
        removed = [v for v in old.values if v not in new.values]
        if removed:
            b.blocked.append(Blocked(f"enum {new.name}: values {', '.join(removed)} are removed; prisma-dsql does not "
                                     "yet remove values from a PostgreSQL enum type", new.span,
                                     "remove them by hand, or generate for DSQL (--target dsql)"))
        for v in new.values:
            if v not in old.values:
                b.add(P_TYPE, ops.AddEnumValue(new.schema, new.name, v, span=new.span), f"enum {new.name} gains {v}")


def enum_check_items(b: Builder, table: Table, col: Column, old_check: str | None,
                     old_values: tuple[str, ...] | None = None, phase: int = P_ALTER, after: tuple = ()) -> None:
    """The table CHECK that holds `col`'s enum values (DSQL), added NOT VALID and validated in the background
    (rows are read, never written); the check it replaces (`old_check`) is dropped only after, among the
    drops, and the new one takes the predictable name. A value removed while rows hold it fails the
    validation (a precondition counts them first) and nothing is dropped."""
    ref = table.key
    where = f"{table.name}.{col.name}"
    name = enum_check_name(table.name, col.name, b.name_bytes)
    values = col.enum_values or ()
    removed = [v for v in (old_values or ()) if v not in values]
    temp = name if old_check is None or old_check != name else cut_with_suffix(f"{table.name}_{col.name}",
                                                                                "_enum_new", b.name_bytes)
    what = "new" if old_values is None else "changed"
    first = b.add(phase, ops.AddCheck(ref, Check(temp, enum_check_expression(col.name, values), span=col.span),
                                      not_valid=True),
                  f"{where}: the {what} values of enum {col.type.name} are a check of {table.name} (NOT VALID: "
                  "enforced on writes from now on)", (), (), after)
    hazards, pre = (), ()
    if removed:
        hazards = (Hazard(MAY_FAIL, f"fails if a row of {table.name} holds {', '.join(removed)} in {col.name}: "
                                    "update those rows first"),)
        pre = ((ops.CountOutside(ref, col.name, values),
                f"rows of {table.name} whose {col.name} holds a value enum {col.type.name} no longer has"),)
    check = b.add(P_VALIDATE, ops.ValidateConstraint(ref, temp, span=col.span),
                  f"{where}: existing rows are checked against the values in the background (read only)",
                  hazards, (), (first,), pre)
    if old_check is None:
        return
    drop = b.add(P_DROP_DATA, ops.DropConstraint(ref, old_check, span=col.span),
                 f"{where}: the check of the old values goes", (), (), (check,))
    if temp != name:
        b.add(P_DROP_DATA, ops.RenameConstraint(ref, temp, name, span=col.span),
              f"{where}: the check of the values takes its name", (), (), (drop,))


def change_enum_values(b: Builder, table: Table, change) -> None:
    """A column whose enum values (a CHECK of its table) change, appear or go."""
    old, new = change.old, change.new
    # A catalog not read from a database (a replayed folder) has no name: the one prisma-dsql gives.
    old_check = old.enum_check or (enum_check_name(table.name, old.name, b.name_bytes)
                                   if old.enum_values is not None else None)
    if new.enum_values is None:
        if old_check:
            b.add(P_DROP_DATA, ops.DropConstraint(table.key, old_check, span=new.span),
                  f"{table.name}.{new.name} no longer holds enum values: their check goes")
        return
    enum_check_items(b, table, new, old_check, old.enum_values)


def temp_domain(d: Domain) -> Domain:
    digest = format(zlib.crc32(repr((d.type, d.allowed_values, d.checks)).encode()), "08x")
    return replace(d, name=cut_with_suffix(d.name, "_" + digest + "_"))


def stage_domain_changes(diff: CatalogDiff, profile: Profile) -> tuple[CatalogDiff, dict]:
    """A domain's CHECK cannot be altered (DSQL): every column of a changed domain moves onto a temporary
    domain with the new definition during the migration. The desired catalog is compared again with those
    columns typed by the temporary domain, so that new columns and tables use it too and existing ones are
    column swaps; `finish_domain_change` then gives the domain its name back."""
    if not diff.domains_changed or profile.supports("alter_domain_constraints"):
        return diff, {}
    temps = {c.new.key: temp_domain(c.new) for c in diff.domains_changed}

    def retype(col: Column) -> Column:
        t = col.type
        key = (t.schema or diff.desired.default_schema, t.name)
        if t.kind != "user" or key not in temps:
            return col
        return replace(col, type=replace(t, name=temps[key].name, schema=temps[key].schema))

    tables = tuple(replace(t, columns=tuple(retype(c) for c in t.columns)) for t in diff.desired.tables)
    staged = replace(diff.desired, tables=tables, domains=diff.desired.domains + tuple(temps.values()))

    return compare(diff.source or diff.actual, staged, diff.renames), temps


def removed_values(b: Builder, change) -> list[str]:
    old_key = (change.old.type.schema or b.default_schema, change.old.type.name)
    for c in b.domain_changes:
        if c.old.key == old_key and c.new.allowed_values is not None:  # none: the column's check holds them
            return [v for v in (c.old.allowed_values or ()) if v not in c.new.allowed_values]
    return []


def finish_domain_change(b: Builder, diff: CatalogDiff, change: TypeChange) -> None:
    """Every column now lives on the temporary domain: the old domain goes, and the name comes back by
    ALTER DOMAIN RENAME where the profile has it (undocumented on DSQL, so off by default), else by a
    second swap onto a new domain of the old name."""
    old, new = change.old, change.new
    temp = b.temp_domains.get(new.key)
    if temp is None:
        b.blocked.append(Blocked(f"enum {new.name} changes but its domain cannot be altered", new.span))
        return
    in_keys = [f"{t.name}.{c}" for t in diff.desired.tables if t.primary_key and diff.actual.table(*t.key)
               for c in t.primary_key.columns
               if (col := t.column(c)) is not None and col.type.kind == "user" and col.type.name == temp.name]
    if in_keys:
        b.blocked.append(Blocked(
            f"enum {new.name} changes, and {', '.join(in_keys)} (of that enum) is in a primary key: its domain "
            f"cannot be altered and {b.profile.describe()} cannot drop a primary-key column to move it onto a new "
            "one", new.span, "keep the enum's values, or move the key off the enum column in a migration of its own "
                             "(a table rebuild)"))
        return
    b.add(P_DROP_TYPE, ops.DropDomain(old.schema, old.name), f"enum {new.name} changes: the old domain goes")
    if b.profile.supports("alter_domain_rename"):
        b.add(P_DROP_TYPE, ops.RenameType("domain", new.schema, temp.name, new.name),
              f"enum {new.name} changes: the new domain takes its name")
        return
    b.add(P_DROP_TYPE, ops.CreateDomain(new), f"enum {new.name} changes: the domain again, with the new values",
          (Hazard(REBUILD, f"ALTER DOMAIN RENAME is not documented here: the columns of {new.name} move back onto "
                           "a domain of that name"),))
    for table in diff.desired.tables:
        for col in table.columns:
            if col.type.kind == "user" and (col.type.schema or new.schema, col.type.name) == temp.key:
                final = replace(col, type=replace(col.type, name=new.name, schema=new.schema))
                swap_column(b, table, final, P_DROP_TYPE, index_phase=P_DROP_TYPE, removed=[], source_name=col.name)
    b.add(P_DROP_TYPE, ops.DropDomain(temp.schema, temp.name), f"enum {new.name} changes: the temporary domain goes")


def swap_column(b: Builder, table: Table, col: Column, phase: int, index_phase: int, removed: list[str],
                 source_name: str | None = None) -> None:
    """Move a column onto the type `col` has (another domain): a new column, a batched copy, the old column
    dropped and the new one renamed, then its default, NOT NULL and indexes (which went with the old column)
    as `col` wants them. A column still on a temporary domain stays nullable until its last swap."""
    ref = table.key
    where = f"{table.name}.{col.name}"
    swap_name = cut_with_suffix(col.name, SWAP_SUFFIX, b.name_bytes)
    bare = replace(col, name=swap_name, nullable=True, default=None, identity=None, enum_values=None)
    key = row_key(table, {c.name for c in table.columns} - {col.name})
    if not key:
        b.blocked.append(Blocked(f"{where}: its enum changes, and a table without a primary key (or a unique key of "
                                 "required columns) cannot be copied in batches", col.span))
        return
    copy_hazards = [Hazard(ROW_LIMIT, f"{b.batch:,} rows per transaction"),
                    Hazard(WRITERS_BLOCKED, f"stop writes to {table.name} until {where} is swapped: a value "
                                            "written after its row is copied would be lost (the swap refuses "
                                            "to go on if it finds one)")]
    if removed:
        copy_hazards.append(Hazard(MAY_FAIL, f"rows of {table.name} holding {', '.join(removed)} in {col.name} fail "
                                             "the copy: update them first"))
    items: list = [
        (ops.AddColumns(ref, (bare,)), f"{where} moves to a new column of type {col.type.name}"),
        (ops.CopyColumn(ref, source_name or col.name, swap_name, col.type, key,
                        b.batch, span=col.span),
         f"{where}: values are copied in batches", tuple(copy_hazards), (REPEAT_UNTIL_ZERO_ROWS, STOP_WRITERS)),
    ]
    if col.default is not None:
        items.append((ops.SetDefault(ref, replace(col, name=swap_name)), f"{where} keeps its default"))
    items.append((ops.VerifyColumnCopy(ref, source_name or col.name, swap_name, key, span=col.span),
                  f"{where}: the copy is compared with the old column; a write that raced in stops the swap here, "
                  "with the old column still in place", (Hazard(WRITERS_BLOCKED, f"writers of {table.name} must "
                                                                                  "be stopped"),)))
    items.append((ops.DropColumn(ref, col.name, span=col.span), f"{where}: the old column goes",
                  (Hazard(REBUILD, f"values written to {where} after the copy and before this step are not copied; "
                                   "stop writers first"), Hazard(WRITERS_BLOCKED, f"writers of {table.name} must "
                                                                                  "be stopped"))))
    items.append((ops.RenameColumn(ref, swap_name, col.name, span=col.span), f"{where}: the new column takes its name"))
    temporary = any(col.type.name == t.name for t in b.temp_domains.values()) and \
        not b.profile.supports("alter_domain_rename")
    if not col.nullable and not temporary:
        may_fail = None
        if col.default is not None and b.may_have_rows(ref):
            items += backfill_items(b, table, col, f"{where} is required: rows without a value get the default")
        elif col.default is None and b.may_have_rows(ref):
            may_fail = f"{where} is required: fails if a row of {table.name} has no value ({b.rows_text(ref)})"
        items += required_check(b, ref, col.name, col.span, f"{where} is required", may_fail)
    chained = b.chain(phase, items)
    if not temporary and col.enum_values is not None:  # the column's check went with the old column
        enum_check_items(b, table, col, None, phase=phase, after=tuple(chained[-1:]))
    if not temporary:
        for i in table.indexes:  # dropped with the old column
            if col.name in i.column_names:
                create_index(b, table, i, existing=True, phase=index_phase)
