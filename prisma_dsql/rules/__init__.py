"""DSQL compatibility rules: what Aurora DSQL cannot run, in Prisma terms.

Public API (used by the CLI and by the DDL translator, which refuses to render
a schema for which `check` returns errors):

    from prisma_dsql.rules import check, REGISTRY
    diagnostics = check(schema, profile, options)

`check` returns each rule's findings with the rule's *default* severity;
configuration (severity overrides, ignores) and inline suppressions are
applied later by `prisma_dsql.config` / `prisma_dsql.suppression` in the CLI.
A profile whose target is plain PostgreSQL runs no rule.

One module per rule; `RULE_MODULES` lists them (in code order). Each module
defines exactly one rule with `@rule(...)` from `prisma_dsql.rules._base`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from prisma_dsql.translate_options import TranslateOptions

if TYPE_CHECKING:
    from prisma_dsql.capabilities import Profile
    from prisma_dsql.diagnostics import Diagnostic
    from prisma_dsql.rules._base import Rule
    from prisma_dsql.schema.model import Schema

RULE_MODULES = (
    "provider_not_postgresql",
    "autoincrement_unsupported",
    "autoincrement_identity",
    "identity_native_type",
    "enum_as_domain",
    "enum_unsupported",
    "scalar_list",
    "json_column",
    "unsupported_native_type",
    "unsupported_type",
    "decimal_precision",
    "decimal_default_precision",
    "dbgenerated_function",
    "identity_reference_native_type",
    "string_length",
    "index_method",
    "index_sort_order",
    "index_operator_class",
    "partial_index",
    "fulltext_index",
    "decimal_index",
    "json_index",
    "foreign_keys_unsupported",
    "cascading_action",
    "relation_index",
    "too_many_indexes",
    "too_many_index_columns",
    "key_size",
    "too_many_columns",
    "too_many_tables",
    "too_many_schemas",
    "identifier_too_long",
    "identifier_collision",
    "extensions",
    "extensions_preview_feature",
    "reserved_schema_name",
    "view_not_migrated",
    "unused_suppression",
)

#: Codes of removed rules, never given to another rule: code -> why it is gone.
RETIRED: dict[str, str] = {
    "DSQL205": "expression-index: Prisma 7 has no expression indexes (`@@index([raw(\"...\")])` is rejected as an "
               "unknown field, PSL113), so there is nothing to check. DSQL has them since 2026-08-13 "
               "(capability `expression_indexes`).",
}

#: Names loaded on first use (module `__getattr__`): the rule modules are imported then, not when this
#: package is, so `validate --target postgres` (which runs no rule) never pays for them (~20-30 ms).
#: REGISTRY: every rule by code, in code order; BY_NAME: the same rules by kebab-case name.
_LAZY = ("REGISTRY", "BY_NAME", "_ACTIVE")
_BASE_NAMES = ("SECTIONS", "Context", "Finding", "Rule")
_loaded: dict = {}


def _load() -> dict:
    """Import every rule module and build REGISTRY, BY_NAME and _ACTIVE (once)."""
    if not _loaded:
        from prisma_dsql.rules._base import defined_rules

        for module in RULE_MODULES:
            importlib.import_module(f"{__name__}.{module}")
        registry = {r.code: r for r in sorted(defined_rules(), key=lambda r: r.code)}
        assert not set(registry) & set(RETIRED), "a retired rule code was given to a new rule"
        _loaded.update(REGISTRY=registry, BY_NAME={r.name: r for r in registry.values()},
                       _ACTIVE=tuple(r for r in registry.values() if r.check is not None))
    return _loaded


def __getattr__(name: str):
    if name in _LAZY:
        return _load()[name]
    if name in _BASE_NAMES:
        from prisma_dsql.rules import _base

        return getattr(_base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def lookup(code_or_name: str) -> Rule | None:
    """A rule by code (`DSQL101`, any case) or name (`autoincrement-identity`)."""
    rules = _load()
    return rules["REGISTRY"].get(code_or_name.upper()) or rules["BY_NAME"].get(code_or_name.lower())


def check(schema: Schema, profile: Profile, options: TranslateOptions = TranslateOptions(),
          sources: dict[str, str] | None = None) -> list[Diagnostic]:
    """Every DSQL finding for `schema` on `profile`, sorted by position.

    Severities are the rules' defaults. Nothing is reported for a PostgreSQL
    profile. With `sources` (file name -> text), findings carry every fix their
    rule knows; without, only fixes that need no text.
    """
    if profile.target != "dsql":
        return []
    from prisma_dsql.diagnostics import Diagnostic
    from prisma_dsql.gcpause import no_gc_pauses
    from prisma_dsql.rules._base import Context

    active = _load()["_ACTIVE"]
    with no_gc_pauses():
        ctx = Context(schema, profile, options, sources)
        out: list[Diagnostic] = []
        for r in active:
            for finding in r.check(ctx):
                out.append(r.diagnostic(finding))
        out.sort(key=Diagnostic.sort_key)
    return out


__all__ = ["REGISTRY", "RETIRED", "BY_NAME", "SECTIONS", "Context", "Finding", "Rule", "check", "lookup"]
