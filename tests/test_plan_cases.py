"""The planner's fast tier: every case of tests/plan_cases/cases.py planned without a database.

A case fixes the operations (in order) and the hazard kinds a change gets, or the refusal it gets; a
regression in a strategy, the order or the cast table changes one of them. The whole table runs in well
under a second (no PostgreSQL); the real-PostgreSQL tier (test_evolve.py, test_plan_type_changes.py)
applies plans of the same kinds.
"""

from __future__ import annotations

import pytest

from prisma_dsql import ops
from prisma_dsql.plan.planner import PlanOrderError, _Entry, order
from prisma_dsql.plan.strategies import STRATEGIES
from tests.plan_cases.cases import CASES, Case
from tests.plan_cases.run import plan_case

DROPS = (ops.DropColumn, ops.DropTable)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Case):
    evo = plan_case(case)
    if case.refused is not None:
        assert not evo.ok and evo.refused is not None, evo.plan.text() if evo.ok else evo.refusal
        assert any(case.refused in b.message + " " + b.options for b in evo.refused.blocked), evo.refused.blocked
        return
    assert evo.ok, (evo.refusal, evo.refused, evo.problems)
    assert tuple(type(s.operation).__name__ for s in evo.plan.steps) == case.ops, evo.plan.text()
    assert {h.kind for _, h in evo.plan.hazards()} == case.hazards
    for needle, present in case.text:
        assert (needle in evo.plan.text()) is present, evo.plan.text()
    ids = [s.id for s in evo.plan.steps]
    for n, step in enumerate(evo.plan.steps):  # every dependency runs before the step that needs it
        assert all(ids.index(d) < n for d in step.depends_on), step


def test_the_table_covers_every_strategy():
    names = " ".join(c.name for c in CASES)
    covered = {s for s, words in STRATEGIES.items() if any(w in names for w in words)}
    assert covered == set(STRATEGIES) and len(CASES) >= 30


@pytest.mark.parametrize("case", [c for c in CASES if c.refused is None], ids=lambda c: c.name)
def test_builds_run_before_data_is_dropped(case: Case):
    """No step that may fail or builds runs after a column or table is dropped with its data (except the
    drops and renames of the same change and the types they free)."""
    steps = plan_case(case).plan.steps
    # A drop that is part of one change (a rebuild's old table, a swap's or a replaced column's old column)
    # cannot wait: its change adds the new one right after. Every other drop comes after the builds.
    first_drop = next((n for n, s in enumerate(steps) if isinstance(s.operation, DROPS)
                       and not any(d.startswith(("CopyRows", "CopyColumn", "VerifyCopy")) for d in s.depends_on)
                       and "changes type" not in s.reason), None)
    if first_drop is None:
        return
    later = steps[first_drop + 1:]
    assert not [s for s in later if any(h.kind == "may-fail-on-existing-data" for h in s.hazards)], \
        [s.id for s in later]


def test_a_dependency_on_a_missing_step_raises_instead_of_being_dropped():
    op = ops.CreateSchema("s")
    with pytest.raises(PlanOrderError, match="needs step 7"):
        order([_Entry(0, op, "r", after=(7,), number=0)])
    with pytest.raises(PlanOrderError, match="need each other"):
        order([_Entry(0, op, "r", after=(1,), number=0), _Entry(0, op, "r", after=(0,), number=1)])


def test_kind_priority_breaks_ties_but_never_a_dependency():
    a, b = ops.CreateSchema("a"), ops.CreateSchema("b")
    late, early = _Entry(5, a, "late", number=0), _Entry(1, b, "early", after=(0,), number=1)
    assert [e.reason for e in order([late, early])] == ["late", "early"]
    assert [e.reason for e in order([_Entry(5, a, "x", number=0), _Entry(1, b, "y", number=1)])] == ["y", "x"]


@pytest.mark.parametrize(("name", "query"), [
    ("new unique index", "CountDuplicates"), ("required column without default", "CountRows"),
    ("optional to required on postgres", "CountMissing"),
])
def test_steps_that_fail_on_data_carry_the_query_that_finds_it(name, query):
    """The step that fails on existing data carries a precondition: a count query, rendered by the target
    (never written by the planner), that must be 0 before the migration starts."""
    steps = plan_case(next(c for c in CASES if c.name == name)).plan.steps
    checks = [(s, p) for s in steps for p in s.preconditions]
    assert len(checks) == 1
    step, check = checks[0]
    assert check.name.startswith(query + ":") and check.sql.startswith("SELECT count(*) FROM")
    assert any(h.kind == "may-fail-on-existing-data" for h in step.hazards)
    assert step.to_data()["preconditions"][0]["sql"] == check.sql


def test_the_deploy_engine_reads_every_planned_step_as_the_planner_meant_it():
    """One vocabulary: each step of every case, read back from migration.sql by the deploy engine's
    classifier, is the same statement with the same kind (DDL, DML, async job) and the same directives."""
    from prisma_dsql.deploy.steps import analyse, directives_by_statement
    from prisma_dsql.sql.split import split_sql

    kinds = {"ddl": {"ddl"}, "dml": {"dml"}, "async-ddl": {"async_index", "async_validate"}}
    for case in CASES:
        evo = plan_case(case)
        if not evo.ok or not evo.plan.steps:
            continue
        text = evo.plan.text()
        statements = split_sql(text)
        found = directives_by_statement(text, statements, "migration.sql")
        read = [analyse(s, n, "migration.sql", d) for n, (s, d) in enumerate(zip(statements, found))]
        assert len(read) == len(evo.plan.steps), case.name
        for planned, got in zip(evo.plan.steps, read):
            assert got.kind in kinds[planned.kind], (case.name, planned.sql, got.kind)
            assert got.repeat == ("repeat-until-zero-rows" in planned.directives), (case.name, planned.sql)
            assert got.wait_all == ("wait-for-jobs" in planned.directives), (case.name, planned.sql)
