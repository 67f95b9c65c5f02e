"""Parse + resolve speed, and `prisma-dsql validate` end to end.

    python benchmarks/bench_parse.py            # prints a Markdown table
    python benchmarks/bench_parse.py --json     # machine-readable

Targets (issue 2), on a 2-core machine:
- parse+resolve with positions >= 25,000 lines/s (in-process, best of N, CPU time);
- `prisma-dsql validate` on the 200-model schema < 0.3 s wall (best of N, fresh process each time,
  Lark's grammar cache warm as it is after the first run on a machine);
- 1000 models no worse than 5.5x the 200-model time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import generate  # noqa: E402

from prisma_dsql.loader import load_sources  # noqa: E402
from prisma_dsql.source import SourceFile  # noqa: E402


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def wall(cmd: list[str], repeat: int) -> float:
    times = []
    env = {**os.environ, "NO_COLOR": "1"}
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in (200, 1000):
            text = generate(n)
            lines = text.count("\n")
            path = Path(tmp) / f"s{n}.prisma"
            path.write_text(text)
            source = SourceFile(path.name, text)
            loaded = load_sources(Path(tmp), [source])
            assert not loaded.diagnostics, loaded.diagnostics[:3]
            seconds = best(lambda: load_sources(Path(tmp), [source]), args.repeat)
            results[n] = {"lines": lines, "parse_resolve_s": seconds, "lines_per_s": lines / seconds}
        cmd = [sys.executable, "-m", "prisma_dsql", "validate", str(Path(tmp) / "s200.prisma")]
        subprocess.run(cmd, stdout=subprocess.DEVNULL)  # warm Lark's grammar cache
        results["validate_200_wall_s"] = wall(cmd, args.repeat)
        results["python_startup_wall_s"] = wall([sys.executable, "-c", "pass"], args.repeat)
    results["ratio_1000_vs_200"] = results[1000]["parse_resolve_s"] / results[200]["parse_resolve_s"]

    if args.json:
        print(json.dumps(results, indent=2))
        return
    print("| measure | 200 models | 1000 models | target |")
    print("|---|---|---|---|")
    print(f"| lines | {results[200]['lines']} | {results[1000]['lines']} | |")
    print(f"| parse+resolve (CPU s) | {results[200]['parse_resolve_s']:.3f} | {results[1000]['parse_resolve_s']:.3f} | |")
    print(f"| lines/s | {results[200]['lines_per_s']:,.0f} | {results[1000]['lines_per_s']:,.0f} | >= 25,000 |")
    print(f"| 1000 vs 200 time | | {results['ratio_1000_vs_200']:.2f}x | <= 5.5x |")
    print(f"| `prisma-dsql validate` wall (s) | {results['validate_200_wall_s']:.3f} | | < 0.3 |")
    print(f"| bare `python -c pass` wall (s) | {results['python_startup_wall_s']:.3f} | | |")


if __name__ == "__main__":
    main()
