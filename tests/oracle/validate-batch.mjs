#!/usr/bin/env node
// Many schemas, one wasm load: `prisma validate`'s verdict for each (the differential tests).
// Usage: node validate-batch.mjs [--keep-urls] < cases.json
//   stdin:  a JSON array of cases; a case is a list of [fileName, content] pairs (one schema).
//   stdout: one JSON line per case, in order: { ok, errors: [message ...], validateMessage }.
// Datasource `url`/`directUrl`/`shadowDatabaseUrl` lines are blanked first unless --keep-urls
// (Prisma 7 rejects them; prisma-dsql accepts them with a notice), as validate.mjs does.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { stripDatasourceUrls } from './lib/schema-files.mjs';

const require = createRequire(import.meta.url);
const wasm = require('@prisma/prisma-schema-wasm');

function verdict(files, keepUrls) {
  const prismaSchema = files.map(([name, content]) => [name, keepUrls ? content : stripDatasourceUrls(content).content]);
  let validateMessage = null;
  try {
    wasm.validate(JSON.stringify({ prismaSchema, noColor: true }));
  } catch (e) {
    const raw = e && e.message !== undefined ? e.message : String(e);
    try { validateMessage = JSON.parse(raw).message ?? raw; } catch { validateMessage = raw; }
  }
  let errors = [];
  try {
    errors = JSON.parse(wasm.lint(JSON.stringify(prismaSchema))).filter((d) => !d.is_warning).map((d) => d.text);
  } catch (e) {
    errors = [`lint failed: ${e && e.message ? e.message : String(e)}`];
  }
  return { ok: validateMessage === null, errors, validateMessage };
}

try {
  const keepUrls = process.argv.includes('--keep-urls');
  const cases = JSON.parse(fs.readFileSync(0, 'utf8'));
  const out = cases.map((files) => JSON.stringify(verdict(files, keepUrls))).join('\n');
  process.stdout.write(out + (out ? '\n' : ''));
} catch (err) {
  process.stderr.write(`Error: ${err && err.message ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
