"""What the introspector makes of SQL text as PostgreSQL prints it, and the stored form of catalogs.

No database here: the inputs are the exact strings PostgreSQL 18 prints (format_type, pg_get_expr,
pg_get_constraintdef), as collected from the round-trip tests; the database side of each is
checked there.
"""

from __future__ import annotations

import re
import zipfile

import pytest

from prisma_dsql.capabilities import dsql_profile, profile_for
from prisma_dsql.catalog.model import (
    Catalog,
    Column,
    ColumnDefault,
    Domain,
    ForeignKey,
    Identity,
    Index,
    IndexColumn,
    PrimaryKey,
    SqlType,
    Table,
)
from prisma_dsql.introspect import stored_form
from prisma_dsql.introspect.expressions import (
    allowed_values,
    canonical_datetime,
    canonical_json,
    canonical_predicate,
    check_expression,
    not_null_column,
    parse_default,
)
from prisma_dsql.introspect.queries import QUERIES, query_text
from prisma_dsql.introspect.sqltypes import sql_type

T = SqlType


def test_importing_the_introspector_loads_no_driver():
    import subprocess
    import sys

    code = "import sys, prisma_dsql.introspect; print('psycopg' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize("expr, sql_type_, expected", [
    ("CURRENT_TIMESTAMP", T("TIMESTAMP", (3,)), ColumnDefault("now")),
    ("now()", T("TIMESTAMP", (3,)), ColumnDefault("expression", "now()")),
    ("'-1'::integer", T("INTEGER"), ColumnDefault("number", "-1")),
    ("'5000000000'::bigint", T("BIGINT"), ColumnDefault("number", "5000000000")),
    ("2.50", T("DECIMAL", (10, 2)), ColumnDefault("number", "2.50")),
    ("'-0.5'::numeric", T("DOUBLE PRECISION"), ColumnDefault("number", "-0.5")),
    ("(1.5)::double precision", T("DOUBLE PRECISION"), ColumnDefault("number", "1.5")),
    ("'it''s'::text", T("TEXT"), ColumnDefault("string", "it's")),
    ("'x'::character varying", T("VARCHAR", (10,)), ColumnDefault("string", "x")),
    ("''::bpchar", T("CHAR", (3,)), ColumnDefault("string", "")),
    ("'a\nb'::text", T("TEXT"), ColumnDefault("string", "a\nb")),
    ("'USER'::text", T("Role", kind="user", schema="public"), ColumnDefault("enum", "USER")),
    ("'b c'::\"Mood\"", T("Mood", kind="user", schema="public"), ColumnDefault("enum", "b c")),
    ("'EUR'::billing.\"Currency\"", T("Currency", kind="user", schema="billing"), ColumnDefault("enum", "EUR")),
    ("true", T("BOOLEAN"), ColumnDefault("boolean", True)),
    ("false", T("BOOLEAN"), ColumnDefault("boolean", False)),
    ("'\\x0102'::bytea", T("BYTEA"), ColumnDefault("bytes", b"\x01\x02")),
    ("'{\"a\": [1, 2], \"b\": 1}'::jsonb", T("JSONB"), ColumnDefault("json", '{"a":[1,2],"b":1}')),
    ("'2020-01-02 03:04:05.678'::timestamp without time zone", T("TIMESTAMP", (3,)),
     ColumnDefault("datetime", "2020-01-02 03:04:05.678 +00:00")),
    ("'2020-01-02 01:04:05.678+00'::timestamp with time zone", T("TIMESTAMPTZ", (3,)),
     ColumnDefault("datetime", "2020-01-02 01:04:05.678 +00:00")),
    ("'2020-01-02'::date", T("DATE"), ColumnDefault("datetime", "2020-01-02")),
    ("ARRAY['a'::text, 'b c'::text]", T("TEXT", array=True),
     ColumnDefault("list", (ColumnDefault("string", "a"), ColumnDefault("string", "b c")))),
    ("ARRAY[]::integer[]", T("INTEGER", array=True), ColumnDefault("list", ())),
    ("ARRAY['a]'::text]", T("TEXT", array=True), ColumnDefault("list", (ColumnDefault("string", "a]"),))),
    ("gen_random_uuid()", T("UUID"), ColumnDefault("expression", "gen_random_uuid()")),
    ("nextval('s'::regclass)", T("BIGINT"), ColumnDefault("expression", "nextval('s'::regclass)")),
    ("'not a number'::text", T("INTEGER"), ColumnDefault("expression", "'not a number'::text")),
    (None, T("TEXT"), None),
    ("NULL::text", T("TEXT"), None),
    ("NULL", T("INTEGER"), None),
])
def test_parse_default(expr, sql_type_, expected):
    assert parse_default(expr, sql_type_) == expected


