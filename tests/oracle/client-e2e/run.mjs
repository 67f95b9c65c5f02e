#!/usr/bin/env node
// Prisma Client end-to-end oracle.
//   DATABASE_URL=postgresql://... node run.mjs
// 1. Generates the client for ./schema.prisma OFFLINE (once; cached in ./generated with a stamp).
// 2. With @prisma/adapter-pg, runs CRUD against tables that the CALLER created beforehand
//    (plain Prisma DDL or the DSQL shape). It deletes all rows of these tables first.
// Prints one JSON line: {"ok":true,"checks":N}  or  {"ok":false,"check":"...","error":"..."} (exit 1).
// Every check is independent of database-level foreign-key actions (DSQL has no foreign keys).
// Options (env): CLIENT_E2E_SCHEMA (PostgreSQL schema name for the adapter, default: from the URL
// or "public"), CLIENT_E2E_GENERATE_ONLY=1 (generate and exit).
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const oracleDir = path.dirname(here);
const require = createRequire(import.meta.url);
const generatedDir = path.join(here, 'generated');
const stampFile = path.join(generatedDir, '.oracle-stamp');

function prismaVersion() {
  return JSON.parse(fs.readFileSync(path.join(oracleDir, 'node_modules', 'prisma', 'package.json'), 'utf8')).version;
}

function wantedStamp() {
  const schema = fs.readFileSync(path.join(here, 'schema.prisma'));
  return crypto.createHash('sha256').update(schema).update('\0' + prismaVersion()).digest('hex');
}

