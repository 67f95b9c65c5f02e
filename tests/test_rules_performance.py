"""Validate's DSQL rules stay within 10% of parse + resolve (issue 3).

Measured in-process on benchmarks/synth.py's 1000-model schema (~24,000 lines), for the newest
profile and for an early one on which most rules fire (4,300 findings). Parse and check runs are
interleaved and the best of each is compared, so a busy machine slows both alike.
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import pytest

from prisma_dsql import suppression
from prisma_dsql.capabilities import profile_for
from prisma_dsql.config import Config
from prisma_dsql.loader import load_sources
from prisma_dsql.rules import check
from prisma_dsql.source import SourceFile

SYNTH = Path(__file__).parent.parent / "benchmarks" / "synth.py"
BUDGET = 0.10


def _generate(n: int) -> str:
    if not SYNTH.is_file():
        pytest.skip("benchmarks/synth.py is not there")
    spec = importlib.util.spec_from_file_location("synth", SYNTH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate(n)


def _timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def test_rules_cost_at_most_a_tenth_of_parse_and_resolve():
    text = _generate(1000)
    parse = lambda: load_sources(Path("."), [SourceFile("synth.prisma", text)])  # noqa: E731
    profiles = [profile_for("dsql"), profile_for("dsql", "2026-01-01")]
    cfg = Config()
    parse_best, loaded = _timed(parse)
    rules_best = {p.as_of: float("inf") for p in profiles}
    counts = {}

    def rules(profile):
        found = check(loaded.schema, profile)
        return cfg.apply(suppression.apply(found, loaded.schema.comments))

    for _ in range(2):
        parse_best = min(parse_best, _timed(parse)[0])
        for p in profiles:
            for _ in range(2):
                t, found = _timed(lambda: rules(p))
                rules_best[p.as_of] = min(rules_best[p.as_of], t)
                counts[p.as_of] = len(found)
    for day, t in rules_best.items():
        print(f"rules on {day}: {t * 1000:.0f} ms, {counts[day]} findings, {t / parse_best:.1%} of parse+resolve "
              f"({parse_best * 1000:.0f} ms)")
        assert t <= BUDGET * parse_best, (
            f"rules on {day} took {t * 1000:.0f} ms ({counts[day]} findings) = {t / parse_best:.1%} of "
            f"parse+resolve ({parse_best * 1000:.0f} ms)")
