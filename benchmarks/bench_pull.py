"""`db pull` without the database round trips: the catalog of N synthetic models pulled fresh, and
re-introspected into the schema it came from (which must come back unchanged).

    python benchmarks/bench_pull.py                 # 200 and 1000 models
    python benchmarks/bench_pull.py --models 500    # another size
    python benchmarks/bench_pull.py --repeat 5      # best of 5

The schema is benchmarks/synth.py's; its catalog is what a database built by its DSQL migration reads back
as (`stored_form(from_schema(...))`: tests/test_pull_roundtrip.py checks that equality on real databases).
Reading the database itself is bench_plan.py's introspection figure. The pulled schema of a synthetic one
differs from it in names (Prisma's rules name relation fields), so the fresh pull is timed, not compared;
the re-introspection must give the schema back byte for byte.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.synth import generate
from prisma_dsql.capabilities import dsql_profile
from prisma_dsql.introspect import stored_form
from prisma_dsql.loader import load
from prisma_dsql.pull import pull
from prisma_dsql.translate import from_schema


def measure(models: int, repeat: int) -> dict:
    profile = dsql_profile()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "schema.prisma"
        path.write_text(generate(models), encoding="utf-8")
        loaded = load(path)
        catalog = stored_form(from_schema(loaded.schema, profile), profile)
        fresh = min(_time(lambda: pull(catalog, profile=profile)) for _ in range(repeat))
        # Re-introspect into a schema written by a pull (so the comparison is exact).
        path.write_text(pull(catalog, profile=profile).text, encoding="utf-8")
        existing = load(path)
        again = pull(catalog, profile=profile, existing=existing)
        merged = min(_time(lambda: pull(catalog, profile=profile, existing=existing)) for _ in range(repeat))
        return {"models": models, "tables": len(catalog.tables), "fresh_s": fresh, "reintrospect_s": merged,
                "unchanged": again.text == path.read_text(encoding="utf-8")}


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, action="append")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ok = True
    for n in args.models or [200, 1000]:
        r = measure(n, args.repeat)
        ok &= r["unchanged"]
        print(f"{r['models']} models ({r['tables']} tables): fresh pull {r['fresh_s']:.3f} s, "
              f"re-introspection {r['reintrospect_s']:.3f} s, unchanged: {r['unchanged']}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
