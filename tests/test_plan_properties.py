"""Property: for random schema pairs A -> B, the plan applied to a database built from A gives B.

Hypothesis draws two small schemas from the same pool of models, fields, enums and indexes, so the
pair differs in the ways real edits do (fields added, dropped, made optional or required, types
and defaults changed, uniques and indexes added or removed, enum values changed, models added or
removed). A is built from empty under the DSQL emulation with a few rows in every table; the plan
to B (drops and rebuilds allowed) is applied statement by statement; then the database must read
back as B (planning again gives no step) and pass dsql-lint. A step may fail on the rows in place only
where the plan marked it `may-fail-on-existing-data` (a unique index over rows that share a default).
"""

from __future__ import annotations

from dataclasses import replace

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prisma_dsql.capabilities import dsql_profile
from prisma_dsql.introspect import introspect_database
from prisma_dsql.loader import load_text
from prisma_dsql.migrations.evolve import plan_to_schema
from prisma_dsql.migrations.generate import generate_from_empty
from prisma_dsql.plan import PlanOptions
from prisma_dsql.plan.model import MAY_FAIL
from tests.support.dsql_emulation import DsqlExecutionError, apply_dsql_script

pytestmark = pytest.mark.postgres

HEAD = 'datasource db {\n  provider = "postgresql"\n}\n'

#: (type, default written in the schema, a value for INSERT)
SCALARS = [
    ("String", '@default("x")', "'v'"),
    ("Int", "@default(7)", "3"),
    ("BigInt", "@default(7)", "3"),
    ("Boolean", "@default(true)", "false"),
    ("Float", "@default(1.5)", "2.5"),
    ("DateTime", "@default(now())", "'2026-01-01'"),
]

field_st = st.tuples(
    st.sampled_from(["a", "b", "c", "d"]),          # name
    st.integers(0, len(SCALARS) - 1),                 # type
    st.booleans(),                                    # optional
    st.booleans(),                                    # default
    st.booleans(),                                    # unique
)

schema_st = st.fixed_dictionaries({
    "fields": st.lists(field_st, max_size=4, unique_by=lambda f: f[0]),
    "index": st.booleans(),
    "enum_values": st.sampled_from([("A",), ("A", "B"), ("A", "C"), ("A", "B", "C")]),
    "enum_field": st.sampled_from([None, "optional", "required"]),
    "extra_model": st.booleans(),
})


def render(spec: dict) -> str:
    lines = ["model Item {", "  id Int @id @default(autoincrement())"]
    for name, t, optional, default, unique in spec["fields"]:
        typ, dflt, _ = SCALARS[t]
        attrs = []
        if default or not optional:  # a required field always has a default: rows exist
            attrs.append(dflt)
        if unique and typ not in ("Boolean", "Float", "DateTime"):
            attrs.append("@unique")
        lines.append(f"  {name} {typ}{'?' if optional else ''} {' '.join(attrs)}".rstrip())
    if spec["enum_field"]:
        lines.append(f"  kind Kind{'?' if spec['enum_field'] == 'optional' else ''} @default(A)")
    if spec["index"] and spec["fields"]:
        lines.append(f"  @@index([{spec['fields'][0][0]}])")
    lines.append("}")
    text = "enum Kind {\n" + "".join(f"  {v}\n" for v in spec["enum_values"]) + "}\n" + "\n".join(lines) + "\n"
    if spec["extra_model"]:
        text += "model Extra {\n  id Int @id\n  note String?\n}\n"
    return HEAD + text


def seed_rows(url: str, spec: dict) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for i in range(3):
            cols, vals = [], []
            for name, t, _optional, _default, unique in spec["fields"]:
                typ, _, value = SCALARS[t]
                if unique and typ in ("String", "Int", "BigInt"):
                    value = f"'{i}'" if typ == "String" else str(i)
                cols.append(f'"{name}"')
                vals.append(value)
            sql = f'INSERT INTO "Item" ({", ".join(cols)}) VALUES ({", ".join(vals)})' if cols else \
                'INSERT INTO "Item" DEFAULT VALUES'
            conn.execute(sql)


@settings(max_examples=int(__import__("os").environ.get("PRISMA_DSQL_PROPERTY_EXAMPLES", "40")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(a=schema_st, b=schema_st)
def test_plan_takes_a_to_b(a, b, pg_server, dsql_lint):
    profile = dsql_profile()
    name, url = pg_server.create_database(prefix="prop")
    try:
        first = generate_from_empty(load_text(render(a)), profile)
        assert first.ok, (render(a), first.refusal, first.problems)
        apply_dsql_script(url, first.script.text())
        seed_rows(url, a)
        with psycopg.connect(url, autocommit=True) as conn:
            read = introspect_database(conn)
        evo = plan_to_schema(read.catalog, load_text(render(b)), profile,
                             plan_options=PlanOptions(accept_data_loss=True, allow_rebuild=True),
                             row_estimates=read.row_estimates)
        assert evo.ok, (render(a), render(b), evo.refusal, evo.refused, evo.problems)
        lint = dsql_lint(evo.plan.text())
        assert not lint.errors, (evo.plan.text(), lint.errors)
        for step in evo.plan.steps:  # a step may only fail where the plan said it may
            try:
                apply_dsql_script(url, replace(evo.plan, steps=(step,)).text())
            except DsqlExecutionError as exc:
                assert any(h.kind == MAY_FAIL for h in step.hazards), (render(a), render(b), step, exc)
                return
        with psycopg.connect(url, autocommit=True) as conn:
            after = introspect_database(conn).catalog
        again = plan_to_schema(after, load_text(render(b)), profile)
        assert again.ok and again.plan.steps == (), (render(a), render(b), evo.plan.text(), again.plan.text())
        with psycopg.connect(url, autocommit=True) as conn:
            assert conn.execute('SELECT count(*) FROM "Item"').fetchone()[0] == 3  # rows survive every plan
    finally:
        pg_server.drop_database(name)
