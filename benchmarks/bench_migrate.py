"""`migrate diff --from-migrations`, `migrate dev` and `plan --url` side by side with `validate` (issue 17).

    python benchmarks/bench_migrate.py                       # both parts, best of 5
    python benchmarks/bench_migrate.py --repeat 9 --baseline CHECKOUT
    python benchmarks/bench_migrate.py --only folders        # or: --only plan
    python benchmarks/bench_migrate.py --json --check        # exit 1 when a target is missed

Fresh processes, wall time, every command of a part taking turns with the others (so that the machine's load
falls on all of them alike), best of N; peak memory is each process's max RSS (wait4: the process and the
children it reaped, such as the shadow server's postmaster). ``--baseline CHECKOUT`` runs another checkout's
commands in the same run (e.g. ``git archive <commit> | tar -x -C DIR``), with this interpreter.

Part 1, migrations folders (target: `migrate diff --from-migrations` and `migrate dev` <= 10x `validate` of
the same schema):

* DSQL: epic-stack's schema history (tests/fixtures/histories/epic-stack, real versions of a public project)
  as a DSQL project has it: versions 01..12 planned one after the other with prisma-dsql (version 04 changes
  nothing and writes none), 11 migrations, 103 statements of which 39 ASYNC builds. `migrate diff
  --from-migrations F --to-schema 12.prisma --exit-code` (in sync: exit 0) and `migrate dev --name next
  13.prisma` (the project's next version: 10 statements written; a fresh copy of the folder each run).
  A real project's own Prisma migrations cannot be replayed on DSQL (they hold DO blocks, synchronous
  indexes), which is why the DSQL folder is planned by the tool itself from the project's real schemas.
* PostgreSQL (`--target postgres`): saas-starter-kit's 11 real Prisma migrations and its schema
  (tests/fixtures/folders/saas-starter-kit), diffed in sync (exit 0); `migrate dev` with one model added.

Part 2, planning against a database (target: `plan --url` and `migrate diff --from-url` <= 3x `validate`):
benchmarks/synth.py's schema (900 models, 991 tables with the m-n tables: DSQL's cluster holds 1,000; and 1,000
models, 1,101 tables, on `--target postgres`), its from-empty migration applied to an embedded PostgreSQL
started by this script (not timed); then `validate S`, `plan S --url URL` and `migrate diff --from-url URL
--to-schema S --exit-code`, all planning nothing (the database is what the schema says).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from measure import cpu_model, run  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
TARGET_FOLDER_RATIO = 10.0
TARGET_PLAN_RATIO = 3.0
EXTRA_MODEL = "\nmodel BenchNote {\n  id   Int    @id @default(autoincrement())\n  body String\n}\n"


def assemble_history(project: str, count: int, out: Path, target: str) -> tuple[Path, Path, Path]:
    """``count`` migrations planned by prisma-dsql through the project's schema history (versions that change
    nothing write none); returns (folder, schema of the last migration, the next version's schema)."""
    from prisma_dsql.capabilities import profile_for
    from prisma_dsql.catalog.model import Catalog
    from prisma_dsql.loader import load_text
    from prisma_dsql.migrations.evolve import plan_to_schema
    from prisma_dsql.migrations.fingerprint import render as fingerprint_line
    from prisma_dsql.migrations.folder import write_migration
    from prisma_dsql.migrations.generate import deploy_only_header
    from prisma_dsql.plan import PlanOptions
    from prisma_dsql.translate import from_schema

    profile = profile_for(target)
    versions = sorted((FIXTURES / "histories" / project).glob("*.prisma"))
    before, written, last = Catalog(), 0, None
    t0 = dt.datetime(2024, 1, 1)
    for version in versions:
        loaded = load_text(version.read_text(encoding="utf-8"), version.name)
        evo = plan_to_schema(before, loaded, profile, plan_options=PlanOptions(True, True))
        assert evo.ok, (version, evo.refusal)
        if not evo.plan.steps:
            continue
        if written == count:
            return out, last, version
        text = evo.plan.text()
        head = fingerprint_line(evo.plan.fingerprint) if evo.plan.fingerprint else ""
        write_migration(out, f"v{version.stem}", head + deploy_only_header(text, profile) + text,
                        initial=written == 0, now=t0 + dt.timedelta(days=written))
        written += 1
        before, last = from_schema(loaded.schema, profile), version
    raise SystemExit(f"{project}: fewer than {count + 1} versions that change the schema")


class Commands:
    """Commands timed side by side: name -> (argv maker, env, expected exit codes, fresh-folder maker)."""

    def __init__(self) -> None:
        self.items: dict[str, tuple] = {}

    def add(self, name: str, argv, env: dict, ok=(0,), prepare=None, cwd: Path | None = None) -> None:
        self.items[name] = (argv, env, ok, prepare, cwd)

    def once(self, name: str) -> tuple[float, float]:
        argv, env, ok, prepare, cwd = self.items[name]
        arg = prepare() if prepare is not None else None
        seconds, rss, code, out = run(argv(arg) if prepare is not None else argv, env, cwd)
        if code not in ok:
            raise SystemExit(f"{name}: exit {code} (expected {ok}):\n{out[-3000:]}")
        return seconds, rss

    def best(self, repeat: int) -> dict[str, tuple[float, float]]:
        for name in self.items:  # warm: bytecode compiled, files in the page cache, and the exit code checked
            self.once(name)
        best = {name: (float("inf"), 0.0) for name in self.items}
        for _ in range(repeat):
            for name in self.items:
                seconds, rss = self.once(name)
                if seconds < best[name][0]:
                    best[name] = (seconds, max(rss, best[name][1]))
                else:
                    best[name] = (best[name][0], max(rss, best[name][1]))
        return best


def _envs(baseline: Path | None) -> dict[str, tuple[list[str], dict, Path | None]]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    for name in ("DATABASE_URL", "DSQL_ENDPOINT"):
        env.pop(name, None)
    sides = {"": ([sys.executable, "-m", "prisma_dsql"], {**env, "PYTHONPATH": str(ROOT)}, None)}
    if baseline is not None:
        sides["before: "] = ([sys.executable, "-m", "prisma_dsql"], {**env, "PYTHONPATH": str(baseline.resolve())},
                             baseline.resolve())
    return sides


def in_child(*args: str) -> list[str]:
    """Run a setup step of this script in a process of its own, its output lines returned: a process started
    by one that loaded a large schema reports that process's memory as its own peak RSS (Linux keeps the
    high-water mark across fork and exec), so the timed commands are started by a process that loaded none."""
    proc = subprocess.run([sys.executable, __file__, "--setup", *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"setup {args} failed:\n{proc.stderr[-3000:]}")
    return proc.stdout.splitlines()


def folders_part(repeat: int, baseline: Path | None, work: Path) -> dict:
    dsql_dir, dsql_schema, dsql_next = map(Path, in_child("history", "epic-stack", "11",
                                                           str(work / "epic-stack" / "migrations"), "dsql"))
    saas = FIXTURES / "folders" / "saas-starter-kit"
    pg_dir = work / "saas" / "migrations"
    shutil.copytree(saas / "migrations", pg_dir)
    pg_schema = work / "saas" / "schema.prisma"
    shutil.copyfile(saas / "schema.prisma", pg_schema)
    pg_next = work / "saas" / "next.prisma"
    pg_next.write_text(pg_schema.read_text(encoding="utf-8") + EXTRA_MODEL, encoding="utf-8")
    cases = {"dsql": (dsql_dir, dsql_schema, dsql_next, [], ["--accept-data-loss"]),
             "postgres": (pg_dir, pg_schema, pg_next, ["--target", "postgres"], ["--target", "postgres"])}
    counter = iter(range(10**9))
    commands = Commands()
    for prefix, (cli, env, cwd) in _envs(baseline).items():
        for target, (folder, schema, nxt, flags, dev_flags) in cases.items():
            commands.add(f"{prefix}{target} validate", [*cli, "validate", *flags, str(schema)], env, (0,), cwd=cwd)
            commands.add(f"{prefix}{target} migrate diff --from-migrations",
                         [*cli, "migrate", "diff", "--from-migrations", str(folder), "--to-schema", str(schema),
                          "--exit-code", *flags], env, (0,), cwd=cwd)

            def fresh(folder=folder):
                copy = work / "dev" / f"m{next(counter)}"
                shutil.copytree(folder, copy)
                return copy

            def dev_argv(copy, cli=cli, nxt=nxt, dev_flags=dev_flags):
                return [*cli, "migrate", "dev", "--name", "next", str(nxt), "--migrations-dir", str(copy),
                        *dev_flags]

            commands.add(f"{prefix}{target} migrate dev", dev_argv, env, (0,), prepare=fresh, cwd=cwd)
    best = commands.best(repeat)
    rows = {}
    for prefix in _envs(baseline):
        for target in cases:
            v = best[f"{prefix}{target} validate"][0]
            d, drss = best[f"{prefix}{target} migrate diff --from-migrations"]
            m, mrss = best[f"{prefix}{target} migrate dev"]
            rows[f"{prefix}{target}"] = {
                "validate_s": round(v, 3), "diff_s": round(d, 3), "dev_s": round(m, 3),
                "diff_over_validate": round(d / v, 2), "dev_over_validate": round(m / v, 2),
                "validate_rss_mb": round(best[f"{prefix}{target} validate"][1], 1),
                "diff_rss_mb": round(drss, 1), "dev_rss_mb": round(mrss, 1)}
    return {"folders": {"dsql": "epic-stack history 01..12 (11 migrations), dev to 13",
                        "postgres": "saas-starter-kit (11 migrations), dev with one model added"},
            "rows": rows}


def _deploy(url: str, script: str, target: str) -> None:
    import psycopg

    if target == "dsql":
        from tests.support.dsql_emulation import apply_dsql_script

        apply_dsql_script(url, script, precheck=False)
    else:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(script)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def deploy_synthetic(schema: Path, models: int, url: str, target: str) -> int:
    """Write synth.py's schema of ``models`` models and apply its from-empty migration at ``url``; its tables."""
    import synth

    from prisma_dsql.capabilities import profile_for
    from prisma_dsql.loader import load
    from prisma_dsql.migrations.generate import generate_from_empty

    schema.write_text(synth.generate(models), encoding="utf-8")
    generated = generate_from_empty(load(schema), profile_for(target))
    assert generated.ok, generated.refusal
    _deploy(url, generated.script.text(), target)
    return len(generated.catalog.tables)


def plan_part(repeat: int, baseline: Path | None, work: Path, sizes: list[tuple[str, int]]) -> dict:
    from prisma_dsql.rehearsal.embedded import EmbeddedPostgres

    rows = {}
    with EmbeddedPostgres() as server:
        for target, models in sizes:
            project = work / f"plan-{target}-{models}"
            project.mkdir()
            schema = project / "schema.prisma"
            url = server.create_database(f"plan_{target}")
            tables = int(in_child("deploy", str(schema), str(models), url, target)[-1])
            flags = ["--target", "postgres"] if target == "postgres" else []
            commands = Commands()
            for prefix, (cli, env, cwd) in _envs(baseline).items():
                commands.add(f"{prefix}validate", [*cli, "validate", *flags, str(schema)], env, (0, 1), cwd=cwd)
                commands.add(f"{prefix}plan --url", [*cli, "plan", str(schema), "--url", url, *flags], env,
                             (0,), cwd=cwd)
                commands.add(f"{prefix}migrate diff --from-url",
                             [*cli, "migrate", "diff", "--from-url", url, "--to-schema", str(schema), "--exit-code",
                              *flags], env, (0,), cwd=cwd)
            best = commands.best(repeat)
            for prefix in _envs(baseline):
                v, vrss = best[f"{prefix}validate"]
                p, prss = best[f"{prefix}plan --url"]
                d, drss = best[f"{prefix}migrate diff --from-url"]
                rows[f"{prefix}{target} {models} models"] = {
                    "tables": tables, "validate_s": round(v, 3), "plan_s": round(p, 3),
                    "diff_s": round(d, 3), "plan_over_validate": round(p / v, 2),
                    "diff_over_validate": round(d / v, 2), "validate_rss_mb": round(vrss, 1),
                    "plan_rss_mb": round(prss, 1), "diff_rss_mb": round(drss, 1)}
            server.drop_database(url)
    return {"rows": rows}


def machine() -> dict:
    cpu = cpu_model()
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}", "load_average_at_start": os.getloadavg()}


def misses(result: dict) -> list[str]:
    out = []
    for name, row in result.get("folders", {}).get("rows", {}).items():
        if name.startswith("before"):
            continue
        for key in ("diff_over_validate", "dev_over_validate"):
            if row[key] > TARGET_FOLDER_RATIO:
                out.append(f"{name} {key} {row[key]}x > {TARGET_FOLDER_RATIO}x")
    for name, row in result.get("plan", {}).get("rows", {}).items():
        if name.startswith("before"):
            continue
        for key in ("plan_over_validate", "diff_over_validate"):
            if row[key] > TARGET_PLAN_RATIO:
                out.append(f"{name} {key} {row[key]}x > {TARGET_PLAN_RATIO}x")
    return out


def table(rows: dict) -> str:
    keys = list(next(iter(rows.values())))
    lines = ["| | " + " | ".join(keys) + " |", "|---|" + "---:|" * len(keys)]
    lines += [f"| {name} | " + " | ".join(str(v) for v in row.values()) + " |" for name, row in rows.items()]
    return "\n".join(lines)


def setup(args: list[str]) -> None:
    if args[0] == "history":
        print(*assemble_history(args[1], int(args[2]), Path(args[3]), args[4]), sep="\n")
    elif args[0] == "deploy":
        print(deploy_synthetic(Path(args[1]), int(args[2]), args[3], args[4]))


def main() -> None:
    if sys.argv[1:2] == ["--setup"]:
        return setup(sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--baseline", type=Path, metavar="CHECKOUT", help="another checkout timed in the same run")
    ap.add_argument("--only", choices=("folders", "plan"))
    ap.add_argument("--models", type=int, default=900, help="models of the DSQL planning schema (900: 991 tables)")
    ap.add_argument("--postgres-models", type=int, default=1000, help="models of the --target postgres one")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    result: dict = {"machine": machine(), "repeat": args.repeat}
    with tempfile.TemporaryDirectory(prefix="bench-migrate-") as tmp:
        work = Path(tmp)
        if args.only in (None, "folders"):
            result["folders"] = folders_part(args.repeat, args.baseline, work)
        if args.only in (None, "plan"):
            sizes = [("dsql", args.models)] + ([("postgres", args.postgres_models)] if args.postgres_models else [])
            result["plan"] = plan_part(args.repeat, args.baseline, work, sizes)
    result["machine"]["load_average_at_end"] = os.getloadavg()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"machine: {result['machine']}; best of {args.repeat}")
        for part in ("folders", "plan"):
            if part in result:
                print(f"\n{part}:\n" + table(result[part]["rows"]))
    missed = misses(result)
    for m in missed:
        print(f"missed: {m}", file=sys.stderr)
    if args.check and missed:
        sys.exit(1)


if __name__ == "__main__":
    main()
