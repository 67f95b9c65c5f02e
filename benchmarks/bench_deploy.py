"""Deploy speed: a from-empty migration of the 200-model synthetic schema applied through the DSQL emulation.

    python benchmarks/bench_deploy.py                 # Markdown table
    python benchmarks/bench_deploy.py --scale 0.01 --models 200 --json

The migration is what `prisma-dsql migrate --from-empty --script` writes for benchmarks/synth.py's schema
(every index a CREATE INDEX ASYNC). Each async job takes a duration drawn uniformly from DSQL's 5-30 s,
multiplied by --scale (default 0.01: 0.05-0.3 s), in the rehearsal's detached worker. In the same run:

* ``engine (--max-jobs 64)``: prisma-dsql's deploy with its default cap;
* ``engine (no cap)``: the same with --max-jobs 10000;
* ``wait after each``: the same engine made to wait for every job before the next statement (a
  ``-- prisma-dsql:wait-for-jobs`` directive after each CREATE INDEX ASYNC), the way Flyway's DSQL support
  waits when waiting is on.

Reported: wall time of the whole deploy, the sum of the jobs' drawn durations (what waiting after each
costs at least), the slowest job, and statements. Target (issue 8): total time about that of the slowest few
builds, not their sum. Each strategy runs in a fresh database of one embedded PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import generate

ROOT = Path(__file__).resolve().parents[1]
LOCK = 'provider = "postgresql"\n'


def migration_sql(models: int, workdir: Path) -> str:
    schema = workdir / "schema.prisma"
    schema.write_text(generate(models))
    r = subprocess.run([sys.executable, "-m", "prisma_dsql", "migrate", "--from-empty", str(schema), "--script"],
                       capture_output=True, text=True, cwd=ROOT, check=False)
    if r.returncode != 0:
        raise SystemExit(f"migrate --from-empty failed: {r.stderr}")
    return r.stdout


def wait_after_each(sql: str) -> str:
    """The same script with a wait for all jobs before every statement that follows an async one."""
    from prisma_dsql.sql.split import split_sql

    out, after_async = [], False
    for st in split_sql(sql):
        if after_async:
            out.append("-- prisma-dsql:wait-for-jobs")
        out.append(st.text + ";")
        after_async = " ASYNC " in f" {st.text.upper()} "
    return "\n".join(out) + "\n"


def folder_with(workdir: Path, name: str, sql: str) -> Path:
    folder = workdir / name
    (folder / "20260101000000_init").mkdir(parents=True)
    (folder / "migration_lock.toml").write_text(LOCK)
    (folder / "20260101000000_init" / "migration.sql").write_text(sql)
    return folder


def run(pg, folder: Path, max_jobs: int, scale: float, seed: int) -> dict:
    from prisma_dsql.connect import Connector, resolve_spec
    from prisma_dsql.deploy.engine import DeployOptions, deploy
    from prisma_dsql.deploy.folder import read_folder
    from prisma_dsql.deploy.rehearse import emulator_factory
    from prisma_dsql.rehearsal import emulator

    url = pg.create_database("bench")
    emulator.install(url)
    options = emulator.EmulationOptions(job_seconds=(5 * scale, 30 * scale), seed=seed)
    steps = read_folder(folder).migrations[0].steps()
    t0 = time.perf_counter()
    with Connector(resolve_spec(url=url, env={}), factory=emulator_factory(url, options)) as c:
        summary = deploy(c, folder, DeployOptions(max_jobs=max_jobs))
        wall = time.perf_counter() - t0
        conn = c.connection()
        durations = [r[0] for r in conn.execute("SELECT duration_seconds FROM sys.emulated_job_runs").fetchall()]
    pg.drop_database(url)
    return {"statements": len(steps), "async_jobs": summary.jobs, "wall_s": round(wall, 2),
            "job_sum_s": round(sum(durations), 2), "slowest_job_s": round(max(durations, default=0), 3),
            "waits": summary.waits, "wait_s": round(summary.wait_seconds, 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", type=int, default=200)
    ap.add_argument("--scale", type=float, default=0.01, help="job duration factor on DSQL's 5-30 s")
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--skip-each", action="store_true", help="leave out the (slow) wait-after-each run")
    args = ap.parse_args()

    from prisma_dsql.rehearsal.embedded import start_embedded

    workdir = Path(tempfile.mkdtemp(prefix="bench-deploy-"))
    sql = migration_sql(args.models, workdir)
    plain = folder_with(workdir, "engine", sql)
    rows = []
    with start_embedded() as pg:
        rows.append(("engine (--max-jobs 64)", run(pg, plain, 64, args.scale, args.seed)))
        rows.append(("engine (no cap)", run(pg, plain, 10_000, args.scale, args.seed)))
        if not args.skip_each:
            each = folder_with(workdir, "each", wait_after_each(sql))
            rows.append(("wait after each", run(pg, each, 10_000, args.scale, args.seed)))
    if args.json:
        print(json.dumps({"models": args.models, "scale": args.scale, "runs": dict(rows)}, indent=2))
        return
    print(f"{args.models} models, job durations 5-30 s x {args.scale}")
    print("| strategy | statements | async jobs | wall (s) | sum of jobs (s) | slowest job (s) | waits | waiting (s) "
          "| wall / sum |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in rows:
        ratio = r["wall_s"] / r["job_sum_s"] if r["job_sum_s"] else 0
        print(f"| {name} | {r['statements']} | {r['async_jobs']} | {r['wall_s']:.2f} | {r['job_sum_s']:.2f} | "
              f"{r['slowest_job_s']:.3f} | {r['waits']} | {r['wait_s']:.2f} | {ratio:.3f} |")


if __name__ == "__main__":
    main()
