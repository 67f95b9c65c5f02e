"""Every DSQL rule: registry metadata, and its positive and negative fixture.

Fixtures live in tests/rules/<CODE>/{positive,negative}.prisma. A first line
`// prisma-dsql-test: key=value ...` sets the profile and options:
`dsql-version=YYYY-MM-DD`, `enum-strategy=none`, `identity-cache=1`, and
`limit.<name>=N` (a smaller DSQL limit, so that a limit rule's fixture stays
readable; tests/test_rules_limits.py checks the real limits).

The positive fixture must produce at least one finding of the rule (and its
rendered findings are snapshotted), the negative one none.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from prisma_dsql import suppression
from prisma_dsql.capabilities import profile_for
from prisma_dsql.diagnostics import Severity
from prisma_dsql.loader import load
from prisma_dsql.render.text import render
from prisma_dsql.rules import REGISTRY, RETIRED, RULE_MODULES, SECTIONS, check, lookup
from prisma_dsql.rules.docs import render as render_docs
from prisma_dsql.translate_options import TranslateOptions

FIXTURES = Path(__file__).parent / "rules"
CODES = sorted(REGISTRY)
_HEADER = re.compile(r"^// prisma-dsql-test:(?P<opts>.*)$")


def fixture_settings(path: Path):
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    m = _HEADER.match(first)
    opts = dict(kv.split("=", 1) for kv in m.group("opts").split()) if m else {}
    profile = profile_for("dsql", opts.get("dsql-version"))
    limits = {k[len("limit."):]: int(v) for k, v in opts.items() if k.startswith("limit.")}
    if limits:
        profile = dataclasses.replace(profile, limits={**profile.limits, **limits})
    options = TranslateOptions(
        enum_strategy=opts.get("enum-strategy", "domain"),
        identity_cache=int(opts.get("identity-cache", 65536)),
    )
    return profile, options


def findings(code: str, kind: str):
    path = FIXTURES / code / f"{kind}.prisma"
    profile, options = fixture_settings(path)
    loaded = load(path)
    assert not loaded.diagnostics, [d.message for d in loaded.diagnostics]
    found = suppression.apply(check(loaded.schema, profile, options), loaded.schema.comments)
    return loaded, [d for d in found if d.code == code]


def test_one_module_per_rule():
    assert len(RULE_MODULES) == len(set(RULE_MODULES)) == len(REGISTRY)
    names = [r.name for r in REGISTRY.values()]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("code", CODES)
def test_rule_metadata_and_documentation(code):
    r = REGISTRY[code]
    assert re.fullmatch(r"DSQL\d{3}", r.code)
    assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", r.name)
    assert r.severity in Severity
    assert r.summary and r.summary[0].isupper() or r.summary.startswith("`"), r.summary
    assert list(r.sections) == list(SECTIONS), f"{code}: sections {list(r.sections)}"
    for title, body in r.sections.items():
        assert body.strip(), f"{code}: empty section {title}"
    assert "```" in r.sections["Example"], f"{code}: the example shows code"
    assert lookup(r.name) is r and lookup(r.code.lower()) is r


@pytest.mark.parametrize("code", CODES)
def test_positive_fixture(code, snapshot):
    loaded, found = findings(code, "positive")
    assert found, f"{code} reported nothing on its positive fixture"
    for d in found:
        assert d.span is not None and d.name == REGISTRY[code].name
        assert d.severity is REGISTRY[code].severity
        if code != "DSQL901":
            assert d.subject, d
        if d.severity is not Severity.INFO:
            assert d.help, f"{code}: a finding without help: {d.message}"
    assert render(found, loaded.sources) == snapshot


@pytest.mark.parametrize("code", CODES)
def test_negative_fixture(code):
    _, found = findings(code, "negative")
    assert not found, [d.message for d in found]


def test_every_rule_has_both_fixtures():
    dirs = {p.name for p in FIXTURES.iterdir() if p.is_dir()}
    assert dirs == set(CODES)
    for code in CODES:
        assert (FIXTURES / code / "positive.prisma").is_file() and (FIXTURES / code / "negative.prisma").is_file()


def test_retired_codes_stay_retired():
    assert "DSQL205" in RETIRED and "DSQL205" not in REGISTRY and lookup("expression-index") is None
    assert all(code in render_docs() for code in RETIRED)


def test_postgres_target_runs_no_rule():
    loaded = load(FIXTURES / "DSQL106" / "positive.prisma")
    assert check(loaded.schema, profile_for("postgres")) == []
