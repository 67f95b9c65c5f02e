"""docs/rules.md is generated from the registry and must be kept in sync."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from prisma_dsql.rules import REGISTRY
from prisma_dsql.rules.docs import render

DOC = Path(__file__).parent.parent / "docs" / "rules.md"


def test_rules_md_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/rules.md is out of date: run `python -m prisma_dsql.rules.docs > docs/rules.md`")


def test_generator_runs_as_a_module():
    out = subprocess.run([sys.executable, "-m", "prisma_dsql.rules.docs"], capture_output=True, text=True, check=True)
    assert out.stdout == render()


def _github_anchor(heading: str) -> str:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_rule_has_the_anchor_its_help_uri_points_at():
    anchors = {_github_anchor(line[3:]) for line in render().splitlines() if line.startswith("## ")}
    for r in REGISTRY.values():
        assert r.anchor in anchors, r.code
        assert r.url.endswith(f"docs/rules.md#{r.anchor}")
