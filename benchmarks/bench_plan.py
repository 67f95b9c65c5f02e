"""Introspect + diff + plan on a database of N models, and `migrate diff --from-url` against `validate`.

    python benchmarks/bench_plan.py                 # 900 models: ~1000 tables with the m-n tables (DSQL's limit)
    python benchmarks/bench_plan.py --models 200    # another size
    python benchmarks/bench_plan.py --json          # machine-readable
    python benchmarks/bench_plan.py --check         # exit 1 when a target is missed

The schema is benchmarks/synth.py's (each model ~12 columns, a unique and one or two indexes, a foreign
key to the previous model, an enum domain per ten models). Its DSQL from-empty migration is applied to
the embedded PostgreSQL the tests use (or $PRISMA_DSQL_TEST_DATABASE_URL), then:

- in process: `introspect_database` over a fresh connection, then the stored form, diff and plan
  against the schema's catalog (`plan_between_catalogs`): wall time (best of N) of each part and of
  both, server round trips, Python's peak allocations (tracemalloc, separate run) and the process's
  peak RSS; also `plan_to_schema` from the loaded schema, which adds the schema's checks and its
  translation to the catalog (what `validate` does too);
- as a user runs it: `prisma-dsql migrate diff --from-url URL --to-schema S --exit-code` and
  `prisma-dsql validate S`, each best of N, in the same run: reading the database and diffing may add
  at most as much time as parsing the schema does (diff within 2x validate).

Targets (issue 7): introspect + diff + plan < 1.5 s, <= 10 round trips, < 200 MB; diff <= 2x validate.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import psycopg  # noqa: E402
import synth  # noqa: E402

from prisma_dsql.capabilities import dsql_profile  # noqa: E402
from prisma_dsql.introspect import introspect_database  # noqa: E402
from prisma_dsql.loader import load  # noqa: E402
from prisma_dsql.migrations.evolve import plan_between_catalogs, plan_to_schema  # noqa: E402
from prisma_dsql.migrations.generate import generate_from_empty  # noqa: E402
from prisma_dsql.translate import from_schema  # noqa: E402
from tests.support.dsql_emulation import apply_dsql_script  # noqa: E402
from tests.support.postgres import start_server  # noqa: E402

TARGET_SECONDS = 1.5
TARGET_ROUND_TRIPS = 10
TARGET_MB = 200
TARGET_RATIO = 2.0


def best(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def cli_seconds(args: list[str], repeat: int) -> float:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    env.pop("DATABASE_URL", None)

    def once():
        proc = subprocess.run([sys.executable, "-m", "prisma_dsql", *args], capture_output=True, text=True, env=env)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{args[0]} exited {proc.returncode}: {proc.stderr[-2000:]}")
        return proc

    return best(once, repeat)[0]


def run(models: int, repeat: int) -> dict:
    server = start_server()
    name, url = server.create_database(prefix="bench_plan")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            schema = Path(tmp) / "schema.prisma"
            schema.write_text(synth.generate(models))
            profile = dsql_profile()
            loaded = load(schema)
            generated = generate_from_empty(loaded, profile)
            assert generated.ok, generated.refusal
            apply_dsql_script(url, generated.script.text(), precheck=False)
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("ANALYZE")

            desired = from_schema(loaded.schema, profile)

            def introspect_and_plan():
                with psycopg.connect(url, autocommit=True) as conn:
                    read = introspect_database(conn, profile=profile)
                evo = plan_between_catalogs(read.catalog, desired, profile, row_estimates=read.row_estimates)
                return read, evo

            seconds, (read, evo) = best(introspect_and_plan, repeat)
            assert evo.ok and not evo.plan.steps, evo.plan.text()[:2000] if evo.ok else evo.refusal

            def read_only():
                with psycopg.connect(url, autocommit=True) as conn:
                    return introspect_database(conn, profile=profile)

            t_read, _ = best(read_only, repeat)
            t_diff, _ = best(lambda: plan_between_catalogs(read.catalog, desired, profile), repeat)
            # What validate does too (and `migrate diff --to-schema` on top): the schema's checks and catalog.
            t_schema, evo2 = best(lambda: plan_to_schema(read.catalog, loaded, profile), repeat)
            assert evo2.ok and not evo2.plan.steps
            tracemalloc.start()
            introspect_and_plan()
            peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            diff_s = cli_seconds(["migrate", "diff", "--from-url", url, "--to-schema", str(schema), "--exit-code"],
                                 repeat)
            validate_s = cli_seconds(["validate", str(schema)], repeat)
        tables = len(read.catalog.tables)
        return {
            "models": models, "tables": tables,
            "columns": sum(len(t.columns) for t in read.catalog.tables),
            "indexes": sum(len(t.indexes) for t in read.catalog.tables),
            "introspect_s": round(t_read, 3), "diff_plan_s": round(t_diff, 3),
            "introspect_diff_plan_s": round(seconds, 3), "schema_checks_diff_plan_s": round(t_schema, 3),
            "round_trips": read.round_trips, "python_peak_mb": round(peak_mb, 1), "rss_mb": round(rss_mb, 1),
            "cli_migrate_diff_from_url_s": round(diff_s, 3), "cli_validate_s": round(validate_s, 3),
            "diff_over_validate": round(diff_s / validate_s, 2),
        }
    finally:
        server.drop_database(name)
        server.stop()


def misses(row: dict) -> list[str]:
    out = []
    if row["introspect_diff_plan_s"] >= TARGET_SECONDS:
        out.append(f"introspect+diff+plan {row['introspect_diff_plan_s']} s >= {TARGET_SECONDS} s")
    if row["round_trips"] > TARGET_ROUND_TRIPS:
        out.append(f"{row['round_trips']} round trips > {TARGET_ROUND_TRIPS}")
    if row["rss_mb"] >= TARGET_MB:
        out.append(f"peak RSS {row['rss_mb']} MB >= {TARGET_MB} MB")
    if row["diff_over_validate"] > TARGET_RATIO:
        out.append(f"migrate diff is {row['diff_over_validate']}x validate > {TARGET_RATIO}x")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", type=int, default=900)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    row = run(args.models, args.repeat)
    if args.json:
        print(json.dumps(row, indent=2))
    else:
        print("| " + " | ".join(row) + " |")
        print("|" + "---|" * len(row))
        print("| " + " | ".join(str(v) for v in row.values()) + " |")
    missed = misses(row)
    for m in missed:
        print(f"missed: {m}", file=sys.stderr)
    if args.check and missed:
        sys.exit(1)


if __name__ == "__main__":
    main()
