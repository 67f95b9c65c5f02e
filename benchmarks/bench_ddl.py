"""DDL generation speed: schema graph -> checked catalog -> rendered migration.

    python benchmarks/bench_ddl.py            # prints a Markdown table
    python benchmarks/bench_ddl.py --json     # machine-readable
    python benchmarks/bench_ddl.py --check    # exit 1 when the target is missed

Target (issue 4): DDL generation for the 1000-model synthetic schema (benchmarks/synth.py) in
under 1 s in-process: rules + catalog + render, on an already parsed schema (parsing is measured
by bench_parse.py and shown here for context). Best of N, CPU time.

The 1000-model schema has more than DSQL's 1000 tables (its join tables count too), so
`generate_from_empty` refuses it for DSQL after the rules; the "generate total" column therefore
times the three stages in a row (what a schema just under the limits costs), and the refusal is
noted below the table.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import generate  # noqa: E402

from prisma_dsql.capabilities import profile_for  # noqa: E402
from prisma_dsql.gcpause import no_gc_pauses  # noqa: E402
from prisma_dsql.loader import load_text  # noqa: E402
from prisma_dsql.migrations.generate import generate_from_empty  # noqa: E402
from prisma_dsql.plan import plan_from_empty
from prisma_dsql.rules import check  # noqa: E402
from prisma_dsql.translate import from_schema  # noqa: E402

TARGET_SECONDS = 1.0


def best(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.process_time()
        result = fn()
        times.append(time.process_time() - start)
    return min(times), result


def measure(n: int, repeat: int) -> dict:
    text = generate(n)
    parse, loaded = best(lambda: load_text(text), max(1, repeat // 3))
    row: dict = {"models": n, "lines": text.count("\n"), "parse_s": parse}
    for target in ("dsql", "postgres"):
        profile = profile_for(target)
        if target == "dsql":
            # The 1000-model schema has more tables than DSQL allows, so the real profile refuses
            # it (DSQL404); to time the generation work itself, lift only that one limit.
            profile = replace(profile, limits={**profile.limits, "tables": 10 ** 9})
        row[f"{target}_rules_s"], _ = best(lambda: check(loaded.schema, profile), repeat)
        row[f"{target}_catalog_s"], catalog = best(lambda: from_schema(loaded.schema, profile), repeat)
        row[f"{target}_render_s"], script = best(lambda: plan_from_empty(profile, catalog).text(), repeat)

        def pipeline():  # generate_from_empty without the refusal, GC paused as it does
            with no_gc_pauses():
                check(loaded.schema, profile)
                return plan_from_empty(profile, from_schema(loaded.schema, profile))

        row[f"{target}_total_s"], rendered = best(pipeline, repeat)
        row[f"{target}_statements"] = len(rendered.steps)
        row[f"{target}_sql_bytes"] = len(script.encode("utf-8"))
        generated = generate_from_empty(loaded, profile)
        row[f"{target}_refused"] = None if generated.ok else sorted({d.code for d in generated.errors})
    return row


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--check", action="store_true", help="exit 1 when the 1000-model DSQL total exceeds 1 s")
    args = ap.parse_args()
    rows = [measure(n, args.repeat) for n in (200, 1000)]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print("| models | lines | parse (context) | target | rules | catalog | render | generate total | statements |")
        print("|---:|---:|---:|---|---:|---:|---:|---:|---:|")
        for r in rows:
            for target in ("dsql", "postgres"):
                print(f"| {r['models']} | {r['lines']} | {r['parse_s']:.3f} s | {target} | "
                      f"{r[f'{target}_rules_s']:.3f} s | {r[f'{target}_catalog_s']:.3f} s | "
                      f"{r[f'{target}_render_s']:.3f} s | **{r[f'{target}_total_s']:.3f} s** | "
                      f"{r[f'{target}_statements']} |")
        for r in rows:
            for target in ("dsql", "postgres"):
                if r[f"{target}_refused"]:
                    print(f"\n{r['models']} models, {target}: refused by {', '.join(r[f'{target}_refused'])} "
                          "(limits); the stages were timed all the same.")
    worst = max(rows[-1]["dsql_total_s"], rows[-1]["postgres_total_s"])
    if args.check and worst >= TARGET_SECONDS:
        print(f"FAIL: 1000-model generation took {worst:.3f} s (target < {TARGET_SECONDS} s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
