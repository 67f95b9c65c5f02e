"""Secret masking on long lines: `redact()` must stay linear whatever the text.

    python benchmarks/bench_redact.py [--check]

Each input is built at two sizes, 10x apart; linear code takes ~10x as long on the larger
one (quadratic code ~100x). `--check` exits 1 when any ratio exceeds 20x or any run on the
large size takes more than 1 s (CPU time, best of 3).
"""

from __future__ import annotations

import argparse
import sys
import time

from prisma_dsql.redact import redact

CASES = {
    "default string of letters": lambda n: '  a String @default("' + "a" * n + '") // a = b: c',
    "repeated ' @unique'": lambda n: "  a String" + " @unique" * (n // 8) + " // a = b: c",
    "comment of words": lambda n: "// " + "word " * (n // 5),
    "'a://' repeated": lambda n: "a://" * (n // 4),
    "'a://b:' repeated, one '@'": lambda n: "a://b:" * (n // 6) + "@h",
    "'password=' repeated": lambda n: "password=" * (n // 9),
    "'x@' repeated after a scheme": lambda n: "postgresql://u:" + "x@" * (n // 2),
    "quoted value never closed": lambda n: "password='" + "a" * n,
    "'.on.aws/?Action=DbConnect' repeated": lambda n: ".on.aws/?Action=DbConnect" * (n // 25),
}


def cpu(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--small", type=int, default=100_000)
    args = ap.parse_args()
    small, large = args.small, args.small * 10
    failed = False
    print(f"| input | {small:,} chars (s) | {large:,} chars (s) | ratio |")
    print("|---|---:|---:|---:|")
    for name, make in CASES.items():
        a, b = make(small), make(large)
        ta = cpu(lambda: redact(a))
        tb = cpu(lambda: redact(b))
        ratio = tb / ta if ta > 0 else float("nan")
        print(f"| {name} | {ta:.4f} | {tb:.4f} | {ratio:.1f}x |")
        if tb > 1.0 or (ta > 0.002 and ratio > 20):
            failed = True
    if args.check and failed:
        print("FAILED: not linear", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
