"""A database catalog and a schema -> the plan that takes the one to the other.

Contract: `plan_to_schema(actual, loaded, profile, ...)` checks the schema as `migrate
--from-empty` does (its own errors and the DSQL rules refuse), translates it to the catalog
the profile wants, compares it with `actual` (`prisma_dsql.diff`) and plans the steps
(`prisma_dsql.plan`). It returns an `Evolution`: the plan, or why there is none (the schema's
findings, the renderer's problems, or the changes the user has not allowed), never raising
for any of these. `plan_between_catalogs` is the same without a schema (both sides are
databases or migration histories).

Rename hints come in Prisma's words (`--rename-table Old=NewModel`, `--rename-column Model.old=new`)
and are turned into database names here: the new side (and the model of a column hint: the model as
the new schema names it, also when the table is renamed in the same migration) through the schema's
`@map`/`@@map`, the old side as the database spells it (the old model name unless it was mapped).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from prisma_dsql.capabilities import Profile
from prisma_dsql.catalog.model import Catalog
from prisma_dsql.diagnostics import Diagnostic
from prisma_dsql.diff import CatalogDiff, Renames, compare, unused_hints
from prisma_dsql.errors import UsageError
from prisma_dsql.loader import LoadedSchema
from prisma_dsql.migrations.generate import Adjust, check_schema
from prisma_dsql.plan import Plan, PlanOptions, PlanRefused, plan_changes
from prisma_dsql.targets import RenderError
from prisma_dsql.translate import from_schema
from prisma_dsql.translate_options import TranslateOptions


@dataclass(frozen=True)
class RenameHints:
    """As the user wrote them: tables {old: new}, columns {(model, old): new}."""

    tables: dict[str, str] = field(default_factory=dict)
    columns: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def parse(cls, tables: tuple[str, ...] = (), columns: tuple[str, ...] = ()) -> RenameHints:
        t: dict[str, str] = {}
        for text in tables:
            old, sep, new = text.partition("=")
            if not sep or not old.strip() or not new.strip():
                raise UsageError(f"--rename-table takes Old=New, not {text!r}")
            t[old.strip()] = new.strip()
        c: dict[tuple[str, str], str] = {}
        for text in columns:
            left, sep, new = text.partition("=")
            model, dot, old = left.rpartition(".")
            if not sep or not dot or not model.strip() or not old.strip() or not new.strip():
                raise UsageError(f"--rename-column takes Model.old=new, not {text!r}")
            c[(model.strip(), old.strip())] = new.strip()
        return cls(t, c)


@dataclass(frozen=True)
class Evolution:
    plan: Plan | None
    diff: CatalogDiff | None = None
    diagnostics: tuple[Diagnostic, ...] = ()
    #: One sentence for the user when there is no plan.
    refusal: str | None = None
    #: What the renderer could not write (Problem values), when that is the refusal.
    problems: tuple = ()
    #: Changes the user has not allowed (data loss, rebuilds), when that is the refusal.
    refused: PlanRefused | None = None
    #: Drop + add pairs that look like renames, as the hint that makes them one.
    suggestions: tuple[str, ...] = ()
    #: Rename hints that applied to nothing.
    unused_hints: tuple[str, ...] = ()
    #: The schema sources the diagnostics point into (for rendering them).
    sources: tuple = ()

    @property
    def ok(self) -> bool:
        return self.plan is not None

    @property
    def differs(self) -> bool:
        """The two sides differ: a plan with steps, or one refused for what it would do (data loss, a
        rebuild) -- the differences are there all the same. False when nothing could be compared."""
        if self.plan is not None:
            return bool(self.plan.steps)
        return self.refused is not None and self.diff is not None and not self.diff.is_empty

    def exit_code(self, exit_code_flag: bool) -> int:
        """What `migrate diff` exits with, as Prisma's: with --exit-code 0 in sync and 2 for differences
        (also those that would lose data and were not accepted); otherwise 0 for a plan and 1 for a
        refusal."""
        if exit_code_flag and (self.ok or self.refused is not None):
            return 2 if self.differs else 0
        return 0 if self.ok else 1


def db_renames(hints: RenameHints, loaded: LoadedSchema | None, default_schema: str) -> Renames:
    """Prisma-level hints -> database names (see the module docstring)."""
    schema = loaded.schema if loaded is not None else None

    def table_of(model_name: str) -> tuple[str, str]:
        model = schema.model(model_name) if schema is not None else None
        if model is None and schema is not None:  # a table name (@@map) also names its model
            model = next((m for m in schema.models if m.db_name == model_name), None)
        if model is None:
            return default_schema, model_name
        return schema.schema_of(model) or default_schema, model.db_name

    tables = {}
    for old, new in hints.tables.items():
        ns, new_table = table_of(new)
        tables[(ns, old)] = new_table
    columns = {}
    for (model_name, old), new in hints.columns.items():
        ns, table = table_of(model_name)
        model = schema.model(model_name) if schema is not None else None
        f = model.field(new) if model is not None else None
        columns[(ns, table, old)] = f.db_name if f is not None else new
    return Renames(tables, columns)


def suggestion_text(hint: tuple[str, ...], loaded: LoadedSchema | None) -> str:
    """A rename the differ suggests, as the option that asks for it: the model and field as the schema
    names them now, the old name as the database has it."""
    schema = loaded.schema if loaded is not None else None
    models = {} if schema is None else {(schema.schema_of(m) or "public", m.db_name): m for m in schema.models}
    if hint[0] == "table":
        _, ns, old, new = hint
        model = models.get((ns, new))
        return f"--rename-table {old}={model.name if model else new}"
    _, ns, table, old, new = hint
    model = models.get((ns, table))
    field = next((f for f in model.fields if f.db_name == new), None) if model else None
    return f"--rename-column {model.name if model else table}.{old}={field.name if field else new}"


def plan_to_schema(actual: Catalog, loaded: LoadedSchema, profile: Profile,
                   options: TranslateOptions = TranslateOptions(), adjust: Adjust | None = None,
                   plan_options: PlanOptions = PlanOptions(), hints: RenameHints = RenameHints(),
                   row_estimates: dict | None = None) -> Evolution:
    return _plan_to_desired(actual, _desired(loaded, profile, options, adjust), profile, plan_options, hints,
                            row_estimates)


def _desired(loaded: LoadedSchema, profile: Profile, options: TranslateOptions,
             adjust: Adjust | None) -> tuple[LoadedSchema, tuple, str | None, Catalog | None]:
    """The schema's side of `plan_to_schema`: (loaded, diagnostics, refusal, catalog); no catalog when refused."""
    diagnostics, refusal = check_schema(loaded, profile, options, adjust)
    if refusal:
        return loaded, tuple(diagnostics), refusal, None
    return loaded, tuple(diagnostics), None, from_schema(loaded.schema, profile, options)


