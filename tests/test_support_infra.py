"""Tests of the shared test infrastructure in tests/support/."""

from __future__ import annotations

import textwrap

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support import dsql_lint as lint
from tests.support.dsql_emulation import (
    RULES,
    DsqlExecutionError,
    DsqlRejected,
    apply_dsql_script,
    find_violations,
    introspect,
    parse_column_def,
    to_postgres,
)
from tests.support.postgres import PostgresServer, database_url, start_server
from prisma_dsql.sql.split import SqlSplitError, Statement, mask_sql, split_sql

# ============================================================================ sql_split


def texts(script: str) -> list[str]:
    return [s.text for s in split_sql(script)]


def test_split_basic_lines_and_leading_comments() -> None:
    script = textwrap.dedent(
        """\
        -- CreateTable
        CREATE TABLE "a" (
            "id" TEXT NOT NULL
        );

        -- CreateIndex
        /* block */ CREATE INDEX ASYNC "i" ON "a"("id");
        SELECT 1"""
    )
    assert split_sql(script) == [
        Statement('CREATE TABLE "a" (\n    "id" TEXT NOT NULL\n)', 2, ("-- CreateTable",)),
        Statement('CREATE INDEX ASYNC "i" ON "a"("id")', 7, ("-- CreateIndex", "/* block */")),
        Statement("SELECT 1", 8, ()),
    ]


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("SELECT 'a;b'; SELECT 2", ["SELECT 'a;b'", "SELECT 2"]),
        ("SELECT 'it''s; fine';", ["SELECT 'it''s; fine'"]),
        ("SELECT 'C:\\'; SELECT 2", ["SELECT 'C:\\'", "SELECT 2"]),  # backslash is literal in '...'
        ("SELECT E'it\\'s; x'; SELECT 2", ["SELECT E'it\\'s; x'", "SELECT 2"]),
        ("SELECT e'\\\\'; SELECT 2", ["SELECT e'\\\\'", "SELECT 2"]),
        ("SELECT E'a''b;c'", ["SELECT E'a''b;c'"]),
        ("SELECT name'x;y'", ["SELECT name'x;y'"]),  # not an E-string, still a string
        ('CREATE TABLE "a;""b" (x int); SELECT 2', ['CREATE TABLE "a;""b" (x int)', "SELECT 2"]),
        ("SELECT $$a;'b$$; SELECT 2", ["SELECT $$a;'b$$", "SELECT 2"]),
        ("SELECT $f$ $$; $g$ $f$; SELECT 2", ["SELECT $f$ $$; $g$ $f$", "SELECT 2"]),
        ("SELECT $1; SELECT a$b$c; SELECT 3", ["SELECT $1", "SELECT a$b$c", "SELECT 3"]),
        ("SELECT 1 -- don't; split\n; SELECT 2", ["SELECT 1", "SELECT 2"]),
        ("SELECT /* a /* nested; */ 'x; */ 1; SELECT 2", ["SELECT   1", "SELECT 2"]),
        ("SELECT 1 /* a\nb */ + 2", ["SELECT 1 \n + 2"]),  # block comment keeps its newlines
        (";;  ; -- nothing\n;", []),
        ("", []),
        ("SELECT (1; 2); SELECT 3", ["SELECT (1; 2)", "SELECT 3"]),  # psql: ; inside () does not split
        (
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true "
            "THEN 1 END; END; SELECT 2",
            [
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true "
                "THEN 1 END; END",
                "SELECT 2",
            ],
        ),
        ("BEGIN; CREATE TABLE t (a int); COMMIT", ["BEGIN", "CREATE TABLE t (a int)", "COMMIT"]),
        ("SELECT 1 -- no newline at end", ["SELECT 1"]),
        ("SELECT 'a\nb;c'\n;", ["SELECT 'a\nb;c'"]),
    ],
)
def test_split_edge_cases(script: str, expected: list[str]) -> None:
    assert texts(script) == expected


def test_split_line_numbers_follow_multiline_literals() -> None:
    script = "SELECT 'a\nb\nc';\n\n/* x\ny */\nSELECT $$\n;\n$$;  SELECT 3;"
    assert [(s.line, s.text) for s in split_sql(script)] == [
        (1, "SELECT 'a\nb\nc'"),
        (7, "SELECT $$\n;\n$$"),
        (9, "SELECT 3"),
    ]


@pytest.mark.parametrize(
    ("script", "line"),
    [("SELECT 1;\nSELECT 'abc", 2), ('SELECT "abc', 1), ("\n\nSELECT $x$ abc $y$", 3), ("/* /* */", 1),
     ("SELECT E'\\'", 1)],
)
def test_split_unterminated(script: str, line: int) -> None:
    with pytest.raises(SqlSplitError) as info:
        split_sql(script)
    assert info.value.line == line


def test_mask_sql_preserves_length_and_hides_literals() -> None:
    script = "SELECT 'DESC;', \"SERIAL col\", $t$ TYPE $t$, E'\\'x' -- CREATE TYPE\n/* text[] */ FROM t"
    masked = mask_sql(script)
    assert len(masked) == len(script)
    assert masked == "SELECT '_____', \"__________\", $t$______$t$, E'___'               \n             FROM t"


