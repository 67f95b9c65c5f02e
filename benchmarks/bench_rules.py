"""What validate's DSQL rules cost on top of parse + resolve (issue 3: at most 10%).

    python benchmarks/bench_rules.py [--repeat 3] [--check]

In-process on synth.py's 1000-model schema (~24,000 lines), for the newest profile and for an
early one on which most rules fire. Parse and rule runs are interleaved and the best of each is
compared, so a busy machine slows both alike. Suppressions and configuration are applied as
`prisma-dsql validate` applies them. `--check` exits 1 when a profile exceeds the budget.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import generate  # noqa: E402

from prisma_dsql import suppression  # noqa: E402
from prisma_dsql.capabilities import profile_for  # noqa: E402
from prisma_dsql.config import Config  # noqa: E402
from prisma_dsql.loader import load_sources  # noqa: E402
from prisma_dsql.rules import check  # noqa: E402
from prisma_dsql.source import SourceFile  # noqa: E402

BUDGET = 0.10


def timed(fn):
    start = time.process_time()
    result = fn()
    return time.process_time() - start, result


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    text = generate(1000)

    def parse():
        return load_sources(Path("."), [SourceFile("synth.prisma", text)])

    profiles = [profile_for("dsql"), profile_for("dsql", "2026-01-01")]
    cfg = Config()
    parse_best, loaded = timed(parse)
    rules_best = {p.as_of: float("inf") for p in profiles}
    counts = {}
    for _ in range(args.repeat):
        parse_best = min(parse_best, timed(parse)[0])
        for p in profiles:
            t, found = timed(lambda: cfg.apply(suppression.apply(check(loaded.schema, p), loaded.schema.comments)))
            rules_best[p.as_of] = min(rules_best[p.as_of], t)
            counts[p.as_of] = len(found)
    print("| profile | findings | rules (CPU s) | share of parse+resolve | budget |")
    print("|---|---:|---:|---:|---|")
    over = False
    for day, t in rules_best.items():
        share = t / parse_best
        over |= share > BUDGET
        print(f"| DSQL {day} | {counts[day]:,} | {t:.3f} | {share:.1%} | <= {BUDGET:.0%} |")
    print(f"\nparse+resolve of {text.count(chr(10)):,} lines: {parse_best:.3f} s (CPU, best of {args.repeat + 1})")
    return 1 if args.check and over else 0


if __name__ == "__main__":
    sys.exit(main())
