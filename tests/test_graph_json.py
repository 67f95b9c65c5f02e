"""The graph JSON (`prisma-dsql parse --json`) for samples and the public corpus, snapshotted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from prisma_dsql.loader import load
from prisma_dsql.schema.export import GRAPH_JSON_VERSION, to_json

ROOT = Path(__file__).parent.parent
SAMPLES = [ROOT / "samples" / "blog" / "schema.prisma", ROOT / "samples" / "saas" / "schema.prisma",
           ROOT / "samples" / "multifile"]
CORPUS = sorted((Path(__file__).parent / "fixtures" / "corpus").glob("*.prisma"))


@pytest.fixture
def json_snapshot(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


def _case_id(path: Path) -> str:
    return f"sample-{path.parent.name if path.is_file() else path.name}" if ROOT / "samples" in path.parents else path.stem


@pytest.mark.parametrize("path", SAMPLES + CORPUS, ids=[_case_id(p) for p in SAMPLES + CORPUS])
def test_graph_json(path, json_snapshot, monkeypatch):
    monkeypatch.chdir(path if path.is_dir() else path.parent)
    loaded = load(path)
    data = to_json(loaded.schema)
    assert data["version"] == GRAPH_JSON_VERSION
    json.dumps(data)  # serialisable as is
    assert data == json_snapshot


def test_every_element_has_a_position():
    loaded = load(ROOT / "samples" / "saas" / "schema.prisma")
    data = to_json(loaded.schema)
    elements = [data["datasource"], *data["generators"], *data["enums"], *data["relations"]]
    elements += [v for e in data["enums"] for v in e["values"]]
    for model in data["models"]:
        elements += [model, *model["fields"], *model["uniques"], *model["indexes"]]
        if model["primary_key"]:
            elements.append(model["primary_key"])
    for element in elements:
        pos = element["position"]
        assert pos["file"].endswith("schema.prisma")
        assert 1 <= pos["line"] <= pos["end_line"]
        assert pos["column"] >= 1 and pos["end_column"] >= 1


def test_multifile_positions_keep_their_file():
    loaded = load(ROOT / "samples" / "multifile")
    files = {m.name: m.span.file for m in loaded.schema.models}
    assert files["Product"].endswith("catalog.prisma")
    assert files["Order"].endswith("orders.prisma")
    assert list(loaded.diagnostics) == []
