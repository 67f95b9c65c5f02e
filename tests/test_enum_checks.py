"""DSQL enums as a check-less domain plus a per-column table CHECK: names, reading the CHECK back in the
spellings PostgreSQL stores, the precondition of a removed value, and the copy guards that refuse a swap
after a write raced in (run on a real PostgreSQL)."""

from __future__ import annotations

import psycopg
import pytest

from prisma_dsql.capabilities import dsql_profile
from prisma_dsql.catalog.model import SqlType
from prisma_dsql.introspect.expressions import column_allowed_values
from prisma_dsql.plan import operations as ops
from prisma_dsql.sql.names import enum_check_expression, enum_check_name
from prisma_dsql.targets import target_for


def test_enum_check_name_is_predictable_and_cut_to_63_bytes():
    assert enum_check_name("User", "role") == "User_role_enum"
    long = enum_check_name("T" * 40, "c" * 40)
    assert long.endswith("_enum") and len(long.encode()) == 63


@pytest.mark.parametrize("stored", [
    "\"role\" IN ('A', 'B')",
    "(role = ANY (ARRAY['A'::text, 'B'::text]))",
    "((role)::text = ANY ((ARRAY['A'::character varying, 'B'::character varying])::text[]))",
    "(\"role\" = ANY (ARRAY['A'::\"Role\", 'B'::\"Role\"]))",
])
def test_a_column_check_is_read_back_in_every_spelling(stored):
    assert column_allowed_values(stored) == ("role", ("A", "B"))


@pytest.mark.parametrize("other", ["role IS NOT NULL", "VALUE IN ('A')", "length(role) > 2", "role = other"])
def test_other_checks_are_not_enum_values(other):
    assert column_allowed_values(other) is None


def test_expression_round_trips_a_quote():
    assert column_allowed_values(enum_check_expression("k", ("it's", "B"))) == ("k", ("it's", "B"))


def _target():
    return target_for(dsql_profile())


def test_removed_value_precondition_counts_rows_outside_the_values():
    count, sample = _target().precondition(ops.CountOutside(("public", "User"), "role", ("A",)))
    assert count == "SELECT count(*) FROM \"User\" WHERE \"role\"::text NOT IN ('A')"
    assert "GROUP BY 1" in sample


@pytest.mark.postgres
def test_copy_guards_refuse_when_a_write_raced_in(pg_database):
    t = _target()
    column = t.render(ops.VerifyColumnCopy(("public", "T"), "k", "k_new", ("id",))).sql
    rows = t.render(ops.VerifyRowsCopy(("public", "T"), ("public", "T_new"),
                                       (("id", "id", None), ("k", "k", None), ("n", "n", SqlType("BIGINT"))))).sql
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute('CREATE TABLE "T" (id int PRIMARY KEY, k text, k_new text, n int)')
        conn.execute('CREATE TABLE "T_new" (id int PRIMARY KEY, k text, n bigint)')
        conn.execute("INSERT INTO \"T\" VALUES (1, 'a', 'a', 1), (2, NULL, NULL, 2)")
        conn.execute("INSERT INTO \"T_new\" VALUES (1, 'a', 1), (2, NULL, 2)")
        conn.execute(column)  # copies equal: the guards pass
        conn.execute(rows)
        conn.execute("UPDATE \"T\" SET k = 'b' WHERE id = 1")  # a write after the copy
        with pytest.raises(psycopg.Error, match="were written while k was copied.*: 1"):
            conn.execute(column)
        with pytest.raises(psycopg.Error, match="were written while it was copied.*: 2"):
            conn.execute(rows)  # the changed row, both ways
        conn.execute("UPDATE \"T\" SET k = 'a' WHERE id = 1")
        conn.execute("INSERT INTO \"T\" VALUES (3, 'c', NULL, 3)")  # a row inserted after the copy
        with pytest.raises(psycopg.Error, match="rows changed: 1"):
            conn.execute(column)
        with pytest.raises(psycopg.Error, match="rows that differ: 1"):
            conn.execute(rows)


@pytest.mark.postgres
def test_a_removed_value_still_in_use_fails_before_anything_is_dropped_and_plans_again(pg_database):
    from prisma_dsql.introspect import introspect_database
    from prisma_dsql.loader import load_text
    from prisma_dsql.migrations.evolve import plan_to_schema
    from prisma_dsql.migrations.generate import generate_from_empty
    from tests.support.dsql_emulation import apply_dsql_script

    head = 'datasource db {\n  provider = "postgresql"\n}\n'
    model = "model User {\n  id Int @id @default(autoincrement())\n  role Role?\n}\n"
    old, new = head + "enum Role {\n  A\n  B\n}\n" + model, head + "enum Role {\n  A\n}\n" + model

    def plan():
        with psycopg.connect(pg_database, autocommit=True) as conn:
            read = introspect_database(conn)
        evo = plan_to_schema(read.catalog, load_text(new), dsql_profile(), row_estimates=read.row_estimates)
        assert evo.ok, evo.refused
        return evo.plan

    apply_dsql_script(pg_database, generate_from_empty(load_text(old), dsql_profile()).script.text())
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute("INSERT INTO \"User\" (role) VALUES ('A'), ('B')")
    first = plan()
    assert [type(s.operation).__name__ for s in first.steps] == ["AddCheck", "ValidateConstraint", "DropConstraint",
                                                                 "RenameConstraint"]
    assert first.steps[1].preconditions  # the rows holding B are counted before the migration starts
    with pytest.raises(Exception, match="is violated by some row"):
        apply_dsql_script(pg_database, first.text())
    with psycopg.connect(pg_database, autocommit=True) as conn:
        names = {r[0]: r[1] for r in conn.execute(
            "SELECT conname, convalidated FROM pg_constraint WHERE conrelid = '\"User\"'::regclass AND contype = 'c'")}
        assert names == {"User_role_enum": True, "User_role_enum_new": False}  # the old check was not dropped
        assert conn.execute('SELECT count(*) FROM "User"').fetchone()[0] == 2
        conn.execute("UPDATE \"User\" SET role = 'A' WHERE role = 'B'")
    again = plan()  # the half-built check is dropped and built again
    assert "DROP CONSTRAINT \"User_role_enum_new\"" in again.text()
    apply_dsql_script(pg_database, again.text())
    assert plan().steps == ()
