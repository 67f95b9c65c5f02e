#!/usr/bin/env node
// `npx prisma-dsql ...`: runs the Python CLI with the same arguments, output and exit code.
//
// Which Python: $PRISMA_DSQL_PYTHON if set; else the first of python3/python that can
// already import prisma_dsql; else a private virtualenv under
// $XDG_CACHE_HOME/prisma-dsql/<version>/venv (default ~/.cache), built once from the
// Python sources shipped in this package. Needs Python >= 3.10.
//
// Nothing in the current folder is ever run: Python puts the current folder first on
// sys.path for `python -m` and `python -c`, so a `prisma_dsql/` there would be imported
// instead of the real package. Every Python started here runs ISOLATED_PRELUDE first,
// which drops that entry before anything is imported.
//
// The virtualenv's folders are created private (0700), and an existing one is used only if
// they are the user's own and not writable by others.
//
// The first-use build shows one progress line and holds a lock (a directory created
// atomically next to the virtualenv), so parallel first runs (CI matrix jobs) wait for
// one build instead of racing; the virtualenv is built under a temporary name and
// renamed into place, so a run never sees a half-built one.
"use strict";

const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const PKG_DIR = path.resolve(__dirname, "..");
const VERSION = require(path.join(PKG_DIR, "package.json")).version;
const MIN_PYTHON = [3, 10];
// A lock older than this is left over from a killed run.
const STALE_LOCK_MS = 15 * 60 * 1000;
const WAIT_LIMIT_MS = 20 * 60 * 1000;

// `python -c` sets sys.path[0] to "" (the current folder): remove it before any import.
const ISOLATED_PRELUDE = "import sys; sys.path[:] = [p for p in sys.path if p not in ('', '.')]";

function fail(message) {
  process.stderr.write(`prisma-dsql: ${message}\n`);
  process.exit(2);
}

function pythonCode(body) {
  return `${ISOLATED_PRELUDE}\n${body}`;
}

function probe(python, body) {
  return spawnSync(python, ["-c", pythonCode(body)], { stdio: ["ignore", "ignore", "ignore"] });
}

const VERSION_CHECK = `sys.exit(0 if sys.version_info >= (${MIN_PYTHON.join(", ")}) else 1)`;

function canImport(python) {
  const r = probe(python, `assert sys.version_info >= (${MIN_PYTHON.join(", ")})\nimport prisma_dsql`);
  return !r.error && r.status === 0;
}

function pythonVersionOk(python) {
  const r = probe(python, VERSION_CHECK);
  return !r.error && r.status === 0;
}

function venvPython(dir) {
  return process.platform === "win32" ? path.join(dir, "Scripts", "python.exe") : path.join(dir, "bin", "python");
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function acquireLock(lockDir) {
  const started = Date.now();
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      return;
    } catch (err) {
      if (err.code !== "EEXIST") fail(`cannot create ${lockDir}: ${err.message}`);
    }
    let age = 0;
    try {
      age = Date.now() - fs.statSync(lockDir).mtimeMs;
    } catch {
      continue; // released meanwhile: try again
    }
    if (age > STALE_LOCK_MS) {
      fs.rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() - started > WAIT_LIMIT_MS) fail(`gave up waiting for ${lockDir} (remove it if no other run is installing)`);
    if (!announced) {
      process.stderr.write("prisma-dsql: waiting for another prisma-dsql run to finish installing...\n");
      announced = true;
    }
    sleep(250);
  }
}

function showOutput(r) {
  if (r.error) process.stderr.write(`${r.error.message}\n`);
  if (r.stdout && r.stdout.length) process.stderr.write(r.stdout);
  if (r.stderr && r.stderr.length) process.stderr.write(r.stderr);
}

