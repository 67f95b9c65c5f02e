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


GRAPH_FIXTURES = sorted((Path(__file__).parent / "fixtures" / "graph").glob("*.prisma"))
#: Corpus files Prisma rejects (so it has no DMMF for them): invalid on purpose, or Prisma-test inputs.
_NO_DMMF = ("catch_all_in_a_block", "object_expression_and_object_member", "reformatter__partial_index",
            "multi_byte_trailing_comment")
DMMF_CASES = SAMPLES + [p for p in CORPUS if not any(k in p.name for k in _NO_DMMF)] + GRAPH_FIXTURES


@pytest.fixture(scope="module")
def prismas_dmmf() -> dict[str, dict]:
    """Prisma's verdict and DMMF for every DMMF case, asked once (one node process)."""
    from tests.support.prisma_oracle import prisma_validate_each

    return prisma_validate_each(DMMF_CASES, dmmf=True)


@pytest.mark.node
@pytest.mark.parametrize("path", DMMF_CASES, ids=[_case_id(p) for p in DMMF_CASES])
def test_documentation_and_default_arguments_match_prismas_dmmf(path, prismas_dmmf):
    """`documentation` (empty `///` lines kept, `/* */` raw) and a default function's `effective_args`
    (cuid() -> [1], uuid() -> [4]) are what Prisma's own DMMF says."""
    result = prismas_dmmf[str(path)]
    assert result["ok"], result["errors"]
    dmmf = result["dmmf"]["datamodel"]
    ours = to_json(load(path).schema)
    theirs_docs, our_docs = {}, {}
    for kind in ("models", "enums", "types"):
        for x in dmmf[kind]:
            theirs_docs[x["name"]] = x.get("documentation")
            for member in x.get("fields", x.get("values", [])):
                theirs_docs[f"{x['name']}.{member['name']}"] = member.get("documentation")
    for kind in ("models", "views", "enums", "types"):
        for x in ours[kind]:
            our_docs[x["name"]] = x["documentation"]
            for member in x.get("fields", x.get("values", [])):
                our_docs[f"{x['name']}.{member['name']}"] = member["documentation"]
    assert {k: v for k, v in our_docs.items() if k in theirs_docs} == theirs_docs
    theirs_defaults = {f"{x['name']}.{f['name']}": f["default"]["args"] for x in dmmf["models"] for f in x["fields"]
                       if isinstance(f.get("default"), dict) and "name" in f["default"]}
    our_defaults = {f"{x['name']}.{f['name']}": f["default"]["effective_args"] for x in ours["models"]
                    for f in x["fields"] if f["default"] and f["default"]["kind"] == "function"}
    assert {k: our_defaults[k] for k in theirs_defaults if k in our_defaults} == {
        k: v for k, v in theirs_defaults.items() if k in our_defaults}


def test_fulltext_indexes_are_marked():
    from prisma_dsql.loader import load_text

    text = ('datasource db {\n  provider = "mysql"\n}\n\nmodel Post {\n  id    Int    @id\n  title String\n'
            '  body  String\n\n  @@fulltext([title, body])\n  @@index([title])\n}\n')
    loaded = load_text(text)
    assert not loaded.diagnostics
    indexes = to_json(loaded.schema)["models"][0]["indexes"]
    assert [(i["fulltext"], [f["name"] for f in i["fields"]]) for i in indexes] == [
        (True, ["title", "body"]), (False, ["title"])]
