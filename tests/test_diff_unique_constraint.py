"""A UNIQUE constraint in the database is the `@@unique` it equals (no database needed).

umami's 19_add_session_replay writes `CONSTRAINT "session_replay_saved_website_id_visit_id_key" UNIQUE
("website_id", "visit_id")` for `@@unique([websiteId, visitId])`; Prisma sees no difference, and planning
used to drop the constraint and build the same index again."""

from __future__ import annotations

from dataclasses import replace

from prisma_dsql.capabilities import dsql_profile, profile_for
from prisma_dsql.loader import load_text
from prisma_dsql.migrations.evolve import plan_to_schema
from prisma_dsql.migrations.generate import generate_from_empty
from prisma_dsql.plan import PlanOptions

SCHEMA = ('datasource db {\n  provider = "postgresql"\n}\nmodel S {\n  id String @id @db.Uuid\n  w String @db.Uuid\n'
          '  v String @db.Uuid\n  @@unique([w, v])\n}\n')


def _as_constraint(profile):
    catalog = generate_from_empty(load_text(SCHEMA), profile).catalog
    table = catalog.tables[0]
    indexes = tuple(replace(i, constraint=True) if i.unique else i for i in table.indexes)
    assert any(i.constraint for i in indexes)
    return replace(catalog, tables=(replace(table, indexes=indexes),))


def test_a_unique_constraint_equal_to_the_schemas_unique_is_no_change():
    for profile in (profile_for("postgres"), dsql_profile()):
        evo = plan_to_schema(_as_constraint(profile), load_text(SCHEMA), profile)
        assert evo.ok and evo.plan.steps == (), evo.plan.text()


def test_a_changed_unique_constraint_is_still_dropped_as_a_constraint():
    profile = profile_for("postgres")
    new = SCHEMA.replace("@@unique([w, v])", "@@unique([v, w], map: \"S_w_v_key\")")
    evo = plan_to_schema(_as_constraint(profile), load_text(new), profile, plan_options=PlanOptions())
    assert evo.ok, evo.refused
    assert 'DROP CONSTRAINT "S_w_v_key"' in evo.plan.text() and "CREATE UNIQUE INDEX" in evo.plan.text()
