"""A plan as one self-contained HTML page (`prisma-dsql plan --format html`).

Contract: `render(plan, *, sources=(), title=None) -> str`. The page has no script, no external
stylesheet, image or font (a Content-Security-Policy says so too) and holds:

- a summary: the target, the number of steps, the hazards by kind, the async jobs;
- a drawing of the steps as a graph (inline SVG): one box per step in dependency layers (a step
  sits below every step it depends on), coloured by kind (DDL, DML, async job), with a red edge
  and a count when it has hazards and a mark for its directives; arrows go from a step to the
  steps that need it; each box links to the step's section below;
- one section per step: why (`reason`), the schema line it serves (file:line and the line's
  text, when the sources are given), its hazards with their messages (the rows at stake are in
  them; the first count of rows is also on the step's box), its directives, the steps it depends on,
  and its SQL.

The plan is read through the steps' public fields only (`id`, `depends_on`, `hazards` with `kind`
and `message`, `reason`, `span`, `sql` or `statement`, `directives`, and `label`, `kind`,
`subject` when present), each with a default, so that a richer or a leaner Step still renders.
Every text from the schema, the SQL or the database is HTML-escaped (control characters made
visible) before it is written.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from typing import Any, Iterable

from prisma_dsql.redact import redact
from prisma_dsql.render.safe import visible

NODE_W = 260
NODE_H = 60
GAP_X = 28
GAP_Y = 34
MARGIN = 20
MAX_ROW = 4  # boxes per row in one layer before it wraps
_KIND_CLASS = {"ddl": "ddl", "dml": "dml", "async-ddl": "async"}


def esc(value: Any) -> str:
    return html.escape(visible(redact(str(value)), keep_newlines=True), quote=True)


def _get(obj: Any, name: str, default: Any = None) -> Any:
    value = getattr(obj, name, default)
    return default if value is None else value


def _sql(step: Any) -> str:
    sql = _get(step, "sql")
    if sql is None:
        statement = _get(step, "statement", "")
        sql = getattr(statement, "sql", statement)
    return str(sql or "")


def _hazards(step: Any) -> list[tuple[str, str]]:
    out = []
    for h in _get(step, "hazards", ()) or ():
        out.append((str(_get(h, "kind", "hazard")), str(_get(h, "message", ""))))
    return out


#: "1,204 rows" in a hazard's message, but not the batch size ("3,000 rows per transaction").
_ROWS = re.compile(r"\b(\d[\d,]*) rows?\b(?! per transaction)")


def rows_at_stake(hazards: list[tuple[str, str]]) -> str | None:
    """The first row count the hazards name ("1,204 rows"), for the step's box."""
    for _, message in hazards:
        m = _ROWS.search(message)
        if m:
            return f"{m.group(1)} row{'s' if m.group(1) != '1' else ''}"
    return None


def _layers(steps: list[Any]) -> list[int]:
    """The layer of each step: one below the deepest step it depends on (unknown ids ignored; a
    dependency on a later step, which a plan should not have, counts from where it stands)."""
    index = {str(_get(s, "id", i)): i for i, s in enumerate(steps)}
    layer = [0] * len(steps)
    for i, s in enumerate(steps):
        deps = [index[d] for d in map(str, _get(s, "depends_on", ()) or ()) if d in index and index[d] < i]
        layer[i] = max((layer[d] + 1 for d in deps), default=0)
    return layer


def _number(i: int) -> str:
    return f"step-{i + 1}"


