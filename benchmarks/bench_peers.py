"""`prisma-dsql validate` side by side with its peers, in one run on one machine (issue 17).

    python benchmarks/bench_peers.py                  # 200 and 1000 models, best of 5, Markdown
    python benchmarks/bench_peers.py --repeat 9 --json
    python benchmarks/bench_peers.py --check          # exit 1 when a target is missed

Peers, run when `node` and `npm` are on PATH (else the script says so and times prisma-dsql alone):
- Prisma's own validator: `@prisma/prisma-schema-wasm` under node (`validate()` then `lint()`, what
  `prisma validate` runs), against `prisma-dsql validate --target postgres` (Prisma's checks only);
- AWS's `@aws/aurora-dsql-prisma-tools` (`aurora-dsql-prisma validate`: `npx prisma migrate diff
  --from-empty --to-schema ... --script`, then dsql-lint on that SQL), against `prisma-dsql validate`.
  Its npm dependency `@aws/dsql-lint` is not on the npm registry, so the package is unpacked from
  `npm pack` and pointed at the dsql-lint of PyPI (a test extra) through `DSQL_LINT_PATH`, the
  variable it reads. Prisma's CLI downloads its schema engine on first use; where it cannot (no
  access to Prisma's binary host), the tool is run with `npx` on its PATH standing in for that first
  step: a script that prints the same SQL from Prisma's own schema engine compiled to wasm
  (`@prisma/schema-engine-wasm`, through tests/oracle/diff.mjs, whose output is byte-identical to
  `prisma migrate diff --from-empty --script`). That skips npx's package resolution and the start of
  Prisma's CLI, so the time measured is a LOWER BOUND of AWS's tool, reported as
  "aurora-dsql-prisma validate (lower bound)": a ratio that meets its target against the lower bound
  meets it against the real tool.

The peers are installed once into benchmarks/out/peers/ (gitignored). Every command is a fresh
process, timed as wall-clock time; the commands take turns (round-robin) so that load from other
work on the machine falls on all of them alike, and the best of `--repeat` runs counts. Peak memory
is each process's maximum resident set (wait4). Ratios are prisma-dsql / peer.

Targets (issue 17): validate --target postgres <= 1.0x Prisma's wasm validator at 1000 models and
<= 0.8x at 200; validate (DSQL rules) <= 0.2x AWS's tool at 200 and <= 0.33x at 1000; prisma-dsql's
peak memory at 1000 models <= 70 MiB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORACLE = HERE.parent / "tests" / "oracle"  # Prisma's wasm engines, pinned (tests/oracle/package.json)
sys.path.insert(0, str(HERE))
from measure import cpu_model, run  # noqa: E402
from synth import generate  # noqa: E402

OUT = HERE / "out" / "peers"
WASM_VERSION = "8.1.0-2.59be4fda12412a79eeb9c2ae727b6aa723593323"  # as tests/oracle/package.json
PRISMA_VERSION = "7.10.1"
AWS_PACKAGE = "@aws/aurora-dsql-prisma-tools"
AWS_VERSION = "0.1.3"
TARGETS = {  # (measure, models) -> the most prisma-dsql / peer may be
    ("postgres_vs_wasm", 1000): 1.0,
    ("postgres_vs_wasm", 200): 0.8,
    ("dsql_vs_aws", 200): 0.2,
    ("dsql_vs_aws", 1000): 0.33,
}
MAX_RSS_MIB_1000 = 70.0

WASM_SCRIPT = """\
// Prisma's own validator, as `prisma validate` runs it: validate(), then lint() for warnings.
const fs = require('fs');
const wasm = require('@prisma/prisma-schema-wasm');
const file = process.argv[2];
const prismaSchema = [[file, fs.readFileSync(file, 'utf8')]];
let ok = true;
try { wasm.validate(JSON.stringify({ prismaSchema, noColor: true })); } catch (e) { ok = false; }
const diagnostics = JSON.parse(wasm.lint(JSON.stringify(prismaSchema)));
process.stdout.write(`${ok ? 'valid' : 'invalid'}: ${diagnostics.length} diagnostics\\n`);
"""


def find_tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def npm(args: list[str], cwd: Path) -> None:
    env = {**os.environ, "npm_config_update_notifier": "false", "npm_config_fund": "false",
           "npm_config_audit": "false"}
    subprocess.run([find_tool("npm") or "npm", *args, "--loglevel=error"], cwd=cwd, env=env, check=True,
                   stdout=subprocess.DEVNULL, timeout=900)


def install_peers() -> None:
    """Prisma's wasm validator, Prisma's CLI (which AWS's tool runs) and AWS's tool, into OUT."""
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "wasm_validate.cjs").write_text(WASM_SCRIPT)
    wasm = OUT / "node_modules" / "@prisma" / "prisma-schema-wasm"
    cli = OUT / "node_modules" / "prisma"
    if not wasm.is_dir() or not cli.is_dir():
        (OUT / "package.json").write_text(json.dumps({"name": "prisma-dsql-bench-peers", "private": True}))
        # --ignore-scripts: @prisma/engines' postinstall downloads native engines (Prisma's CLI tries
        # again on first use; see the module docstring).
        npm(["install", "--ignore-scripts", "--no-save", f"@prisma/prisma-schema-wasm@{WASM_VERSION}",
             f"prisma@{PRISMA_VERSION}"], OUT)
    aws = OUT / "node_modules" / AWS_PACKAGE
    if not (aws / "dist" / "cli" / "index.js").is_file():
        npm(["pack", f"{AWS_PACKAGE}@{AWS_VERSION}"], OUT)
        tgz = OUT / f"aws-aurora-dsql-prisma-tools-{AWS_VERSION}.tgz"
        aws.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tgz) as tar:
            for member in tar.getmembers():
                if member.isfile() and member.name.startswith("package/"):
                    target = aws / member.name[len("package/"):]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(tar.extractfile(member).read())
        tgz.unlink()


NPX_SHIM = """\
#!/bin/sh
# Stands in for `npx prisma migrate diff --from-empty --to-schema FILE --script` (AWS's tool's first
# step) where Prisma's CLI cannot download its native schema engine. Written by benchmarks/bench_peers.py.
# Prisma's CLI is really started through npx (`npx prisma --help`: the same bundle that `migrate diff`
# loads, which then does more), and the engine's work costs nothing: the SQL it prints was made before the
# timing, by Prisma's schema engine compiled to wasm (tests/oracle/diff.mjs; byte-identical to the CLI's).
schema=""
for arg in "$@"; do
  if [ "$prev" = "--to-schema" ]; then schema="$arg"; fi
  prev="$arg"
done
{npx} prisma --help >/dev/null 2>&1
exec cat "$schema.sql"
"""


def npx_shim(schemas: list[Path]) -> Path | None:
    """A folder holding the `npx` stand-in, with each schema's SQL beside it (`<schema>.sql`); None when
    Prisma's wasm schema engine is not installed or fails."""
    real_npx = find_tool("npx")
    if real_npx is None:
        return None
    if not (ORACLE / "node_modules" / "@prisma" / "schema-engine-wasm").is_dir():
        try:
            npm(["ci", "--ignore-scripts"], ORACLE)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError):
            return None
    for schema in schemas:
        made = subprocess.run(["node", str(ORACLE / "diff.mjs"), str(schema)], capture_output=True, check=False)
        if made.returncode != 0:
            return None
        Path(f"{schema}.sql").write_bytes(made.stdout)
    shim = OUT / "npx-shim"
    shim.mkdir(parents=True, exist_ok=True)
    npx = shim / "npx"
    npx.write_text(NPX_SHIM.format(npx=real_npx))
    npx.chmod(0o755)
    return shim