def _plan_to_desired(actual: Catalog, prepared, profile: Profile, plan_options: PlanOptions, hints: RenameHints,
                     row_estimates: dict | None) -> Evolution:
    loaded, diagnostics, refusal, desired = prepared
    if refusal:
        return Evolution(None, diagnostics=diagnostics, refusal=refusal)
    if "postgresqlExtensions" not in loaded.schema.preview_features:
        # Without the preview feature Prisma manages no extension: those the database has are not drift.
        from dataclasses import replace

        actual = replace(actual, extensions=())
    renames = db_renames(hints, loaded, desired.default_schema)
    return _plan(actual, desired, profile, plan_options, renames, row_estimates, diagnostics, loaded)


def plan_between_sides(from_side, to_side, profile: Profile, options: TranslateOptions = TranslateOptions(),
                       adjust: Adjust | None = None, plan_options: PlanOptions = PlanOptions(),
                       hints: RenameHints = RenameHints(), loaded: dict[str, LoadedSchema] | None = None,
                       shadow=None) -> Evolution:
    """The plan from one `Side` (`prisma_dsql.migrations.sources`) to another: what `migrate diff`, `plan`
    and `migrate dev` run. A schema on the from side that has errors refuses, as on the to side.

    Each schema side is parsed once (at 1000 models a parse is most of the command's time); ``loaded`` maps a
    schema side's value (its path as given) to the schema the caller already parsed from it. ``shadow``: what
    :func:`~prisma_dsql.migrations.sources.shadow_for` started for these sides (it is stopped here); without
    it, it is started here."""
    from prisma_dsql.loader import load as _load
    from prisma_dsql.migrations.sources import replayed_side, shadow_for

    parsed: dict[str, LoadedSchema] = dict(loaded or {})

    def load(path: str) -> LoadedSchema:
        if path not in parsed:
            parsed[path] = _load(Path(path))
        return parsed[path]

    # A migrations folder replayed on the embedded server: its folder is checked now, and the server's initdb
    # runs while the schema is parsed and checked (starting it is most of a small folder's replay).
    replayed = replayed_side(from_side, to_side)
    try:
        if shadow is None:
            shadow = shadow_for(from_side, to_side, profile)
        return _between(from_side, to_side, profile, options, adjust, plan_options, hints, load, replayed, shadow)
    finally:
        if shadow is not None:
            shadow.stop()


