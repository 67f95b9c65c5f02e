"""The precondition deriver deploy runs before each migration (issue 14): time per statement over a large
synthetic migration of the statements it reads (new columns, unique index builds, NOT VALID checks and their
validations, backfills), and the hostile sizes (a 0.9 MB UPDATE literal, 200,000 unterminated comments).

    python benchmarks/bench_preconditions.py [--statements 8000] [--check]

`--check` exits 1 when the deriver takes more than 0.2 ms a statement (the statement tokenizer's own target,
benchmarks/bench_split.py) or a hostile statement more than 1 s.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

from prisma_dsql.deploy.preconditions import derive


@dataclass(frozen=True)
class St:
    text: str
    line: int = 1


def migration(n: int) -> list[St]:
    out = []
    for i in range(n // 5):
        t = f'"T{i % 50}"'
        out += [St(f'ALTER TABLE {t} ADD COLUMN "c{i}" TEXT'),
                St(f'UPDATE {t} SET "c{i}" = \'x\' WHERE ("id") IN (SELECT "id" FROM {t} WHERE "c{i}" IS NULL '
                   'ORDER BY "id" LIMIT 1500)'),
                St(f'CREATE UNIQUE INDEX ASYNC "k{i}" ON {t} ("a{i}", "b{i}")'),
                St(f'ALTER TABLE {t} ADD CONSTRAINT "ck{i}" CHECK ("r{i}" IN (\'A\', \'B\', \'C\')) NOT VALID'),
                St(f'ALTER TABLE ASYNC {t} VALIDATE CONSTRAINT "ck{i}"')]
    return out


def timed(statements: list[St]) -> tuple[float, int]:
    t = time.perf_counter()
    checks = derive(statements)
    return time.perf_counter() - t, len(checks)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--statements", type=int, default=8000)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    derive([St('CREATE UNIQUE INDEX "w" ON "W" ("a")')])  # imports and the target, outside the timing
    seconds, checks = timed(migration(args.statements))
    per = seconds / args.statements * 1000
    print(f"{args.statements} statements, {checks} checks: {seconds:.2f} s ({per:.3f} ms a statement)")
    failed = per > 0.2
    for name, text in [("0.9 MB UPDATE literal", "UPDATE t SET a = '" + "x" * 900_000 + "'"),
                       ("200,000 unterminated comments", 'CREATE UNIQUE INDEX "k" ON "T" ("a") ' + "/*" * 200_000)]:
        s, _ = timed([St(text)])
        print(f"{name}: {s:.3f} s")
        failed |= s > 1.0
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