@pytest.mark.parametrize("text, sql_type_, expected", [
    ("2020-01-02 03:04:05.678 +02:00", T("TIMESTAMP", (3,)), "2020-01-02 03:04:05.678 +00:00"),
    ("2020-01-02 03:04:05.678 +02:00", T("TIMESTAMPTZ", (3,)), "2020-01-02 01:04:05.678 +00:00"),
    ("2020-01-02 01:04:05.678+00", T("TIMESTAMPTZ", (3,)), "2020-01-02 01:04:05.678 +00:00"),
    ("2020-01-01 23:30:00-01:30", T("TIMESTAMPTZ"), "2020-01-02 01:00:00 +00:00"),
    ("2020-01-02 03:04:05.6789 +00:00", T("TIMESTAMP", (3,)), "2020-01-02 03:04:05.679 +00:00"),
    ("2020-01-02 03:04:05.123456789 +00:00", T("TIMESTAMP"), "2020-01-02 03:04:05.123457 +00:00"),
    ("2021-06-30 00:00:00 +00:00", T("DATE"), "2021-06-30"),
    ("2020-01-02 10:11:12.5 +00:00", T("TIME", (3,)), "10:11:12.500"),
    ("10:11:12.5", T("TIME", (3,)), "10:11:12.500"),
    ("10:11:12+02", T("TIMETZ"), "10:11:12 +02:00"),
    ("tomorrow", T("TIMESTAMP"), "tomorrow"),
])
def test_canonical_datetime(text, sql_type_, expected):
    assert canonical_datetime(text, sql_type_) == expected
    assert canonical_datetime(expected, sql_type_) == expected  # already canonical stays so


def test_canonical_json_is_one_spelling_for_json_and_jsonb():
    schema = '{"b": 1, "a": [1, 2.50, {"z": null}], "é": "ü"}'
    jsonb = '{"a": [1, 2.50, {"z": null}], "b": 1, "é": "ü"}'
    assert canonical_json(schema) == canonical_json(jsonb) == '{"a":[1,2.50,{"z":null}],"b":1,"é":"ü"}'
    assert canonical_json("{not json") == "{not json"


@pytest.mark.parametrize("printed, written", [
    ("(active = true)", '"active" = true'),
    ("((active = true) AND (note IS NOT NULL))", '"active" = true AND "note" IS NOT NULL'),
    ("((status)::text = 'live'::text)", '"status" = \'live\''),
    ("(\"bossId\" IS NULL)", '"bossId" IS NULL'),
    ("((small = 5) AND (deleted <> true))", '"small" = 5 AND "deleted" != true'),
    ("(n = '-5'::integer)", '"n" = -5'),
    ("((f = (1.5)::double precision) AND (s = 'a AND b'::text))", '"f" = 1.5 AND "s" = \'a AND b\''),
    ("(lower(st) = 'x'::text)", "lower(st) = 'x'::text"),
    ("((n > 3) OR (n < 1))", "(n > 3) OR (n < 1)"),
    (None, None),
])
def test_canonical_predicate(printed, written):
    assert canonical_predicate(printed) == written
    assert canonical_predicate(written) == written


@pytest.mark.parametrize("definition, values", [
    ("CHECK ((VALUE = ANY (ARRAY['USER'::text, 'admin'::text])))", ("USER", "admin")),
    ("CHECK (((VALUE)::text = ANY ((ARRAY['YES'::character varying, 'NO'::character varying])::text[])))",
     ("YES", "NO")),
    ("CHECK ((VALUE = 'x'::text))", ("x",)),
    ("CHECK ((VALUE = ANY (ARRAY['it''s'::text, 'a, b'::text])))", ("it's", "a, b")),
    ("CHECK ((length(VALUE) < 10))", None),
    ("CHECK ((VALUE >= 0))", None),
])
def test_allowed_values(definition, values):
    assert allowed_values(check_expression(definition)) == values


