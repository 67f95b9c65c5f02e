"""Parity: our `postgres` target prints what Prisma's own `migrate diff --from-empty --script`
prints, byte for byte, for the samples, the shared corpus and feature schemas below.

Prisma's output comes from the real schema engine (`@prisma/schema-engine-wasm`, offline) via
tests/support/prisma_oracle.py; the test skips only where node is missing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from prisma_dsql.plan import plan_from_empty
from prisma_dsql.capabilities import profile_for
from prisma_dsql.diagnostics import Severity
from prisma_dsql.loader import load
from prisma_dsql.translate import from_schema
from tests.support import prisma_oracle

pytestmark = pytest.mark.node

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
CORPUS = ROOT / "tests" / "fixtures" / "corpus"  # copies of ../shared/corpus, with their licences

# Feature schemas: each pins down a part of Prisma's output (found by probing the engine).
FEATURES: dict[str, str] = {
    # Native types, defaults of every kind, lists, Unsupported, extensions, several schemas,
    # index methods, sort orders and operator classes, @@unique with map.
    "types_defaults_schemas": '''
generator client {
  provider        = "prisma-client-js"
  previewFeatures = ["postgresqlExtensions"]
}
datasource db {
  provider   = "postgresql"
  schemas    = ["zeta", "public", "auth", "empty"]
  extensions = [pgcrypto, citext(schema: "public")]
}
enum Mood {
  HAPPY @map("happy")
  SAD
  @@map("mood_type")
  @@schema("auth")
}
enum Color {
  RED
  GREEN
  @@schema("public")
}
model Zed {
  id    Int  @id @default(autoincrement())
  s     Int? @db.SmallInt
  small Int  @default(autoincrement()) @db.SmallInt
  @@schema("zeta")
}
model Thing {
  id     BigInt   @id @default(autoincrement())
  name   String   @default("it's")
  i      Int      @default(42)
  neg    Int      @default(-3)
  f      Float    @default(1.5)
  f2     Float    @default(1)
  d      Decimal  @default(2.50)
  d2     Decimal  @default("3.1")
  b      Boolean  @default(true)
  dt     DateTime @default("2020-01-02T03:04:05.678Z")
  dt2    DateTime @default(now()) @db.Timestamptz(6)
  j      Json     @default("{\\"a\\": 1}")
  j2     Json?    @db.Json
  by     Bytes    @default("aGVsbG8=")
  tags   String[] @default(["a", "b'c"])
  nums   Int[]    @default([])
  colors Color[]  @default([RED])
  color  Color    @default(GREEN)
  mood   Mood?    @default(HAPPY)
  u      String   @default(uuid()) @db.Uuid
  cu     String   @default(cuid())
  gen    String   @default(dbgenerated("gen_random_uuid()")) @db.Uuid
  gen2   Int?     @default(dbgenerated())
  weird  Unsupported("circle")?
  weird2 Unsupported("tsvector") @default(dbgenerated("''::tsvector"))
  bi     BigInt   @default(12345678901234)
  vc     String   @db.VarChar
  ch     String   @db.Char(3)
  dec    Decimal  @db.Decimal(10, 2)
  dec0   Decimal  @db.Decimal
  money  Decimal  @db.Money
  real   Float    @db.Real
  inet   String   @db.Inet
  cit    String   @db.Citext
  xml    String   @db.Xml
  bit    String   @db.Bit(4)
  vbit   String   @db.VarBit
  ts     DateTime @db.Timestamp
  tsz    DateTime @db.Timestamptz
  dte    DateTime @db.Date
  tm     DateTime @db.Time(2)
  tmz    DateTime @db.Timetz
  oid    Int      @db.Oid
  txt    String   @db.Text
  upd    DateTime @updatedAt
  ign    String?  @ignore
  @@schema("auth")
  @@map("things")
  @@index([name(sort: Desc), i])
  @@index([j], type: Gin)
  @@index([name(ops: raw("text_pattern_ops"))], map: "custom_ops")
  @@index([i], type: Hash)
  @@index([tsz], type: Brin)
  @@unique([i, neg], map: "thing_i_neg_uq")
  @@unique([f, f2])
}
''',
    # Relations of every shape, explicit names, self relations, composite keys, implicit
    # many-to-many (also with 63-character names), long and multi-byte names (truncation),
    # index order (field @unique, @@index, @@unique), partial indexes.
    "relations_names": '''
generator client {
  provider        = "prisma-client-js"
  previewFeatures = ["partialIndexes"]
}
datasource db {
  provider = "postgresql"
}
model User {
  id           Int      @id(map: "user_pk") @default(autoincrement())
  email        String   @unique(map: "email_uq")
  handle       String
  profile      Profile?
  posts        Post[]   @relation("authored")
  liked        Post[]   @relation("likes")
  bestFriendId Int?     @unique
  bestFriend   User?    @relation("bf", fields: [bestFriendId], references: [id])
  bestFriendOf User?    @relation("bf")
  @@index([handle])
  @@unique([handle, email])
}
model Profile {
  userId Int    @id
  user   User   @relation(fields: [userId], references: [id], onDelete: Cascade, map: "profile_user_fk")
  bio    String
}
model Post {
  id        Int     @id @default(autoincrement())
  authorId  Int
  author    User    @relation("authored", fields: [authorId], references: [id], onUpdate: NoAction)
  likedBy   User[]  @relation("likes")
  tags      Tag[]
  parentId  Int?
  parent    Post?   @relation("tree", fields: [parentId], references: [id], onDelete: SetNull)
  children  Post[]  @relation("tree")
  published Boolean @default(false)
  title     String
  @@index([title], where: { published: true })
  @@unique([title, authorId], where: raw("published = false"))
}
model Tag {
  name  String @id
  posts Post[]
}
model Group {
  a       String
  b       Int
  members Member[]
  @@id([a, b])
}
model Member {
  id     Int    @id
  groupA String
  groupB Int
  group  Group  @relation(fields: [groupA, groupB], references: [a, b])
}
model AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA {
  id Int @id
  cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc Int @unique
  ddddddddddddddddddddddddddddddddddddddddd Int
  eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee Int
  bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB[]
  uu Int
  fk Üñíçødé @relation(fields: [uu], references: [id])
  @@index([ddddddddddddddddddddddddddddddddddddddddd, eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee])
}
model BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB {
  id Int @id
  aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA[]
}
model Üñíçødé {
  id Int @id
  ééééééééééééééééééééééééééééééé Int
  ü Int
  a AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA[]
  @@index([ééééééééééééééééééééééééééééééé, ü])
}
''',
    # Timestamp literal formats, number texts, empty bytes, schemas created only when used.
    "literals_schema_list": '''
datasource db {
  provider = "postgresql"
  schemas  = ["b", "a"]
}
enum E {
  X
  @@schema("b")
}
model T {
  id Int      @id
  d1 DateTime @default("2020-01-02T03:04:05Z")
  d2 DateTime @default("2020-01-02T03:04:05.1+02:00")
  d3 DateTime @default("2020-01-02T03:04:05.123456Z")
  d4 DateTime @default("2020-01-02T03:04:05.100Z")
  d5 DateTime @default("2020-01-02T03:04:05.123456789-05:30")
  f1 Float    @default(1.0)
  f2 Float    @default(0.000001)
  f3 Float    @default(-0.10)
  b0 Bytes    @default("")
  e  E        @default(X)
  @@schema("a")
}
''',
    # relationMode = "prisma": no foreign keys, join tables still made; views are not created.
    "relation_mode_prisma_views": '''
generator client {
  provider        = "prisma-client-js"
  previewFeatures = ["views"]
}
datasource db {
  provider     = "postgresql"
  relationMode = "prisma"
}
model T {
  id  Int @id
  u   U   @relation(fields: [uid], references: [id])
  uid Int
  @@index([uid])
}
model U {
  id      Int @id
  ts      T[]
  others  U[] @relation("m")
  others2 U[] @relation("m")
}
view V {
  id Int @unique
}
''',
    # Partial index predicates, explicit ASC, operator classes by name, every index method.
    "index_predicates_opclasses": '''
generator client {
  provider        = "prisma-client-js"
  previewFeatures = ["partialIndexes"]
}
datasource db {
  provider = "postgresql"
}
enum K {
  A
  B @map("bee")
}
model T {
  id Int      @id
  a  Boolean
  b  String?
  c  Int
  k  K
  dt DateTime
  j  Json
  @@index([a], where: { a: true, b: null }, map: "i1")
  @@index([b], where: { b: { not: null } }, map: "i2")
  @@index([c], where: { c: { not: 5 } }, map: "i3")
  @@index([c, a], where: { b: "x'y" }, map: "i4")
  @@index([k], where: { k: "bee" }, map: "i5")
  @@index([id], where: { c: 1.5 }, map: "i6")
  @@index([dt], where: { a: false, c: { not: -2 } }, map: "i7")
  @@index([a(sort: Asc), b(sort: Desc)], type: BTree, map: "i8")
  @@index([j(ops: JsonbPathOps)], type: Gin, map: "i9")
  @@index([c(ops: Int4MinMaxMultiOps)], type: Brin, map: "i10")
  @@index([dt(ops: TimestampMinMaxOps)], type: Brin, map: "x2")
  @@index([b(ops: TextOps)], type: SpGist, map: "i12")
  @@index([b], type: Gist, map: "x3")
}
''',
    # Identity-free cycles and mapped names: a reference cycle, @map/@@map everywhere.
    "cycle_and_maps": '''
datasource db {
  provider = "postgresql"
}
model Company {
  id        Int      @id @default(autoincrement()) @map("company_id")
  ceoId     Int?     @unique @map("ceo_id")
  ceo       Person?  @relation("ceo", fields: [ceoId], references: [id], onDelete: SetNull)
  staff     Person[] @relation("staff")
  @@map("companies")
}
model Person {
  id        Int      @id @default(autoincrement()) @map("person_id")
  companyId Int      @map("company_id")
  company   Company  @relation("staff", fields: [companyId], references: [id], onDelete: Cascade)
  leads     Company? @relation("ceo")
  code      String   @map("person_code") @db.VarChar(12)
  @@unique([companyId, code])
  @@map("people")
}
''',
    # Patterns of real applications: enum list defaults, @id plus @unique on one field, a relation
    # field declared before its foreign key scalar, 1-1 through a unique foreign key.
    "app_patterns": '''
generator client {
  provider = "prisma-client-js"
}
datasource db {
  provider = "postgresql"
}
enum Role {
  ADMIN
  USER
}
enum Kind {
  A
  B
}
model User {
  id        Int       @id @default(autoincrement())
  roles     Role[]    @default([USER, ADMIN])
  kinds     Kind[]
  updatedAt DateTime  @default(now()) @updatedAt
  tz        String?   @default("Etc/UTC") @db.Text
  avatarId  String?
  avatar    Avatar?   @relation(fields: [avatarId], references: [id], onDelete: SetNull)
  docs      Doc[]
  counter   BigInt    @default(0)
  @@index([tz])
}
model Avatar {
  id    String @id @default(cuid())
  bytes Bytes
  users User[]
}
model Token {
  id    String @id @unique @default(cuid())
  token String @unique
}
model Doc {
  id       String  @id
  folder   Folder? @relation(fields: [folderId], references: [id], onDelete: SetNull)
  user     User    @relation(fields: [userId], references: [id], onDelete: Cascade)
  folderId String?
  userId   Int
  metaId   String  @unique
  meta     Meta    @relation(fields: [metaId], references: [id])
  @@index([userId])
}
model Folder {
  id       String   @id @default(cuid())
  parentId String?
  parent   Folder?  @relation("FolderToFolder", fields: [parentId], references: [id], onDelete: Cascade)
  children Folder[] @relation("FolderToFolder")
  docs     Doc[]
}
model Meta {
  id  String @id @default(cuid())
  doc Doc?
}
''',
    "empty": '''
datasource db {
  provider = "postgresql"
}
''',
}


def _postgres_provider(path: Path) -> bool:
    files = [path] if path.is_file() else sorted(path.rglob("*.prisma"))
    text = "\n".join(f.read_text(encoding="utf-8") for f in files)
    m = re.search(r'datasource\s+\w+\s*\{[^}]*?provider\s*=\s*"([^"]*)"', text, re.S)
    return m is not None and m.group(1) in ("postgresql", "postgres")


def _schema_paths(tmp_path_factory) -> dict[str, Path]:
    paths: dict[str, Path] = {}
    for name in ("blog", "saas", "multifile"):
        p = SAMPLES / name if name == "multifile" else SAMPLES / name / "schema.prisma"
        if p.exists():
            paths[f"sample:{name}"] = p
    if CORPUS.is_dir():
        for p in sorted(CORPUS.rglob("*.prisma")):
            if _postgres_provider(p):
                paths[f"corpus:{p.name}"] = p
    base = tmp_path_factory.mktemp("parity")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from synth import generate

    (base / "synthetic_200.prisma").write_text(generate(200), encoding="utf-8")
    paths["synthetic:200"] = base / "synthetic_200.prisma"
    for name, text in FEATURES.items():
        p = base / f"{name}.prisma"
        p.write_text(text.lstrip(), encoding="utf-8")
        paths[f"feature:{name}"] = p
    return paths


@pytest.fixture(scope="module")
def oracle_outputs(tmp_path_factory):
    prisma_oracle.ensure_node_modules()
    paths = _schema_paths(tmp_path_factory)
    results = prisma_oracle.prisma_diff_many([str(p) for p in paths.values()])
    return {name: (path, results[str(path)]) for name, path in paths.items()}


def ours(path: Path) -> str:
    loaded = load(path)
    errors = [d for d in loaded.diagnostics if d.severity is Severity.ERROR]
    assert not errors, [d.message for d in errors]
    profile = profile_for("postgres")
    return plan_from_empty(profile, from_schema(loaded.schema, profile)).text() + "\n"


def _steps(script: str) -> list[str]:
    return [s.strip() for s in re.split(r"\n\n(?=-- )", script.strip())]


CASES = (["sample:blog", "sample:saas", "sample:multifile", "synthetic:200"]
         + [f"feature:{n}" for n in FEATURES]
         + [f"corpus:{p.name}" for p in sorted(CORPUS.rglob("*.prisma")) if CORPUS.is_dir() and _postgres_provider(p)])


@pytest.mark.parametrize("case", CASES)
def test_postgres_script_matches_prisma(case, oracle_outputs):
    if case not in oracle_outputs:
        pytest.skip(f"{case}: not present in this checkout")
    path, expected = oracle_outputs[case]
    if isinstance(expected, Exception):
        # Prisma rejects a few corpus files on purpose (invalid, or preview features missing):
        # then we must refuse them too.
        errors = [d for d in load(path).diagnostics if d.severity is Severity.ERROR]
        assert errors, f"Prisma refuses {case} ({str(expected).splitlines()[0]}), prisma-dsql accepts it"
        return
    got = ours(path)
    assert _steps(got) == _steps(expected)
    assert got == expected
