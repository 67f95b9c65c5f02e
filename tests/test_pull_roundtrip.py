"""`db pull` round trip on the real embedded PostgreSQL: every DSQL-clean schema of the samples, the
corpus and the DSQL feature schemas is built with this tool's own DSQL DDL (one statement per
transaction, as DSQL runs it), pulled back, and the pulled schema must

- load without errors and pass this tool's validation (Prisma-level and DSQL rules: no errors),
- plan to nothing against the database it came from (the planner, on the DSQL target),
- have the same enums (names and values) and the same relation fields (model, field type and arity,
  per relation: the pulled names are Prisma's introspection names, the original's are the author's),
- be accepted by Prisma's own validator (the node oracle, where node is present).
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from prisma_dsql.capabilities import dsql_profile, profile_for
from prisma_dsql.diagnostics import Severity
from prisma_dsql.introspect import introspect_database
from prisma_dsql.loader import load, load_text
from prisma_dsql.migrations.evolve import plan_to_schema
from prisma_dsql.migrations.generate import generate_from_empty
from prisma_dsql.pull import pull
from prisma_dsql.rules import check
from tests.support.dsql_emulation import apply_dsql_script
from tests.test_dsql_apply import CASES
from tests.test_targets_dsql_lint import CORPUS, SAMPLES, accepted

pytestmark = pytest.mark.postgres

#: Schemas DSQL refuses as they are, made DSQL-clean with the smallest edit (what a team moving to DSQL
#: would do): (file, [(text, replacement)]).
CLEANED: dict[str, tuple[Path, list[tuple[str, str]]]] = {
    # The Epic Stack ships on SQLite; its models are plain PostgreSQL too.
    "cleaned:epic-stack": (CORPUS / "epicweb-dev__epic-stack__prisma__schema.prisma",
                           [('provider = "sqlite"', 'provider = "postgresql"')]),
    # A scalar list, as the DSQL106 help says: stored as JSON.
    "cleaned:saas": (SAMPLES / "saas" / "schema.prisma", [("labels     String[]", "labels     Json")]),
}

NAMES = accepted("dsql") + list(CLEANED)


def _loaded(name: str):
    if name in CLEANED:
        path, edits = CLEANED[name]
        if not path.exists():
            pytest.skip(f"{path} is not in this checkout")
        text = path.read_text(encoding="utf-8")
        for old, new in edits:
            assert old in text, f"{path} changed: {old!r} is gone"
            text = text.replace(old, new)
        return load_text(text, path.name)
    case = CASES[name]
    if isinstance(case, Path) and not case.exists():
        pytest.skip(f"{case} is not in this checkout")
    return load(case) if not isinstance(case, str) else load_text(case)


def _built(name: str, url: str):
    generated = generate_from_empty(_loaded(name), dsql_profile())
    assert generated.ok, generated.refusal
    apply_dsql_script(url, generated.script.text())
    with psycopg.connect(url, autocommit=True) as conn:
        return introspect_database(conn, profile=generated.profile)


def _enums(schema) -> dict[str, tuple[str, ...]]:
    return {e.db_name: tuple(v.db_name for v in e.values) for e in schema.enums}


def _relation_shapes(schema) -> list[tuple]:
    """Each relation as the database sees it: (kind, table, columns, referenced table, arity of both
    sides): names of fields and relations are not compared (Prisma's pull names them its own way)."""
    models = {m.name: m for m in schema.models}
    out = []
    for r in schema.relations:
        a, b = models[r.from_model], models[r.to_model]
        fa = a.field(r.from_field)
        fb = b.field(r.to_field) if r.to_field else None
        cols = tuple(a.field(f).db_name for f in r.fields)
        out.append((r.kind, a.db_name, cols, b.db_name, fa.arity.value, fb.arity.value if fb else None))
    return sorted(out)


@pytest.mark.parametrize("name", NAMES)
def test_pulled_schema_plans_to_nothing_and_keeps_enums_and_relations(name, pg_database):
    read = _built(name, pg_database)
    profile = dsql_profile()
    result = pull(read.catalog, profile=profile)
    pulled = load_text(result.text)
    errors = [d for d in pulled.diagnostics if d.severity is Severity.ERROR]
    assert not errors, (result.text, [d.message for d in errors])
    findings = [d for d in check(pulled.schema, profile) if d.severity is Severity.ERROR]
    assert not findings, (result.text, [d.message for d in findings])

    evo = plan_to_schema(read.catalog, pulled, profile, row_estimates=read.row_estimates)
    assert evo.ok, (result.text, evo.refusal, evo.problems)
    assert evo.plan.steps == (), result.text + "\n" + evo.plan.text()

    original = _loaded(name).schema
    assert _enums(pulled.schema) == _enums(original)
    # With relationMode = "prisma" the database holds no foreign key: there is nothing to pull.
    expected = _relation_shapes(original) if original.relation_mode != "prisma" else []
    assert _relation_shapes(pulled.schema) == expected, result.text


@pytest.mark.parametrize("name", [n for n in accepted("postgres") if n in NAMES])
def test_pull_from_postgresql_built_by_prisma_ddl_plans_to_nothing(name, pg_database):
    """The same on plain PostgreSQL, built with the DDL Prisma itself writes (enum types, SERIAL)."""
    profile = profile_for("postgres")
    generated = generate_from_empty(_loaded(name), profile)
    assert generated.ok, generated.refusal
    with psycopg.connect(pg_database) as conn:  # one transaction, as `prisma migrate deploy` runs a file
        conn.execute(generated.script.text())
    with psycopg.connect(pg_database, autocommit=True) as conn:
        read = introspect_database(conn, profile=profile)
    result = pull(read.catalog, profile=profile)
    pulled = load_text(result.text)
    assert not [d for d in pulled.diagnostics if d.severity is Severity.ERROR], result.text
    evo = plan_to_schema(read.catalog, pulled, profile, row_estimates=read.row_estimates)
    assert evo.ok, (result.text, evo.refusal, evo.problems)
    assert evo.plan.steps == (), result.text + "\n" + evo.plan.text()
    original = _loaded(name).schema
    assert _enums(pulled.schema) == _enums(original)
    expected = _relation_shapes(original) if original.relation_mode != "prisma" else []
    assert _relation_shapes(pulled.schema) == expected, result.text
