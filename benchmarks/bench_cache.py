"""Is a schema cache worth having? Parse+resolve time against the best a cache could do.

    python benchmarks/bench_cache.py [--repeat 5]

A cache hit still has to read the files, hash them and turn stored bytes back into the
graph; the cheapest possible form of that is `pickle.loads` of the loaded schema (which a
cache must never use: it runs code). Its time is a lower bound for any safe format, and
the difference with parse+resolve is the most a cache could save per run.
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import sys
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print("| models | lines | parse+resolve (CPU s) | hash + unpickle (CPU s) | most a cache saves |")
    print("|---:|---:|---:|---:|---:|")
    for n in (20, 60, 200, 1000):
        text = generate(n)
        sources = [SourceFile("schema.prisma", text)]
        parse = best(lambda: load_sources(Path("."), sources), args.repeat)
        blob = pickle.dumps(load_sources(Path("."), sources), protocol=pickle.HIGHEST_PROTOCOL)

        def hit():
            hashlib.sha256(text.encode()).hexdigest()
            pickle.loads(blob)

        cached = best(hit, args.repeat)
        print(f"| {n} | {text.count(chr(10))} | {parse:.3f} | {cached:.3f} | {parse - cached:.3f} |")


if __name__ == "__main__":
    main()
