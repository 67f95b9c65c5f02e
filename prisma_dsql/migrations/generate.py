"""Schema -> migration script: the pipeline behind `prisma-dsql migrate`.

Contract: `generate_from_empty(loaded, profile, options)` returns a `Generated`
whose `script` is None when the migration is refused, with the reasons in
`diagnostics` (errors) or `problems` (what the renderer could not write). It
refuses a schema with errors of its own, a provider that is not PostgreSQL,
and, for DSQL, anything `prisma_dsql.rules.check` reports as an error. Warnings
and notes of the rules come back in `diagnostics` either way.

The rules are the friendly report; the renderer is the guarantee. A rule that
prisma-dsql.toml turns off (or lowers to a warning) no longer refuses, but the
target still refuses to render what its profile cannot hold, so `problems`
then says why, with spans, and no script is returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from prisma_dsql.capabilities import Profile
from prisma_dsql.catalog.model import Catalog
from prisma_dsql.diagnostics import Diagnostic, Severity
from prisma_dsql.gcpause import no_gc_pauses
from prisma_dsql.loader import LoadedSchema
from prisma_dsql.plan import Plan, plan_from_empty
from prisma_dsql.sql.directives import REPEAT_UNTIL_ZERO_ROWS
from prisma_dsql.targets import RenderError
from prisma_dsql.translate import from_schema
from prisma_dsql.translate_options import TranslateOptions

POSTGRES_PROVIDERS = ("postgresql", "postgres")

#: The first comment line of a generated Aurora DSQL migration.sql that repeats a statement until it changes no
#: row: psql would run such a statement once (one batch) and leave the other rows unchanged, with no error.
DEPLOY_ONLY_HEADER = ("-- Apply with `prisma-dsql migrate deploy`, not psql: backfills marked repeat-until-zero-rows "
                      "change one batch per run and psql runs them once (docs/deploy.md)\n")


def deploy_only_header(script: str, profile: Profile) -> str:
    """:data:`DEPLOY_ONLY_HEADER` for a DSQL script holding a repeat-until-zero-rows statement, else "" (the
    postgres target writes Prisma's own SQL, unchanged)."""
    if profile.supports("synchronous_index_build") or f"prisma-dsql:{REPEAT_UNTIL_ZERO_ROWS}" not in script:
        return ""
    return DEPLOY_ONLY_HEADER


@dataclass(frozen=True)
class Generated:
    profile: Profile
    script: Plan | None
    catalog: Catalog | None = None
    diagnostics: tuple[Diagnostic, ...] = ()
    #: Why the renderer refused (each with the span it came from), when it did.
    problems: tuple = field(default=())
    #: One sentence for the user when the migration is refused.
    refusal: str | None = None

    @property
    def ok(self) -> bool:
        return self.script is not None

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]


#: Turns the rules' findings into what the project reports (suppressions, prisma-dsql.toml).
Adjust = Callable[[list[Diagnostic], LoadedSchema], list[Diagnostic]]


def check_schema(loaded: LoadedSchema, profile: Profile, options: TranslateOptions,
                 adjust: Adjust | None = None) -> tuple[list[Diagnostic], str | None]:
    """(diagnostics, refusal): the schema's own errors, then the target's rules (as `adjust`
    leaves them: a rule switched off does not refuse, one raised to an error does)."""
    own = sorted(loaded.diagnostics, key=Diagnostic.sort_key)
    if any(d.severity is Severity.ERROR for d in own):
        return own, "the schema has errors"
    from prisma_dsql.rules import check

    findings = check(loaded.schema, profile, options)
    if adjust is not None:
        findings = adjust(findings, loaded)
    findings = sorted(findings, key=Diagnostic.sort_key)
    diagnostics = own + findings
    if any(d.severity is Severity.ERROR for d in findings):
        return diagnostics, f"{profile.describe()} cannot run this schema as it is"
    provider = loaded.schema.provider
    if provider is not None and provider not in POSTGRES_PROVIDERS:
        return diagnostics, (f'the datasource provider is "{provider}"; migrations are generated for PostgreSQL '
                             "schemas only (Aurora DSQL is PostgreSQL-compatible)")
    return diagnostics, None


def generate_from_empty(loaded: LoadedSchema, profile: Profile, options: TranslateOptions = TranslateOptions(),
                        adjust: Adjust | None = None) -> Generated:
    # Like parsing, generation builds many small acyclic objects: without collector pauses
    # a 1000-model schema takes about two thirds of the time.
    with no_gc_pauses():
        return _generate_from_empty(loaded, profile, options, adjust)


def _generate_from_empty(loaded: LoadedSchema, profile: Profile, options: TranslateOptions,
                         adjust: Adjust | None) -> Generated:
    diagnostics, refusal = check_schema(loaded, profile, options, adjust)
    if refusal:
        return Generated(profile, None, diagnostics=tuple(diagnostics), refusal=refusal)
    catalog = from_schema(loaded.schema, profile, options)
    try:
        script = plan_from_empty(profile, catalog)
    except RenderError as exc:
        return Generated(profile, None, catalog, tuple(diagnostics), exc.problems,
                         f"{profile.describe()} cannot hold part of this schema")
    return Generated(profile, script, catalog, tuple(diagnostics))
