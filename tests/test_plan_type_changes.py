"""Every change between two of Prisma's scalar types (90 ordered pairs) plans, applies and converges, on the
PostgreSQL target and on DSQL (rehearsed on PostgreSQL, one statement per transaction); with a row whose value
converts, the row keeps its value converted. Where PostgreSQL has no cast, the column is dropped and added
again (data loss, only with --accept-data-loss), as Prisma does: never `USING (c::T)` that PostgreSQL refuses.
"""

from __future__ import annotations

import itertools

import psycopg
import pytest

from prisma_dsql.capabilities import dsql_profile, profile_for
from prisma_dsql.introspect import introspect_database
from prisma_dsql.loader import load_text
from prisma_dsql.migrations.evolve import plan_to_schema
from prisma_dsql.migrations.generate import generate_from_empty
from prisma_dsql.plan import PlanOptions, casts
from prisma_dsql.translate import from_schema
from tests.support.dsql_emulation import DsqlEmulationError, apply_dsql_script

pytestmark = pytest.mark.postgres

HEAD = 'datasource db {\n  provider = "postgresql"\n}\n'
MODEL = "model T {\n  id Int @id @default(autoincrement())\n  v  %s\n}\n"

#: Prisma's scalar types (Uuid is `String @db.Uuid`), each with a value and what it reads back as in text.
TYPES = {
    "Int": "Int", "BigInt": "BigInt", "Float": "Float", "Decimal": "Decimal", "String": "String",
    "Boolean": "Boolean", "DateTime": "DateTime", "Json": "Json", "Bytes": "Bytes", "Uuid": "String @db.Uuid",
}
#: The field as the schema writes it: optional, so that the row of a no-cast change can stay.
FIELD = {t: (f"{p.split(' ')[0]}? {p.partition(' ')[2]}".strip()) for t, p in {
    "Int": "Int", "BigInt": "BigInt", "Float": "Float", "Decimal": "Decimal", "String": "String",
    "Boolean": "Boolean", "DateTime": "DateTime", "Json": "Json", "Bytes": "Bytes", "Uuid": "String @db.Uuid",
}.items()
}
VALUES = {
    "Int": "1", "BigInt": "1", "Float": "1", "Decimal": "1", "String": "'1'", "Boolean": "true",
    "DateTime": "'2020-01-02 03:04:05'", "Json": "'1'", "Bytes": "'\\x01'",
    "Uuid": "'0b8a3f52-7d0a-4d0e-9c52-0d1e2f3a4b5c'",
}
PAIRS = [(a, b) for a, b in itertools.permutations(TYPES, 2)]


@pytest.fixture(scope="module")
def _type_database(pg_server):
    name, url = pg_server.create_database("type_changes")
    yield url
    pg_server.drop_database(name)


@pytest.fixture
def type_db(_type_database):
    """An empty schema public in this worker's database for the module: the 180 cases make one table each,
    all of it in schema public, so dropping and creating the schema again leaves what a fresh database would
    (a CREATE and a DROP DATABASE per case cost more than the case; a failed case leaves nothing behind either,
    as the next case starts with the reset)."""
    with psycopg.connect(_type_database, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")
        assert conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
                            "AND nspname NOT IN ('information_schema', 'public')").fetchone() == (0,)
    return _type_database


def _schema(t: str) -> str:
    return HEAD + MODEL % FIELD[t]


def _read(url: str):
    with psycopg.connect(url, autocommit=True) as conn:
        # The tables of public only (the row estimates the planner reads): a bare ANALYZE also went through every
        # system catalog, 30-40 ms a call.
        for (table,) in conn.execute("SELECT format('%I.%I', schemaname, tablename) FROM pg_tables "
                                     "WHERE schemaname = 'public'").fetchall():
            conn.execute(f"ANALYZE {table}")
        return introspect_database(conn)


def _sql_type(t: str, profile):
    return from_schema(load_text(_schema(t)).schema, profile).table("public", "T").column("v").type


def test_the_pairs_are_the_90_changes_between_prismas_scalar_types():
    assert len(PAIRS) == 90


@pytest.mark.parametrize(("old", "new"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
@pytest.mark.parametrize("target", ["postgres", "dsql"])
def test_type_change_plans_applies_and_converges(old, new, target, type_db):
    pg_database = type_db
    profile = profile_for("postgres") if target == "postgres" else dsql_profile()
    cast = casts.classify(_sql_type(old, profile), _sql_type(new, profile))
    generated = generate_from_empty(load_text(_schema(old)), profile)
    assert generated.ok, generated.refusal
    apply = _apply_postgres if target == "postgres" else apply_dsql_script
    apply(pg_database, generated.script.text())
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(f'INSERT INTO "T" (v) VALUES ({VALUES[old]})')
    evo = plan_to_schema(_read(pg_database).catalog, load_text(_schema(new)), profile,
                         plan_options=PlanOptions(accept_data_loss=True, allow_rebuild=True))
    assert evo.ok, (evo.refusal, evo.refused, evo.problems)
    text = evo.plan.text()
    if not cast.exists:
        assert "USING" not in text and "DROP COLUMN" in text, text
    try:
        apply(pg_database, text)
    except (psycopg.Error, DsqlEmulationError):
        # Only a cast that may fail on values may fail, and then the row is still there.
        assert cast.safety == casts.MAY_FAIL, (cast, text)
        with psycopg.connect(pg_database, autocommit=True) as conn:
            assert conn.execute('SELECT count(*) FROM "T"').fetchone() == (1,)
        return
    again = plan_to_schema(_read(pg_database).catalog, load_text(_schema(new)), profile)
    assert again.ok and again.plan.steps == (), again.plan.text() if again.ok else again.refused
    with psycopg.connect(pg_database, autocommit=True) as conn:
        (count, kept) = conn.execute('SELECT count(*), count(v) FROM "T"').fetchone()
    assert count == 1  # the row survives every change
    assert kept == (1 if cast.exists else 0), (cast, text)


def _apply_postgres(url: str, sql: str) -> None:
    """The postgres target's migration as Prisma runs it: one transaction, so a failure changes nothing."""
    with psycopg.connect(url) as conn:
        conn.execute(sql)


def test_no_cast_pairs_need_consent_and_say_why():
    profile = profile_for("postgres")
    actual = generate_from_empty(load_text(_schema("Int")), profile).catalog
    evo = plan_to_schema(actual, load_text(_schema("Uuid")), profile)
    assert not evo.ok and evo.refused is not None
    assert any("no cast" in b.message and b.options == "pass --accept-data-loss" for b in evo.refused.blocked)
    assert evo.differs and evo.exit_code(True) == 2 and evo.exit_code(False) == 1


def test_jsonb_to_json_is_lossless_and_says_what_changes():
    cast = casts.classify(_sql_type("Json", profile_for("postgres")), _sql_type("Json", profile_for("postgres"))
                          .with_name("JSON"))
    assert cast.safety == casts.LOSSLESS and "keys sorted" in cast.says