def test_checks():
    assert check_expression("CHECK ((c IS NOT NULL)) NOT VALID") == "c IS NOT NULL"
    assert not_null_column("c IS NOT NULL") == "c"
    assert not_null_column('("Weird ""c""" IS NOT NULL)') == 'Weird "c"'
    assert not_null_column("c IS NOT NULL AND d IS NOT NULL") is None
    assert not_null_column("(c > 0)") is None


@pytest.mark.parametrize("args, expected", [
    (("b", "pg_catalog", "int4", "integer", False), T("INTEGER")),
    (("b", "pg_catalog", "varchar", "character varying(10)", True), T("VARCHAR", (10,), True)),
    (("b", "pg_catalog", "varchar", "character varying", False), T("VARCHAR")),
    (("b", "pg_catalog", "timestamp", "timestamp(3) without time zone", False), T("TIMESTAMP", (3,))),
    (("b", "pg_catalog", "timestamptz", "timestamp with time zone", False), T("TIMESTAMPTZ")),
    (("b", "pg_catalog", "timetz", "time(2) with time zone", False), T("TIMETZ", (2,))),
    (("b", "pg_catalog", "numeric", "numeric(65,30)", False), T("DECIMAL", (65, 30))),
    (("b", "pg_catalog", "float8", "double precision", False), T("DOUBLE PRECISION")),
    (("b", "pg_catalog", "bpchar", "character(1)", False), T("CHAR", (1,))),
    (("b", "pg_catalog", "varbit", "bit varying(8)", False), T("VARBIT", (8,))),
    (("b", "public", "citext", "public.citext", False), T("CITEXT")),
    (("b", "pg_catalog", "circle", "circle", False), T("circle", kind="raw")),
    (("b", "pg_catalog", "interval", "interval", False), T("interval", kind="raw")),
    (("e", "public", "Mood", '"Mood"', True), T("Mood", array=True, kind="user", schema="public")),
    (("d", "billing", "Currency", 'billing."Currency"', False), T("Currency", kind="user", schema="billing")),
])
def test_sql_type(args, expected):
    assert sql_type(*args) == expected


def test_bare_numeric_reads_as_18_6_on_dsql_only():
    assert sql_type("b", "pg_catalog", "numeric", "numeric", False, dsql_profile()) == T("DECIMAL", (18, 6))
    assert sql_type("b", "pg_catalog", "numeric", "numeric", False, profile_for("postgres")) == T("DECIMAL")


# -- stored form ----------------------------------------------------------------------------------

LONG = "x" * 70


def _catalog() -> Catalog:
    return Catalog(schemas=("public",), domains=(Domain("public", "D", SqlType("DECIMAL")),), tables=(Table(
        "public", LONG, (
            Column("id", SqlType("BIGINT"), False, identity=Identity("by_default")),
            Column("at", SqlType("TIMESTAMPTZ", (3,)), False,
                   default=ColumnDefault("datetime", "2020-01-02 03:04:05.678 +02:00")),
            Column("j", SqlType("JSONB"), True, default=ColumnDefault("json", '{"b": 1, "a": 2}')),
            Column("c", SqlType("CHAR"), True),
            Column("n", SqlType("DECIMAL"), True),
        ),
        PrimaryKey(LONG + "_pkey", ("id",)),
        (Index("i", (IndexColumn("at", "DESC"), IndexColumn("id", "ASC")), predicate='"j" IS NOT NULL'),),
        (ForeignKey("f", ("id",), "public", LONG, ("id",)),),
    ),))


def test_stored_form_on_postgres():
    stored = stored_form(_catalog(), profile_for("postgres"))
    (t,) = stored.tables
    cut = "x" * 63
    assert t.name == cut and t.primary_key.name == cut and t.foreign_keys[0].referenced_table == cut
    assert t.column("id").identity == Identity("by_default", 1)  # no CACHE: the sequence default
    assert t.column("at").default.value == "2020-01-02 01:04:05.678 +00:00"
    assert t.column("j").default.value == '{"a":2,"b":1}'
    assert t.column("c").type == SqlType("CHAR", (1,))
    assert t.column("n").type == SqlType("DECIMAL")
    assert [(k.name, k.sort) for k in t.indexes[0].columns] == [("at", "DESC"), ("id", None)]
    assert stored_form(stored, profile_for("postgres")) == stored


