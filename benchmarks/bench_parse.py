"""Parse + resolve speed, and `prisma-dsql validate` end to end.

    python benchmarks/bench_parse.py            # prints a Markdown table
    python benchmarks/bench_parse.py --json     # machine-readable

Targets (issue 2), on a 2-core machine:
- parse+resolve with positions >= 25,000 lines/s (in-process, best of N, CPU time);
- `prisma-dsql validate` on the 200-model schema < 0.3 s wall (best of N, fresh process each time,
  Lark's grammar cache warm as it is after the first run on a machine);
- 1000 models no worse than 5.5x the 200-model time.

    python benchmarks/bench_parse.py --callgrind [--models 200] [--baseline CHECKOUT]

counts instructions instead (valgrind's callgrind; deterministic, so it compares runs on a shared
machine): start-up with the parser tables loaded, then parse, then resolve, each the difference of
one fresh process doing a step more. `--baseline` counts another checkout the same way (its
`prisma_dsql` on PYTHONPATH), e.g. a `git archive` of the commit before a change. Whole runs vary by
a few percent with the hash seed (dict layouts): set PYTHONHASHSEED to compare like with like.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
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


#: The child process of --callgrind: load the parser (a one-model schema), then parse and resolve
#: the schema as far as its `step` says.
_STEPS = """
import gc, sys
from pathlib import Path
from prisma_dsql.schema.resolve import resolve
from prisma_dsql.source import SourceFile
from prisma_dsql.syntax.parser import parse_file
gc.disable()
path, step = sys.argv[1], sys.argv[2]
parse_file(SourceFile("one.prisma", "model A {\\n  id Int @id\\n}\\n"))
if step != "start":
    tree, _ = parse_file(SourceFile(Path(path).name, Path(path).read_text(encoding="utf-8")))
    if step == "resolve":
        resolve([tree])
"""


def instructions(checkout: Path | None, schema: Path, step: str) -> int:
    """Instructions callgrind counts for the _STEPS child up to `step`. The child runs in the schema's
    folder: `python -c` puts the current folder first on sys.path, which must not be a checkout."""
    env = dict(os.environ)
    if checkout is not None:
        env["PYTHONPATH"] = str(checkout.resolve())
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c",
                          _STEPS, str(schema), step], check=False, capture_output=True, text=True, env=env,
                         cwd=schema.parent)
    found = re.search(r"Collected : (\d+)", out.stderr)
    if out.returncode != 0 or not found:
        raise SystemExit(f"callgrind failed: {out.stderr[-2000:]}")
    return int(found.group(1))


def count_instructions(models: int, baseline: Path | None) -> None:
    if shutil.which("valgrind") is None:
        raise SystemExit("--callgrind needs valgrind on PATH")
    trees = {"this checkout": None, **({f"baseline ({baseline})": baseline} if baseline else {})}
    with tempfile.TemporaryDirectory() as tmp:
        schema = Path(tmp) / f"s{models}.prisma"
        schema.write_text(generate(models), encoding="utf-8")
        print(f"Instructions (callgrind), {models}-model schema, millions:\n")
        print("| code | start-up + imports + tables | parse | resolve |")
        print("|---|---:|---:|---:|")
        for label, tree in trees.items():
            start, parsed, resolved = (instructions(tree, schema, step) for step in ("start", "parse", "resolve"))
            print(f"| {label} | {start / 1e6:,.0f} | {(parsed - start) / 1e6:,.0f} | {(resolved - parsed) / 1e6:,.0f} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--callgrind", action="store_true", help="count instructions instead of timing")
    ap.add_argument("--models", type=int, default=200, help="schema size for --callgrind")
    ap.add_argument("--baseline", type=Path, default=None, help="another checkout to count (--callgrind)")
    args = ap.parse_args()
    if args.callgrind:
        count_instructions(args.models, args.baseline)
        return

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
