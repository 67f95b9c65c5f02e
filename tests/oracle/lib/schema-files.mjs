// Shared helpers for the oracle scripts: load a Prisma schema (file, folder or several of them)
// and neutralise the datasource URL properties that Prisma 7 rejects.
import fs from 'node:fs';
import path from 'node:path';

const URL_KEYS = new Set(['url', 'directUrl', 'shadowDatabaseUrl']);

function collect(p, out) {
  const st = fs.statSync(p);
  if (st.isDirectory()) {
    for (const name of fs.readdirSync(p).sort()) collect(path.join(p, name), out);
  } else if (st.isFile()) {
    if (p.endsWith('.prisma')) out.push(p);
  }
}

/**
 * Resolve the command-line arguments into a sorted list of absolute .prisma file paths.
 * A folder means every .prisma file below it (multi-file schema). A file given explicitly is
 * taken whatever its extension.
 */
export function resolveSchemaPaths(args) {
  const files = [];
  for (const a of args) {
    const abs = path.resolve(a);
    if (!fs.existsSync(abs)) throw new Error(`Schema path not found: ${a}`);
    if (fs.statSync(abs).isDirectory()) collect(abs, files);
    else files.push(abs);
  }
  const uniq = [...new Set(files)].sort();
  if (uniq.length === 0) throw new Error(`No .prisma files found in: ${args.join(', ')}`);
  return uniq;
}

/**
 * Replace `url`, `directUrl` and `shadowDatabaseUrl` lines inside `datasource` blocks with
 * spaces of the same length, so that line numbers and offsets of everything else
 * stay exactly where they were. Returns { content, stripped: [{ line, key }] }.
 */
export function stripDatasourceUrls(content) {
  const parts = content.split(/(\r\n|\n|\r)/); // keep separators at odd indexes
  const stripped = [];
  let inDatasource = false;
  let lineNo = 0;
  for (let i = 0; i < parts.length; i += 2) {
    lineNo += 1;
    const line = parts[i];
    if (!inDatasource) {
      if (/^\s*datasource\s+[^\s{]+\s*\{/.test(line)) inDatasource = true;
      continue;
    }
    if (/^\s*\}/.test(line)) { inDatasource = false; continue; }
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
    if (m && URL_KEYS.has(m[1])) {
      parts[i] = ' '.repeat(line.length); // same UTF-16 length: Prisma's spans are string offsets
      stripped.push({ line: lineNo, key: m[1] });
    }
  }
  return { content: parts.join(''), stripped };
}

/** Load the schema files: [{ path, content, stripped }]. */
export function loadSchema(args, { stripUrls = true } = {}) {
  return resolveSchemaPaths(args).map((p) => {
    const raw = fs.readFileSync(p, 'utf8');
    if (!stripUrls) return { path: p, content: raw, stripped: [] };
    const { content, stripped } = stripDatasourceUrls(raw);
    return { path: p, content, stripped };
  });
}

/** The datasource provider named in the schema files ("postgresql" if none is found). */
export function datasourceProvider(files) {
  for (const f of files) {
    const m = /^\s*datasource\s+[^\s{]+\s*\{[^}]*?^\s*provider\s*=\s*"([^"]*)"/ms.exec(f.content);
    if (m) return m[1];
  }
  return 'postgresql';
}
