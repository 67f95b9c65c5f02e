"""Two schemas -> the objects the second adds, until the real schema differ exists.

Contract: `additions_between(before, after, profile, options)` compares the two
catalogs the schemas become on `profile` and returns an `AdditiveResult`: a
script that creates only what is new (schemas, extensions, enum types or
domains, tables with their indexes and foreign keys, indexes, foreign keys and
columns on existing tables), or `unsupported`, one line per change it cannot
make (drops, renames, changed columns, types, keys...). A new column is only an
addition if the target can add it in place: on DSQL, `ALTER TABLE ADD COLUMN`
takes a name and a type, so a required or identity column needs the differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from prisma_dsql.capabilities import Profile
from prisma_dsql.catalog.model import Catalog
from prisma_dsql.diagnostics import Severity
from prisma_dsql.loader import LoadedSchema
from prisma_dsql.migrations.generate import Adjust, Generated, generate_from_empty
from prisma_dsql.targets import Additions, RenderError, Script, target_for
from prisma_dsql.translate import from_schema
from prisma_dsql.translate_options import TranslateOptions


@dataclass(frozen=True)
class AdditiveResult:
    #: The checked "to" schema (its diagnostics; `ok` False when it is refused).
    generated: Generated | None
    script: Script | None = None
    unsupported: tuple[str, ...] = field(default=())


def additions_between(before: LoadedSchema, after: LoadedSchema, profile: Profile,
                      options: TranslateOptions = TranslateOptions(), adjust: Adjust | None = None) -> AdditiveResult:
    target = generate_from_empty(after, profile, options, adjust)
    if not target.ok:
        return AdditiveResult(target)
    own_errors = [d for d in before.diagnostics if d.severity is Severity.ERROR]
    if own_errors:
        return AdditiveResult(replace(target, script=None, diagnostics=tuple(own_errors),
                                      refusal="the --from-schema has errors"))
    old = from_schema(before.schema, profile, options)
    add, unsupported = compare(old, target.catalog, profile)
    if unsupported:
        return AdditiveResult(target, None, tuple(unsupported))
    try:
        script = target_for(profile).render_additions(add)
    except RenderError as exc:
        return AdditiveResult(replace(target, script=None, problems=exc.problems,
                                      refusal=f"{profile.describe()} cannot hold part of this change"))
    return AdditiveResult(target, script)


def compare(old: Catalog, new: Catalog, profile: Profile) -> tuple[Additions, list[str]]:
    """(what `new` adds to `old`, the changes that are not additions)."""
    unsupported: list[str] = []

    def keyed(items, key=lambda o: o.key):
        return {key(o): o for o in items}

    def label(key) -> str:
        return ".".join(key) if isinstance(key, tuple) else str(key)

    def diff_kind(kind: str, old_items: dict, new_items: dict) -> list:
        added = [o for k, o in new_items.items() if k not in old_items]
        for k, o in old_items.items():
            if k not in new_items:
                unsupported.append(f"{kind} {label(k)} is removed (or renamed)")
            elif o != new_items[k]:
                unsupported.append(f"{kind} {label(k)} is changed")
        return added

    for s in old.schemas:
        if s not in new.schemas and any(t.schema == s for t in old.tables):
            unsupported.append(f"schema {s} is no longer used")
    extensions = diff_kind("extension", keyed(old.extensions, lambda e: e.name), keyed(new.extensions, lambda e: e.name))
    enums = diff_kind("enum", keyed(old.enums), keyed(new.enums))
    domains = diff_kind("enum (domain)", keyed(old.domains), keyed(new.domains))
    old_tables = keyed(old.tables)
    new_tables = [t for t in new.tables if t.key not in old_tables]
    for k in old_tables:
        if new.table(*k) is None:
            unsupported.append(f"table {label(k)} is removed (or renamed)")
    columns, indexes, fks = [], [], []
    can_add_constraints = profile.supports("add_column_with_constraints")
    for t in new.tables:
        before = old_tables.get(t.key)
        if before is None:
            continue
        where = label(t.key)
        if before.primary_key != t.primary_key:
            unsupported.append(f"table {where}: the primary key changes")
        old_cols = keyed(before.columns, lambda c: c.name)
        for c in t.columns:
            prev = old_cols.get(c.name)
            if prev is None:
                reason = _cannot_add(c, profile, can_add_constraints)
                if reason:
                    unsupported.append(f"table {where}: new column {c.name} {reason}")
                else:
                    columns.append((t, c))
            elif prev != c:
                unsupported.append(f"table {where}: column {c.name} is changed")
        for name in old_cols:
            if t.column(name) is None:
                unsupported.append(f"table {where}: column {name} is removed (or renamed)")
        indexes += [(t, i) for i in diff_kind(f"index on {where}:", keyed(before.indexes, lambda i: i.name),
                                              keyed(t.indexes, lambda i: i.name))]
        fks += [(t, f) for f in diff_kind(f"foreign key on {where}:", keyed(before.foreign_keys, lambda f: f.name),
                                          keyed(t.foreign_keys, lambda f: f.name))]
        diff_kind(f"check on {where}:", keyed(before.checks, lambda c: c.name), keyed(t.checks, lambda c: c.name))
    used_before = set(old.schemas)
    schemas = tuple(s for s in new.schemas if s not in used_before)
    add = Additions(new, schemas, tuple(extensions), tuple(enums), tuple(domains), tuple(new_tables),
                    tuple(columns), tuple(indexes), tuple(fks))
    return add, unsupported


def _cannot_add(col, profile: Profile, can_add_constraints: bool) -> str | None:
    """Why `col` cannot be added to an existing table in place, or None."""
    if can_add_constraints:
        return None
    if col.identity is not None:
        return "is an identity column (ALTER TABLE ADD COLUMN takes a name and a type only)"
    if not col.nullable:
        return "is required (NOT NULL cannot be added to an existing column)"
    if col.default is not None and not profile.supports("alter_column_default"):
        return "has a default (ALTER COLUMN SET DEFAULT is not available on this DSQL version)"
    return None
