"""Plan again is empty: every sample and corpus schema, applied from empty and read back, needs no step.

This is the differ's side of the round trip (tests/test_introspect_roundtrip.py is the introspector's):
the catalog read from a database built by a schema's migration must compare equal to the schema's
through `prisma_dsql.diff`, or every later migration would carry spurious steps (as Prisma's own
`migrate diff` does against DSQL: a `DROP CONSTRAINT "<table>_pkey"` on every table).
"""

from __future__ import annotations

import psycopg
import pytest

from prisma_dsql.capabilities import dsql_profile, profile_for
from prisma_dsql.introspect import introspect_database
from prisma_dsql.loader import load, load_text
from prisma_dsql.migrations.evolve import plan_to_schema
from tests.support.dsql_emulation import apply_dsql_script
from tests.test_dsql_apply import CASES, _generated
from tests.test_targets_dsql_lint import accepted

pytestmark = pytest.mark.postgres


def _loaded(name: str):
    case = CASES[name]
    return load(case) if not isinstance(case, str) else load_text(case)


@pytest.mark.parametrize("target, name", [("dsql", n) for n in accepted("dsql")]
                         + [("postgres", n) for n in accepted("postgres")])
def test_plan_again_is_empty(target, name, pg_database):
    generated = _generated(name, target)
    if target == "dsql":
        apply_dsql_script(pg_database, generated.script.text())
    else:
        with psycopg.connect(pg_database) as conn:
            conn.execute(generated.script.text())
    with psycopg.connect(pg_database, autocommit=True) as conn:
        read = introspect_database(conn, profile=generated.profile)
    profile = dsql_profile() if target == "dsql" else profile_for("postgres")
    evo = plan_to_schema(read.catalog, _loaded(name), profile, row_estimates=read.row_estimates)
    assert evo.ok, (evo.refusal, evo.refused, evo.problems)
    assert evo.plan.steps == (), evo.plan.text()
    assert evo.plan.fingerprint == read.catalog.fingerprint()