def machine() -> dict:
    cpu = cpu_model()
    node = find_tool("node")
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "node": subprocess.run([node, "--version"], capture_output=True, text=True,
                               check=False).stdout.strip() if node else None,
        "load_average_at_start": os.getloadavg(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=int, nargs="+", default=[200, 1000])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--baseline", type=Path, metavar="CHECKOUT",
                    help="also time `validate` of another checkout of prisma-dsql (e.g. before a change), in the same run")
    args = ap.parse_args()

    info = machine()
    notes: list[str] = []
    ours = [find_tool("prisma-dsql")] if find_tool("prisma-dsql") else [sys.executable, "-m", "prisma_dsql"]
    env = {**os.environ, "NO_COLOR": "1"}

    have_node = find_tool("node") is not None and find_tool("npm") is not None
    aws_ok = wasm_ok = aws_lower_bound = False
    if not have_node:
        notes.append("node and npm not found on PATH: the peers were not run (prisma-dsql alone below)")
    else:
        try:
            install_peers()
            wasm_ok = True
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            notes.append(f"the peers could not be installed from npm ({exc}): not run")

    OUT.mkdir(parents=True, exist_ok=True)
    schemas = {}
    for n in args.models:
        schemas[n] = OUT / f"synth{n}.prisma"
        schemas[n].write_text(generate(n))

    dsql_lint = find_tool("dsql-lint")
    aws_env = {**env, "DSQL_LINT_PATH": dsql_lint or ""}
    aws_cmd = ["node", str(OUT / "node_modules" / AWS_PACKAGE / "dist" / "cli" / "index.js"), "validate"]
    if wasm_ok:
        if dsql_lint is None:
            notes.append("AWS's tool not run: it needs dsql-lint (pip install dsql-lint, a test extra)")
        else:
            _, _, _, out = run([*aws_cmd, str(schemas[min(args.models)])], env=aws_env, cwd=OUT)
            if "Failed to generate SQL" in out or "DSQL-compatible" not in out and "Validation" not in out:
                probe = run(["node", str(OUT / "node_modules" / "prisma" / "build" / "index.js"), "migrate", "diff",
                             "--from-empty", "--to-schema", str(schemas[min(args.models)]), "--script"], env=env,
                            cwd=OUT)[3]
                reason = probe.strip().splitlines()[-1] if probe.strip() else out.strip()[-200:]
                shim = npx_shim(list(schemas.values()))
                if shim is None:
                    notes.append(f"AWS's tool not run: its first step, Prisma's `migrate diff`, fails here "
                                 f"({reason[:240]}), and Prisma's wasm schema engine could not stand in")
                else:
                    aws_env = {**aws_env, "PATH": f"{shim}{os.pathsep}{aws_env.get('PATH', '')}"}
                    out = run([*aws_cmd, str(schemas[min(args.models)])], env=aws_env, cwd=OUT)[3]
                    # "Validating <file>..." opens a report with findings (node may cut a piped stdout
                    # short at exit, so the closing line is not looked for).
                    if "DSQL-compatible" in out or "Validating " in out:
                        aws_ok = aws_lower_bound = True
                        notes.append(f"Prisma's CLI cannot fetch its schema engine here ({reason[:120]}): AWS's "
                                     f"tool ran with npx starting Prisma's CLI (`prisma --help`) and printing the "
                                     f"engine's SQL made beforehand, so its times are a lower bound")
                    else:
                        notes.append(f"AWS's tool not run: {out.strip()[-240:]}")
            else:
                aws_ok = True

    aws_name = "aurora-dsql-prisma validate" + (" (lower bound)" if aws_lower_bound else "")
    commands: dict[tuple[str, int], tuple[list[str], dict, Path | None]] = {}
    for n, path in schemas.items():
        commands[("prisma-dsql validate", n)] = ([*ours, "validate", str(path)], env, None)
        commands[("prisma-dsql validate --target postgres", n)] = ([*ours, "validate", "--target", "postgres",
                                                                    str(path)], env, None)
        if args.baseline:
            base_env = {**env, "PYTHONPATH": str(args.baseline.resolve())}
            commands[("baseline validate", n)] = ([sys.executable, "-m", "prisma_dsql", "validate", str(path)],
                                                  base_env, args.baseline)
            commands[("baseline validate --target postgres", n)] = (
                [sys.executable, "-m", "prisma_dsql", "validate", "--target", "postgres", str(path)], base_env,
                args.baseline)
        if wasm_ok:
            commands[("prisma-schema-wasm", n)] = (["node", str(OUT / "wasm_validate.cjs"), str(path)], env, OUT)
        if aws_ok:
            commands[(aws_name, n)] = ([*aws_cmd, str(path)], aws_env, OUT)
    for key, (cmd, cmd_env, cwd) in list(commands.items()):  # warm: bytecode compiled, files in the page cache
        out = run(cmd, cmd_env, cwd)[3]
        if key[0] == aws_name and "Failed to generate SQL" in out:
            # AWS's tool reads Prisma's SQL through execSync, whose buffer holds 1 MiB: a larger schema's SQL
            # (the same bytes from Prisma's CLI) ends it with this error, so it has no verdict to time.
            sql = Path(f"{schemas[key[1]]}.sql")
            size = f" ({sql.stat().st_size:,} bytes of SQL)" if sql.is_file() else ""
            notes.append(f"AWS's tool gives no verdict at {key[1]} models: \"Failed to generate SQL from schema\""
                         f"{size}; its execSync of `npx prisma migrate diff` reads at most 1 MiB")
            del commands[key]
    best: dict = {key: (float("inf"), 0.0) for key in commands}
    for _ in range(args.repeat):
        for key, (cmd, cmd_env, cwd) in commands.items():
            seconds, rss, _, _ = run(cmd, cmd_env, cwd)
            if seconds < best[key][0]:
                best[key] = (seconds, rss)
    info["load_average_at_end"] = os.getloadavg()

    results = {"machine": info, "notes": notes, "repeat": args.repeat, "runs": [], "ratios": []}
    for (name, n), (seconds, rss) in best.items():
        results["runs"].append({"command": name, "models": n, "wall_s": round(seconds, 3), "max_rss_mib": round(rss, 1)})
    failed = []
    for n in args.models:
        pairs = (("postgres_vs_wasm", "prisma-dsql validate --target postgres", "prisma-schema-wasm"),
                 ("dsql_vs_aws", "prisma-dsql validate", aws_name),
                 ("baseline_postgres_vs_wasm", "baseline validate --target postgres", "prisma-schema-wasm"),
                 ("dsql_vs_baseline", "prisma-dsql validate", "baseline validate"),
                 ("postgres_vs_baseline", "prisma-dsql validate --target postgres", "baseline validate --target postgres"))
        for measure, mine, peer in pairs:
            if (peer, n) not in best or (mine, n) not in best:
                continue
            ratio = best[(mine, n)][0] / best[(peer, n)][0]
            target = TARGETS.get((measure, n))
            met = target is None or ratio <= target
            failed += [] if met else [f"{measure} at {n}: {ratio:.2f}x > {target}x"]
            results["ratios"].append({"measure": measure, "models": n, "ratio": round(ratio, 3), "target": target,
                                      "met": met})
    if 1000 in args.models:
        rss = max(best[("prisma-dsql validate", 1000)][1], best[("prisma-dsql validate --target postgres", 1000)][1])
        results["max_rss_mib_1000"] = round(rss, 1)
        if rss > MAX_RSS_MIB_1000:
            failed.append(f"peak memory at 1000 models: {rss:.1f} MiB > {MAX_RSS_MIB_1000}")
    (OUT / "results.json").write_text(json.dumps(results, indent=2) + "\n")

    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"Machine: {info['cpu']}, {info['cores']} cores, {info['os']}, Python {info['python']}, "
              f"node {info['node']}; load average {info['load_average_at_start'][0]:.1f} at start, "
              f"{info['load_average_at_end'][0]:.1f} at end; {info['date']}; best of {args.repeat}")
        for note in notes:
            print(f"Note: {note}")
        print()
        print("| command | models | wall (s) | max RSS (MiB) |")
        print("|---|---:|---:|---:|")
        for run_ in results["runs"]:
            print(f"| {run_['command']} | {run_['models']} | {run_['wall_s']:.3f} | {run_['max_rss_mib']:.0f} |")
        if results["ratios"]:
            print()
            print("| prisma-dsql / peer | models | ratio | target |")
            print("|---|---:|---:|---|")
            for r in results["ratios"]:
                verdict = "met" if r["met"] else "not met"
                goal = f"<= {r['target']}x ({verdict})" if r["target"] is not None else ""
                print(f"| {r['measure']} | {r['models']} | {r['ratio']:.2f}x | {goal} |")
        if "max_rss_mib_1000" in results:
            print(f"\nprisma-dsql peak memory at 1000 models: {results['max_rss_mib_1000']:.1f} MiB "
                  f"(target <= {MAX_RSS_MIB_1000:.0f})")
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
