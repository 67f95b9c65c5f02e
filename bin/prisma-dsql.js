#!/usr/bin/env node
// `npx prisma-dsql ...`: runs the Python CLI (python -m prisma_dsql) with the
// same arguments, output and exit code.
//
// Which Python: $PRISMA_DSQL_PYTHON if set; else the first of python3/python
// that can already import prisma_dsql; else a private virtualenv under
// $XDG_CACHE_HOME/prisma-dsql/<version>/ (default ~/.cache), created once from
// the Python sources shipped in this package. Needs Python >= 3.10.
"use strict";

const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const PKG_DIR = path.resolve(__dirname, "..");
const VERSION = require(path.join(PKG_DIR, "package.json")).version;

function fail(message) {
  process.stderr.write(`prisma-dsql: ${message}\n`);
  process.exit(2);
}

function canImport(python) {
  const probe = spawnSync(python, ["-c", "import sys; assert sys.version_info >= (3, 10); import prisma_dsql"], {
    stdio: "ignore",
  });
  return !probe.error && probe.status === 0;
}

function pythonVersionOk(python) {
  const probe = spawnSync(python, ["-c", "import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)"], {
    stdio: "ignore",
  });
  return !probe.error && probe.status === 0;
}

function venvPython(dir) {
  return process.platform === "win32" ? path.join(dir, "Scripts", "python.exe") : path.join(dir, "bin", "python");
}

function bootstrap(base) {
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  const dir = path.join(cache, "prisma-dsql", VERSION, "venv");
  const python = venvPython(dir);
  if (fs.existsSync(python) && canImport(python)) return python;
  process.stderr.write(`prisma-dsql: installing the Python package into ${dir} (once)...\n`);
  let r = spawnSync(base, ["-m", "venv", dir], { stdio: ["ignore", "ignore", "inherit"] });
  if (r.error || r.status !== 0) fail(`could not create a virtualenv with ${base} (is the venv module installed?)`);
  r = spawnSync(python, ["-m", "pip", "install", "--quiet", PKG_DIR], { stdio: ["ignore", "ignore", "inherit"] });
  if (r.error || r.status !== 0) fail(`pip could not install prisma-dsql into ${dir}`);
  return python;
}

function findPython() {
  const explicit = process.env.PRISMA_DSQL_PYTHON;
  if (explicit) {
    if (!canImport(explicit)) fail(`PRISMA_DSQL_PYTHON=${explicit} cannot import prisma_dsql (Python >= 3.10 needed)`);
    return explicit;
  }
  const candidates = process.platform === "win32" ? ["py", "python"] : ["python3", "python"];
  for (const c of candidates) if (canImport(c)) return c;
  for (const c of candidates) if (pythonVersionOk(c)) return bootstrap(c);
  fail("needs Python 3.10 or newer on PATH (or PRISMA_DSQL_PYTHON pointing at one)");
}

const python = findPython();
const child = spawnSync(python, ["-m", "prisma_dsql", ...process.argv.slice(2)], { stdio: "inherit" });
if (child.error) fail(`could not run ${python}: ${child.error.message}`);
if (child.signal) process.kill(process.pid, child.signal);
process.exit(child.status === null ? 1 : child.status);
