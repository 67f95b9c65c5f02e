"""Per-connector tables checked case by case against Prisma 7.10's validator (one node process).

Each family below generates small schemas that differ in one thing (provider, relation mode,
referential action, native type and its arguments, field type, ...); prisma-dsql must accept
exactly the ones Prisma accepts. The families cover what the issue-9 review found Prisma and
prisma-dsql disagreeing on, across every provider.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prisma_dsql.diagnostics import Severity
from prisma_dsql.loader import load_sources
from prisma_dsql.source import SourceFile
from tests.support.prisma_oracle import prisma_accepts, prisma_validate_many

PROVIDERS = ("postgresql", "mysql", "sqlite", "sqlserver", "cockroachdb", "mongodb")


def _id(provider: str | None, type_name: str = "String") -> str:
    if provider == "mongodb":
        return f'id {type_name} @id @map("_id")' + (" @db.ObjectId" if type_name == "String" else "")
    return f"id {type_name} @id"


def _datasource(provider: str | None, extra: str = "") -> str:
    if provider is None:
        return ""
    return f'datasource db {{\n  provider = "{provider}"\n{extra}}}\n\n'


def relation_actions() -> list[str]:
    out = []
    for p in PROVIDERS:
        for mode in ("", '  relationMode = "prisma"\n', '  relationMode = "foreignKeys"\n'):
            for which in ("onDelete", "onUpdate"):
                for action in ("Cascade", "Restrict", "NoAction", "SetNull", "SetDefault"):
                    out.append(
                        _datasource(p, mode)
                        + f"model User {{\n  {_id(p)}\n  posts Post[]\n}}\n\n"
                        f"model Post {{\n  {_id(p)}\n  authorId String?\n"
                        f"  author User? @relation(fields: [authorId], references: [id], {which}: {action})\n}}\n")
    return out


def single_field_with_arguments() -> list[str]:
    out = []
    for p in (*PROVIDERS, None):
        for attr in ("@@index(checked(sort: Asc))", "@@index([checked], clustered: true)", "@@fulltext([checked])", "@@unique(checked(sort: Desc))", "@@id(checked(sort: Desc))",
                     "@@index(checked(length: 10))", "@@index(checked)", "@@unique(checked(sort: Sideways))"):
            ident = "" if attr.startswith("@@id") else f"  {_id(p)}\n"
            out.append(_datasource(p) + f"model Site {{\n{ident}  checked String\n\n  {attr}\n}}\n")
    return out


def _m(p, body: str, pre: str = "") -> str:
    return pre + _datasource(p) + body


def _ident(p) -> str:
    return f"  {_id(p, 'String' if p == 'mongodb' else 'Int')}\n"


#: One schema per connector feature Prisma decides on per provider.
FEATURES = {
    "String[]": lambda p: _m(p, f"model M {{\n{_ident(p)}  xs String[]\n}}\n"),
    "Json[]": lambda p: _m(p, f"model M {{\n{_ident(p)}  xs Json[]\n}}\n"),
    "Decimal[]": lambda p: _m(p, f"model M {{\n{_ident(p)}  xs Decimal[]\n}}\n"),
    "enum[]": lambda p: _m(p, f"enum E {{\n  A\n}}\n\nmodel M {{\n{_ident(p)}  e E[]\n}}\n"),
    "enum": lambda p: _m(p, f"enum E {{\n  A\n}}\n\nmodel M {{\n{_ident(p)}  e E\n}}\n"),
    "Json": lambda p: _m(p, f"model M {{\n{_ident(p)}  x Json\n}}\n"),
    "Decimal": lambda p: _m(p, f"model M {{\n{_ident(p)}  x Decimal\n}}\n"),
    "@id(map)": lambda p: _m(p, 'model M {\n  id Int @id(map: "pk")\n}\n'),
    "@@id(map)": lambda p: _m(p, 'model M {\n  a Int\n  b Int\n\n  @@id([a, b], map: "pk")\n}\n'),
    "@@id": lambda p: _m(p, "model M {\n  a Int\n  b Int\n\n  @@id([a, b])\n}\n"),
    "same index twice": lambda p: _m(p, f"model M {{\n{_ident(p)}  a Int\n\n  @@index([a])\n  @@index([a])\n}}\n"),
    "index and unique share a name": lambda p: _m(
        p, f'model M {{\n{_ident(p)}  a Int\n\n  @@index([a], map: "x")\n  @@unique([a], map: "x")\n}}\n'),
    "index names across models": lambda p: _m(
        p, f'model M {{\n{_ident(p)}  a Int\n\n  @@index([a], map: "x")\n}}\n\n'
           f'model N {{\n{_ident(p)}  a Int\n\n  @@index([a], map: "x")\n}}\n'),
    "primary keys across models": lambda p: _m(
        p, 'model M {\n  id Int @id(map: "x")\n}\n\nmodel N {\n  id Int @id(map: "x")\n}\n'),
    "default pk name on an index": lambda p: _m(
        p, 'model M {\n  id Int @id\n  a Int\n\n  @@index([a], map: "M_pkey")\n}\n'),
    "autoincrement id": lambda p: _m(p, "model M {\n  id Int @id @default(autoincrement())\n}\n"),
    "autoincrement non-id": lambda p: _m(p, f"model M {{\n{_ident(p)}  a Int @default(autoincrement())\n}}\n"),
    "autoincrement unique": lambda p: _m(
        p, f"model M {{\n{_ident(p)}  a Int @unique @default(autoincrement())\n}}\n"),
    "id without _id": lambda p: _m(p, "model M {\n  id String @id\n}\n"),
    "named foreign key": lambda p: _m(
        p, f"model U {{\n{_ident(p)}  ps P[]\n}}\n\nmodel P {{\n{_ident(p)}  u String\n"
           '  uu U @relation(fields: [u], references: [id], map: "fk")\n}\n'),
    "default map": lambda p: _m(p, f'model M {{\n{_ident(p)}  a Int @default(1, map: "d")\n}}\n'),
    "index type Hash": lambda p: _m(p, f"model M {{\n{_ident(p)}  a Int\n\n  @@index([a], type: Hash)\n}}\n"),
    "index type Gin": lambda p: _m(p, f"model M {{\n{_ident(p)}  a Json\n\n  @@index([a], type: Gin)\n}}\n"),
    "schemas": lambda p: (f'datasource db {{\n  provider = "{p}"\n  schemas = ["a"]\n}}\n\n' if p else "")
                         + f'model M {{\n{_ident(p)}\n  @@schema("a")\n}}\n',
    "partial index": lambda p: _m(p, f'model M {{\n{_ident(p)}  a Int\n\n  @@index([a], where: raw("a > 1"))\n}}\n',
                                  'generator c {\n  provider        = "prisma-client-js"\n'
                                  '  previewFeatures = ["partialIndexes"]\n}\n\n'),
    "extensions": lambda p: ('generator c {\n  provider        = "prisma-client-js"\n'
                             '  previewFeatures = ["postgresqlExtensions"]\n}\n\n'
                             + (f'datasource db {{\n  provider   = "{p}"\n  extensions = [x]\n}}\n\n' if p else "")
                             + f"model M {{\n{_ident(p)}}}\n"),
    "dbgenerated": lambda p: _m(p, f'model M {{\n{_ident(p)}  a Int @default(dbgenerated("1"))\n}}\n'),
    "composite type": lambda p: _m(p, f"type T {{\n  a Int\n}}\n\nmodel M {{\n{_ident(p)}  t T\n}}\n"),
    "implicit many-to-many": lambda p: _m(
        p, f"model A {{\n{_ident(p)}  bs B[]\n}}\n\nmodel B {{\n{_ident(p)}  as A[]\n}}\n"),
    "fulltext": lambda p: _m(p, f"model M {{\n{_ident(p)}  a String\n\n  @@fulltext([a])\n}}\n"),
    "index name and map": lambda p: _m(
        p, f'model M {{\n{_ident(p)}  a String\n\n  @@index([a], name: "n", map: "m")\n}}\n'),
    "field twice in an index": lambda p: _m(p, f"model M {{\n{_ident(p)}  a Int\n\n  @@index([a(sort: Desc), a])\n}}\n"),
    "named operator class": lambda p: _m(
        p, f"model M {{\n{_ident(p)}  a Json\n  b String\n\n  @@index([a(ops: JsonbPathOps)], type: Gin)\n}}\n"),
    "json operator class on a string": lambda p: _m(
        p, f"model M {{\n{_ident(p)}  b String\n\n  @@index([b(ops: JsonbPathOps)], type: Gin)\n}}\n"),
    "partial index on a field the model lacks": lambda p: _m(
        p, f"model M {{\n{_ident(p)}  a Int\n\n  @@index([a], where: {{ nope: true }})\n}}\n",
        'generator c {\n  provider        = "prisma-client-js"\n  previewFeatures = ["partialIndexes"]\n}\n\n'),
    "empty map": lambda p: _m(p, f'model M {{\n{_ident(p)}  a Int @unique(map: "")\n}}\n'),
    "decimal string default": lambda p: _m(p, f'model M {{\n{_ident(p)}  d Decimal @default("1.5.5")\n}}\n'),
    "shard key": lambda p: _m(p, f"model M {{\n{_ident(p)}  a String @shardKey\n}}\n",
                              'generator c {\n  provider        = "prisma-client-js"\n  previewFeatures = ["shardKeys"]\n}\n\n'),
    "optional shard key": lambda p: _m(p, f"model M {{\n{_ident(p)}  a String?\n\n  @@shardKey([a])\n}}\n",
                                       'generator c {\n  provider        = "prisma-client-js"\n'
                                       '  previewFeatures = ["shardKeys"]\n}\n\n'),
    "shard key without preview": lambda p: _m(p, f"model M {{\n{_ident(p)}  a String @shardKey\n}}\n"),
    "two autoincrements": lambda p: _m(p, "model M {\n  id BigInt @id @default(autoincrement())\n"
                                          "  n BigInt @unique @default(autoincrement())\n}\n"),
    "client names of id and unique": lambda p: _m(p, 'model M {\n  a Int\n  b Int\n\n  @@id([a, b], name: "ab")\n'
                                                    '  @@unique([a, b], name: "ab")\n}\n'),
    "default constraint names": lambda p: _m(p, f'model M {{\n{_ident(p)}  s String @default("x", map: "d1")\n'
                                               '  t String @default("y", map: "d1")\n}\n'),
    "fulltext name": lambda p: _m(p, f'model M {{\n{_ident(p)}  a String\n\n  @@fulltext([a], name: "n")\n}}\n'),
}


def connector_features() -> list[str]:
    return [make(p) for make in FEATURES.values() for p in (*PROVIDERS, None)]


def enum_defaults() -> list[str]:
    out = []
    for p in (*PROVIDERS, None):
        for value in ("0", "false", "NOPE", "A", "[]", '"A"', "[A]", "[A, NOPE]", "[0]", 'dbgenerated("x")', "uuid()"):
            for modifier in ("", "?", "[]"):
                out.append(_m(p, f"enum E {{\n  A\n  B\n}}\n\nmodel M {{\n{_ident(p)}  e E{modifier} "
                                 f"@default({value})\n}}\n"))
    return out


def list_defaults() -> list[str]:
    out = []
    for t, values in (("Int", ("[1, 2]", '["a"]', "[1.5]", "[true]", "autoincrement()", "now()")),
                      ("String", ('["a"]', "[1]", "uuid()", "cuid()", "now()", 'dbgenerated("x")', "1")),
                      ("Boolean", ("[true]", "[1]")), ("DateTime", ('["2020-01-01T00:00:00Z"]', '["x"]')),
                      ("Float", ("[1.5]", '["1"]'))):
        for v in values:
            out.append(_m("postgresql", f"model M {{\n  id Int @id\n  xs {t}[] @default({v})\n}}\n"))
    return out


def native_types() -> list[str]:
    """Every native type name of every connector on every provider (and without a datasource), on
    compatible and incompatible field types, with argument lists of every shape; sampled so the
    family stays a few thousand schemas."""
    import random

    from prisma_dsql.schema.native_types import NATIVE_TYPES

    names = sorted({n for table in NATIVE_TYPES.values() for n in table} | {"Nonsense"})
    scalars = ("String", "Int", "BigInt", "Float", "Decimal", "Boolean", "DateTime", "Json", "Bytes")
    args = ("", "(1)", "(0)", "(64)", "(300)", "(5000)", "(70000)", "(Max)", "(10, 2)", "(40, 50)", "(70, 2)",
            "(1, 2, 3)")
    rnd = random.Random(9)
    out = []
    for p in (*PROVIDERS, None):
        table = NATIVE_TYPES.get(p or "", {})
        for name in names:
            spec = table.get(name)
            for t in scalars:
                for a in args:
                    if (spec is not None and t in spec.scalars) or rnd.random() < 0.04:
                        out.append(_m(p, f"model M {{\n{_ident(p)}  x {t} @db.{name}{a}\n}}\n"))
    return out


def self_relations_and_set_null() -> list[str]:
    """Cascade cycles on self-relations (SQL Server, relationMode "prisma"), and SetNull on required fields
    (a warning on PostgreSQL with foreign keys only)."""
    out = []
    for p in PROVIDERS[:5]:
        for mode in ("", '  relationMode = "prisma"\n'):
            for actions in ("", ", onDelete: Cascade", ", onUpdate: Restrict", ", onDelete: Restrict, onUpdate: Restrict",
                            ", onDelete: NoAction, onUpdate: NoAction", ", onDelete: SetNull"):
                for opt in ("?", ""):
                    out.append(_datasource(p, mode) + f"model A {{\n  id Int @id\n  pid Int{opt}\n  parent A{opt} "
                               f'@relation("t", fields: [pid], references: [id]{actions})\n  kids A[] @relation("t")\n}}\n')
            for one in (True, False):
                for which in ("onDelete", "onUpdate"):
                    out.append(_datasource(p, mode) + f"model A {{\n  id Int @id\n  bs B{'?' if one else '[]'}\n}}\n\n"
                               f"model B {{\n  id Int @id\n  aId Int{' @unique' if one else ''}\n"
                               f"  a A @relation(fields: [aId], references: [id], {which}: SetNull)\n}}\n")
    # Cycles through other models, and a chain that reaches a self-relation.
    for p in PROVIDERS[:5]:
        for mode in ("", '  relationMode = "prisma"\n'):
            for a_to_b in ("", ", onDelete: Cascade", ", onDelete: Restrict, onUpdate: Restrict",
                           ", onDelete: NoAction, onUpdate: NoAction"):
                out.append(_datasource(p, mode) + "model A {\n  id Int @id\n  bId Int? @unique\n"
                           f'  b B? @relation("ab", fields: [bId], references: [id]{a_to_b})\n  bs B[] @relation("ba")\n}}\n\n'
                           "model B {\n  id Int @id\n  aId Int\n"
                           '  a A @relation("ba", fields: [aId], references: [id], onDelete: Cascade)\n'
                           '  as A? @relation("ab")\n}\n')
                out.append(_datasource(p, mode) + "model A {\n  id Int @id\n  bId Int\n"
                           f"  b B @relation(fields: [bId], references: [id]{a_to_b})\n}}\n\n"
                           "model B {\n  id Int @id\n  as A[]\n  pid Int?\n"
                           '  parent B? @relation("t", fields: [pid], references: [id])\n  kids B[] @relation("t")\n}\n')
    return out


def key_column_types() -> list[str]:
    """Column types a key cannot hold: MySQL TEXT/BLOB without `length:`, SQL Server heap types, Bytes ids."""
    out = []
    for p, types in (("mysql", ("String @db.Text", "String @db.TinyText", "Bytes @db.Blob", "Bytes", "Json", "String",
                                "String @db.VarChar(10)")),
                     ("sqlserver", ("String @db.Text", "String @db.NText", "Bytes @db.Image", "String @db.Xml",
                                    "String @db.VarChar(Max)", "String @db.NVarChar(Max)", "Bytes @db.VarBinary(Max)",
                                    "String", "Bytes", "String @db.NVarChar(100)"))):
        for t in types:
            for key in ("@@index([x])", "@@unique([x])", "@@index([x(length: 10)])", "@@id([x])"):
                ident = "y Int" if key.startswith("@@id") else "id Int @id"
                out.append(_datasource(p) + f"model M {{\n  {ident}\n  x {t}\n\n  {key}\n}}\n")
    return out


def cascade_paths() -> list[str]:
    """Two cascading paths from A to D (A -> B -> D, A -> C -> D): SQL Server refuses them with foreign keys."""
    import itertools

    out = []
    for p in ("sqlserver", "postgresql"):
        for a1, a2, a3, a4 in itertools.product(("", ", onDelete: NoAction, onUpdate: NoAction", ", onDelete: Cascade"),
                                                repeat=4):
            out.append(_datasource(p) + "model A {\n  id Int @id\n  bId Int\n  cId Int\n"
                       f"  b B @relation(fields: [bId], references: [id]{a1})\n"
                       f"  c C @relation(fields: [cId], references: [id]{a2})\n}}\n\n"
                       "model B {\n  id Int @id\n  dId Int\n  as A[]\n"
                       f"  d D @relation(fields: [dId], references: [id]{a3})\n}}\n\n"
                       "model C {\n  id Int @id\n  dId Int\n  as A[]\n"
                       f"  d D @relation(fields: [dId], references: [id]{a4})\n}}\n\n"
                       "model D {\n  id Int @id\n  bs B[]\n  cs C[]\n}\n")
    return out


def index_types() -> list[str]:
    """GiST, GIN, SP-GiST, BRIN and Hash indexes on every field type (PostgreSQL, CockroachDB), no `ops:`."""
    from prisma_dsql.schema.native_types import NATIVE_TYPES

    out = []
    for p, algos in (("postgresql", ("Gist", "Gin", "SpGist", "Brin", "Hash")), ("cockroachdb", ("Gin",))):
        types = [t for s in ("String", "Int", "BigInt", "Float", "Decimal", "Boolean", "DateTime", "Json", "Bytes")
                 for t in (s, f"{s}[]")]
        types += [f"{spec.scalars[0]} @db.{name}{'(2)' if spec.min_args or name in ('VarChar', 'Char', 'Bit') else ''}"
                  for name, spec in NATIVE_TYPES[p].items()]
        for t in types:
            for algo in algos:
                out.append(_datasource(p) + f"model M {{\n  id Int @id\n  x {t}\n\n  @@index([x], type: {algo})\n}}\n")
        out.append(_datasource(p) + "model M {\n  id Int @id\n  x String\n  y String\n\n"
                   "  @@index([x, y], type: SpGist)\n}\n")
    return out


def operator_classes() -> list[str]:
    """Every named PostgreSQL operator class on every field type with its own index type, a few with the wrong
    index type, and one Prisma does not know."""
    from prisma_dsql.schema.connectors import OPERATOR_CLASSES
    from prisma_dsql.schema.native_types import NATIVE_TYPES

    types = [t for s in ("String", "Int", "BigInt", "Float", "Decimal", "Boolean", "DateTime", "Json", "Bytes")
             for t in (s, f"{s}[]")]
    types += [f"{spec.scalars[0]} @db.{name}{'(2)' if name in ('VarChar', 'Char', 'Bit', 'VarBit') else ''}"
              for name, spec in NATIVE_TYPES["postgresql"].items()]
    out = []
    for ops, by_algo in {**OPERATOR_CLASSES, "NoSuchOps": {"Brin": frozenset()}}.items():
        for algo in (*by_algo, "BTree"):
            for t in (types if algo != "BTree" else types[:3]):
                out.append(_datasource("postgresql") + f"model M {{\n  id Int @id\n  x {t}\n\n"
                           f"  @@index([x(ops: {ops})], type: {algo})\n}}\n")
    return out


def config_blocks() -> list[str]:
    """Datasource and generator properties Prisma checks."""
    model = "\nmodel A {\n  id Int @id\n}\n"
    out = []
    for ds in ('relationMode = "foo"', 'schemas = []', 'schemas = ["a", "a"]', "foo = 1", 'referentialIntegrity = "prisma"',
               'relationMode = "prisma"\n  referentialIntegrity = "prisma"'):
        out.append(f'datasource db {{\n  provider = "postgresql"\n  {ds}\n}}\n' + model)
    for g in ('previewFeatures = "views"', 'previewFeatures = ["VIEWS"]', "previewFeatures = [1]", "output = 1",
              'output = "x"', 'previewFeatures = ["views", "metrics"]', 'previewFeatures = ["nope"]'):
        out.append(f'generator g {{\n  provider = "prisma-client-js"\n  {g}\n}}\n\n'
                   'datasource db {\n  provider = "postgresql"\n}\n\nview V {\n  id Int @unique\n}\n')
    return out


def mongodb() -> list[str]:
    """MongoDB's own rules: composite types, ids in `_id`, auto(), embedded many-to-many, index paths."""
    ds = _datasource("mongodb")
    ident = '  id String @id @default(auto()) @map("_id") @db.ObjectId\n'
    bodies = (
        "type T {\n  a Int\n}\n\nmodel M {\n" + ident + "  t T\n  ts T[]\n  o T?\n}\n",
        "type T {\n  a Int @id\n}\n\nmodel M {\n" + ident + "  t T\n}\n",
        "type T {\n  a Int @unique\n}\n\nmodel M {\n" + ident + "  t T\n}\n",
        'type T {\n  a Int\n  @@map("x")\n}\n\nmodel M {\n' + ident + "  t T\n}\n",
        "type T {\n  m M?\n}\n\nmodel M {\n" + ident + "  t T\n}\n",
        "type T {\n  t T\n}\n\nmodel M {\n" + ident + "  t T\n}\n",
        "type T {\n  t T?\n}\n\nmodel M {\n" + ident + "  t T\n}\n",
        "type T {\n  a Int\n}\n\nmodel M {\n" + ident + "  t T\n\n  @@index([t.a])\n}\n",
        "type T {\n  a Int\n}\n\nmodel M {\n" + ident + "  t T\n\n  @@index([t.b])\n}\n",
        'model M {\n  id String @id @default(auto()) @map("_id")\n}\n',
        "model A {\n" + ident + "  bIds String[] @db.ObjectId\n  bs B[] @relation(fields: [bIds], references: [id])\n}\n\n"
        "model B {\n" + ident + "  aIds String[] @db.ObjectId\n  as A[] @relation(fields: [aIds], references: [id])\n}\n",
        "model A {\n" + ident + "  bs B[]\n}\n\nmodel B {\n" + ident + "  as A[]\n}\n",
        'model M {\n' + ident + '  s String\n\n  @@index([s], map: "x")\n  @@index([s], map: "y")\n}\n',
    )
    return [ds + b for b in bodies]