# Property: joining generated statements and splitting them gives them back.
_word = st.sampled_from(["select", "x", "ALTER", "t1", "a$b", "_c", "1", "2.5", "=", ",", "+", "()", "$1", "::", "e"])
_body = st.text(alphabet="ab ;'\"$-/*\\\nE", max_size=12)


def _string(s: str) -> tuple[str, str]:
    lit = "'" + s.replace("'", "''") + "'"
    return lit, lit


def _estring(s: str) -> tuple[str, str]:
    lit = "E'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return lit, lit


def _ident(s: str) -> tuple[str, str]:
    lit = '"' + s.replace('"', '""') + '"'
    return lit, lit


def _dollar(tag_body: tuple[str, str]) -> tuple[str, str]:
    tag, body = tag_body
    lit = f"${tag}${body}${tag}$"
    return lit, lit


def _line_comment(s: str) -> tuple[str, str]:
    return "--" + s.replace("\n", " ") + "\n", "\n"


def _block_comment(s: str) -> tuple[str, str]:
    s = s.replace("/", "").replace("*", "")  # no nested or early-closing delimiters
    raw = "/*" + s + "*/"
    return raw, "\n" * raw.count("\n") or " "


_token = st.one_of(
    _word.map(lambda w: (w, w)),
    _body.map(_string),
    _body.map(_estring),
    _body.map(_ident),
    st.tuples(st.sampled_from(["", "f", "tag_1"]), _body)
    .filter(lambda tb: f"${tb[0]}$" not in tb[1] + "$" and not tb[1].endswith("$"))
    .map(_dollar),
    _body.map(_line_comment),
    _body.map(_block_comment),
)
_statement = st.tuples(_word, st.lists(_token, max_size=8))
_separator = st.sampled_from([";\n", ";", " ;\n\n", ";\n-- step\n", ";/* c; */", ";;\n"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_statement, _separator), min_size=1, max_size=5))
def test_split_roundtrip_property(items) -> None:
    script, expected = "", []
    for (first, rest), sep in items:
        tokens = [(first, first), *rest]
        raw = " ".join(r for r, _ in tokens)
        text = " ".join(e for _, e in tokens).strip()
        expected.append((script.count("\n") + 1, text))
        script += raw + sep
    assert [(s.line, s.text) for s in split_sql(script)] == expected
    assert len(mask_sql(script)) == len(script)


# ============================================================================ postgres server


@pytest.mark.postgres
def test_server_is_running_and_start_time_measured(pg_server: PostgresServer) -> None:
    assert pg_server.start_seconds > 0
    with psycopg.connect(pg_server.url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert pg_server.version


@pytest.mark.postgres
@pytest.mark.parametrize("run", [1, 2])
def test_fresh_database_per_test(pg_database: str, run: int) -> None:
    with psycopg.connect(pg_database, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)
        conn.execute("CREATE TABLE leftover (id int)")  # would leak into the other run if DBs were shared
        name = conn.execute("SELECT current_database()").fetchone()[0]
    assert name.startswith("test_fresh_database_per_test")


@pytest.mark.postgres
def test_create_and_drop_database(pg_server: PostgresServer) -> None:
    name, url = pg_server.create_database("Some Test[Name]")
    assert name.startswith("some_test_name_")
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == (name,)
        pg_server.drop_database(name)  # an open connection does not block the drop (WITH FORCE)
    with psycopg.connect(pg_server.url) as admin:
        assert admin.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (name,)).fetchone() == (0,)


def test_database_url() -> None:
    assert database_url("postgresql://postgres:@/postgres?host=/tmp/x", "db1") == (
        "postgresql://postgres:@/db1?host=/tmp/x"
    )
    assert database_url("postgres://u:p@h:5433/a?sslmode=require", "b") == "postgres://u:p@h:5433/b?sslmode=require"
    assert "dbname=b" in database_url("host=h user=u dbname=a", "b")