def _graph(steps: list[Any]) -> str:
    layers = _layers(steps)
    rows: list[list[int]] = []
    for depth in range(max(layers, default=-1) + 1):
        members = [i for i, d in enumerate(layers) if d == depth]
        for k in range(0, len(members), MAX_ROW):
            rows.append(members[k:k + MAX_ROW])
    pos: dict[int, tuple[float, float]] = {}
    width = MARGIN * 2 + MAX_ROW * NODE_W + (MAX_ROW - 1) * GAP_X
    for r, row in enumerate(rows):
        row_w = len(row) * NODE_W + (len(row) - 1) * GAP_X
        x = (width - row_w) / 2
        for i in row:
            pos[i] = (x, MARGIN + r * (NODE_H + GAP_Y))
            x += NODE_W + GAP_X
    height = MARGIN * 2 + len(rows) * NODE_H + max(len(rows) - 1, 0) * GAP_Y
    index = {str(_get(s, "id", i)): i for i, s in enumerate(steps)}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="the plan\'s steps and their dependencies">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#64748b"/></marker></defs>']
    for i, s in enumerate(steps):
        for dep in map(str, _get(s, "depends_on", ()) or ()):
            j = index.get(dep)
            if j is None or j == i:
                continue
            (x1, y1), (x2, y2) = pos[j], pos[i]
            sx, sy = x1 + NODE_W / 2, y1 + NODE_H
            tx, ty = x2 + NODE_W / 2, y2
            if y2 <= y1:  # same row (a wrapped layer): side to side
                sx, sy, tx, ty = x1 + NODE_W, y1 + NODE_H / 2, x2, y2 + NODE_H / 2
            out.append(f'<line class="dep" x1="{sx:.0f}" y1="{sy:.0f}" x2="{tx:.0f}" y2="{ty:.0f}" '
                       'marker-end="url(#arrow)"/>')
    for i, s in enumerate(steps):
        x, y = pos[i]
        kind = _KIND_CLASS.get(str(_get(s, "kind", "ddl")), "ddl")
        hazards = _hazards(s)
        label = str(_get(s, "label", "") or "Step")
        subject = str(_get(s, "subject", ""))
        head = f"{i + 1}. {label}"
        sub = _fit(subject, NODE_W - 16)
        marks = []
        if kind == "async":
            marks.append("async job")
        if hazards:
            marks.append(f"! {len(hazards)} hazard{'s' if len(hazards) != 1 else ''}")
            rows = rows_at_stake(hazards)
            if rows:
                marks.append(rows)
        if _get(s, "directives", ()):
            marks.append("directive")
        cls = f"node {kind}" + (" hazard" if hazards else "")
        tooltip = f"{head} {subject}" + "".join(f"\n{k}: {m}" for k, m in hazards)
        out.append(f'<a href="#{_number(i)}"><g class="{cls}"><title>{esc(tooltip)}</title>'
                   f'<rect x="{x:.0f}" y="{y:.0f}" width="{NODE_W}" height="{NODE_H}" rx="5"/>'
                   f'<text x="{x + 8:.0f}" y="{y + 17:.0f}" class="head">{esc(_fit(head, NODE_W - 16))}</text>'
                   f'<text x="{x + 8:.0f}" y="{y + 33:.0f}">{esc(sub)}</text>'
                   + (f'<text x="{x + 8:.0f}" y="{y + 50:.0f}" class="mark">'
                      f'{esc(_fit(" · ".join(marks), NODE_W - 16))}</text>' if marks else "")
                   + "</g></a>")
    out.append("</svg>")
    return "\n".join(out)


