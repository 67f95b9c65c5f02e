"""The planner's fixture tier: (old schema, new schema, target, options) -> the operations and hazards.

Each case is one line of a table, in the style of migra's and pg-schema-diff's case folders: the old side
is the catalog a schema creates from empty, the new side a schema; `ops` are the operation types of the
plan in order, `hazards` the hazard kinds it carries, `refused` a text the refusal must hold instead.
No database: the whole table runs in well under a second (tests/test_plan_cases.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

HEAD = 'datasource db {\n  provider = "postgresql"\n}\n'
U = "model User {\n  id    Int    @id @default(autoincrement())\n  email String @unique\n%s}\n"
P = ("model Post {\n  id     Int @id @default(autoincrement())\n  userId Int\n"
     "  user   User @relation(fields: [userId], references: [id])\n}\n")
P_NOREL = "model Post {\n  id     Int @id @default(autoincrement())\n  userId Int\n}\n"
ROLE = "enum Role {\n  A\n  B\n}\n"
ROLE3 = "enum Role {\n  A\n  B\n  C\n}\n"


@dataclass(frozen=True)
class Case:
    name: str
    old: str
    new: str
    target: str = "dsql"
    ops: tuple[str, ...] = ()
    hazards: frozenset[str] = frozenset()
    refused: str | None = None
    accept_data_loss: bool = False
    allow_rebuild: bool = False
    rename_tables: tuple[str, ...] = ()
    rename_columns: tuple[str, ...] = ()
    #: Column overrides of the old catalog: (table, column, field, value) -- a database made otherwise.
    old_columns: tuple = field(default=())
    #: The old database keeps its enums the way prisma-dsql made them before (the values in the domain's
    #: own CHECK, no column checks).
    old_enum_in_domain: bool = False
    #: Text the migration must (True) or must not (False) hold.
    text: tuple[tuple[str, bool], ...] = ()
CASES: list[Case] = [
    # add_column
    Case("optional column", U % "", U % "  nick String?\n",
         ops=('AddColumns',), hazards=frozenset([])),
    Case("optional column on postgres", U % "", U % "  nick String?\n", "postgres",
         ops=('AddColumns',), hazards=frozenset([])),
    Case("required column with default", U % "", U % "  age Int @default(18)\n",
         ops=('AddColumns', 'SetDefault', 'Backfill', 'AddNotNullCheck', 'ValidateConstraint'), hazards=frozenset(['row-limit'])),
    Case("required column with default on postgres", U % "", U % "  age Int @default(18)\n", "postgres",
         ops=('AddColumns',), hazards=frozenset([])),
    Case("required column without default", U % "", U % "  age Int\n",
         ops=('AddColumns', 'AddNotNullCheck', 'ValidateConstraint'), hazards=frozenset(['may-fail-on-existing-data'])),
    Case("new identity column needs a rebuild", U % "", U % "  n Int @default(autoincrement())\n", refused="--allow-rebuild"),
    # require / relax
    Case("optional to required with default", U % "  nick String? @default(\"n\")\n", U % "  nick String @default(\"n\")\n",
         ops=('Backfill', 'AddNotNullCheck', 'ValidateConstraint'), hazards=frozenset(['row-limit'])),
    Case("optional to required on postgres", U % "  nick String?\n", U % "  nick String\n", "postgres",
         ops=('SetNotNull',), hazards=frozenset(['may-fail-on-existing-data'])),
    Case("required to optional", U % "  nick String\n", U % "  nick String?\n",
         ops=('DropNotNull',), hazards=frozenset([])),
    Case("list column NOT NULL in the database is not drift", U % "  tags String[]\n", U % "  tags String[]\n", "postgres",
         old_columns=(("User", "tags", "nullable", False),),
         ops=(), hazards=frozenset([])),
    # defaults
    Case("default changes", U % "  n Int @default(1)\n", U % "  n Int @default(2)\n",
         ops=('SetDefault',), hazards=frozenset([])),
    Case("default goes", U % "  n Int @default(1)\n", U % "  n Int\n",
         ops=('DropDefault',), hazards=frozenset([])),
    # type_change
    Case("widening on postgres", U % "  n Int?\n", U % "  n BigInt?\n", "postgres",
         ops=('AlterColumnType',), hazards=frozenset([])),
    Case("narrowing on postgres may fail", U % "  n BigInt?\n", U % "  n Int?\n", "postgres",
         ops=('AlterColumnType',), hazards=frozenset(['may-fail-on-existing-data'])),
    Case("rounding needs consent", U % "  n Float?\n", U % "  n Int?\n", "postgres", refused="--accept-data-loss"),
    Case("no cast: drop and add again on postgres", U % "  n Int?\n", U % "  n DateTime?\n", "postgres", accept_data_loss=True,
         ops=('DropColumn', 'AddColumns'), hazards=frozenset(['data-loss'])),
    Case("no cast: drop and add again on dsql", U % "  n Int?\n", U % "  n String? @db.Uuid\n", accept_data_loss=True,
         ops=('DropColumn', 'AddColumns'), hazards=frozenset(['data-loss'])),
    Case("no cast without consent", U % "  n Boolean?\n", U % "  n BigInt?\n", "postgres", refused="no cast"),
    Case("no cast, indexed column rebuilt with its index", U % "  n Int?\n  @@index([n])\n", U % "  n DateTime?\n  @@index([n])\n", "postgres", accept_data_loss=True,
         ops=('DropColumn', 'AddColumns', 'CreateIndex'), hazards=frozenset(['data-loss'])),
    Case("jsonb to json is lossless", U % "  j Json?\n", U % "  j Json? @db.Json\n", "postgres",
         ops=('AlterColumnType',), hazards=frozenset([])),
    Case("enum with a default moves to another enum", "enum A {\n  X\n}\nenum B {\n  X\n  Y\n}\n" + U % "  k A @default(X)\n",
         "enum A {\n  X\n}\nenum B {\n  X\n  Y\n}\n" + U % "  k B @default(X)\n", "postgres",
         ops=('DropDefault', 'AlterColumnType', 'SetDefault'), hazards=frozenset(['may-fail-on-existing-data'])),
    Case("castable change on dsql needs a rebuild", U % "  n Int?\n", U % "  n BigInt?\n", refused="--allow-rebuild"),
    # rebuild
    Case("rebuild", U % "  n Int?\n", U % "  n BigInt?\n", allow_rebuild=True,
         ops=('CreateTable', 'CopyRows', 'VerifyRowsCopy', 'DropTable', 'RenameTable', 'RenameConstraint', 'SyncIdentity', 'CreateIndex'), hazards=frozenset(['long-running', 'may-fail-on-existing-data', 'rebuild', 'writers-blocked'])),
    Case("rebuild restores the foreign keys that exist", U % "  posts Post[]\n  n Int?\n" + P, U % "  posts Post[]\n  n BigInt?\n" + P, allow_rebuild=True,
         ops=('DropConstraint', 'CreateTable', 'CopyRows', 'VerifyRowsCopy', 'DropTable', 'RenameTable', 'RenameConstraint', 'SyncIdentity', 'CreateIndex', 'AddForeignKey', 'ValidateConstraint'), hazards=frozenset(['long-running', 'may-fail-on-existing-data', 'rebuild', 'writers-blocked'])),
    Case("rebuild never drops a foreign key that is only being added", U % "  n Int?\n" + P_NOREL, U % "  posts Post[]\n  n BigInt?\n" + P, allow_rebuild=True,
         ops=('CreateTable', 'CopyRows', 'VerifyRowsCopy', 'DropTable', 'RenameTable', 'RenameConstraint', 'SyncIdentity', 'CreateTable', 'CopyRows', 'VerifyRowsCopy', 'DropTable', 'RenameTable', 'RenameConstraint', 'SyncIdentity', 'CreateIndex', 'AddForeignKey', 'ValidateConstraint'), hazards=frozenset(['long-running', 'may-fail-on-existing-data', 'rebuild', 'writers-blocked'])),
    Case("rebuild of a renamed table keeps its id", U % "  n Int?\n", U.replace("model User", "model Account") % "  n BigInt?\n", allow_rebuild=True, rename_tables=("User=Account",),
         ops=('RenameTable', 'CreateTable', 'CopyRows', 'VerifyRowsCopy', 'DropTable', 'RenameTable', 'RenameConstraint', 'SyncIdentity', 'CreateIndex'), hazards=frozenset(['long-running', 'may-fail-on-existing-data', 'rebuild', 'writers-blocked'])),
    Case("rebuild with a bigint key becoming a uuid is refused", "model T {\n  id BigInt @id\n  a Int\n}\n", "model T {\n  id String @id @db.Uuid\n  a Int\n}\n", allow_rebuild=True, accept_data_loss=True, refused="no value"),
    Case("rebuild with a new required column without default is refused", U % "  n Int?\n", U % "  n BigInt?\n  r Int\n", allow_rebuild=True, refused="no default"),
    # index
    Case("new unique index", U % "  nick String?\n", U % "  nick String? @unique\n",
         ops=('CreateIndex',), hazards=frozenset(['may-fail-on-existing-data'])),
    Case("index changed", U % "  nick String?\n  @@index([nick])\n", U % "  nick String?\n  @@index([email, nick])\n",
         ops=('DropIndex', 'CreateIndex'), hazards=frozenset([])),
    Case("gin index with JsonbOps converges", U % "  j Json?\n  @@index([j(ops: JsonbOps)], type: Gin)\n", U % "  j Json?\n  @@index([j(ops: JsonbOps)], type: Gin)\n", "postgres",
         old_columns=(("User", "@index", "User_j_idx", None),),
         ops=(), hazards=frozenset([])),
    # constraint
    Case("foreign key to an existing table", U % "" + P_NOREL.replace("userId Int", "userId BigInt"), U % "  posts Post[]\n" + P,
         ops=('AddForeignKey', 'ValidateConstraint'), hazards=frozenset(['may-fail-on-existing-data'])),
    Case("foreign key to an existing table on postgres", U % "" + P_NOREL, U % "  posts Post[]\n" + P, "postgres",
         ops=('AddForeignKey',), hazards=frozenset(['may-fail-on-existing-data'])),
    # enum
    Case("enum value added on postgres", ROLE + U % "  r Role?\n", ROLE3 + U % "  r Role?\n", "postgres",
         ops=('AddEnumValue',), hazards=frozenset([])),
    Case("enum value removed on postgres is refused", ROLE3 + U % "  r Role?\n", ROLE + U % "  r Role?\n", "postgres", refused="does not yet remove"),
    # enum (DSQL: a domain without a check, the values a CHECK of each column, replaced without a copy)
    Case("enum value added on dsql", ROLE + U % "  r Role?\n", ROLE3 + U % "  r Role?\n",
         ops=('AddCheck', 'ValidateConstraint', 'DropConstraint', 'RenameConstraint'), hazards=frozenset([]),
         text=(('CHECK ("r" IN (\'A\', \'B\', \'C\')) NOT VALID', True), ("CopyColumn", False))),
    Case("enum value removed on dsql", ROLE3 + U % "  r Role?\n", ROLE + U % "  r Role?\n",
         ops=('AddCheck', 'ValidateConstraint', 'DropConstraint', 'RenameConstraint'),
         hazards=frozenset(['may-fail-on-existing-data'])),
    Case("new enum column on dsql", ROLE + U % "", ROLE + U % "  r Role?\n",
         ops=('AddColumns', 'AddCheck', 'ValidateConstraint'), hazards=frozenset([]),
         text=(('ADD CONSTRAINT "User_r_enum" CHECK ("r" IN (\'A\', \'B\')) NOT VALID', True),)),
    Case("enum in the old shape with the same values changes nothing", ROLE + U % "  r Role?\n",
         ROLE + U % "  r Role?\n", old_enum_in_domain=True, ops=(), hazards=frozenset([])),
    Case("enum in the old shape moves once to the new shape when its values change", ROLE + U % "  r Role?\n",
         ROLE3 + U % "  r Role?\n", old_enum_in_domain=True,
         ops=('CreateDomain', 'AddColumns', 'CopyColumn', 'VerifyColumnCopy', 'DropColumn', 'RenameColumn',
              'DropDomain', 'CreateDomain', 'AddColumns', 'CopyColumn', 'VerifyColumnCopy', 'DropColumn',
              'RenameColumn', 'AddCheck', 'ValidateConstraint', 'DropDomain'),
         hazards=frozenset(['rebuild', 'row-limit', 'writers-blocked']),
         text=(('CREATE DOMAIN "Role" AS TEXT;', True), ("VALUE IN", False))),
    # rename
    Case("column renamed", U % "  nick String?\n", U % "  handle String?\n", rename_columns=("User.nick=handle",),
         ops=('RenameColumn',), hazards=frozenset([])),
    Case("table renamed", U % "", U.replace("model User", "model Account") % "", rename_tables=("User=Account",),
         ops=('RenameTable', 'RenameConstraint', 'CreateIndex', 'DropIndex'), hazards=frozenset([])),
    # drops
    Case("column dropped without consent", U % "  nick String?\n", U % "", refused="would be dropped"),
    Case("builds run before drops", ROLE + U % "  nick String?\n  r Role?\n",
         ROLE3 + U % "  r Role?\n  code String? @unique\n", accept_data_loss=True,
         ops=('AddColumns', 'AddCheck', 'CreateIndex', 'ValidateConstraint', 'DropColumn', 'DropConstraint',
              'RenameConstraint'),
         hazards=frozenset(['data-loss', 'may-fail-on-existing-data'])),
    Case("table dropped last", U % "" + "model Tag {\n  id Int @id\n}\n", U % "" + "model Label {\n  id Int @id\n}\n", accept_data_loss=True,
         ops=('CreateTable', 'DropTable'), hazards=frozenset(['data-loss'])),
]

CASES.append(Case(
    "no cast on a key column: the key and the references onto it come back",
    "model T {\n  id Int @id\n  u U[]\n}\nmodel U {\n  id Int @id\n  tId Int?\n"
    "  t T? @relation(fields: [tId], references: [id])\n}\n",
    "model T {\n  id String @id @db.Uuid\n  u U[]\n}\nmodel U {\n  id Int @id\n  tId String? @db.Uuid\n"
    "  t T? @relation(fields: [tId], references: [id])\n}\n", "postgres", accept_data_loss=True,
    ops=("DropConstraint", "DropColumn", "AddColumns", "AddPrimaryKey", "DropColumn", "AddColumns", "AddForeignKey"),
    hazards=frozenset({"data-loss", "may-fail-on-existing-data"})))