// A virtualenv runs whatever its folder holds: use one only under folders that are the user's
// own and that nobody else can write (a shared or restored CI cache could hold anything).
function checkPrivate(dirs) {
  if (typeof process.getuid !== "function") return;
  for (const dir of dirs) {
    let st;
    try {
      st = fs.statSync(dir);
    } catch {
      continue;
    }
    const writableByOthers = (st.mode & 0o022) !== 0;
    if (st.uid !== process.getuid() || writableByOthers) {
      const why = st.uid !== process.getuid() ? `owned by uid ${st.uid}, not you` : "writable by others";
      fail(`${dir} is ${why}: prisma-dsql will not run a virtualenv from there. Remove it (or fix its ` +
        "owner and mode), or set PRISMA_DSQL_PYTHON to a Python that has prisma-dsql installed");
    }
  }
}

function bootstrap(base) {
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  const top = path.join(cache, "prisma-dsql");
  const root = path.join(top, VERSION);
  const dir = path.join(root, "venv");
  const python = venvPython(dir);
  checkPrivate([top, root, dir]);
  if (fs.existsSync(python) && canImport(python)) return python;
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  const lockDir = path.join(root, "venv.lock");
  acquireLock(lockDir);
  try {
    // Another run may have finished the build while this one waited.
    if (fs.existsSync(python) && canImport(python)) return python;
    const temp = path.join(root, `venv.building-${process.pid}`);
    fs.rmSync(temp, { recursive: true, force: true });
    process.stderr.write(`prisma-dsql: first run: installing the Python package into ${dir} (once)...\n`);
    // Their output is shown only when they fail: the user sees the one line above.
    const quiet = { stdio: ["ignore", "pipe", "pipe"], cwd: root, maxBuffer: 64 * 1024 * 1024 };
    let r = spawnSync(base, ["-m", "venv", temp], quiet);
    if (r.error || r.status !== 0) {
      fs.rmSync(temp, { recursive: true, force: true });
      showOutput(r);
      fail(`could not create a virtualenv with ${base} (is the venv module installed?)`);
    }
    r = spawnSync(venvPython(temp), ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", PKG_DIR], quiet);
    if (r.error || r.status !== 0) {
      fs.rmSync(temp, { recursive: true, force: true });
      showOutput(r);
      fail(`pip could not install prisma-dsql into ${dir}`);
    }
    fs.rmSync(dir, { recursive: true, force: true }); // a broken earlier one (it could not import)
    fs.renameSync(temp, dir);
    return python;
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

function explicitPython(explicit) {
  const looksLikePath = explicit.includes("/") || explicit.includes(path.sep);
  if (looksLikePath && !fs.existsSync(explicit)) {
    fail(`PRISMA_DSQL_PYTHON=${explicit}: the file does not exist`);
  }
  const r = probe(explicit, VERSION_CHECK);
  if (r.error && r.error.code === "ENOENT") fail(`PRISMA_DSQL_PYTHON=${explicit}: no such program on PATH`);
  if (r.error) fail(`PRISMA_DSQL_PYTHON=${explicit} cannot be run: ${r.error.message}`);
  if (r.status !== 0) fail(`PRISMA_DSQL_PYTHON=${explicit} is not Python ${MIN_PYTHON.join(".")} or newer`);
  if (!canImport(explicit)) fail(`PRISMA_DSQL_PYTHON=${explicit} cannot import prisma_dsql (pip install it there)`);
  return explicit;
}

function findPython() {
  const explicit = process.env.PRISMA_DSQL_PYTHON;
  if (explicit) return explicitPython(explicit);
  const candidates = process.platform === "win32" ? ["py", "python"] : ["python3", "python"];
  for (const c of candidates) if (canImport(c)) return c;
  for (const c of candidates) if (pythonVersionOk(c)) return bootstrap(c);
  fail(`needs Python ${MIN_PYTHON.join(".")} or newer on PATH (or PRISMA_DSQL_PYTHON pointing at one)`);
}

const python = findPython();
const child = spawnSync(
  python,
  ["-c", pythonCode("from prisma_dsql.cli.main import main\nmain(sys.argv[1:])"), ...process.argv.slice(2)],
  { stdio: "inherit" },
);
if (child.error) fail(`could not run ${python}: ${child.error.message}`);
if (child.signal) process.kill(process.pid, child.signal);
process.exit(child.status === null ? 1 : child.status);
