"""The statement tokenizer on hostile sizes: a 50 MB migration.sql holding one string literal (issue 14 found
6.4 GB and 16 s), one of 25 million lines, one E'' literal of 25 million backslash pairs, and a tenth of that
size in ~80,000 short statements with directives. Reads the folder as deploy does (split, directives, analysed steps).

    python benchmarks/bench_split.py [--mb 50] [--check]

Prints wall time and the peak resident memory of a fresh process per case. `--check` exits 1 when a one-literal
case takes more than 5 s, the many-statements case more than 0.2 ms a statement, or any case more than 12x the
file's size in memory.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CASE = r"""
import json, resource, sys, time
from pathlib import Path
from prisma_dsql.deploy.folder import read_folder
t = time.perf_counter()
folder = read_folder(Path(sys.argv[1]))
steps = folder.migrations[0].steps()
print(json.dumps({"seconds": time.perf_counter() - t, "steps": len(steps),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def body(kind: str, size: int) -> str:
    if kind == "one literal":
        return "INSERT INTO t VALUES ('" + "x" * size + "');\n"
    if kind == "one literal of newlines":
        return "INSERT INTO t VALUES ('" + "a\n" * (size // 2) + "');\n"
    if kind == "E'' of backslashes":
        return "INSERT INTO t VALUES (E'" + "\\\\" * (size // 2) + "');\n"
    stmt = 'ALTER TABLE "T" ADD COLUMN "c{}" TEXT;\n-- prisma-dsql:wait-for-jobs\nUPDATE "T" SET "x" = 1;\n'
    return "".join(stmt.format(i) for i in range(size // 10 // len(stmt)))  # a tenth: ~80,000 statements


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    size = args.mb * 1024 * 1024
    failed = False
    baseline = json.loads(subprocess.run([sys.executable, "-c", "import json, resource; print(json.dumps("
                                          "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))"],
                                         capture_output=True, text=True, check=True).stdout)
    print(f"bare interpreter: {baseline:.0f} MB")
    for kind in ("one literal", "one literal of newlines", "E'' of backslashes", "many statements"):
        with tempfile.TemporaryDirectory() as tmp:
            m = Path(tmp) / "migrations" / "20260101000000_big"
            m.mkdir(parents=True)
            text = "CREATE TABLE t (a text);\n" + body(kind, size)
            (m / "migration.sql").write_text(text)
            out = subprocess.run([sys.executable, "-c", CASE, str(m.parent)], capture_output=True, text=True)
            if out.returncode:
                print(f"{kind}: failed: {out.stderr.strip().splitlines()[-1]}")
                failed = True
                continue
            r = json.loads(out.stdout)
            mb = len(text.encode()) / 1024 / 1024
            print(f"{kind:28s} {mb:6.1f} MB file: {r['seconds']:6.2f} s, peak {r['peak_mb']:6.0f} MB, "
                  f"{r['steps']} steps")
            limit = 0.0002 * r["steps"] if kind == "many statements" else 5
            if r["seconds"] > limit or r["peak_mb"] > 12 * mb + baseline:
                failed = True
    return 1 if (failed and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
