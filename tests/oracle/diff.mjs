#!/usr/bin/env node
// Offline equivalent of
//   prisma migrate diff --from-empty --to-schema <schema> --script
// Usage: node diff.mjs <schema file or folder> [...more files/folders forming the same schema]
// Prints exactly what the CLI prints on stdout: the engine's script (which ends in "\n") plus the
// "\n" the CLI appends, so the output ends in ";\n\n" (an empty diff: "-- This is an empty migration.\n\n").
//
// Batch mode: node diff.mjs --batch <schema> <schema> ...   (each argument is its own schema)
// prints one JSON line per argument: {"path", "ok": true, "stdout"} or {"path", "ok": false, "error"};
// exit code 0 unless the oracle itself broke.
// `url`, `directUrl`, `shadowDatabaseUrl` datasource lines are blanked first (Prisma 7 rejects them).
// Errors: message on stderr, exit code 1.
import { loadSchema, datasourceProvider } from './lib/schema-files.mjs';
import { loadSchemaEngineWasm, offlineAdapterFactory, adapterProviderFor } from './lib/schema-engine.mjs';

async function diffFromEmpty(args) {
  const files = loadSchema(args);
  const provider = adapterProviderFor(datasourceProvider(files));
  const bg = await loadSchemaEngineWasm();
  const unexpected = [];
  const logs = [];
  const engine = await bg.SchemaEngine.new(
    { datamodels: files.map((f) => [f.path, f.content]) },
    (line) => logs.push(line),
    offlineAdapterFactory(provider, (m) => unexpected.push(m)),
  );
  const result = await engine.diff({
    from: { tag: 'empty' },
    to: { tag: 'schemaDatamodel', files: files.map((f) => ({ path: f.path, content: f.content })) },
    script: true,
    exitCode: null,
    filters: { externalTables: [], externalEnums: [] },
  });
  if (unexpected.length) throw new Error(unexpected.join('\n'));
  if (process.env.PRISMA_ORACLE_DEBUG) for (const l of logs) process.stderr.write(l);
  engine.free();
  // The CLI prints the engine's `print` notification content followed by "\n".
  return (result.stdout ?? '') + '\n';
}

function errorText(err) {
  const code = err && err.code ? `${err.code} ` : '';
  return `${code}${err && err.message ? err.message : String(err)}`;
}

async function main(argv) {
  const batch = argv.includes('--batch');
  const args = argv.filter((a) => a !== '--batch');
  if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
    process.stderr.write('usage: node diff.mjs [--batch] <schema file or folder> [...]\n');
    return 2;
  }
  if (!batch) {
    process.stdout.write(await diffFromEmpty(args));
    return 0;
  }
  for (const a of args) {
    let rec;
    try {
      rec = { path: a, ok: true, stdout: await diffFromEmpty([a]) };
    } catch (err) {
      rec = { path: a, ok: false, error: errorText(err) };
    }
    process.stdout.write(JSON.stringify(rec) + '\n');
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`Error: ${errorText(err)}\n`);
    process.exitCode = 1;
  },
);
