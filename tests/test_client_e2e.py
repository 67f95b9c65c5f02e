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
