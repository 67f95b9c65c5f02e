"""Human-readable diagnostics, in the style of rustc and ruff.

    schema.prisma:12:8: error[PSL102]: Type "Strin" is neither a built-in type, ...
       |
    12 |   name Strin
       |        ^^^^^
       = help: Did you mean `String`?

Colour is applied only when asked (the CLI decides from the terminal and
NO_COLOR); the layout is identical either way, so snapshots stay stable.
"""

from __future__ import annotations

from typing import Callable, Iterable

import unicodedata

from prisma_dsql.diagnostics import Diagnostic, Severity
from prisma_dsql.redact import redact
from prisma_dsql.render.safe import message, visible
from prisma_dsql.source import SourceFile

_STYLES = {
    "error": "\x1b[1;31m",
    "warning": "\x1b[1;33m",
    "info": "\x1b[1;36m",
    "bold": "\x1b[1m",
    "dim": "\x1b[2;34m",
    "help": "\x1b[1;32m",
}
_RESET = "\x1b[0m"

#: Source lines longer than this are shown cut around the caret.
MAX_SHOWN_LINE = 200


def _styler(color: bool) -> Callable[[str, str], str]:
    if not color:
        return lambda _style, text: text
    return lambda style, text: f"{_STYLES[style]}{text}{_RESET}"


def _display_width(text: str) -> int:
    # Terminal columns: tabs are shown as 4 spaces, East Asian wide characters take two.
    if text.isascii():
        return len(text.replace("\t", "    "))
    return sum(4 if c == "\t" else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class _Memo(dict):
    """Results of a pure function of one string, kept for one render (help texts and source lines
    repeat across findings; masking secrets and escaping control characters cost ~20 us each)."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def __missing__(self, key):
        value = self[key] = self.fn(key)
        return value


def _shown_line(line: str) -> tuple[str, str]:
    # A datasource line can carry a connection string: never show its password. Control
    # characters are shown as `\u{1b}`, never sent to the terminal.
    raw = redact(line, keep_length=True)
    return raw, visible(raw)


def render_one(d: Diagnostic, sources: dict[str, SourceFile], color: bool = False, *,
               _messages: dict | None = None, _lines: dict | None = None) -> str:
    paint = _styler(color)
    sev = d.severity.value
    messages = _Memo(message) if _messages is None else _messages
    head_loc = f"{visible(d.span.file)}:{d.span.line}:{d.span.column}: " if d.span else ""
    text_of = messages[d.message] if d.message is not None else None
    fixable = " [fixable]" if d.fix is not None else ""
    lines = [f"{paint('bold', head_loc)}{paint(sev, f'{sev}[{d.code}]')}{fixable}: {paint('bold', text_of)}"]
    src = sources.get(d.span.file) if d.span else None
    if d.span is not None and src is not None:
        # Columns are mapped onto the shown text so the caret stays under what it marks.
        raw, text = (_Memo(_shown_line) if _lines is None else _lines)[src.line(d.span.line)]
        raw_start = max(d.span.column, 1)
        raw_end = max(d.span.end_column, raw_start + 1) if d.span.end_line == d.span.line else len(raw) + 1
        start = len(visible(raw[: raw_start - 1])) + 1
        end = max(len(visible(raw[: raw_end - 1])) + 1, start + 1)
        shown = text
        offset = 0
        if len(text) > MAX_SHOWN_LINE:
            offset = max(0, start - 1 - MAX_SHOWN_LINE // 2)
            shown = ("…" if offset else "") + text[offset: offset + MAX_SHOWN_LINE] + "…"
            if offset:
                offset -= 1
        gutter = str(d.span.line)
        pad = " " * len(gutter)
        prefix = shown[: start - 1 - offset] if start - 1 - offset >= 0 else ""
        caret_start = _display_width(prefix)
        caret_len = max(1, _display_width(text[start - 1: end - 1]) if end <= len(text) + 1 else 1)
        caret_len = min(caret_len, max(1, _display_width(shown) - caret_start + 1))
        lines.append(paint("dim", f"{pad} |"))
        lines.append(paint("dim", f"{gutter} |") + " " + shown.replace("\t", "    "))
        lines.append(paint("dim", f"{pad} |") + " " + " " * caret_start + paint(sev, "^" * caret_len))
        for note in d.notes:
            lines.append(f"{pad} = note: {messages[note]}")
        if d.help:
            lines.append(f"{pad} = {paint('help', 'help')}: {messages[d.help]}")
    else:
        for note in d.notes:
            lines.append(f"  = note: {messages[note]}")
        if d.help:
            lines.append(f"  = {paint('help', 'help')}: {messages[d.help]}")
    return "\n".join(lines)


def summary(diagnostics: list[Diagnostic]) -> str:
    counts = {s: 0 for s in Severity}
    for d in diagnostics:
        counts[d.severity] += 1
    if not diagnostics:
        return "No problems found."
    parts = []
    for sev, word in ((Severity.ERROR, "error"), (Severity.WARNING, "warning"), (Severity.INFO, "note")):
        n = counts[sev]
        if n:
            parts.append(f"{n} {word}{'s' if n != 1 else ''}")
    return "Found " + ", ".join(parts) + "."


def render(diagnostics: Iterable[Diagnostic], sources: Iterable[SourceFile], color: bool = False) -> str:
    by_name = {s.name: s for s in sources}
    diagnostics = list(diagnostics)
    messages, lines = _Memo(message), _Memo(_shown_line)
    blocks = [render_one(d, by_name, color, _messages=messages, _lines=lines) for d in diagnostics]
    blocks.append(summary(diagnostics))
    return "\n\n".join(blocks) + "\n"
