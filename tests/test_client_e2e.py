"""Real Prisma Client (7.10, @prisma/adapter-pg) on the DSQL-shaped tables we generate.

The DSQL migration for tests/oracle/client-e2e/schema.prisma (domains for enums, BIGINT identity
columns, widened foreign keys, JSONB, ASYNC indexes) is applied to PostgreSQL one statement per
transaction; then the generated client runs CRUD with enum filters, relations, Json and
autoincrement ids against it. The same runs on Prisma's own PostgreSQL DDL as a control.
"""

from __future__ import annotations

import psycopg
import pytest

from prisma_dsql.capabilities import dsql_profile, profile_for
from prisma_dsql.loader import load
from prisma_dsql.migrations.generate import generate_from_empty
from prisma_dsql.translate_options import TranslateOptions
from tests.support import prisma_oracle
from tests.support.dsql_emulation import apply_dsql_script

pytestmark = [pytest.mark.node, pytest.mark.postgres]


def _script(profile, options: TranslateOptions = TranslateOptions()) -> str:
    generated = generate_from_empty(load(prisma_oracle.CLIENT_E2E_SCHEMA), profile, options)
    assert generated.ok, (generated.refusal, [d.message for d in generated.errors])
    return generated.script.text()


@pytest.mark.parametrize("cache", [65536, 1])
def test_prisma_client_on_dsql_ddl(pg_database, cache):
    prisma_oracle.ensure_node_modules()
    script = _script(dsql_profile(), TranslateOptions(identity_cache=cache))
    assert 'CREATE DOMAIN "Role"' in script and f"(CACHE {cache})" in script
    apply_dsql_script(pg_database, script)
    result = prisma_oracle.run_client_e2e(pg_database)
    assert result["ok"], result


def test_prisma_client_on_postgres_ddl(pg_database):
    prisma_oracle.ensure_node_modules()
    with psycopg.connect(pg_database) as conn:
        conn.execute(_script(profile_for("postgres")))
    result = prisma_oracle.run_client_e2e(pg_database)
    assert result["ok"], result


# -- enums evolved: the column-check shape, and databases made with the values in the domain's CHECK --------
def _old_shape(script: str) -> str:
    """The from-empty DSQL script as earlier versions wrote it: the enum values in each domain's own CHECK,
    no CHECK on the columns."""
    import re

    values = {"Role": "'USER', 'ADMIN'", "status": "'active', 'inactive'"}
    for name, vals in values.items():
        script = script.replace(f'CREATE DOMAIN "{name}" AS TEXT;', f'CREATE DOMAIN "{name}" AS TEXT CHECK (VALUE IN '
                                                                    f"({vals}));")
    old = re.sub(r',\n    CONSTRAINT "[^"]+_enum" CHECK \([^\n]*\)\)', "", script)
    assert "_enum" not in old and "VALUE IN" in old
    return old


def _evolve(url: str, schema_text: str) -> str:
    """The plan from the database as it is to `schema_text` (the e2e schema with one more Role value)."""
    from prisma_dsql.introspect import introspect_database
    from prisma_dsql.loader import load_text
    from prisma_dsql.migrations.evolve import plan_to_schema

    with psycopg.connect(url, autocommit=True) as conn:
        read = introspect_database(conn)
    evo = plan_to_schema(read.catalog, load_text(schema_text), dsql_profile(), row_estimates=read.row_estimates)
    assert evo.ok, (evo.refusal, evo.refused)
    return evo.plan.text()


def _with_moderator() -> str:
    text = prisma_oracle.CLIENT_E2E_SCHEMA.read_text()
    return text.replace("enum Role {\n  USER\n  ADMIN\n", "enum Role {\n  USER\n  ADMIN\n  MODERATOR\n")


def test_prisma_client_before_during_and_after_an_enum_value_is_added(pg_database):
    """New shape: the client runs before, while the new value's check is added and validated (a thread), and
    after; the migration copies no row."""
    import threading

    prisma_oracle.ensure_node_modules()
    apply_dsql_script(pg_database, _script(dsql_profile()))
    assert prisma_oracle.run_client_e2e(pg_database)["ok"]
    plan = _evolve(pg_database, _with_moderator())
    assert "CopyColumn" not in plan and "MODERATOR" in plan and "VALUE IN" not in plan
    during: dict = {}
    client = threading.Thread(target=lambda: during.update(prisma_oracle.run_client_e2e(pg_database)))
    client.start()
    apply_dsql_script(pg_database, plan)
    client.join(timeout=300)
    assert during.get("ok"), during
    assert prisma_oracle.run_client_e2e(pg_database)["ok"]
    assert _evolve(pg_database, _with_moderator()).strip() == "-- This is an empty migration."


def test_prisma_client_on_a_database_moved_from_the_old_enum_shape(pg_database):
    """A database whose enums hold their values in the domain's CHECK (earlier versions) plans to nothing
    while the values are the schema's; a new value moves it once to the new shape; the client passes before
    and after (writers stopped: the move copies the columns)."""
    prisma_oracle.ensure_node_modules()
    apply_dsql_script(pg_database, _old_shape(_script(dsql_profile())))
    assert prisma_oracle.run_client_e2e(pg_database)["ok"]
    same = _evolve(pg_database, prisma_oracle.CLIENT_E2E_SCHEMA.read_text())
    assert same.strip() == "-- This is an empty migration.", same
    plan = _evolve(pg_database, _with_moderator())
    assert "CopyColumn" in plan and "VerifyCopy" in plan and "prisma-dsql:writers-blocked" in plan
    apply_dsql_script(pg_database, plan)
    with psycopg.connect(pg_database, autocommit=True) as conn:
        checks = conn.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'c' AND conname LIKE '%\\_enum'")
        assert checks.fetchone()[0] == 1  # User.role; status keeps its values in its domain (unchanged)
        domains = conn.execute("SELECT t.typname FROM pg_constraint c JOIN pg_type t ON t.oid = c.contypid "
                               "JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public'")
        assert [r[0] for r in domains.fetchall()] == ["status"]
    assert prisma_oracle.run_client_e2e(pg_database)["ok"]
    assert _evolve(pg_database, _with_moderator()).strip() == "-- This is an empty migration."
