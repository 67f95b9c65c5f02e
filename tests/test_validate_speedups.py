"""The shortcuts `validate` takes for speed (issue 17) give exactly what the plain way gives.

- `schema.model.evolve` makes the same frozen dataclass instances as `dataclasses.replace`, as
  compact in memory, and never carries a stale cached value over;
- `validate --target postgres` runs no DSQL rule, so it does not import the rule modules, while the
  rules still load in full whenever something asks for them.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from prisma_dsql.loader import load_text
from prisma_dsql.schema import model as m
from prisma_dsql.source import Span

SPAN = Span("s.prisma", 3, 3, 3, 20)


def _field(**changes):
    values = {"name": "id", "db_name": "id", "kind": m.FieldKind.SCALAR, "type_name": "Int",
              "arity": m.Arity.REQUIRED, "span": SPAN, "type_span": SPAN, "attributes": ("id",),
              "attribute_spans": (("id", SPAN),)}
    values.update(changes)
    return values


def test_evolve_equals_dataclasses_replace():
    field = m.Field(**_field())
    info = m.RelationInfo(name="AToB", explicit_name=False, related_model="B", opposite_field="a")
    assert m.evolve(field, relation=info) == dataclasses.replace(field, relation=info)
    assert field.relation is None  # the original is untouched
    with pytest.raises(TypeError):
        m.evolve(field, colour="red")


def test_evolve_keeps_instances_compact():
    # An instance whose __dict__ was filled directly loses CPython's shared-key layout (2x the memory:
    # +10 MiB at 1,000 models); evolve's copies must take no more memory than the constructor's.
    import tracemalloc

    field = m.Field(**_field())
    info = m.RelationInfo(name="AToB", explicit_name=False, related_model="B", opposite_field="a")
    sizes = []
    for make in (lambda: dataclasses.replace(field, relation=info), lambda: m.evolve(field, relation=info)):
        tracemalloc.start()
        made = [make() for _ in range(2000)]
        sizes.append(tracemalloc.get_traced_memory()[0])
        tracemalloc.stop()
        del made
    assert sizes[1] <= sizes[0] * 1.05, sizes


def test_evolve_drops_cached_values_of_the_original():
    schema = load_text("model A {\n  id Int @id\n  name String\n}\n").schema
    model = schema.model("A")
    assert model.field("name") is not None  # computes and caches the field index
    renamed = m.evolve(model.fields[1], name="title")
    changed = m.evolve(model, fields=(model.fields[0], renamed))
    assert changed.field("title") is renamed
    assert changed.field("name") is None  # a stale index would still answer "name"


def test_resolved_graph_is_what_the_constructors_give():
    # The resolver re-makes relation fields and models with `evolve`:
    # rebuilding every node with the dataclass constructor gives an equal graph.
    text = ("model User {\n  id Int @id @default(autoincrement())\n  posts Post[]\n}\n"
            "model Post {\n  id Int @id\n  authorId Int\n  author User @relation(fields: [authorId], "
            "references: [id], onDelete: Cascade)\n}\n")
    schema = load_text(text).schema
    for model in schema.models:
        remade = m.Model(**{f.name: getattr(model, f.name) for f in dataclasses.fields(m.Model)})
        assert remade == model
        for field in model.fields:
            assert m.Field(**{f.name: getattr(field, f.name) for f in dataclasses.fields(m.Field)}) == field
    author = schema.models[1].field("author")
    assert author.relation is not None and author.relation.fields == ("authorId",)


_PROBE = """
import json, runpy, sys
sys.argv = ["prisma-dsql", "validate", *sys.argv[1:]]
try:
    runpy.run_module("prisma_dsql", run_name="__main__")
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "rules": sorted(m for m in sys.modules if m.startswith("prisma_dsql.rules."))}))
"""


def _validate_modules(tmp_path: Path, *args: str) -> dict:
    schema = tmp_path / "schema.prisma"
    schema.write_text('datasource db {\n  provider = "postgresql"\n}\nmodel A {\n  id Int @id\n}\n')
    out = subprocess.run([sys.executable, "-c", _PROBE, *args, str(schema)], check=False, capture_output=True,
                         text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_validate_for_postgres_imports_no_rule(tmp_path):
    result = _validate_modules(tmp_path, "--target", "postgres")
    assert result["code"] == 0
    assert result["rules"] == []


def test_validate_for_dsql_loads_every_rule(tmp_path):
    from prisma_dsql.rules import RULE_MODULES

    result = _validate_modules(tmp_path)
    assert result["code"] == 0
    loaded = {name.rsplit(".", 1)[1] for name in result["rules"]}
    assert set(RULE_MODULES) <= loaded