@pytest.mark.postgres
def test_embedded_server_start_stop(pg_server: PostgresServer, monkeypatch: pytest.MonkeyPatch) -> None:
    if pg_server.source != "pgserver":
        pytest.skip("an external server is configured")
    monkeypatch.delenv("PRISMA_DSQL_TEST_DATABASE_URL", raising=False)
    other = start_server()
    try:
        assert other.url != pg_server.url
        with psycopg.connect(other.url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        tmpdir = other._tmpdir
    finally:
        other.stop()
    assert tmpdir is not None and not tmpdir.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(other.url, connect_timeout=2)


# ============================================================================ DSQL emulation

GOOD_DSQL = """\
-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateDomain
CREATE DOMAIN "Email" AS TEXT CHECK (VALUE LIKE '%@%');

-- CreateTable
CREATE TABLE "User" (
    "id" BIGINT GENERATED BY DEFAULT AS IDENTITY (CACHE 65536),
    "email" "Email" NOT NULL,
    "profile" JSONB,
    "role" TEXT NOT NULL DEFAULT 'USER' CHECK ("role" IN ('USER', 'ADMIN')),
    "note" VARCHAR(200) DEFAULT 'no SERIAL, text[] or DESC here; really',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Post" (
    "id" UUID NOT NULL,
    "authorId" BIGINT NOT NULL REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    "title" TEXT,
    "desc" TEXT,
    CONSTRAINT "Post_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Tag" (
    "id" BIGINT GENERATED ALWAYS AS IDENTITY (START WITH 10 CACHE 1),
    "postId" UUID,
    "price" DECIMAL(65,30),
    CONSTRAINT "Tag_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "Tag_postId_fkey" FOREIGN KEY ("postId") REFERENCES "Post"("id") ON DELETE SET NULL
);

-- CreateIndex
CREATE UNIQUE INDEX ASYNC "User_email_key" ON "User"("email");

-- CreateIndex
CREATE INDEX ASYNC IF NOT EXISTS "Post_authorId_title_idx" ON "Post"("authorId", "title" NULLS FIRST)
    INCLUDE ("desc") WHERE "title" IS NOT NULL;

-- CreateIndex
CREATE INDEX ASYNC "Post_lower_title_idx" ON "Post"(lower("title"));

-- AlterTable
ALTER TABLE "Post" ADD COLUMN "editorId" BIGINT, ADD COLUMN IF NOT EXISTS "views" INTEGER;
ALTER TABLE "Post" ALTER COLUMN "views" SET DEFAULT 0;

-- AddForeignKey
ALTER TABLE "Post" ADD CONSTRAINT "Post_editorId_fkey" FOREIGN KEY ("editorId") REFERENCES "User"("id")
    ON DELETE RESTRICT ON UPDATE CASCADE NOT VALID;
ALTER TABLE ASYNC "Post" VALIDATE CONSTRAINT "Post_editorId_fkey";
ALTER TABLE "Post" ADD CONSTRAINT "Post_title_check" CHECK (length("title") > 0) NOT VALID;
CALL sys.wait_for_job('abc');

BEGIN;
INSERT INTO "User" ("email") VALUES ('a@b.c');
COMMIT;
"""


@pytest.mark.postgres
def test_good_dsql_script_applies_and_introspects(pg_database: str) -> None:
    applied = apply_dsql_script(pg_database, GOOD_DSQL)
    lines = GOOD_DSQL.splitlines()
    assert len(applied) == 17
    for a in applied:
        assert lines[a.line - 1].startswith(a.statement.splitlines()[0])
    executed = {a.statement: a.executed for a in applied}
    assert executed['CREATE UNIQUE INDEX ASYNC "User_email_key" ON "User"("email")'] == (
        'CREATE UNIQUE INDEX "User_email_key" ON "User"("email")'
    )
    assert executed['ALTER TABLE ASYNC "Post" VALIDATE CONSTRAINT "Post_editorId_fkey"'] == (
        'ALTER TABLE "Post" VALIDATE CONSTRAINT "Post_editorId_fkey"'
    )

    schema = introspect(pg_database)
    assert set(schema["tables"]) == {"User", "Post", "Tag"}
    user = schema["tables"]["User"]
    assert list(user["columns"]) == ["id", "email", "profile", "role", "note", "createdAt"]
    assert user["columns"]["id"] == {
        "type": "bigint",
        "nullable": False,
        "default": None,
        "identity": {"generation": "BY DEFAULT", "cache": 65536, "start": 1, "increment": 1},
    }
    assert user["columns"]["email"]["type"] == '"Email"'
    assert user["columns"]["profile"] == {"type": "jsonb", "nullable": True, "default": None, "identity": None}
    assert user["columns"]["role"]["default"] == "'USER'::text"
    assert user["columns"]["note"]["type"] == "character varying(200)"
    assert user["columns"]["createdAt"]["type"] == "timestamp(3) without time zone"
    assert user["primary_key"] == {"name": "User_pkey", "columns": ["id"]}
    assert user["indexes"]["User_email_key"] == {
        "columns": ["email"],
        "include": [],
        "unique": True,
        "valid": True,
        "predicate": None,
        "method": "btree",
        "constraint": False,
        "definition": 'CREATE UNIQUE INDEX "User_email_key" ON public."User" USING btree (email)',
    }
    assert list(user["checks"]) == ["User_role_check"]

    tag = schema["tables"]["Tag"]
    assert tag["columns"]["id"]["identity"] == {"generation": "ALWAYS", "cache": 1, "start": 10, "increment": 1}
    assert tag["columns"]["price"]["type"] == "numeric(65,30)"
    assert tag["foreign_keys"]["Tag_postId_fkey"] == {
        "columns": ["postId"],
        "referenced_table": "Post",
        "referenced_schema": "public",
        "referenced_columns": ["id"],
        "on_delete": "SET NULL",
        "on_update": "NO ACTION",
        "validated": True,
    }

    post = schema["tables"]["Post"]
    assert post["foreign_keys"]["Post_authorId_fkey"]["on_delete"] == "CASCADE"
    assert post["foreign_keys"]["Post_authorId_fkey"]["on_update"] == "CASCADE"
    assert post["foreign_keys"]["Post_editorId_fkey"]["on_delete"] == "RESTRICT"
    assert post["foreign_keys"]["Post_editorId_fkey"]["validated"] is True  # VALIDATE ran
    assert post["checks"]["Post_title_check"] == {"definition": "CHECK ((length(title) > 0)) NOT VALID",
                                                  "validated": False}
    idx = post["indexes"]["Post_authorId_title_idx"]
    assert (idx["columns"], idx["include"], idx["predicate"]) == (["authorId", "title"], ["desc"],
                                                                  "(title IS NOT NULL)")
    assert post["indexes"]["Post_lower_title_idx"]["columns"] == ["lower(title)"]
    assert post["columns"]["views"] == {"type": "integer", "nullable": True, "default": "0", "identity": None}

    assert schema["domains"] == {
        "Email": {
            "base_type": "text",
            "not_null": False,
            "default": None,
            "checks": {"Email_check": "CHECK ((VALUE ~~ '%@%'::text))"},
        }
    }
    with psycopg.connect(pg_database) as conn:
        assert conn.execute('SELECT "id", "role" FROM "User"').fetchall() == [(1, "USER")]


def test_good_dsql_script_has_no_violations() -> None:
    assert find_violations(GOOD_DSQL) == []


SETUP = 'CREATE TABLE "t" ("id" BIGINT PRIMARY KEY, "a" TEXT, "b" TEXT);'

# (rule, statement): each statement must be refused with (at least) that rule.
FORBIDDEN = [
    ("create_type", "CREATE TYPE \"Role\" AS ENUM ('A', 'B');"),
    ("create_composite_type", 'CREATE TYPE "Pair" AS ("a" INT, "b" TEXT);'),
    ("serial_type", 'CREATE TABLE "s" ("id" SERIAL PRIMARY KEY);'),
    ("serial_type", 'CREATE TABLE "s" ("id" bigserial PRIMARY KEY);'),
    ("serial_type", 'CREATE TABLE "s" ("id" BIGINT PRIMARY KEY, "n" SmallSerial);'),
    ("serial_type", 'ALTER TABLE "t" ADD COLUMN "n" SERIAL;'),
    ("array_type", 'CREATE TABLE "s" ("id" BIGINT PRIMARY KEY, "tags" TEXT[]);'),
    ("array_type", 'CREATE TABLE "s" ("id" BIGINT PRIMARY KEY, "m" INTEGER[3][3] NOT NULL);'),
    ("array_type", 'CREATE TABLE "s" ("id" BIGINT PRIMARY KEY, "tags" TEXT ARRAY);'),
    ("array_type", 'ALTER TABLE "t" ADD COLUMN "tags" TEXT[];'),
    ("unsupported_column_type", 'CREATE TABLE "s" ("id" BIGINT PRIMARY KEY, "ip" INET);'),
    ("collate", 'CREATE TABLE "s" ("id" BIGINT PRIMARY KEY, "n" TEXT COLLATE "C");'),
    ("index_without_async", 'CREATE INDEX "i" ON "t"("a");'),
    ("index_without_async", 'CREATE UNIQUE INDEX "i" ON "t"("a");'),
    ("index_using", 'CREATE INDEX ASYNC "i" ON "t" USING btree ("a");'),
    ("index_using", 'CREATE INDEX ASYNC "i" ON "t" USING hash ("a");'),
    ("index_sort_direction", 'CREATE INDEX ASYNC "i" ON "t"("a" DESC);'),
    ("index_sort_direction", 'CREATE INDEX ASYNC "i" ON "t"("b", "a" ASC NULLS LAST);'),
    ("index_opclass_or_collate", 'CREATE INDEX ASYNC "i" ON "t"("a" text_pattern_ops);'),
    ("index_opclass_or_collate", 'CREATE INDEX ASYNC "i" ON "t"(lower("a") COLLATE "C");'),
    ("index_concurrently", 'CREATE INDEX CONCURRENTLY "i" ON "t"("a");'),
    ("index_schema_qualified_name", 'CREATE INDEX ASYNC "public"."i" ON "t"("a");'),
    ("index_too_many_keys", 'CREATE INDEX ASYNC "i" ON "t"("a", "b", "a", "b", "a", "b", "a", "b", "id");'),
    ("add_constraint_without_not_valid",
     'ALTER TABLE "t" ADD CONSTRAINT "f" FOREIGN KEY ("id") REFERENCES "t"("id");'),
    ("add_constraint_without_not_valid", 'ALTER TABLE "t" ADD CONSTRAINT "c" CHECK ("a" <> \'NOT VALID\');'),
    ("add_constraint_without_not_valid", 'ALTER TABLE "t" ADD CHECK ("a" <> \'\');'),
    ("add_unique_or_primary_key", 'ALTER TABLE "t" ADD CONSTRAINT "u" UNIQUE ("a");'),
    ("add_unique_or_primary_key", 'ALTER TABLE "t" ADD PRIMARY KEY ("a");'),
    ("alter_column_type", 'ALTER TABLE "t" ALTER COLUMN "a" TYPE VARCHAR(10);'),
    ("alter_column_type", 'ALTER TABLE "t" ALTER COLUMN "a" SET DATA TYPE INTEGER USING "a"::integer;'),
    ("set_not_null", 'ALTER TABLE "t" ALTER COLUMN "a" SET NOT NULL;'),
    ("set_not_null", 'ALTER TABLE "t" ADD COLUMN "c" TEXT, ALTER "a" SET NOT NULL;'),
    ("add_column_with_constraint", "ALTER TABLE \"t\" ADD COLUMN \"c\" TEXT DEFAULT 'x';"),
    ("add_column_with_constraint", 'ALTER TABLE "t" ADD COLUMN "c" TEXT NOT NULL;'),
    ("add_column_with_constraint", 'ALTER TABLE "t" ADD "c" BIGINT REFERENCES "t"("id");'),
    ("add_column_with_constraint", 'ALTER TABLE "t" ADD COLUMN "c" TEXT UNIQUE;'),
    ("identity_type", 'CREATE TABLE "s" ("id" INTEGER GENERATED BY DEFAULT AS IDENTITY (CACHE 1) PRIMARY KEY);'),
    ("identity_cache", 'CREATE TABLE "s" ("id" BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);'),
    ("identity_cache", 'CREATE TABLE "s" ("id" BIGINT GENERATED ALWAYS AS IDENTITY (CACHE 100) PRIMARY KEY);'),
    ("identity_cache", 'CREATE TABLE "s" ("id" BIGINT GENERATED ALWAYS AS IDENTITY (CACHE 65535), "x" TEXT);'),
    ("identity_cache", 'ALTER TABLE "t" ALTER COLUMN "id" ADD GENERATED BY DEFAULT AS IDENTITY;'),
    ("sequence_cache", 'CREATE SEQUENCE "seq";'),
    ("create_extension", 'CREATE EXTENSION IF NOT EXISTS "pgcrypto";'),
    ("truncate", 'TRUNCATE "t";'),
    ("create_trigger", 'CREATE TRIGGER "tr" AFTER INSERT ON "t" FOR EACH ROW EXECUTE FUNCTION f();'),
    ("do_block", "DO $$ BEGIN PERFORM 1; END $$;"),
    ("non_sql_function", "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;"),
    ("temporary_object", 'CREATE TEMP TABLE "tmp" ("id" BIGINT PRIMARY KEY);'),
    ("create_table_as", 'CREATE TABLE "copy" AS SELECT * FROM "t";'),
    ("partitioning", 'CREATE TABLE "p" ("id" BIGINT) PARTITION BY RANGE ("id");'),
    ("storage_parameters", 'CREATE TABLE "p" ("id" BIGINT PRIMARY KEY) WITH (fillfactor = 70);'),
    ("exclusion_constraint", 'CREATE TABLE "p" ("id" BIGINT PRIMARY KEY, EXCLUDE USING btree ("id" WITH =));'),
    ("materialized_view", 'CREATE MATERIALIZED VIEW "mv" AS SELECT 1;'),
    ("savepoint", "SAVEPOINT s1;"),
    ("lock_table", 'LOCK TABLE "t";'),
    ("advisory_lock", "SELECT pg_advisory_lock(72707369);"),
    ("set_setting", "SET statement_timeout = 0;"),
    ("isolation_level", "BEGIN ISOLATION LEVEL SERIALIZABLE;"),
    ("create_database", 'CREATE DATABASE "other";'),
    ("drop_domain_cascade", 'DROP DOMAIN "Email" CASCADE;'),
    ("alter_table_async_not_validate", 'ALTER TABLE ASYNC "t" ADD COLUMN "z" TEXT;'),
    ("validate_without_async", 'ALTER TABLE "t" VALIDATE CONSTRAINT "c";'),
    ("alter_domain_add_constraint", 'ALTER DOMAIN "Email" ADD CONSTRAINT "e" CHECK (VALUE <> \'\');'),
    ("alter_domain_set_not_null", 'ALTER DOMAIN "Email" SET NOT NULL;'),
    ("create_procedure", "CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$;"),
    ("row_level_security", 'ALTER TABLE "t" ENABLE ROW LEVEL SECURITY;'),
    ("row_level_security", 'CREATE POLICY "p" ON "t" USING (true);'),
    ("sequence_cache", 'ALTER SEQUENCE "seq" CACHE 5;'),
    ("multi_ddl_transaction", 'BEGIN;\nCREATE TABLE "x1" ("id" BIGINT PRIMARY KEY);\nDROP TABLE "x1";\nCOMMIT;'),
    ("ddl_dml_transaction", 'BEGIN;\nINSERT INTO "t" VALUES (1);\nCREATE TABLE "x1" ("id" BIGINT PRIMARY KEY);'),
]


def test_every_rule_is_exercised() -> None:
    tested = {rule for rule, _ in FORBIDDEN}
    defined = {r.name for r in RULES} | {"multi_ddl_transaction", "ddl_dml_transaction"}
    assert defined - tested <= {"tablespace", "sequence_type", "varchar_too_long", "char_too_long"}


@pytest.fixture(scope="module")
def setup_database(pg_server: PostgresServer):
    """One database for all rejection tests: a refused script must not change it (precheck)."""
    name, url = pg_server.create_database("rejections")
    apply_dsql_script(url, SETUP)
    yield url
    pg_server.drop_database(name)


@pytest.mark.postgres
@pytest.mark.parametrize(("rule", "statement"), FORBIDDEN, ids=[f"{i}-{r}" for i, (r, _) in enumerate(FORBIDDEN)])
def test_emulation_rejects(setup_database: str, rule: str, statement: str) -> None:
    script = f"-- step\nCREATE TABLE \"first\" (\"id\" BIGINT PRIMARY KEY);\n\n{statement}\n"
    with pytest.raises(DsqlRejected) as info:
        apply_dsql_script(setup_database, script)
    assert rule in info.value.rules
    violation = next(v for v in info.value.violations if v.rule == rule)
    assert violation.line >= 4
    assert f"line {violation.line}:" in str(info.value)
    assert f"[{rule}]" in str(info.value)
    # precheck: nothing ran, not even the good first statement
    assert set(introspect(setup_database)["tables"]) == {"t"}


def test_rejection_names_the_part() -> None:
    (v,) = find_violations('CREATE TABLE "s" (\n  "id" BIGINT PRIMARY KEY,\n  "tags" TEXT[] NOT NULL\n);')
    assert (v.rule, v.line, v.part) == ("array_type", 1, '"tags" TEXT[] NOT NULL')
    assert str(v).startswith('line 1: [array_type] array column types are not supported (at: "tags" TEXT[] NOT NULL)')


@pytest.mark.parametrize(
    "statement",
    [
        'CREATE TABLE "s" ("SERIAL" TEXT PRIMARY KEY, "x[]" TEXT, "desc" TEXT DEFAULT \'a DESC\')',
        'CREATE INDEX ASYNC "i" ON "t"("desc", "asc" NULLS LAST, (("a" || \' DESC\')))',
        'CREATE INDEX ASYNC ON "t"("a")',
        'ALTER TABLE "t" ADD COLUMN "c" DOUBLE PRECISION',
        'ALTER TABLE "t" ADD COLUMN "c" TIMESTAMP(3) WITHOUT TIME ZONE',
        'ALTER TABLE "t" ALTER COLUMN "a" DROP NOT NULL, ALTER COLUMN "b" DROP DEFAULT',
        'ALTER TABLE "t" DROP COLUMN "b"',
        'ALTER TABLE "t" RENAME COLUMN "a" TO "typeName"',
        'ALTER TABLE "t" DROP CONSTRAINT "c"',
        'ALTER TABLE "t" ALTER COLUMN "id" ADD GENERATED BY DEFAULT AS IDENTITY (CACHE 65536)',
        "ALTER TABLE \"t\" ADD CONSTRAINT \"c\" CHECK (\"a\" IN ('x', 'y')) NOT VALID",
        'CREATE SEQUENCE "seq" CACHE 65536',
        "SET search_path = public",
        "SET TIME ZONE 'UTC'",
        "BEGIN ISOLATION LEVEL REPEATABLE READ",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$",
        'CREATE VIEW "v" AS SELECT "a" FROM "t" ORDER BY "a" DESC',
        'DROP INDEX "i"',
        'DROP DOMAIN "d"',
    ],
)
def test_emulation_accepts(statement: str) -> None:
    assert find_violations(statement) == []


@pytest.mark.postgres
def test_precheck_false_applies_until_refused_statement(pg_database: str) -> None:
    script = f'{SETUP}\nCREATE INDEX "i" ON "t"("a");\nCREATE TABLE "never" ("id" BIGINT PRIMARY KEY);'
    with pytest.raises(DsqlRejected) as info:
        apply_dsql_script(pg_database, script, precheck=False)
    assert info.value.rules == {"index_without_async"}
    assert set(introspect(pg_database)["tables"]) == {"t"}


@pytest.mark.postgres
def test_postgres_error_is_wrapped_with_line(pg_database: str) -> None:
    script = f"{SETUP}\n\nSELECT '100%' LIKE '1%';\n{SETUP}\n"
    with pytest.raises(DsqlExecutionError) as info:
        apply_dsql_script(pg_database, script)
    assert info.value.statement.line == 4
    assert info.value.sqlstate == "42P07"  # duplicate_table
    assert str(info.value).startswith("line 4: PostgreSQL error 42P07")


@pytest.mark.postgres
def test_each_statement_is_its_own_transaction(pg_database: str) -> None:
    script = f"""{SETUP}
INSERT INTO "t" VALUES (1, 'x', 'y');
INSERT INTO "t" VALUES (1, 'dup', 'dup');
"""
    with pytest.raises(DsqlExecutionError):
        apply_dsql_script(pg_database, script)
    with psycopg.connect(pg_database) as conn:  # the first INSERT was committed on its own
        assert conn.execute('SELECT count(*) FROM "t"').fetchone() == (1,)


def test_to_postgres_rewrites_only_dsql_syntax() -> None:
    assert to_postgres('CREATE  UNIQUE INDEX  ASYNC "async" ON "t"("a")') == 'CREATE  UNIQUE INDEX "async" ON "t"("a")'
    assert to_postgres('ALTER TABLE ASYNC "t" VALIDATE CONSTRAINT "c"') == 'ALTER TABLE "t" VALIDATE CONSTRAINT "c"'
    assert to_postgres("SELECT 'CREATE INDEX ASYNC'") == "SELECT 'CREATE INDEX ASYNC'"
    assert to_postgres("CALL sys.wait_for_job('x')") == "SELECT true"


def test_parse_column_def() -> None:
    col = parse_column_def('"x" character varying(10)[] NOT NULL DEFAULT \'a\'')
    assert (col.name, col.type, col.rest) == ('"x"', "character varying(10)[]", "NOT NULL DEFAULT 'a'")
    col = parse_column_def("notes double precision")
    assert (col.name, col.type, col.rest) == ("notes", "double precision", "")


# ============================================================================ dsql-lint

LINT_CLEAN = [
    'CREATE INDEX ASYNC "i" ON "t"("a");',
    'CREATE UNIQUE INDEX ASYNC IF NOT EXISTS "i" ON "t"("a") INCLUDE ("b") NULLS NOT DISTINCT;',
    'CREATE INDEX ASYNC "i" ON "t"("a") WHERE "a" IS NOT NULL;',
    'CREATE INDEX ASYNC "i" ON "t"(lower("a"));',
    "CREATE DOMAIN \"d\" AS TEXT CHECK (VALUE <> '');",
    'CREATE TABLE "t" ("id" BIGINT GENERATED BY DEFAULT AS IDENTITY (CACHE 65536) PRIMARY KEY);',
    'CREATE TABLE "t" ("id" UUID PRIMARY KEY, "j" JSONB, "k" JSON);',
    'CREATE TABLE "t" ("id" UUID PRIMARY KEY, "u" UUID REFERENCES "u"("id") ON DELETE CASCADE);',
    'CREATE TABLE "t" ("id" UUID PRIMARY KEY, "u" UUID, CONSTRAINT "f" FOREIGN KEY ("u") REFERENCES "u"("id"));',
    'ALTER TABLE "t" ADD CONSTRAINT "f" FOREIGN KEY ("u") REFERENCES "u"("id") ON DELETE RESTRICT NOT VALID;',
    'ALTER TABLE ASYNC "t" VALIDATE CONSTRAINT "f";',
    'ALTER TABLE "t" ADD CONSTRAINT "c" CHECK ("a" > 0) NOT VALID;',
    'CREATE SCHEMA IF NOT EXISTS "public";',
    'CREATE TABLE "Weird ""Name""" ("Id Col" TEXT PRIMARY KEY);',
    '-- CreateTable\nCREATE TABLE "t" ("id" TEXT PRIMARY KEY);',
    'ALTER TABLE "t" DROP COLUMN "c";',
    'ALTER TABLE "t" ALTER COLUMN "c" SET DEFAULT 1;',
    'ALTER TABLE "t" ALTER COLUMN "c" DROP NOT NULL;',
    'CREATE TABLE "n" ("id" TEXT PRIMARY KEY, "v" NUMERIC(65,30));',
]

LINT_FLAGGED = [  # (sql, rule, severity)
    ('CREATE INDEX "i" ON "t"("a");', "index_async", "warning"),
    ('CREATE INDEX ASYNC "i" ON "t"("a" DESC);', "index_sort_direction", "warning"),
    ('CREATE INDEX ASYNC "i" ON "t" USING btree ("a");', "index_using", "info"),
    ('CREATE TABLE "t" ("id" SERIAL PRIMARY KEY);', "serial_type", "warning"),
    ('CREATE TABLE "t" ("id" TEXT PRIMARY KEY, "tags" TEXT[]);', "array_type", "error"),
    ('CREATE TABLE "t" ("id" BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);', "identity_cache_missing", "info"),
    ('CREATE TABLE "t" ("id" BIGINT GENERATED BY DEFAULT AS IDENTITY (CACHE 100) PRIMARY KEY);', "identity_cache",
     "warning"),
    ('CREATE TABLE "t" ("id" INTEGER GENERATED BY DEFAULT AS IDENTITY (CACHE 1) PRIMARY KEY);', "identity_type",
     "warning"),
    ("ALTER TABLE \"t\" ADD COLUMN \"c\" TEXT NOT NULL DEFAULT 'x';", "add_column_constraint", "error"),
    ('ALTER TABLE "t" ADD CONSTRAINT "f" FOREIGN KEY ("u") REFERENCES "u"("id");', "foreign_key_not_valid",
     "warning"),
    ('ALTER TABLE "t" ADD CONSTRAINT "c" CHECK ("a" > 0);', "check_not_valid", "warning"),
    ('ALTER TABLE "t" VALIDATE CONSTRAINT "f";', "validate_constraint_async", "warning"),
    ('ALTER TABLE "t" ADD CONSTRAINT "u" UNIQUE ("c");', "at_unsupported_add_unique", "error"),
    ('ALTER TABLE "t" ALTER COLUMN "c" TYPE BIGINT;', "at_unsupported_alter_column_set_type", "error"),
    ('ALTER TABLE "t" ALTER COLUMN "c" SET NOT NULL;', "at_unsupported_alter_column_set_not_null", "error"),
    ("CREATE TYPE \"R\" AS ENUM ('A');", "unsupported_create_type", "error"),
    ('TRUNCATE "t";', "truncate", "error"),
    ("CREATE EXTENSION pgcrypto;", "unsupported_create_extension", "error"),
    ("BEGIN; CREATE TABLE a (id int primary key); CREATE TABLE b (id int primary key); COMMIT;",
     "multi_ddl_transaction", "error"),
]


@pytest.fixture(scope="module")
def current_lint(dsql_lint):
    if lint.lint_version() < (0, 2, 22):
        pytest.skip(f"behaviour table recorded for dsql-lint 0.2.22, found {lint.lint_version()}")
    return dsql_lint


@pytest.mark.parametrize("sql", LINT_CLEAN)
def test_dsql_lint_clean(current_lint, sql: str) -> None:
    result = current_lint(sql)
    assert result.findings == (), [str(f) for f in result.findings]
    assert result.exit_code == 0 and not result.fix_would_change


@pytest.mark.parametrize(("sql", "rule", "severity"), LINT_FLAGGED)
def test_dsql_lint_flags(current_lint, sql: str, rule: str, severity: str) -> None:
    result = current_lint(sql)
    assert [(f.rule, f.severity) for f in result.findings] == [(rule, severity)]
    assert result.exit_code == 1


def test_dsql_lint_good_script(dsql_lint) -> None:
    result = dsql_lint(GOOD_DSQL)
    assert lint.unexpected_findings(result.findings) == [], [str(f) for f in result.findings]


def test_dsql_lint_fix_and_lines(dsql_lint) -> None:
    sql = (
        '-- CreateTable\nCREATE TABLE "t" ("id" TEXT PRIMARY KEY);\n\n'
        '-- CreateIndex\nCREATE INDEX "i" ON "t"("id" DESC);\n'
    )
    result = dsql_lint(sql, fix=True)
    assert {(f.rule, f.line) for f in result.findings} == {("index_async", 5), ("index_sort_direction", 5)}
    assert result.fix_would_change and result.errors == [] and len(result.warnings) == 2
    assert result.exit_code == 3
    assert result.fixed_sql is not None
    assert 'CREATE INDEX ASYNC "i" ON "t"("id");' in result.fixed_sql
    assert "-- CreateTable" not in result.fixed_sql  # --fix drops all comments


def test_dsql_lint_unfixable(dsql_lint) -> None:
    result = dsql_lint('CREATE TABLE "t" ("id" SERIAL PRIMARY KEY, "tags" TEXT[]);', fix=True)
    assert {f.rule: f.severity for f in result.findings} == {"serial_type": "warning", "array_type": "error"}
    assert result.exit_code == 1
    assert [f.rule for f in lint.unexpected_findings(result.findings)] == ["serial_type", "array_type"]


def test_dsql_lint_full_statement_for_long_statements(dsql_lint) -> None:
    sql = ('SELECT 1;\nALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_editorId_fkey" FOREIGN KEY ("authorId", '
           '"editorId") REFERENCES "User"("id", "otherId") ON DELETE RESTRICT ON UPDATE CASCADE;\n')
    (finding,) = dsql_lint(sql).findings
    assert finding.line == 2 and finding.statement.endswith("ON UPDATE CASCADE")
    assert len(finding.preview) < len(finding.statement)


def _old(rule: str, message: str, statement: str) -> lint.LintFinding:
    return lint.LintFinding(rule, 1, message, "warning", "fixed_with_warning", statement=statement)


def test_unexpected_findings_filters_only_known_outdated() -> None:
    # messages as printed by dsql-lint 0.2.0 / 0.2.10
    fk_alter = "ALTER TABLE ADD CONSTRAINT with FOREIGN KEY is not supported in DSQL."
    outdated = [
        _old("json_type", "Column `\"data\"` uses JSONB, which is not supported as a storage type in DSQL.", ""),
        _old("foreign_key", 'Column `"u"` has a FOREIGN KEY (REFERENCES) constraint, which is not supported in DSQL.',
             'CREATE TABLE "P" ("u" BIGINT REFERENCES "User"("id"))'),
        _old("foreign_key", "Table-level FOREIGN KEY constraint is not supported in DSQL.", 'CREATE TABLE "P" (...)'),
        _old("foreign_key", fk_alter, 'ALTER TABLE "P" ADD CONSTRAINT "fk" FOREIGN KEY ("u") REFERENCES "U"("id") '
                                      "NOT VALID"),
        _old("at_unsupported_add_check", "ALTER TABLE ADD CHECK constraint is not supported in DSQL.",
             'ALTER TABLE "P" ADD CONSTRAINT "ck" CHECK ("id" <> \'\') NOT VALID;'),
        _old("parse_error", 'Failed to parse SQL: sql parser error: Expected: ADD, RENAME, ... after ALTER TABLE, '
             'found: "P"', 'ALTER TABLE ASYNC "P" VALIDATE CONSTRAINT "fk";'),
        _old("index_partial", "Partial indexes (CREATE INDEX ... WHERE) are not supported in DSQL.", ""),
        _old("index_expression", "Expression indexes are not supported in DSQL.", ""),
        _old("at_unsupported_drop_column", 'ALTER TABLE DROP COLUMN ("x") is not supported in DSQL.', ""),
        _old("at_unsupported_alter_column_set_default", "ALTER COLUMN '\"u\"' SET DEFAULT is not supported", ""),
        _old("at_unsupported_alter_column_drop_not_null", "ALTER COLUMN '\"u\"' DROP NOT NULL is not supported", ""),
    ]
    still_wrong = [
        _old("foreign_key", fk_alter, 'ALTER TABLE "P" ADD CONSTRAINT "fk" FOREIGN KEY ("u") REFERENCES "U"("id")'),
        _old("parse_error", "Failed to parse SQL: ... after ALTER TABLE", 'ALTER TABLE "P" FROB;'),
        _old("array_type", "Column `tags` uses an array type, which is not supported in DSQL.", ""),
    ]
    assert lint.unexpected_findings(outdated + still_wrong) == still_wrong
