"""Diagnostics as SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run; the driver lists every DSQL rule (with its documentation and a
helpUri into docs/rules.md) and every Prisma-level check code. Columns count
Unicode code points (`columnKind`), as the spans do. Paths are relative to the
directory prisma-dsql ran in (`%SRCROOT%`), which is what code scanning expects
when the tool runs from the repository root. Secrets are masked and characters a
terminal would act on are `\\uXXXX` escapes (render/safe.py).
"""

from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath
from typing import Iterable

from prisma_dsql.diagnostics import Diagnostic, Severity
from prisma_dsql.redact import redact

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/prisma-dsql/prisma-dsql"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _rule_descriptors() -> list[dict]:
    from prisma_dsql.codes import CODES
    from prisma_dsql.rules import REGISTRY

    out = []
    for r in REGISTRY.values():
        out.append({
            "id": r.code,
            "name": r.name,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.sections.get("What it does", r.summary)},
            "help": {"text": r.summary, "markdown": r.doc},
            "helpUri": r.url,
            "defaultConfiguration": {"level": _LEVEL[r.severity]},
            "properties": {"tags": ["dsql"]},
        })
    for c in CODES.values():
        out.append({
            "id": c.code,
            "name": c.name,
            "shortDescription": {"text": c.summary},
            "defaultConfiguration": {"level": "error"},
            "properties": {"tags": ["prisma"]},
        })
    return out


def _artifact(file: str) -> dict:
    if PurePosixPath(file).is_absolute() or PureWindowsPath(file).is_absolute():
        path = PureWindowsPath(file) if PureWindowsPath(file).drive else PurePosixPath(file)
        return {"uri": path.as_uri()}
    return {"uri": PureWindowsPath(file).as_posix(), "uriBaseId": "%SRCROOT%"}


def _result(d: Diagnostic, index: dict[str, int]) -> dict:
    text = redact(d.message + (f"\nhelp: {d.help}" if d.help else ""))
    result: dict = {"ruleId": d.code, "level": _LEVEL[d.severity], "message": {"text": text}}
    if d.code in index:
        result["ruleIndex"] = index[d.code]
    location: dict = {}
    if d.span is not None:
        s = d.span
        location["physicalLocation"] = {
            "artifactLocation": _artifact(s.file),
            "region": {"startLine": s.line, "startColumn": s.column, "endLine": s.end_line,
                       "endColumn": s.end_column},
        }
    if d.subject:
        location["logicalLocations"] = [{"fullyQualifiedName": d.subject}]
    if location:
        result["locations"] = [location]
    props = {k: v for k, v in (("subject", d.subject), ("help", redact(d.help) if d.help else None)) if v}
    if d.notes:
        props["notes"] = [redact(n) for n in d.notes]
    if props:
        result["properties"] = props
    if d.fix is not None:
        result["fixes"] = [_fix(d.fix)]
    return result


def _fix(fix) -> dict:
    """A SARIF `fix`: the edits grouped by file, each a deleted region and the text put there."""
    by_file: dict[str, list[dict]] = {}
    for e in fix.edits:
        s = e.span
        by_file.setdefault(s.file, []).append({
            "deletedRegion": {"startLine": s.line, "startColumn": s.column, "endLine": s.end_line,
                              "endColumn": s.end_column},
            "insertedContent": {"text": e.text},
        })
    return {"description": {"text": redact(fix.description)},
            "artifactChanges": [{"artifactLocation": _artifact(file), "replacements": reps}
                                for file, reps in by_file.items()]}


def to_sarif(diagnostics: Iterable[Diagnostic], *, tool_version: str, target: str,
             dsql_version: str | None) -> dict:
    rules = _rule_descriptors()
    index = {r["id"]: i for i, r in enumerate(rules)}
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "prisma-dsql", "version": tool_version, "semanticVersion": tool_version,
                                "informationUri": INFORMATION_URI, "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The directory prisma-dsql ran in."}}},
            "results": [_result(d, index) for d in diagnostics],
            "properties": {"target": target, "dsqlVersion": dsql_version},
        }],
    }


def render(diagnostics: Iterable[Diagnostic], *, tool_version: str, target: str, dsql_version: str | None) -> str:
    doc = to_sarif(diagnostics, tool_version=tool_version, target=target, dsql_version=dsql_version)
    from prisma_dsql.render.safe import dump_json

    return dump_json(doc, indent=2) + "\n"
