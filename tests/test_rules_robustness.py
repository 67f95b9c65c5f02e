"""The DSQL rules run on whatever graph the resolver builds, including after Prisma-level errors:
they never raise, and every finding points at a real place and names its subject."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prisma_dsql import suppression
from prisma_dsql.capabilities import profile_for
from prisma_dsql.loader import load, load_text
from prisma_dsql.rules import check
from prisma_dsql.translate_options import TranslateOptions
from tests.test_properties import SEEDS, mutate

ROOT = Path(__file__).parent.parent
CORPUS = sorted((Path(__file__).parent / "fixtures" / "corpus").glob("*.prisma"))
RULE_FIXTURES = sorted((Path(__file__).parent / "rules").glob("*/*.prisma"))
PROFILES = [profile_for("dsql"), profile_for("dsql", "2025-06-01"), profile_for("dsql", "2026-08-01")]
OPTIONS = [TranslateOptions(), TranslateOptions(enum_strategy="none", identity_cache=1)]


def assert_well_formed(loaded, profile, options) -> None:
    found = suppression.apply(check(loaded.schema, profile, options), loaded.schema.comments)
    lines = {s.name: s.lines for s in loaded.sources}
    for d in found:
        assert d.code.startswith("DSQL") and d.name and d.message
        assert d.span is not None, d
        assert d.span.file in lines, d
        assert 1 <= d.span.line <= d.span.end_line <= len(lines[d.span.file]), d
        assert d.span.column >= 1 and (d.span.end_line > d.span.line or d.span.end_column >= d.span.column), d
        if d.code != "DSQL901":
            assert d.subject, d


@pytest.mark.parametrize("path", CORPUS + RULE_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.as_of.isoformat())
def test_corpus_and_fixtures(path, profile):
    loaded = load(path)
    for options in OPTIONS:
        assert_well_formed(loaded, profile, options)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEDS), st.sampled_from(PROFILES), st.data())
def test_mutated_schemas(seed, profile, data):
    text = mutate(seed, data)
    assert_well_formed(load_text(text), profile, TranslateOptions())


def test_unresolved_and_composite_fields_are_left_to_prisma_checks():
    loaded = load_text('datasource db {\n  provider = "postgresql"\n}\n\ntype Address {\n  street String\n}\n\n'
                       "model T {\n  id BigInt @id\n  a Strin[]\n  b Address[]\n}\n")
    assert {d.code for d in loaded.diagnostics} == {"PSL102", "PSL117"}
    assert check(loaded.schema, profile_for()) == []
