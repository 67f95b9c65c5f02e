"""The four output formats of `validate`: snapshots on the samples, SARIF schema validity,
the JSON contract and GitHub workflow command escaping."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from prisma_dsql import __version__
from prisma_dsql.cli.main import cli
from prisma_dsql.diagnostics import Diagnostic, Severity
from prisma_dsql.render import github, json_format, sarif
from prisma_dsql.rules import REGISTRY
from prisma_dsql.source import Span

ROOT = Path(__file__).parent.parent
SAMPLES = ["samples/blog/schema.prisma", "samples/saas/schema.prisma", "samples/multifile"]
FORMATS = ["text", "json", "sarif", "github"]
SARIF_SCHEMA = json.loads((Path(__file__).parent / "sarif" / "sarif-schema-2.1.0.json").read_text())
RULE_FIXTURES = sorted((Path(__file__).parent / "rules").glob("*/positive.prisma"))


@pytest.fixture(autouse=True)
def _in_repo_root(monkeypatch):
    # Paths in the output are relative to the working directory.
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("FORCE_COLOR", raising=False)


def validate(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["validate", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def _stable(fmt: str, out: str) -> str:
    out = out.replace(f'"version": "{__version__}"', '"version": "<version>"')
    out = out.replace(f'"semanticVersion": "{__version__}"', '"semanticVersion": "<version>"')
    if fmt != "sarif":
        return out
    doc = json.loads(out)
    driver = doc["runs"][0]["tool"]["driver"]
    driver["rules"] = [r["id"] for r in driver["rules"]]  # the catalogue is checked in its own test
    return json.dumps(doc, indent=2, ensure_ascii=False)


@pytest.mark.parametrize("version", [None, "2026-08-01"], ids=["newest", "2026-08-01"])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("sample", SAMPLES)
def test_sample_snapshot(sample, fmt, version, snapshot):
    args = [sample, "--format", fmt, "--no-color"] + (["--dsql-version", version] if version else [])
    code, out = validate(*args)
    assert (code, _stable(fmt, out)) == snapshot


@pytest.mark.parametrize("path", SAMPLES + [str(p.relative_to(ROOT)) for p in RULE_FIXTURES],
                         ids=lambda p: p.split("/")[-2] if p.endswith("positive.prisma") else p)
def test_sarif_is_valid_against_the_official_schema(path):
    _, out = validate(path, "--format", "sarif", "--dsql-version", "2026-01-01")
    doc = json.loads(out)
    validator = jsonschema.Draft4Validator(SARIF_SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    assert doc["version"] == "2.1.0"


def test_sarif_rules_metadata():
    _, out = validate("samples/saas/schema.prisma", "--format", "sarif")
    run = json.loads(out)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    by_id = {r["id"]: r for r in rules}
    for code, rule in REGISTRY.items():
        d = by_id[code]
        assert d["name"] == rule.name and d["shortDescription"]["text"] == rule.summary
        assert d["helpUri"].endswith(f"/docs/rules.md#{rule.anchor}")
        assert d["defaultConfiguration"]["level"] == {"error": "error", "warning": "warning", "info": "note"}[
            rule.severity.value]
        assert "## Fix" in d["help"]["markdown"]
    assert "PSL102" in by_id
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "samples/saas/schema.prisma"


def test_json_contract():
    code, out = validate("samples/saas/schema.prisma", "--format", "json", "--dsql-version", "2026-08-01")
    doc = json.loads(out)
    assert doc["version"] == json_format.FORMAT_VERSION == 1
    assert set(doc) == {"version", "tool", "target", "summary", "diagnostics"}
    keys = {"code", "name", "severity", "message", "file", "line", "column", "end_line", "end_column", "subject",
            "help", "notes", "fix"}
    for d in doc["diagnostics"]:
        assert set(d) == keys
        assert d["severity"] in ("error", "warning", "info")
        if d["code"].startswith("DSQL"):
            assert d["subject"] and d["name"] == REGISTRY[d["code"]].name
    assert doc["summary"]["errors"] == sum(d["severity"] == "error" for d in doc["diagnostics"]) > 0
    assert code == 1


def test_github_escaping():
    d = Diagnostic("DSQL106", Severity.ERROR, "50% of a,b: done\nnext", Span("dir,x/a:b.prisma", 3, 5, 3, 9),
                   help="use Json")
    line = github.command(d)
    assert line == ("::error file=dir%2Cx/a%3Ab.prisma,line=3,col=5,endLine=3,endColumn=9,title=DSQL106::"
                    "50%25 of a,b: done%0Anext%0Ahelp: use Json")
    info = Diagnostic("DSQL104", Severity.INFO, "m", None)
    assert github.command(info) == "::notice title=DSQL104::m"
    warn = Diagnostic("DSQL202", Severity.WARNING, "m", Span("s.prisma", 1, 1, 1, 2))
    assert github.command(warn).startswith("::warning file=s.prisma,")


def test_sarif_absolute_paths_become_file_uris(tmp_path):
    d = Diagnostic("DSQL106", Severity.ERROR, "m", Span(str(tmp_path / "s.prisma"), 1, 1, 1, 2), subject="T.tags")
    doc = sarif.to_sarif([d], tool_version="0", target="dsql", dsql_version="2026-09-15")
    loc = doc["runs"][0]["results"][0]["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"]["uri"].startswith("file:///")
    assert loc["logicalLocations"] == [{"fullyQualifiedName": "T.tags"}]
