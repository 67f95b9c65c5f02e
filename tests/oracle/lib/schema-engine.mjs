// Load @prisma/schema-engine-wasm in Node 20 (its entry point uses an ESM `import` of the .wasm
// file, which Node only supports behind a flag, so we instantiate the module by hand) and give
// it a minimal offline driver adapter that only answers the engine's version probe.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let bgPromise;

export function loadSchemaEngineWasm() {
  bgPromise ??= (async () => {
    const bgJs = fileURLToPath(import.meta.resolve('@prisma/schema-engine-wasm/schema_engine_bg'));
    const dir = path.dirname(bgJs);
    const bg = await import(bgJs);
    const bytes = fs.readFileSync(path.join(dir, 'schema_engine_bg.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': bg });
    bg.__wbg_set_wasm(instance.exports);
    instance.exports.__wbindgen_start();
    return bg;
  })();
  return bgPromise;
}

// Results crossing into the engine use the driver-adapter "Result" shape of
// @prisma/driver-adapter-utils' bindAdapter(): { ok: true, value } / { ok: false, error }.
const ok = (value) => ({ ok: true, value });
const ColumnType = { Int32: 0, Int64: 1, Boolean: 5, Text: 7 };

const FAKE_PG_VERSION = 'PostgreSQL 17.0 on x86_64-pc-linux-gnu, compiled by gcc, 64-bit';
const FAKE_PG_VERSION_NUM = 170000;
const FAKE_SQLITE_VERSION = '3.45.0';

function offlineAdapter(provider, onUnexpected) {
  const refuse = (what, arg) => {
    const msg = `offline oracle adapter: unexpected ${what}: ${JSON.stringify(arg)}`;
    onUnexpected(msg);
    throw new Error(msg);
  };
  return {
    adapterName: 'prisma-dsql-offline-oracle',
    provider,
    async queryRaw(query) {
      const sql = query?.sql ?? '';
      if (provider === 'postgres' && /version\(\)/.test(sql)) {
        // SELECT EXISTS(SELECT 1 FROM pg_namespace WHERE nspname = $1), version(),
        //        current_setting('server_version_num')::integer as numeric_version;
        return ok({
          columnNames: ['exists', 'version', 'numeric_version'],
          columnTypes: [ColumnType.Boolean, ColumnType.Text, ColumnType.Int32],
          rows: [[true, FAKE_PG_VERSION, FAKE_PG_VERSION_NUM]],
        });
      }
      if (provider === 'sqlite' && /sqlite_version\(\)/.test(sql)) {
        return ok({ columnNames: ['version'], columnTypes: [ColumnType.Text], rows: [[FAKE_SQLITE_VERSION]] });
      }
      refuse('queryRaw', query);
    },
    async executeRaw(query) { refuse('executeRaw', query); },
    async executeScript(script) { refuse('executeScript', script); },
    async startTransaction() { refuse('startTransaction', null); },
    getConnectionInfo() { return ok({ supportsRelationJoins: true }); },
    async dispose() { return ok(undefined); },
  };
}

/** provider: "postgres" | "sqlite" (driver-adapter naming). */
export function offlineAdapterFactory(provider = 'postgres', onUnexpected = () => {}) {
  return {
    adapterName: 'prisma-dsql-offline-oracle',
    provider,
    async connect() { return ok(offlineAdapter(provider, onUnexpected)); },
    async connectToShadowDb() { return ok(offlineAdapter(provider, onUnexpected)); },
  };
}

/** Map a schema datasource provider to the driver-adapter provider name. */
export function adapterProviderFor(schemaProvider) {
  switch (schemaProvider) {
    case 'postgresql':
    case 'postgres':
      return 'postgres';
    case 'sqlite':
      return 'sqlite';
    default:
      throw new Error(`The offline schema engine oracle supports postgresql and sqlite, not "${schemaProvider}"`);
  }
}