def test_stored_form_on_dsql():
    stored = stored_form(_catalog(), dsql_profile())
    (t,) = stored.tables
    assert t.column("n").type == SqlType("DECIMAL", (18, 6)) and stored.domains[0].type.args == (18, 6)
    assert [k.sort for k in t.indexes[0].columns] == [None, None]  # the DSQL target writes no sort order
    assert stored_form(stored, dsql_profile()) == stored


def test_stored_form_changes_nothing_in_a_plain_catalog():
    plain = Catalog(schemas=("public",), tables=(Table("public", "t", (Column("id", SqlType("INTEGER"), False),),
                                                       PrimaryKey("t_pkey", ("id",))),))
    assert stored_form(plain, dsql_profile()) == plain and stored_form(plain) == plain


# -- queries --------------------------------------------------------------------------------------


def test_queries_are_few_named_files_on_dsql_catalogs_only():
    assert len(QUERIES) + 2 <= 10  # with BEGIN and COMMIT
    allowed = {"pg_class", "pg_attribute", "pg_attrdef", "pg_constraint", "pg_index", "pg_namespace", "pg_type",
               "pg_depend", "pg_description", "pg_am", "pg_sequence", "pg_enum", "pg_extension"}
    for name in QUERIES:
        text = query_text(name)
        assert text.startswith(f"-- {name}:")
        text = re.sub(r"--[^\n]*", "", text)  # the SQL, without its comments
        used = set(re.findall(r"pg_catalog\.(pg_[a-z_]+)\b(?!\s*\()", text))
        assert used <= allowed, (name, used - allowed)
        assert not re.search(r"\bpg_stat|\bpg_sequences\b|count\s*\(", text, re.IGNORECASE), name
        # Every catalog relation and function is schema-qualified: nothing on the search path runs.
        assert not re.search(r"(?:FROM|JOIN)\s+(?!pg_catalog\.)pg_", text), name


def test_older_servers_read_what_they_have():
    newest, pg14 = query_text("indexes"), query_text("indexes", 140000)
    assert "indnullsnotdistinct" in newest and "indnullsnotdistinct" not in pg14
    assert query_text("indexes", 150000) == newest


def test_wheel_ships_the_queries(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                           str(tmp_path), str(root)], capture_output=True, text=True, timeout=600)
    if proc.returncode != 0 and "hatchling" in proc.stderr:  # no build backend installed: build isolated
        proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path),
                               str(root)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    (wheel,) = tmp_path.glob("prisma_dsql-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"prisma_dsql/introspect/sql/{q}.sql" for q in QUERIES} <= names


HOSTILE = r'''
from prisma_dsql.catalog.model import SqlType as T
from prisma_dsql.introspect.expressions import (allowed_values, canonical_datetime, canonical_json,
    canonical_predicate, check_expression, parse_default)
n = 100_000
deep = "(" * n + "a" + ")" * n
canonical_predicate(deep)
canonical_predicate("a::b " + "c " * n + "= 1")
canonical_predicate("a::character" + " varying" * n)
canonical_predicate(" AND ".join(["(a IS NULL)"] * n))
canonical_predicate("'" * n)
check_expression("CHECK (" + deep + ")")
allowed_values("VALUE = ANY (ARRAY[" + "'a'::text, " * n + "'b'::text])")
canonical_json("[" * n + "]" * n)
canonical_json('{"a": ' * n + "1" + "}" * n)
parse_default("ARRAY[" + "'a'::text, " * n + "'b'::text]", T("TEXT", array=True))
parse_default("'x'" + "::t" * n, T("TEXT"))
parse_default("1" * n, T("INTEGER"))
canonical_datetime("2020-01-02 03:04:05." + "9" * n, T("TIMESTAMP"))
print("done")
'''


def test_hostile_catalog_text_never_hangs_or_crashes():
    """Text read from a database is data: inputs 100,000 levels deep or long return at once
    (linear parsing, no recursion limits hit), or the subprocess would time out or fail."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", HOSTILE], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "done", proc.stderr[-2000:]
