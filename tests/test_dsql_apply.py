"""Real PostgreSQL: the generated scripts apply cleanly and build exactly the catalog they came from.

The postgres script runs as Prisma's `migrate deploy` runs it (the whole file in one transaction);
the DSQL script runs through tests/support/dsql_emulation.py (one statement per transaction,
ASYNC executed as a plain build, refusing whatever DSQL refuses). The product's introspector
(`prisma_dsql.introspect`) must then read back the very catalog the script came from
(`tests/test_introspect_roundtrip.assert_round_trip`: every sample and corpus schema, both targets).
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from prisma_dsql.capabilities import dsql_profile, profile_for
from prisma_dsql.loader import load, load_text
from prisma_dsql.migrations.generate import generate_from_empty
from tests.support.dsql_emulation import apply_dsql_script
from tests.test_introspect_roundtrip import assert_round_trip
from tests.test_targets_dsql_lint import accepted, dsql_cases

pytestmark = pytest.mark.postgres

CASES = dsql_cases()


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
    assert_round_trip(pg_database, generated)


@pytest.mark.parametrize("name", accepted("postgres"))
def test_postgres_script_applies_as_one_transaction(name, pg_database):
    generated = _generated(name, "postgres")
    with psycopg.connect(pg_database) as conn:  # one transaction, as `prisma migrate deploy` runs a file
        conn.execute(generated.script.text())
    assert_round_trip(pg_database, generated)


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