/** Run `prisma generate` offline into a private temp folder, then move it into place. */
export function ensureGenerated() {
  const stamp = wantedStamp();
  if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp) return false;
  const tmp = fs.mkdtempSync(path.join(here, '.generate-'));
  try {
    fs.copyFileSync(path.join(here, 'schema.prisma'), path.join(tmp, 'schema.prisma'));
    const cli = path.join(oracleDir, 'node_modules', 'prisma', 'build', 'index.js');
    execFileSync(process.execPath, [cli, 'generate', '--schema', path.join(tmp, 'schema.prisma')], {
      cwd: tmp,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 180_000,
      env: {
        ...process.env,
        // Any existing file: stops the CLI from trying to download the native schema engine.
        PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || '/bin/false',
        CHECKPOINT_DISABLE: '1',
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
        NO_COLOR: '1',
      },
    });
    fs.writeFileSync(path.join(tmp, 'generated', '.oracle-stamp'), stamp);
    fs.rmSync(generatedDir, { recursive: true, force: true });
    try {
      fs.renameSync(path.join(tmp, 'generated'), generatedDir);
    } catch (e) {
      // A concurrent run may have put an identical client in place first.
      if (!(fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp)) throw e;
    }
  } catch (e) {
    const out = [e.stdout, e.stderr].filter(Boolean).map(String).join('\n');
    throw new Error(`prisma generate failed: ${e.message}\n${out}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return true;
}

// ---------------------------------------------------------------- checks
let checks = 0;
let current = '(setup)';
class CheckFailed extends Error {}
function check(name, cond, detail) {
  current = name;
  if (!cond) throw new CheckFailed(`${name}${detail !== undefined ? `: ${stringify(detail)}` : ''}`);
  checks += 1;
}
function stringify(v) {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));
}
// Canonical JSON (object keys sorted): JSONB does not keep key order.
function canon(v) {
  if (Array.isArray(v)) return v.map(canon);
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])]));
  }
  return v;
}
const jsonEq = (a, b) => stringify(canon(a)) === stringify(canon(b));
const sortedEq = (a, b) => stringify([...a].sort()) === stringify([...b].sort());

async function runChecks(prisma, Role, Status) {
  current = 'reset tables';
  for (const t of ['_PostToTag', 'Post', 'Tag', 'User']) {
    await prisma.$executeRawUnsafe(`DELETE FROM "${t}"`);
  }

  // --- create with enum values (explicit, default, mapped enum)
  current = 'create users';
  const alice = await prisma.user.create({
    data: { email: 'alice@example.com', name: 'Alice', role: Role.ADMIN, profile: { city: 'Paris', tags: ['a', 'b'], n: 1 } },
  });
  const bob = await prisma.user.create({ data: { email: 'bob@example.com', role: 'USER', status: Status.INACTIVE } });
  const carol = await prisma.user.create({ data: { email: 'carol@example.com', name: 'Carol', profile: { city: 'Oslo' } } });
  check('create: explicit enum value', alice.role === 'ADMIN', alice);
  check('create: enum default filled', carol.role === 'USER' && carol.status === 'ACTIVE', carol);
  check('create: mapped enum value', bob.status === 'INACTIVE', bob);
  check('create: Int autoincrement id is a number', typeof alice.id === 'number' && alice.id !== bob.id, [alice.id, bob.id]);
  check('create: @default(now()) is a Date', alice.createdAt instanceof Date && !Number.isNaN(alice.createdAt.getTime()));
  check('create: optional field null', bob.name === null && bob.profile === null, bob);

  const many = await prisma.user.createMany({ data: [{ email: 'dave@example.com', role: 'ADMIN' }, { email: 'erin@example.com' }] });
  check('createMany count', many.count === 2, many);

  // --- enum filters
  current = 'enum filters';
  const admins = await prisma.user.findMany({ where: { role: 'ADMIN' }, orderBy: { email: 'asc' } });
  check('filter enum equals', sortedEq(admins.map((u) => u.email), ['alice@example.com', 'dave@example.com']), admins);
  const admins2 = await prisma.user.findMany({ where: { role: { equals: Role.ADMIN } } });
  check('filter enum {equals}', admins2.length === 2, admins2.length);
  const inBoth = await prisma.user.count({ where: { role: { in: ['USER', 'ADMIN'] } } });
  check('filter enum in', inBoth === 5, inBoth);
  const notAdmin = await prisma.user.findMany({ where: { role: { not: 'ADMIN' } }, orderBy: { email: 'asc' } });
  check('filter enum not', stringify(notAdmin.map((u) => u.email)) === stringify(['bob@example.com', 'carol@example.com', 'erin@example.com']), notAdmin);
  const notIn = await prisma.user.count({ where: { role: { notIn: ['ADMIN'] } } });
  check('filter enum notIn', notIn === 3, notIn);
  const inactive = await prisma.user.findMany({ where: { status: 'INACTIVE' } });
  check('filter mapped enum', inactive.length === 1 && inactive[0].email === 'bob@example.com', inactive);

  // --- update enum
  current = 'update enum';
  const bob2 = await prisma.user.update({ where: { id: bob.id }, data: { role: 'ADMIN', status: Status.ACTIVE } });
  check('update enum', bob2.role === 'ADMIN' && bob2.status === 'ACTIVE', bob2);
  const upd = await prisma.user.updateMany({ where: { role: 'ADMIN', email: { startsWith: 'd' } }, data: { role: 'USER' } });
  check('updateMany with enum filter', upd.count === 1, upd);
  const adminCount = await prisma.user.count({ where: { role: 'ADMIN' } });
  check('count after enum updates', adminCount === 2, adminCount);
  const up = await prisma.user.upsert({
    where: { email: 'frank@example.com' },
    create: { email: 'frank@example.com', role: 'ADMIN' },
    update: { role: 'USER' },
  });
  check('upsert create with enum', up.role === 'ADMIN', up);

  // --- nested create (1-n), BigInt autoincrement ids
  current = 'nested create';
  const withPosts = await prisma.user.update({
    where: { id: alice.id },
    data: { posts: { create: [{ title: 'Hello' }, { title: 'World', published: true }] } },
    include: { posts: { orderBy: { id: 'asc' } } },
  });
  check('nested create posts', withPosts.posts.length === 2, withPosts.posts);
  const [p1, p2] = withPosts.posts;
  check('BigInt autoincrement id is a bigint', typeof p1.id === 'bigint' && p2.id > p1.id, [p1.id, p2.id]);
  check('FK field set by nested create', p1.authorId === alice.id, p1);
  const p3 = await prisma.post.create({ data: { title: 'Bob post', author: { connect: { email: 'bob@example.com' } } } });
  check('create with connect', p3.authorId === bob.id, p3);
  const newUser = await prisma.user.create({
    data: { email: 'gina@example.com', posts: { create: { title: 'Gina post' } } },
    include: { posts: true },
  });
  check('create with nested create', newUser.posts.length === 1 && newUser.posts[0].authorId === newUser.id, newUser);

  // --- include / relation filters
  current = 'include';
  const post = await prisma.post.findUnique({ where: { id: p2.id }, include: { author: true } });
  check('include to-one', post.author.email === 'alice@example.com' && post.author.role === 'ADMIN', post);
  const usersWithPosts = await prisma.user.findMany({
    where: { posts: { some: { published: true } } },
    include: { posts: { where: { published: true } } },
  });
  check('relation filter some', usersWithPosts.length === 1 && usersWithPosts[0].posts.length === 1, usersWithPosts);
  const byAuthorRole = await prisma.post.count({ where: { author: { role: 'ADMIN' } } });
  check('relation filter by enum', byAuthorRole === 3, byAuthorRole);
  const selCount = await prisma.user.findUnique({ where: { id: alice.id }, select: { _count: { select: { posts: true } } } });
  check('_count relation', selCount._count.posts === 2, selCount);

  // --- implicit many-to-many
  current = 'm-n';
  const tagA = await prisma.tag.create({ data: { label: 'a' } });
  const tagB = await prisma.tag.create({ data: { label: 'b' } });
  await prisma.post.update({ where: { id: p1.id }, data: { tags: { connect: [{ id: tagA.id }, { id: tagB.id }] } } });
  await prisma.post.update({ where: { id: p2.id }, data: { tags: { connect: { label: 'a' } } } });
  const p1Tags = await prisma.post.findUnique({ where: { id: p1.id }, include: { tags: { orderBy: { label: 'asc' } } } });
  check('m-n connect + include', stringify(p1Tags.tags.map((t) => t.label)) === stringify(['a', 'b']), p1Tags);
  const tagAPosts = await prisma.tag.findUnique({ where: { label: 'a' }, include: { posts: true } });
  check('m-n include from other side', tagAPosts.posts.length === 2, tagAPosts);
  const tagged = await prisma.post.count({ where: { tags: { some: { label: 'b' } } } });
  check('m-n relation filter', tagged === 1, tagged);
  await prisma.post.update({ where: { id: p1.id }, data: { tags: { disconnect: { id: tagB.id } } } });
  const tagBCount = await prisma.tag.findUnique({ where: { id: tagB.id }, select: { _count: { select: { posts: true } } } });
  check('m-n disconnect', tagBCount._count.posts === 0, tagBCount);
  const nestedTag = await prisma.post.create({
    data: { title: 'Tagged', authorId: carol.id, tags: { connectOrCreate: { where: { label: 'c' }, create: { label: 'c' } } } },
    include: { tags: true },
  });
  check('m-n connectOrCreate', nestedTag.tags.length === 1 && nestedTag.tags[0].label === 'c', nestedTag);

  // --- Json
  current = 'json';
  const a2 = await prisma.user.findUnique({ where: { id: alice.id } });
  check('Json round trip', jsonEq(a2.profile, { city: 'Paris', tags: ['a', 'b'], n: 1 }), a2.profile);
  const paris = await prisma.user.findMany({ where: { profile: { path: ['city'], equals: 'Paris' } } });
  check('Json path filter equals', paris.length === 1 && paris[0].id === alice.id, paris);
  const hasTag = await prisma.user.count({ where: { profile: { path: ['tags'], array_contains: ['b'] } } });
  check('Json path array_contains', hasTag === 1, hasTag);
  const osloLike = await prisma.user.count({ where: { profile: { path: ['city'], string_starts_with: 'Os' } } });
  check('Json path string_starts_with', osloLike === 1, osloLike);
  await prisma.user.update({ where: { id: carol.id }, data: { profile: { city: 'Bergen', n: 2 } } });
  const bergen = await prisma.user.findFirst({ where: { profile: { path: ['n'], gt: 1 } } });
  check('Json update + numeric path filter', bergen && bergen.id === carol.id, bergen);

  // --- count / aggregate / groupBy / orderBy / pagination
  current = 'count/order';
  check('count all users', (await prisma.user.count()) === 7);
  const ordered = await prisma.user.findMany({ orderBy: [{ email: 'desc' }], take: 3, select: { email: true } });
  check('orderBy desc + take', stringify(ordered.map((u) => u.email)) === stringify(['gina@example.com', 'frank@example.com', 'erin@example.com']), ordered);
  const skip = await prisma.user.findMany({ orderBy: { email: 'asc' }, skip: 1, take: 1 });
  check('skip', skip[0].email === 'bob@example.com', skip);
  const postsOrdered = await prisma.post.findMany({ orderBy: { id: 'desc' } });
  check('orderBy BigInt id', postsOrdered.every((p, i, arr) => i === 0 || arr[i - 1].id > p.id), postsOrdered.map((p) => p.id));
  const agg = await prisma.post.aggregate({ _count: { _all: true }, _max: { id: true } });
  check('aggregate', agg._count._all === 5 && agg._max.id === postsOrdered[0].id, agg);
  const groups = await prisma.user.groupBy({ by: ['role'], _count: { _all: true } });
  const gmap = Object.fromEntries(groups.map((g) => [g.role, g._count._all]));
  check('groupBy enum', gmap.ADMIN === 3 && gmap.USER === 4, groups);
  const distinct = await prisma.user.findMany({ distinct: ['role'], select: { role: true } });
  check('distinct enum', sortedEq(distinct.map((d) => d.role), ['ADMIN', 'USER']), distinct);

  // --- transactions
  current = 'transactions';
  const [t1, t2] = await prisma.$transaction([
    prisma.user.create({ data: { email: 'tx1@example.com', role: 'ADMIN' } }),
    prisma.user.update({ where: { email: 'erin@example.com' }, data: { role: 'ADMIN' } }),
  ]);
  check('batch $transaction', t1.role === 'ADMIN' && t2.role === 'ADMIN', [t1, t2]);
  const itx = await prisma.$transaction(async (tx) => {
    const u = await tx.user.create({ data: { email: 'tx2@example.com', posts: { create: { title: 'in tx' } } } });
    return tx.post.count({ where: { authorId: u.id } });
  });
  check('interactive $transaction commit', itx === 1, itx);
  let rolledBack = false;
  try {
    await prisma.$transaction(async (tx) => {
      await tx.user.create({ data: { email: 'tx3@example.com', role: 'ADMIN' } });
      throw new Error('rollback please');
    });
  } catch (e) {
    rolledBack = /rollback please/.test(String(e && e.message));
  }
  const tx3 = await prisma.user.findUnique({ where: { email: 'tx3@example.com' } });
  check('interactive $transaction rollback', rolledBack && tx3 === null, tx3);

  // --- errors surfaced by the database
  current = 'unique violation';
  let code = null;
  try {
    await prisma.user.create({ data: { email: 'alice@example.com' } });
  } catch (e) {
    code = e.code;
  }
  check('unique violation -> P2002', code === 'P2002', code);

  // --- delete (without relying on database FK actions)
  current = 'delete';
  await prisma.post.update({ where: { id: p1.id }, data: { tags: { set: [] } } });
  const delPost = await prisma.post.delete({ where: { id: p1.id } });
  check('delete post', delPost.id === p1.id && (await prisma.post.findUnique({ where: { id: p1.id } })) === null);
  const delPosts = await prisma.post.deleteMany({ where: { authorId: newUser.id } });
  check('deleteMany by FK', delPosts.count === 1, delPosts);
  const delUser = await prisma.user.delete({ where: { id: newUser.id } });
  check('delete user', delUser.email === 'gina@example.com');
  const delEnum = await prisma.user.deleteMany({ where: { role: 'USER', posts: { none: {} } } });
  check('deleteMany with enum + relation filter', delEnum.count === 1, delEnum); // dave
  check('count after deletes', (await prisma.user.count()) === 7, await prisma.user.count());
}

async function main() {
  const url = process.env.DATABASE_URL;
  const generated = ensureGenerated();
  if (process.env.CLIENT_E2E_GENERATE_ONLY) {
    process.stdout.write(JSON.stringify({ ok: true, generated }) + '\n');
    return 0;
  }
  if (!url) throw new Error('DATABASE_URL is not set');
  const { PrismaClient, Role, Status } = require(path.join(generatedDir, 'index.js'));
  const { PrismaPg } = await import('@prisma/adapter-pg');
  let schema = process.env.CLIENT_E2E_SCHEMA;
  if (!schema) {
    try { schema = new URL(url).searchParams.get('schema') || undefined; } catch { /* keep default */ }
  }
  const adapter = new PrismaPg({ connectionString: url }, schema ? { schema } : undefined);
  const prisma = new PrismaClient({ adapter });
  const started = Date.now();
  try {
    await runChecks(prisma, Role, Status);
  } finally {
    await prisma.$disconnect();
  }
  process.stdout.write(JSON.stringify({ ok: true, checks, ms: Date.now() - started, generated }) + '\n');
  return 0;
}

main().then(
  (code) => { process.exitCode = code; },
  (err) => {
    const msg = err && err.message ? err.message : String(err);
    process.stdout.write(JSON.stringify({ ok: false, checks, check: current, error: msg, code: err?.code ?? null }) + '\n');
    process.stderr.write(`client e2e failed at check "${current}": ${msg}\n`);
    process.exitCode = 1;
  },
);