def _fit(text: str, width: float, char: float = 7.0) -> str:
    n = max(int(width // char), 4)
    return text if len(text) <= n else text[: n - 1] + "…"


def _source_line(span: Any, sources: dict[str, str]) -> str:
    if span is None:
        return ""
    file, line = _get(span, "file", ""), _get(span, "line", 0)
    where = f"{file}:{line}" if line else str(file)
    text = sources.get(file)
    shown = ""
    if text is not None and line:
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if 1 <= line <= len(lines):
            shown = lines[line - 1].strip()
    return (f'<p class="where">schema line <code>{esc(where)}</code>'
            + (f'<pre class="prisma">{esc(shown)}</pre>' if shown else "") + "</p>")


STYLE = """
body { margin: 0; font-family: ui-sans-serif, Helvetica, Arial, sans-serif; background: #f1f5f9; color: #0f172a; }
header { padding: 16px 24px; background: #0f172a; color: #f8fafc; }
header h1 { margin: 0 0 6px; font-size: 20px; }
header p { margin: 2px 0; color: #cbd5e1; font-size: 13px; }
main { padding: 16px 24px; }
.graph { background: #ffffff; box-shadow: 0 1px 3px rgba(0,0,0,.15); max-width: 100%; height: auto; }
.node rect { fill: #dbeafe; stroke: #1e40af; stroke-width: 1.2; }
.node.dml rect { fill: #dcfce7; stroke: #15803d; }
.node.async rect { fill: #ede9fe; stroke: #6d28d9; }
.node.hazard rect { stroke: #dc2626; stroke-width: 2.5; }
.node text { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 11px; fill: #0f172a; }
.node text.head { font-weight: bold; }
.node text.mark { fill: #b91c1c; font-weight: bold; }
line.dep { stroke: #64748b; stroke-width: 1.2; }
section.step { background: #ffffff; margin: 12px 0; padding: 10px 16px; border-left: 5px solid #1e40af; }
section.step.dml { border-left-color: #15803d; }
section.step.async { border-left-color: #6d28d9; }
section.step h2 { font-size: 15px; margin: 4px 0; }
.hazards li { color: #b91c1c; }
pre { background: #0f172a; color: #e2e8f0; padding: 8px 10px; overflow: auto; font-size: 12px; }
pre.prisma { background: #f8fafc; color: #0f172a; border: 1px solid #cbd5e1; }
.kind { font-size: 11px; color: #475569; text-transform: uppercase; margin-left: 6px; }
.legend span { display: inline-block; margin-right: 14px; font-size: 12px; }
"""


def render(plan: Any, *, sources: Iterable[Any] | dict[str, str] = (), title: str | None = None) -> str:
    steps = list(_get(plan, "steps", ()) or ())
    if isinstance(sources, dict):
        texts = {str(k): str(v) for k, v in sources.items()}
    else:
        texts = {str(_get(s, "name", "")): str(_get(s, "text", "")) for s in sources}
    target = _get(plan, "profile", "") or _get(plan, "target", "")
    title = title or "Migration plan"
    hazard_counts = Counter(k for s in steps for k, _ in _hazards(s))
    jobs = sum(1 for s in steps if str(_get(s, "kind", "")) == "async-ddl")
    summary = ", ".join(f"{n} {k}" for k, n in sorted(hazard_counts.items())) or "none"
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
             f"<title>{esc(title)}</title>", f"<style>{STYLE}</style>", "</head>", "<body>",
             f"<header><h1>{esc(title)}</h1>",
             f"<p>For {esc(target)}: {len(steps)} step{'s' if len(steps) != 1 else ''}, each in a transaction of "
             "its own</p>",
             f"<p>Hazards: {esc(summary)}; async jobs: {jobs}</p></header>", "<main>"]
    if not steps:
        parts.append("<p>Nothing to do: the database already matches the schema.</p>")
    else:
        parts.append('<p class="legend"><span>■ DDL (blue)</span><span>■ data (green)</span>'
                     "<span>■ async job (purple)</span><span>red border: hazards</span>"
                     "<span>arrows: what a step needs first</span></p>")
        parts.append(_graph(steps))
    index = {str(_get(s, "id", i)): i for i, s in enumerate(steps)}
    for i, s in enumerate(steps):
        kind = _KIND_CLASS.get(str(_get(s, "kind", "ddl")), "ddl")
        label = str(_get(s, "label", "") or "Step")
        subject = str(_get(s, "subject", ""))
        parts.append(f'<section class="step {kind}" id="{_number(i)}">')
        parts.append(f"<h2>{i + 1}. {esc(label)} {esc(subject)}<span class=\"kind\">"
                     f"{esc('async job' if kind == 'async' else kind)}</span></h2>")
        reason = _get(s, "reason", "")
        if reason:
            parts.append(f"<p>{esc(reason)}</p>")
        parts.append(_source_line(_get(s, "span"), texts))
        hazards = _hazards(s)
        if hazards:
            parts.append('<ul class="hazards">' + "".join(f"<li><strong>{esc(k)}</strong>: {esc(m)}</li>"
                                                          for k, m in hazards) + "</ul>")
        directives = list(_get(s, "directives", ()) or ())
        if directives:
            parts.append("<p>Directives: " + ", ".join(f"<code>-- prisma-dsql:{esc(d)}</code>" for d in directives)
                         + "</p>")
        deps = [index[d] for d in map(str, _get(s, "depends_on", ()) or ()) if d in index]
        if deps:
            parts.append("<p>After: " + ", ".join(f'<a href="#{_number(j)}">{j + 1}</a>' for j in sorted(deps))
                         + "</p>")
        parts.append(f"<pre>{esc(_sql(s))};</pre>")
        parts.append("</section>")
    parts += ["</main>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


__all__ = ["render"]
