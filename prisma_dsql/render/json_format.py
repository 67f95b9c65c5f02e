"""Diagnostics as JSON, for tools. Documented in docs/output-formats.md.

    {"version": 1, "tool": {...}, "target": {...}, "summary": {...},
     "diagnostics": [{"code", "name", "severity", "message", "file", "line", "column",
                      "end_line", "end_column", "subject", "help", "notes", "fix"}]}

`fix` is null, or `{"description", "edits": [{"file", "line", "column", "end_line",
"end_column", "text"}]}`: replace each span with its text (`validate --fix` does). After
`validate --fix`, `summary.fixed` counts the findings fixed.

Text is exact (secrets masked); characters a terminal would act on are written as
`\\uXXXX` escapes (render/safe.py), so the output is safe to print.
`version` changes only when a field is removed or changes meaning; new fields
may be added in the same version.
"""

from __future__ import annotations

from typing import Iterable

from prisma_dsql.diagnostics import Diagnostic, Severity
from prisma_dsql.redact import redact

FORMAT_VERSION = 1


def diagnostic_dict(d: Diagnostic) -> dict:
    span = d.span
    return {
        "code": d.code,
        "name": d.name,
        "severity": d.severity.value,
        "message": redact(d.message),
        "file": span.file if span else None,
        "line": span.line if span else None,
        "column": span.column if span else None,
        "end_line": span.end_line if span else None,
        "end_column": span.end_column if span else None,
        "subject": d.subject,
        "help": redact(d.help) if d.help else d.help,
        "notes": [redact(n) for n in d.notes],
        "fix": d.fix.as_dict() if d.fix is not None else None,
    }


def counts(diagnostics: list[Diagnostic]) -> dict[str, int]:
    out = {"errors": 0, "warnings": 0, "infos": 0}
    key = {Severity.ERROR: "errors", Severity.WARNING: "warnings", Severity.INFO: "infos"}
    for d in diagnostics:
        out[key[d.severity]] += 1
    return out


def render(diagnostics: Iterable[Diagnostic], *, tool_version: str, target: str,
           dsql_version: str | None, fixed: int | None = None) -> str:
    diagnostics = list(diagnostics)
    summary: dict = counts(diagnostics)
    summary["fixable"] = sum(1 for d in diagnostics if d.fix is not None)
    if fixed is not None:
        summary["fixed"] = fixed
    doc = {
        "version": FORMAT_VERSION,
        "tool": {"name": "prisma-dsql", "version": tool_version},
        "target": {"name": target, "dsql_version": dsql_version},
        "summary": summary,
        "diagnostics": [diagnostic_dict(d) for d in diagnostics],
    }
    from prisma_dsql.render.safe import dump_json

    return dump_json(doc, indent=2) + "\n"
