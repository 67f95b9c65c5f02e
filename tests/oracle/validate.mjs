#!/usr/bin/env node
// Offline equivalent of `prisma validate`, with structured diagnostics.
// Usage: node validate.mjs [--keep-urls] [--dmmf] [--batch] <schema file or folder> [...]
// Prints one JSON object (with --batch: one line per argument, each argument its own schema, so many
// schemas cost one node start and one wasm load):
//   { "ok": bool,
//     "errors":   [ { message, file, start, end, line, column } ... ],
//                  // start/end: Prisma's span, UTF-16 code-unit offsets into the file text;
//                  // line/column: 1-based, column counted in code points
//     "warnings": [ same shape ],
//     "validateMessage": string|null,    // Prisma's rendered error text when ok is false
//     "strippedUrls": [ { file, line, key } ],
//     "dmmf": {...}                       // only with --dmmf and when ok
//   }
// By default `url`/`directUrl`/`shadowDatabaseUrl` datasource lines are blanked first (Prisma 7
// rejects them; our tool tolerates them); --keep-urls hands the files over untouched.
// Exit code 0 whether or not the schema is valid; 1 only if the oracle itself failed.
import { createRequire } from 'node:module';
import { loadSchema } from './lib/schema-files.mjs';

const require = createRequire(import.meta.url);
const wasm = require('@prisma/prisma-schema-wasm');

// Prisma's lint spans are offsets into the JS string (UTF-16 code units), not bytes.
function lineCol(content, offset) {
  const before = content.slice(0, offset);
  const lines = before.split(/\r\n|\n|\r/);
  return { line: lines.length, column: [...lines[lines.length - 1]].length + 1 };
}

function main(argv) {
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  const args = argv.filter((a) => !a.startsWith('--'));
  if (args.length === 0) {
    process.stderr.write('usage: node validate.mjs [--keep-urls] [--dmmf] [--batch] <schema file or folder> [...]\n');
    return 2;
  }
  const schemas = flags.has('--batch') ? args.map((a) => [a]) : [args];
  for (const schema of schemas) {
    process.stdout.write(JSON.stringify(verdict(schema, flags)) + '\n');
  }
  return 0;
}

function verdict(args, flags) {
  const files = loadSchema(args, { stripUrls: !flags.has('--keep-urls') });
  const byPath = new Map(files.map((f) => [f.path, f.content]));
  const prismaSchema = files.map((f) => [f.path, f.content]);

  let validateMessage = null;
  try {
    wasm.validate(JSON.stringify({ prismaSchema, noColor: true }));
  } catch (e) {
    const raw = e && e.message !== undefined ? e.message : String(e);
    try { validateMessage = JSON.parse(raw).message ?? raw; } catch { validateMessage = raw; }
  }
  const ok = validateMessage === null;

  const diagnostics = JSON.parse(wasm.lint(JSON.stringify(prismaSchema)));
  const shape = (d) => {
    const content = byPath.get(d.file_name);
    const pos = content !== undefined ? lineCol(content, d.start) : { line: null, column: null };
    return { message: d.text, file: d.file_name ?? null, start: d.start, end: d.end, ...pos };
  };
  const errors = diagnostics.filter((d) => !d.is_warning).map(shape);
  const warnings = diagnostics.filter((d) => d.is_warning).map(shape);
  if (!ok && errors.length === 0) {
    errors.push({ message: validateMessage, file: null, start: null, end: null, line: null, column: null });
  }

  const out = {
    ok,
    errors,
    warnings,
    validateMessage,
    strippedUrls: files.flatMap((f) => f.stripped.map((s) => ({ file: f.path, ...s }))),
  };
  if (ok && flags.has('--dmmf')) {
    out.dmmf = JSON.parse(wasm.get_dmmf(JSON.stringify({ prismaSchema, noColor: true })));
  }
  return out;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`Error: ${err && err.message ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
