"""The differ and planner on a real PostgreSQL: old schema + rows -> plan -> applied -> re-planned to empty.

Each scenario builds the old schema's database (the DSQL script under the DSQL emulation, one statement
per transaction), puts rows in it, introspects it, plans the new schema, checks the step kinds and
hazards, applies the plan with the data in place, and then checks that planning again gives an empty
plan and that the rows are still there where no loss was accepted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg
import pytest

from prisma_dsql.capabilities import dsql_profile, profile_for
from prisma_dsql.introspect import introspect_database
from prisma_dsql.loader import load_text
from prisma_dsql.migrations.evolve import RenameHints, plan_to_schema
from prisma_dsql.migrations.generate import generate_from_empty
from prisma_dsql.plan import PlanOptions
from tests.support.dsql_emulation import apply_dsql_script

pytestmark = pytest.mark.postgres

HEAD = 'datasource db {\n  provider = "postgresql"\n}\n'
USER = '''model User {
  id    Int    @id @default(autoincrement())
  email String @unique
%s}
'''


@dataclass
class Scenario:
    name: str
    old: str
    new: str
    rows: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    hazards: set[str] = field(default_factory=set)
    options: PlanOptions = PlanOptions()
    hints: RenameHints = RenameHints()
    refused: str | None = None  # text of the refusal, when the plan must be refused
    fails: str | None = None  # SQLSTATE class / text expected when applying fails (e.g. duplicates)
    keep: str | None = None  # a query whose result must be the same before and after
    then: str | None = None  # a statement the application runs afterwards, which must work
    expect: tuple | None = None  # (query, rows) the database must answer afterwards


INSERT2 = ["INSERT INTO \"User\" (email) VALUES ('a@x'), ('b@x')"]

SCENARIOS = [
    Scenario("optional column", USER % "", USER % "  nick String?\n", INSERT2, ["AlterTable"], set(),
             keep='SELECT email FROM "User" ORDER BY id'),
    Scenario("required column with default", USER % "", USER % "  age Int @default(18)\n", INSERT2,
             ["AlterTable", "AlterTable", "Backfill", "AddCheck", "ValidateConstraint"], {"row-limit", "may-fail-on-existing-data"} - {"may-fail-on-existing-data"},
             keep='SELECT email FROM "User" ORDER BY id'),
    Scenario("optional to required with default", USER % "  nick String? @default(\"n\")\n",
             USER % "  nick String @default(\"n\")\n",
             ["INSERT INTO \"User\" (email, nick) VALUES ('a@x', NULL), ('b@x', 'bee')"],
             ["Backfill", "AddCheck", "ValidateConstraint"], {"row-limit"}),
    Scenario("required to optional", USER % "  nick String @default(\"n\")\n", USER % "  nick String? @default(\"n\")\n",
             INSERT2, ["AlterTable"], set()),
    Scenario("default changes", USER % "  n Int @default(1)\n", USER % "  n Int @default(2)\n", INSERT2,
             ["AlterTable"], set()),
    Scenario("default goes", USER % "  n Int @default(1)\n", USER % "  n Int\n", INSERT2, ["AlterTable"], set()),
    Scenario("new unique, no duplicates", USER % "  nick String?\n", USER % "  nick String? @unique\n", INSERT2,
             ["CreateIndex"], {"may-fail-on-existing-data"}),
    Scenario("new unique over duplicates", USER % "  nick String?\n", USER % "  nick String? @unique\n",
             ["INSERT INTO \"User\" (email, nick) VALUES ('a@x', 'same'), ('b@x', 'same')"],
             ["CreateIndex"], {"may-fail-on-existing-data"}, fails="could not create unique index"),
    Scenario("index added and dropped", USER % "  nick String?\n  @@index([nick])\n",
             USER % "  nick String?\n  @@index([email, nick])\n", INSERT2, ["DropIndex", "CreateIndex"], set()),
    Scenario("column dropped without consent", USER % "  nick String?\n", USER % "", INSERT2,
             refused="would be dropped with its data"),
    Scenario("column dropped with consent", USER % "  nick String?\n", USER % "", INSERT2, ["AlterTable"],
             {"data-loss"}, PlanOptions(accept_data_loss=True), keep='SELECT email FROM "User" ORDER BY id'),
    Scenario("column renamed", USER % "  nick String?\n", USER % "  handle String?\n",
             ["INSERT INTO \"User\" (email, nick) VALUES ('a@x', 'aa')"], ["AlterTable"], set(),
             hints=RenameHints.parse(columns=("User.nick=handle",)), keep='SELECT email FROM "User" ORDER BY id'),
    Scenario("model renamed", USER % "",
             USER.replace("model User", "model Account") % "", INSERT2,
             ["RenameTable", "RenameConstraint", "CreateIndex", "DropIndex"], set(),
             hints=RenameHints.parse(tables=("User=Account",))),
    Scenario("relation added", USER % "",
             USER % "  posts Post[]\n" + "model Post {\n  id Int @id @default(autoincrement())\n"
             "  userId Int?\n  user User? @relation(fields: [userId], references: [id])\n}\n", INSERT2,
             ["CreateTable"], set()),
    Scenario("relation to existing table", USER % "" + "model Post {\n  id Int @id @default(autoincrement())\n"
             "  userId BigInt?\n}\n",
             USER % "  posts Post[]\n" + "model Post {\n  id Int @id @default(autoincrement())\n"
             "  userId Int?\n  user User? @relation(fields: [userId], references: [id])\n}\n", INSERT2,
             ["AddForeignKey", "ValidateForeignKey"], {"may-fail-on-existing-data"} - {"may-fail-on-existing-data"}),
    Scenario("enum value added", "enum Role {\n  A\n  B\n}\n" + USER % "  role Role @default(A)\n",
             "enum Role {\n  A\n  B\n  C\n}\n" + USER % "  role Role @default(A)\n",
             ["INSERT INTO \"User\" (email, role) VALUES ('a@x', 'A'), ('b@x', 'B')"],
             ["CreateDomain", "AlterTable", "CopyColumn", "AlterTable", "AlterTable", "AlterTable", "DropDomain",
              "CreateDomain", "AlterTable", "CopyColumn", "AlterTable", "AlterTable", "AlterTable", "Backfill",
              "AddCheck", "ValidateConstraint", "DropDomain"], {"rebuild", "row-limit"},
             keep='SELECT email, role::text FROM "User" ORDER BY id'),
    Scenario("enum value removed, with an index", "enum Role {\n  A\n  B\n}\n" + USER % "  role Role?\n  @@index([role])\n",
             "enum Role {\n  A\n}\n" + USER % "  role Role?\n  @@index([role])\n",
             ["INSERT INTO \"User\" (email, role) VALUES ('a@x', 'A'), ('b@x', NULL)"],
             ["CreateDomain", "AlterTable", "CopyColumn", "AlterTable", "AlterTable", "DropDomain", "CreateDomain",
              "AlterTable", "CopyColumn", "AlterTable", "AlterTable", "CreateIndex", "DropDomain"],
             {"rebuild", "row-limit", "may-fail-on-existing-data"},
             keep='SELECT email, role::text FROM "User" ORDER BY id'),
    Scenario("enum value removed while rows hold it", "enum Role {\n  A\n  B\n}\n" + USER % "  role Role?\n",
             "enum Role {\n  A\n}\n" + USER % "  role Role?\n",
             ["INSERT INTO \"User\" (email, role) VALUES ('a@x', 'B')"],
             ["CreateDomain", "AlterTable", "CopyColumn", "AlterTable", "AlterTable", "DropDomain", "CreateDomain",
              "AlterTable", "CopyColumn", "AlterTable", "AlterTable", "DropDomain"],
             {"rebuild", "row-limit", "may-fail-on-existing-data"}, fails="violates check constraint"),
    Scenario("type change without rebuild", USER % "  n Int?\n", USER % "  n String?\n", INSERT2,
             refused="--allow-rebuild"),
    Scenario("type change with rebuild", USER % "  n Int?\n", USER % "  n BigInt?\n",
             ["INSERT INTO \"User\" (email, n) VALUES ('a@x', 1), ('b@x', 2)"],
             ["CreateTable", "CopyRows", "DropTable", "RenameTable", "RenameConstraint", "SyncIdentity", "CreateIndex"],
             {"rebuild", "long-running", "may-fail-on-existing-data"}, PlanOptions(allow_rebuild=True),
             keep='SELECT email, n FROM "User" ORDER BY id',
             then='INSERT INTO "User" (email, n) VALUES (\'new@x\', 3)'),  # the identity goes on after the copy
    Scenario("rebuild with a column renamed", USER % "  n Int?\n  b Int?\n", USER % "  n BigInt?\n  c Int?\n",
             ["INSERT INTO \"User\" (email, n, b) VALUES ('a@x', 1, 10), ('b@x', 2, NULL)"],
             ["CreateTable", "CopyRows", "DropTable", "RenameTable", "RenameConstraint", "SyncIdentity", "CreateIndex"],
             {"rebuild", "long-running", "may-fail-on-existing-data"}, PlanOptions(allow_rebuild=True),
             hints=RenameHints.parse(columns=("User.b=c",)), keep='SELECT email, n FROM "User" ORDER BY id',
             expect=('SELECT email, n, c FROM "User" ORDER BY id', [("a@x", 1, 10), ("b@x", 2, None)])),
    Scenario("rebuild of a table keyed by a unique field", "model T {\n  a String @unique\n  b Int?\n  c Int?\n}\n",
             "model T {\n  a String @unique\n  b Int?\n  c BigInt?\n}\n",
             ["INSERT INTO \"T\" (a, b, c) VALUES ('x', NULL, 1), ('y', 2, NULL)"],
             ["CreateTable", "CopyRows", "DropTable", "RenameTable", "CreateIndex"],
             {"rebuild", "long-running", "may-fail-on-existing-data"}, PlanOptions(allow_rebuild=True),
             keep='SELECT a, b FROM "T" ORDER BY a'),
    Scenario("enum value added while the field becomes required", "enum Role {\n  A\n  B\n}\n" + USER % "  role Role?\n",
             "enum Role {\n  A\n  B\n  C\n}\n" + USER % "  role Role @default(A)\n",
             ["INSERT INTO \"User\" (email, role) VALUES ('a@x', 'B'), ('b@x', NULL)"],
             ["CreateDomain", "AlterTable", "CopyColumn", "AlterTable", "AlterTable", "AlterTable", "DropDomain",
              "CreateDomain", "AlterTable", "CopyColumn", "AlterTable", "AlterTable", "AlterTable", "Backfill",
              "AddCheck", "ValidateConstraint", "DropDomain"], {"rebuild", "row-limit"}),
    Scenario("enum change on a primary-key column", "enum Role {\n  A\n  B\n}\nmodel T {\n  a Int\n  r Role\n"
             "  @@id([a, r])\n}\n", "enum Role {\n  A\n  B\n  C\n}\nmodel T {\n  a Int\n  r Role\n  @@id([a, r])\n}\n",
             [], refused="is in a primary key"),
    Scenario("model renamed while its relation changes", USER % "  posts Post[]\n" + "model Post {\n"
             "  id Int @id @default(autoincrement())\n  userId Int\n  user User @relation(fields: [userId], "
             "references: [id])\n}\n",
             USER % "  posts Article[]\n" + "model Article {\n  id Int @id @default(autoincrement())\n  userId Int\n"
             "  user User @relation(fields: [userId], references: [id], onDelete: Cascade)\n}\n", INSERT2,
             ["DropConstraint", "RenameTable", "RenameConstraint", "AddForeignKey", "ValidateForeignKey"],
             {"may-fail-on-existing-data"}, hints=RenameHints.parse(tables=("Post=Article",))),
    Scenario("table dropped with consent", USER % "" + "model Tag {\n  id Int @id\n}\n", USER % "", INSERT2,
             ["DropTable"], {"data-loss"}, PlanOptions(accept_data_loss=True)),
]


def _build(url: str, schema: str) -> None:
    generated = generate_from_empty(load_text(HEAD + schema), dsql_profile())
    assert generated.ok, (generated.refusal, generated.problems, [d.message for d in generated.errors])
    apply_dsql_script(url, generated.script.text())


def _read(url: str):
    with psycopg.connect(url, autocommit=True) as conn:
        return introspect_database(conn)


def _query(url: str, sql: str):
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql).fetchall()


@pytest.mark.parametrize("s", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_evolution(s: Scenario, pg_database, dsql_lint):
    profile = dsql_profile()
    _build(pg_database, s.old)
    for sql in s.rows:
        _query_exec(pg_database, sql)
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute("ANALYZE")
    before = _query(pg_database, s.keep) if s.keep else None
    read = _read(pg_database)
    evo = plan_to_schema(read.catalog, load_text(HEAD + s.new), profile, plan_options=s.options, hints=s.hints,
                         row_estimates=read.row_estimates)
    if s.refused:
        assert not evo.ok and evo.refused is not None
        assert any(s.refused in b.message or s.refused in b.options for b in evo.refused.blocked), evo.refused
        return
    assert evo.ok, (evo.refusal, evo.refused, evo.problems)
    assert evo.plan.fingerprint == read.catalog.fingerprint()  # the database as it is, renames or not
    assert [st.label for st in evo.plan.steps] == s.labels, evo.plan.text()
    assert {h.kind for _, h in evo.plan.hazards()} == s.hazards, evo.plan.hazards()
    lint = dsql_lint(evo.plan.text())
    assert not lint.errors, lint.errors
    if s.fails:
        with pytest.raises(Exception, match=s.fails):
            apply_dsql_script(pg_database, evo.plan.text())
        return
    apply_dsql_script(pg_database, evo.plan.text())
    again = plan_to_schema(_read(pg_database).catalog, load_text(HEAD + s.new), profile)
    assert again.ok and again.plan.steps == (), again.plan.text() if again.ok else again.refused
    if s.keep:
        assert _query(pg_database, s.keep) == before
    if s.then:
        _query_exec(pg_database, s.then)
    if s.expect:
        assert _query(pg_database, s.expect[0]) == s.expect[1]


def _query_exec(url: str, sql: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


@pytest.mark.parametrize("s", [s for s in SCENARIOS if s.name in (
    "optional column", "required column with default", "column renamed", "default changes", "type change with rebuild",
    "required to optional")], ids=lambda s: s.name)
def test_evolution_on_postgres(s: Scenario, pg_database):
    """The PostgreSQL target takes the same changes with plain ALTERs and re-plans to empty."""
    profile = profile_for("postgres")
    generated = generate_from_empty(load_text(HEAD + s.old), profile)
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(generated.script.text())
        for sql in s.rows:
            conn.execute(sql)
    evo = plan_to_schema(_read(pg_database).catalog, load_text(HEAD + s.new), profile, plan_options=s.options,
                         hints=s.hints)
    assert evo.ok, (evo.refusal, evo.refused, evo.problems)
    with psycopg.connect(pg_database, autocommit=True) as conn:
        for st in evo.plan.steps:
            conn.execute(st.sql)
    again = plan_to_schema(_read(pg_database).catalog, load_text(HEAD + s.new), profile)
    assert again.ok and again.plan.steps == (), again.plan.text() if again.ok else again.refused


def test_extensions_of_the_database_are_not_drift_without_the_preview_feature():
    from prisma_dsql.catalog.model import Catalog, Extension

    actual = Catalog(("public",), extensions=(Extension("pgcrypto"),))
    evo = plan_to_schema(actual, load_text(HEAD), profile_for("postgres"))
    assert evo.ok and evo.plan.steps == ()
    # With postgresqlExtensions, the schema manages them: one it no longer lists is dropped.
    managed = ('generator client {\n  provider = "prisma-client-js"\n  previewFeatures = ["postgresqlExtensions"]\n'
               '}\n' + HEAD.replace("}\n", "  extensions = [citext]\n}\n"))
    evo = plan_to_schema(actual, load_text(managed), profile_for("postgres"))
    assert evo.ok, (evo.refusal, evo.diagnostics)
    assert [s.label for s in evo.plan.steps] == ["CreateExtension", "DropExtension"]


def test_plan_report_shows_control_characters_from_names_instead_of_obeying_them():
    from prisma_dsql.catalog.model import Catalog
    from prisma_dsql.plan.report import render_plan

    schema = HEAD + 'model T {\n  id Int @id\n  @@map("T\\u001b[2J")\n}\n'
    evo = plan_to_schema(Catalog(), load_text(schema), dsql_profile())
    assert evo.ok, (evo.refusal, [d.message for d in evo.diagnostics])
    text = render_plan(evo.plan)
    assert "\x1b" not in text and "T\\u{1b}[2J" in text
    assert "\x1b" in evo.plan.text()  # the SQL itself keeps the name exactly: it is the data


def test_a_field_moved_to_another_enum_on_postgres(pg_database):
    old = "enum A {\n  X\n  Y\n}\nenum B {\n  X\n  Y\n  Z\n}\n" + USER % "  kind A?\n"
    new = old.replace("  kind A?\n", "  kind B?\n")
    profile = profile_for("postgres")
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(generate_from_empty(load_text(HEAD + old), profile).script.text())
        conn.execute("""INSERT INTO "User" (email, kind) VALUES ('a@x', 'Y')""")
    evo = plan_to_schema(_read(pg_database).catalog, load_text(HEAD + new), profile)
    assert evo.ok, (evo.refusal, evo.refused, evo.problems)
    assert [s.label for s in evo.plan.steps] == ["AlterTable"], evo.plan.text()
    with psycopg.connect(pg_database, autocommit=True) as conn:
        for st in evo.plan.steps:
            conn.execute(st.sql)
        assert conn.execute('SELECT kind::text FROM "User"').fetchone() == ("Y",)
    assert plan_to_schema(_read(pg_database).catalog, load_text(HEAD + new), profile).plan.steps == ()


def test_rename_suggestions_name_the_model_and_field_whatever_their_database_names():
    from prisma_dsql.migrations.generate import generate_from_empty as gen

    head = HEAD.replace('provider = "postgresql"', 'provider = "postgresql"\n  schemas  = ["auth"]')
    old = head + 'model User {\n  id Int @id\n  nick String?\n  @@map("users")\n  @@schema("auth")\n}\n'
    new = old.replace("nick String?", 'handle String? @map("the_handle")')
    actual = gen(load_text(old), profile_for("postgres")).catalog
    evo = plan_to_schema(actual, load_text(new), profile_for("postgres"))
    assert not evo.ok and evo.suggestions == ("--rename-column User.nick=handle",)
    hinted = plan_to_schema(actual, load_text(new), profile_for("postgres"),
                            hints=RenameHints.parse(columns=evo.suggestions[0].split(" ", 1)[1:]))
    assert hinted.ok and [s.sql for s in hinted.plan.steps] == [
        'ALTER TABLE "auth"."users" RENAME COLUMN "nick" TO "the_handle"']


# -- the planner bugs of issue 13, each on the case that found it -------------------------------------------------
REAL_CASES = [
    Scenario("rebuild never drops a foreign key that is only being added",
             USER % "  n Int?\n" + "model Post {\n  id Int @id @default(autoincrement())\n  userId BigInt?\n}\n",
             USER % "  n BigInt?\n  posts Post[]\n" + "model Post {\n  id Int @id @default(autoincrement())\n"
             "  userId Int?\n  user User? @relation(fields: [userId], references: [id])\n}\n", INSERT2,
             ["CreateTable", "CopyRows", "DropTable", "RenameTable", "RenameConstraint", "SyncIdentity", "CreateIndex",
              "AddForeignKey", "ValidateForeignKey"],
             {"rebuild", "long-running", "may-fail-on-existing-data"}, PlanOptions(allow_rebuild=True),
             keep='SELECT id, email FROM "User" ORDER BY id'),
    Scenario("rebuild of a renamed table keeps its ids", USER % "  n Int?\n",
             USER.replace("model User", "model Account") % "  n BigInt?\n",
             ["INSERT INTO \"User\" (email, n) VALUES ('a@x', 1), ('b@x', 2)"],
             ["RenameTable", "CreateTable", "CopyRows", "DropTable", "RenameTable", "RenameConstraint", "SyncIdentity",
              "CreateIndex"], {"rebuild", "long-running", "may-fail-on-existing-data"}, PlanOptions(allow_rebuild=True),
             hints=RenameHints.parse(tables=("User=Account",)),
             expect=('SELECT id, email, n FROM "Account" ORDER BY id', [(1, "a@x", 1), (2, "b@x", 2), (3, "c@x", None)]),
             then='INSERT INTO "Account" (email) VALUES (\'c@x\')'),
    Scenario("rebuild of a bigint key becoming a uuid is refused, not cast",
             "model T {\n  id BigInt @id\n  a Int?\n}\n", "model T {\n  id String @id @db.Uuid\n  a Int?\n}\n",
             ["INSERT INTO \"T\" (id, a) VALUES (1, 1)"], options=PlanOptions(allow_rebuild=True, accept_data_loss=True),
             refused="no value"),
    Scenario("a column with a default moves to another enum",
             "enum A {\n  X\n}\nenum B {\n  X\n  Y\n}\n" + USER % "  k A @default(X)\n",
             "enum A {\n  X\n}\nenum B {\n  X\n  Y\n}\n" + USER % "  k B @default(X)\n",
             ["INSERT INTO \"User\" (email, k) VALUES ('a@x', 'X')"],
             ["AlterTable", "CopyColumn", "AlterTable", "AlterTable", "AlterTable", "Backfill", "AddCheck",
              "ValidateConstraint"], {"rebuild", "row-limit"},
             keep='SELECT email, k::text FROM "User" ORDER BY id'),
    Scenario("a dropped column waits for the builds", USER % "  nick String?\n  b String?\n",
             USER % "  b String? @unique\n",
             ["INSERT INTO \"User\" (email, nick, b) VALUES ('a@x', 'n', 'dup'), ('b@x', 'm', 'dup')"],
             ["CreateIndex", "AlterTable"], {"may-fail-on-existing-data", "data-loss"},
             PlanOptions(accept_data_loss=True), fails="could not create unique index"),
]


@pytest.mark.parametrize("s", REAL_CASES, ids=[s.name for s in REAL_CASES])
def test_issue_13_case(s: Scenario, pg_database, dsql_lint):
    test_evolution(s, pg_database, dsql_lint)
    if s.name == "a dropped column waits for the builds":  # the failed build left the dropped column's values
        assert _query(pg_database, 'SELECT nick FROM "User" ORDER BY id') == [("n",), ("m",)]


def _postgres_round(pg_database, old: str, new: str, rows=(), options: PlanOptions | None = None):
    profile = profile_for("postgres")
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(generate_from_empty(load_text(HEAD + old), profile).script.text())
        for sql in rows:
            conn.execute(sql)
    evo = plan_to_schema(_read(pg_database).catalog, load_text(HEAD + new), profile,
                         plan_options=options or PlanOptions())
    assert evo.ok, (evo.refusal, evo.refused, evo.problems)
    with psycopg.connect(pg_database) as conn:  # one transaction, as Prisma runs a migration
        if evo.plan.steps:
            conn.execute(evo.plan.text())
    again = plan_to_schema(_read(pg_database).catalog, load_text(HEAD + new), profile)
    assert again.ok and again.plan.steps == (), again.plan.text() if again.ok else again.refused
    return evo.plan


def test_a_gin_index_with_jsonb_ops_converges_on_postgres(pg_database):
    schema = USER % "  j Json?\n  @@index([j(ops: JsonbOps)], type: Gin)\n"
    plan = _postgres_round(pg_database, schema, schema)
    assert plan.steps == ()


def test_a_list_column_made_not_null_by_hand_is_not_drift(pg_database):
    schema = USER % "  tags String[]\n"
    profile = profile_for("postgres")
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(generate_from_empty(load_text(HEAD + schema), profile).script.text())
        conn.execute('ALTER TABLE "User" ALTER COLUMN "tags" SET NOT NULL')
    evo = plan_to_schema(_read(pg_database).catalog, load_text(HEAD + schema), profile)
    assert evo.ok and evo.plan.steps == (), evo.plan.text()


def test_a_column_with_a_default_moves_to_another_enum_on_postgres(pg_database):
    enums = "enum A {\n  X\n}\nenum B {\n  X\n  Y\n}\n"
    plan = _postgres_round(pg_database, enums + USER % "  k A @default(X)\n", enums + USER % "  k B @default(X)\n",
                           ["INSERT INTO \"User\" (email) VALUES ('a@x')"])
    assert [type(s.operation).__name__ for s in plan.steps] == ["DropDefault", "AlterColumnType", "SetDefault"]
    assert _query(pg_database, 'SELECT k::text FROM "User"') == [("X",)]


def test_jsonb_to_json_is_not_labelled_may_fail_and_keeps_the_value(pg_database):
    plan = _postgres_round(pg_database, USER % "  j Json?\n", USER % "  j Json? @db.Json\n",
                           ["INSERT INTO \"User\" (email, j) VALUES ('a@x', '{\"b\": 1, \"a\": [2]}')"])
    assert [h.kind for _, h in plan.hazards()] == []
    assert "keys sorted" in plan.steps[0].reason
    assert _query(pg_database, 'SELECT j::text FROM "User"') == [('{"a": [2], "b": 1}',)]


def test_a_type_with_no_cast_is_dropped_and_added_on_postgres_as_prisma_does(pg_database):
    plan = _postgres_round(pg_database, USER % "  n Int?\n  @@index([n])\n", USER % "  n DateTime?\n  @@index([n])\n",
                           ["INSERT INTO \"User\" (email, n) VALUES ('a@x', 5)"], PlanOptions(accept_data_loss=True))
    assert "USING" not in plan.text()
    assert _query(pg_database, 'SELECT email, n FROM "User"') == [("a@x", None)]


def test_a_rebuild_copy_finds_its_batches_through_the_key():
    """Keyed batches: the copy starts at the highest key copied (an index range), never `NOT EXISTS ... IS NOT
    DISTINCT FROM` over the whole table; the LIMIT is there once, for the deploy engine to lower."""
    from prisma_dsql.sql.directives import batch_size

    actual = generate_from_empty(load_text(HEAD + USER % "  n Int?\n"), dsql_profile()).catalog
    evo = plan_to_schema(actual, load_text(HEAD + USER % "  n BigInt?\n"), dsql_profile(),
                         plan_options=PlanOptions(allow_rebuild=True))
    copy = next(s for s in evo.plan.steps if s.label == "CopyRows")
    assert "IS NOT DISTINCT FROM" not in copy.sql and 'SELECT "id" FROM "User__prisma_dsql_new" ORDER BY "id" DESC FETCH FIRST 1 ROW ONLY' in copy.sql
    assert batch_size(copy.sql) == 1500 == dsql_profile().limit("rows_per_transaction") // 2
    assert copy.directives == ("repeat-until-zero-rows",)


@pytest.mark.parametrize("key", ["single", "composite"])
def test_a_batched_rebuild_copies_every_row_once_whatever_the_key(key, pg_database):
    """The repeated copy, run the way the deploy engine runs it (again until a run inserts nothing), copies
    every row exactly once in ceil(rows / batch) + 1 runs, for a one-column and a two-column key."""
    from tests.support.dsql_emulation import to_postgres

    if key == "single":
        old, new = USER % "  n Int?\n", USER % "  n BigInt?\n"
        rows, check = ([f"INSERT INTO \"User\" (email, n) VALUES ('{i}@x', {i})" for i in range(5)],
                       'SELECT email, n FROM "User" ORDER BY email')
    else:
        old = "model T {\n  a Int\n  b String\n  n Int?\n  @@id([a, b])\n}\n"
        new = old.replace("n Int?", "n BigInt?")
        rows = [f"INSERT INTO \"T\" (a, b, n) VALUES ({i % 2}, '{i}', {i})" for i in range(5)]
        check = 'SELECT a, b, n FROM "T" ORDER BY a, b'
    _build(pg_database, old)
    for sql in rows:
        _query_exec(pg_database, sql)
    before = _query(pg_database, check)
    evo = plan_to_schema(_read(pg_database).catalog, load_text(HEAD + new), dsql_profile(),
                         plan_options=PlanOptions(allow_rebuild=True, batch_rows=2))
    assert evo.ok, (evo.refusal, evo.refused)
    runs = 0
    with psycopg.connect(pg_database, autocommit=True) as conn:
        for step in evo.plan.steps:
            if "repeat-until-zero-rows" in step.directives:
                while conn.execute(to_postgres(step.sql)).rowcount:
                    runs += 1
                runs += 1
            else:
                conn.execute(to_postgres(step.sql))
    assert runs == 4  # 2 + 2 + 1 rows, then an empty run
    assert _query(pg_database, check) == before


def test_the_precondition_of_a_new_unique_counts_the_duplicates_before_anything_runs(pg_database):
    old, new = USER % "  nick String?\n", USER % "  nick String? @unique\n"
    _build(pg_database, old)
    _query_exec(pg_database, "INSERT INTO \"User\" (email, nick) VALUES ('a@x', 'same'), ('b@x', 'same'), "
                             "('c@x', NULL), ('d@x', NULL)")
    evo = plan_to_schema(_read(pg_database).catalog, load_text(HEAD + new), dsql_profile())
    (check,) = [p for s in evo.plan.steps for p in s.preconditions]
    assert _query(pg_database, check.sql) == [(1,)]  # one duplicated value; NULLs never clash
    assert _query(pg_database, check.sample_sql) == [("same", 2)]


def test_a_key_column_with_no_cast_comes_back_as_the_key_with_its_references_on_postgres(pg_database):
    old = ("model T {\n  id Int @id\n  a Int?\n  u U[]\n}\nmodel U {\n  id Int @id\n  tId Int?\n"
           "  t T? @relation(fields: [tId], references: [id])\n}\n")
    new = old.replace("id Int @id\n  a", "id String @id @db.Uuid\n  a").replace("tId Int?", "tId String? @db.Uuid")
    plan = _postgres_round(pg_database, old, new, options=PlanOptions(accept_data_loss=True))
    labels = [type(s.operation).__name__ for s in plan.steps]
    assert labels.count("AddPrimaryKey") == 1 and labels.count("AddForeignKey") == 1, labels
    assert labels.index("DropConstraint") < labels.index("DropColumn")
