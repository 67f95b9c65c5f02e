"""Diagnostics as GitHub Actions workflow commands (annotations on the pull request).

    ::error file=prisma/schema.prisma,line=12,col=3,endLine=12,endColumn=20,title=DSQL106::message

Errors become `::error`, warnings `::warning`, infos `::notice`. The help text
follows the message on a new line, then the fix `validate --fix` would apply, if any. Values are escaped as the runner expects:
`%`, CR and LF everywhere, and also `:` and `,` in properties. Control characters
from the schema are shown as `\\u{1b}` (render/safe.py) and secrets masked.
"""

from __future__ import annotations

from typing import Iterable

from prisma_dsql.diagnostics import Diagnostic, Severity
from prisma_dsql.render.safe import message, visible

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(d: Diagnostic) -> str:
    props = []
    if d.span is not None:
        s = d.span
        props += [f"file={escape_property(visible(s.file))}", f"line={s.line}", f"col={s.column}",
                  f"endLine={s.end_line}", f"endColumn={s.end_column}"]
    props.append(f"title={escape_property(d.code)}")
    text = message(d.message)
    if d.help:
        text += f"\nhelp: {message(d.help)}"
    if d.fix is not None:
        text += f"\nfix: {message(d.fix.description)} (prisma-dsql validate --fix)"
    return f"::{_COMMAND[d.severity]} {','.join(props)}::{escape_data(text)}"


def render(diagnostics: Iterable[Diagnostic]) -> str:
    lines = [command(d) for d in diagnostics]
    return "".join(line + "\n" for line in lines)
