"""`plan --format html`: one self-contained page drawing the plan's steps as a graph, with each
step's SQL, schema line, hazards and directives; escaped, tolerant of what a Step holds."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import pytest

from prisma_dsql.capabilities import profile_for
from prisma_dsql.cli.main import main
from prisma_dsql.migrations.evolve import plan_between_sides
from prisma_dsql.migrations.sources import Side
from prisma_dsql.plan import PlanOptions
from prisma_dsql.render.plan_html import render
from prisma_dsql.source import Span

ROOT = Path(__file__).resolve().parent.parent
NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def evolution():
    evo = plan_between_sides(Side("schema", str(ROOT / "samples/evolution/v1")),
                             Side("schema", str(ROOT / "samples/evolution/v2")), profile_for("dsql"),
                             plan_options=PlanOptions(False, True))
    assert evo.ok
    return evo


def graph(page: str):
    svg = page[page.index("<svg"): page.index("</svg>") + len("</svg>")]
    return ET.fromstring(svg)


def test_page_draws_every_step_with_its_sql_and_schema_line(evolution):
    plan = evolution.plan
    page = render(plan, sources=evolution.sources)
    root = graph(page)
    nodes = [g for g in root.iter(f"{NS}g") if "node" in g.get("class", "").split()]
    assert len(nodes) == len(plan.steps) == 15
    hazardous = [g for g in nodes if "hazard" in g.get("class", "").split()]
    assert len(hazardous) == sum(1 for s in plan.steps if s.hazards) > 0
    assert len([g for g in nodes if "async" in g.get("class", "").split()]) == sum(1 for s in plan.steps
                                                                                   if s.async_job) > 0
    deps = sum(len(s.depends_on) for s in plan.steps)
    assert len(root.findall(f"{NS}line")) == deps > 0
    for i, step in enumerate(plan.steps, 1):
        assert f'id="step-{i}"' in page
        assert step.sql.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
            '"', "&quot;").replace("'", "&#x27;") + ";</pre>" in page
        if step.span is not None:
            assert f"<code>{step.span.file}:{step.span.line}</code>" in page
    for step in plan.steps:
        for h in step.hazards:
            assert h.kind in page
    assert "-- prisma-dsql:repeat-until-zero-rows" in page
    assert re.search(r"async jobs: [1-9]", page)


def test_page_is_self_contained(evolution):
    page = render(evolution.plan, sources=evolution.sources)
    assert "<script" not in page.lower()
    assert not re.search(r"\bsrc\s*=", page)
    assert re.findall(r'href="([^"]*)"', page) and all(h.startswith("#step-") for h in re.findall(r'href="([^"]*)"', page))
    assert re.findall(r"https?://[^\s\"']+", page) == ["http://www.w3.org/2000/svg"]


def test_renderer_is_tolerant_and_escapes():
    steps = [
        SimpleNamespace(id="a", sql='CREATE TABLE "x</pre><script>alert(1)</script>" ()', depends_on=()),
        SimpleNamespace(id="b", statement="SELECT 1", depends_on=("a", "missing"), hazards=(
            SimpleNamespace(kind="data-loss", message="<b>1,234 rows</b> \x1b[2J"),), reason="<i>why</i>",
            span=Span("s.prisma", 2, 1, 2, 5), directives=("wait-for-jobs",)),
        SimpleNamespace(id="c"),
    ]
    page = render(SimpleNamespace(steps=steps, profile="Aurora DSQL"), sources={"s.prisma": "a\n<model>\n"})
    assert "<script" not in page and "<b>" not in page and "<i>" not in page and "\x1b" not in page
    assert "&lt;b&gt;1,234 rows&lt;/b&gt;" in page and "SELECT 1;</pre>" in page
    assert "<code>s.prisma:2</code>" in page and "&lt;model&gt;" in page
    assert "! 1 hazard · 1,234 rows" in page
    assert len([g for g in graph(page).iter(f"{NS}g") if "node" in g.get("class", "")]) == 3


def test_empty_plan():
    page = render(SimpleNamespace(steps=(), profile="Aurora DSQL"))
    assert "Nothing to do" in page and "<svg" not in page


def test_snapshot(snapshot):
    # A plan made here, not by the planner: the snapshot shows the page, not the planner's choices.
    def step(id, sql, label, kind="ddl", deps=(), hazards=(), directives=(), line=None, reason=""):
        return SimpleNamespace(id=id, sql=sql, label=label, kind=kind, subject=id.split(":", 1)[1], reason=reason,
                               span=Span("schema.prisma", line, 3, line, 20) if line else None,
                               hazards=tuple(SimpleNamespace(kind=k, message=m) for k, m in hazards),
                               depends_on=deps, directives=directives)

    steps = [
        step("AddColumn:public.User.name", 'ALTER TABLE "User" ADD COLUMN "name" TEXT', "AlterTable", line=3,
             reason="User.name is new"),
        step("SetDefault:public.User.name", 'ALTER TABLE "User" ALTER COLUMN "name" SET DEFAULT \'anon\'',
             "AlterTable", deps=("AddColumn:public.User.name",), line=3, reason="User.name has a default"),
        step("Backfill:public.User.name", 'UPDATE "User" SET "name" = \'anon\' WHERE ... LIMIT 3000', "Backfill",
             kind="dml", deps=("SetDefault:public.User.name",), line=3, directives=("repeat-until-zero-rows",),
             hazards=(("row-limit", "3,000 rows per transaction, repeated until every row of User (1,204 rows) "
                                    "has a value"),)),
        step("AddCheck:public.User.User_name_not_null",
             'ALTER TABLE "User" ADD CONSTRAINT "User_name_not_null" CHECK ("name" IS NOT NULL) NOT VALID',
             "AddCheck", deps=("Backfill:public.User.name",), line=3),
        step("Validate:public.User.User_name_not_null",
             'ALTER TABLE ASYNC "User" VALIDATE CONSTRAINT "User_name_not_null"', "ValidateConstraint",
             kind="async-ddl", deps=("AddCheck:public.User.User_name_not_null",), line=3,
             hazards=(("may-fail-on-existing-data", "fails if a row of User has no name"),)),
        step("CreateIndex:public.User_email_key", 'CREATE UNIQUE INDEX ASYNC "User_email_key" ON "User" ("email")',
             "CreateIndex", kind="async-ddl", line=4),
    ]
    plan = SimpleNamespace(steps=steps, profile="Aurora DSQL as of 2026-09-15")
    sources = {"schema.prisma": 'model User {\n  id    BigInt @id\n  name  String @default("anon")\n'
                                "  email String @unique\n}\n"}
    assert render(plan, sources=sources, title="Plan for schema.prisma") == snapshot


def test_plan_command_writes_html(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["plan", str(ROOT / "samples/blog/schema.prisma"), "--from-migrations", "/nonexistent-folder",
              "--format", "html"])
    out, err = capsys.readouterr()
    assert exc.value.code in (0, None)
    assert out.startswith("<!DOCTYPE html>") and "CREATE TABLE" in out
    graph(out)