def _between(from_side, to_side, profile, options, adjust, plan_options, hints, load, replayed, shadow) -> Evolution:
    from dataclasses import replace

    from prisma_dsql.catalog.model import Catalog
    from prisma_dsql.introspect.scope import declared_schemas
    from prisma_dsql.migrations.sources import SideCatalog, read_database, replay_migrations

    schema_side = next((s for s in (to_side, from_side) if s.kind == "schema"), None)
    # Only the schemas the Prisma schema manages are read from a database (prisma_dsql.introspect.scope).
    declared = declared_schemas(load(schema_side.value)) if schema_side is not None else ()

    def read(side) -> SideCatalog | Evolution:
        if side.kind == "empty":
            return SideCatalog(Catalog())
        if side.kind == "schema":
            loaded = load(side.value)
            diagnostics, refusal = check_schema(loaded, profile, options, adjust)
            if refusal:
                return Evolution(None, diagnostics=tuple(diagnostics), refusal=f"{side.value}: {refusal}",
                                 sources=tuple(loaded.sources))
            return SideCatalog(from_schema(loaded.schema, profile, options), loaded=loaded)
        if side.kind == "migrations":
            if side is not replayed:
                return replay_migrations(Path(side.value), profile, declared, side.shadow)
            try:
                return replay_migrations(Path(side.value), profile, declared, server=shadow)
            finally:
                shadow.stop()  # read back: not needed for the plan
        return read_database(side.value, config=side.kind == "config-datasource", profile=profile,
                             declared=declared)

    # The schema's checks and catalog do not depend on the from side: while a shadow server starts, they are
    # worked out first (what is reported, and in which order, is the same).
    prepared = None
    if to_side.kind == "schema" and shadow is not None:
        prepared = _desired(load(to_side.value), profile, options, adjust)
    actual = read(from_side)
    if isinstance(actual, Evolution):
        return actual
    if to_side.kind == "schema":
        if prepared is None:
            prepared = _desired(load(to_side.value), profile, options, adjust)
        evo = _plan_to_desired(actual.catalog, prepared, profile, plan_options, hints, actual.row_estimates)
        return replace(evo, sources=tuple(prepared[0].sources))
    desired = read(to_side)
    if isinstance(desired, Evolution):
        return desired
    target = replace(desired.catalog, default_schema=actual.catalog.default_schema)
    return plan_between_catalogs(actual.catalog, target, profile, plan_options, hints, actual.row_estimates)


def plan_between_catalogs(actual: Catalog, desired: Catalog, profile: Profile,
                          plan_options: PlanOptions = PlanOptions(), hints: RenameHints = RenameHints(),
                          row_estimates: dict | None = None) -> Evolution:
    return _plan(actual, desired, profile, plan_options, db_renames(hints, None, desired.default_schema),
                 row_estimates, ())


def _plan(actual: Catalog, desired: Catalog, profile: Profile, plan_options: PlanOptions, renames: Renames,
          row_estimates: dict | None, diagnostics: tuple, loaded: LoadedSchema | None = None) -> Evolution:
    # Both sides spelled as the database keeps them (cut names, DSQL's NUMERIC(18,6), canonical
    # defaults): a database built from the schema then compares equal to it.
    from prisma_dsql.introspect.stored import stored_form

    actual, desired = stored_form(actual, profile), stored_form(desired, profile)
    diff = compare(actual, desired, renames)
    suggestions = tuple(suggestion_text(h, loaded) for h in diff.rename_suggestions())
    unused = tuple(unused_hints(actual, desired, renames))
    try:
        plan = plan_changes(diff, profile, plan_options, row_estimates)
    except PlanRefused as exc:
        return Evolution(None, diff, diagnostics, "the changes need options that were not given", refused=exc,
                         suggestions=suggestions, unused_hints=unused)
    except RenderError as exc:
        return Evolution(None, diff, diagnostics, f"{profile.describe()} cannot hold part of this change",
                         problems=exc.problems, suggestions=suggestions, unused_hints=unused)
    return Evolution(plan, diff, diagnostics, suggestions=suggestions, unused_hints=unused)