FAMILIES = {
    "mongodb": mongodb,
    "config_blocks": config_blocks,
    "operator_classes": operator_classes,
    "index_types": index_types,
    "cascade_paths": cascade_paths,
    "key_column_types": key_column_types,
    "self_relations_and_set_null": self_relations_and_set_null,
    "connector_features": connector_features,
    "enum_defaults": enum_defaults,
    "list_defaults": list_defaults,
    "native_types": native_types,
    "relation_actions": relation_actions,
    "single_field_with_arguments": single_field_with_arguments,
}


def _ours_accepts(text: str) -> bool:
    loaded = load_sources(Path("."), [SourceFile("schema.prisma", text)])
    return not [d for d in loaded.diagnostics if d.severity is Severity.ERROR]


@pytest.fixture(scope="module")
def prismas_verdicts() -> dict[str, tuple[list[str], list[dict]]]:
    """Every family's schemas and Prisma's verdicts on them, asked once (one node process, one wasm load)."""
    texts = {family: FAMILIES[family]() for family in sorted(FAMILIES)}
    flat = [t for family in texts for t in texts[family]]
    verdicts = iter(prisma_validate_many([[("schema.prisma", t)] for t in flat]))
    return {family: (ts, [next(verdicts) for _ in ts]) for family, ts in texts.items()}


@pytest.mark.node
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_same_verdict_as_prisma_on_every_connector(family, prismas_verdicts):
    texts, theirs = prismas_verdicts[family]
    wrong = [f"{t}\n-> prisma: {r['errors'][:1] or 'accepts'}"
             for t, r in zip(texts, theirs) if _ours_accepts(t) != prisma_accepts(r)]
    accepted = sum(prisma_accepts(r) for r in theirs)
    assert 0 < accepted < len(texts), "the family must hold both verdicts"
    assert not wrong, f"{len(wrong)} of {len(texts)} disagree:\n\n" + "\n\n".join(wrong[:10])
