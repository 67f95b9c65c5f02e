"""Real PostgreSQL: the generated scripts apply cleanly and build exactly the catalog they came from.

The postgres script runs as Prisma's `migrate deploy` runs it (the whole file in one transaction);
the DSQL script runs through tests/support/dsql_emulation.py (one statement per transaction,
ASYNC executed as a plain build, refusing whatever DSQL refuses). Introspection must show every
table, column (type, nullability, identity), primary key, index, foreign key and domain of the
catalog, under the same names.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from prisma_dsql.capabilities import dsql_profile, profile_for
from prisma_dsql.catalog.model import Catalog, SqlType
from prisma_dsql.loader import load, load_text
from prisma_dsql.migrations.generate import generate_from_empty
from tests.support.dsql_emulation import apply_dsql_script, introspect
from tests.test_targets_dsql_lint import accepted, dsql_cases

pytestmark = pytest.mark.postgres

#: SQL type names as PostgreSQL's format_type() spells them.
PG_TYPE_NAMES = {
    "INTEGER": "integer", "SMALLINT": "smallint", "BIGINT": "bigint", "TEXT": "text", "BOOLEAN": "boolean",
    "DOUBLE PRECISION": "double precision", "REAL": "real", "JSONB": "jsonb", "JSON": "json", "UUID": "uuid",
    "BYTEA": "bytea", "DATE": "date", "DECIMAL": "numeric", "VARCHAR": "character varying", "CHAR": "character",
}
PG_TIME_TYPES = {"TIMESTAMP": "timestamp{} without time zone", "TIMESTAMPTZ": "timestamp{} with time zone",
                 "TIME": "time{} without time zone", "TIMETZ": "time{} with time zone"}

CASES = dsql_cases()


def pg_type(t: SqlType) -> str:
    if t.kind == "user":  # qualified unless visible on the search path ("public")
        name = t.name if t.name.islower() and t.name.isidentifier() else f'"{t.name}"'
        base = name if t.schema == "public" else f"{t.schema}.{name}"
    elif t.name in PG_TIME_TYPES:
        base = PG_TIME_TYPES[t.name].format(f"({t.args[0]})" if t.args else "")
    else:
        base = PG_TYPE_NAMES[t.name] + (f"({','.join(map(str, t.args))})" if t.args else "")
    return base + ("[]" if t.array else "")


def assert_database_matches(url: str, catalog: Catalog) -> None:
    for schema in catalog.schemas:
        db = introspect(url, schema)
        tables = [t for t in catalog.tables if t.schema == schema]
        assert sorted(db["tables"]) == sorted(t.name for t in tables), schema
        for t in tables:
            got = db["tables"][t.name]
            assert list(got["columns"]) == [c.name for c in t.columns], t.name
            for c in t.columns:
                col = got["columns"][c.name]
                where = f"{schema}.{t.name}.{c.name}"
                assert col["type"] == pg_type(c.type), where
                assert col["nullable"] == c.nullable, where
                if c.identity is not None and c.identity.style == "by_default":
                    assert col["identity"] == {"generation": "BY DEFAULT", "cache": c.identity.cache,
                                               "start": 1, "increment": 1}, where
                elif c.identity is not None:  # serial
                    assert col["identity"] is None and col["default"].startswith("nextval("), where
                else:
                    assert col["identity"] is None and (col["default"] is None) == (c.default is None), where
            pk = t.primary_key
            assert got["primary_key"] == ({"name": pk.name, "columns": list(pk.columns)} if pk else None), t.name
            assert sorted(got["indexes"]) == sorted(i.name for i in t.indexes), t.name
            for i in t.indexes:
                idx = got["indexes"][i.name]
                assert (idx["columns"], idx["unique"], idx["valid"], idx["method"]) == (
                    list(i.column_names), i.unique, True, (i.method or "btree").lower()), i.name
                assert (idx["predicate"] is None) == (i.predicate is None), i.name
            assert sorted(got["foreign_keys"]) == sorted(f.name for f in t.foreign_keys), t.name
            for f in t.foreign_keys:
                assert got["foreign_keys"][f.name] == {
                    "columns": list(f.columns), "referenced_table": f.referenced_table,
                    "referenced_schema": f.referenced_schema, "referenced_columns": list(f.referenced_columns),
                    "on_delete": f.on_delete, "on_update": f.on_update, "validated": True}, f.name
        domains = {d.name: d for d in catalog.domains if d.schema == schema}
        assert sorted(db["domains"]) == sorted(domains)
        for name, d in domains.items():
            got = db["domains"][name]
            assert got["base_type"] == pg_type(d.type)
            (check,) = got["checks"].values()
            for value in d.allowed_values:
                assert f"'{value}'" in check


def _generated(name: str, target: str):
    case = CASES[name]
    if isinstance(case, Path) and not case.exists():
        pytest.skip(f"{case} is not in this checkout")
    loaded = load(case) if isinstance(case, Path) else load_text(case)
    generated = generate_from_empty(loaded, dsql_profile() if target == "dsql" else profile_for("postgres"))
    assert generated.ok, f"{name} must generate for {target}: {generated.refusal}"
    return generated


@pytest.mark.parametrize("name", accepted("dsql"))
def test_dsql_script_applies_one_statement_per_transaction(name, pg_database):
    generated = _generated(name, "dsql")
    applied = apply_dsql_script(pg_database, generated.script.text())
    assert len(applied) == len(generated.script.steps)
    assert_database_matches(pg_database, generated.catalog)


@pytest.mark.parametrize("name", accepted("postgres"))
def test_postgres_script_applies_as_one_transaction(name, pg_database):
    generated = _generated(name, "postgres")
    with psycopg.connect(pg_database) as conn:  # one transaction, as `prisma migrate deploy` runs a file
        conn.execute(generated.script.text())
    assert_database_matches(pg_database, generated.catalog)


def test_dsql_identity_and_domain_work_for_inserts(pg_database):
    generated = _generated("sample:blog", "dsql")
    apply_dsql_script(pg_database, generated.script.text())
    with psycopg.connect(pg_database, autocommit=True) as conn:
        uid = conn.execute("""INSERT INTO "users" ("id", "email", "updated_at") VALUES
                              (gen_random_uuid(), 'a@example.com', now()) RETURNING "id", "role" """).fetchone()
        assert uid[1] == "READER"  # the domain's DEFAULT from the schema's @default
        post = conn.execute("""INSERT INTO "posts" ("title", "slug", "author_id") VALUES ('t', 's', %s)
                               RETURNING "id" """, (uid[0],)).fetchone()[0]
        assert isinstance(post, int)
        tag = conn.execute("""INSERT INTO "Tag" ("name") VALUES ('x') RETURNING "id" """).fetchone()[0]
        conn.execute("""INSERT INTO "_PostToTag" ("A", "B") VALUES (%s, %s)""", (post, tag))
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("""UPDATE "users" SET "role" = 'NOPE'""")
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute("""INSERT INTO "posts" ("title", "slug", "author_id") VALUES ('t', 's2', gen_random_uuid())""")
        # The cast Prisma Client sends for enum values works against the domain.
        assert conn.execute("""SELECT CAST('ADMIN'::text AS "public"."Role")""").fetchone()[0] == "ADMIN"
