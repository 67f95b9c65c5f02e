"""The diagram as SVG, laid out and drawn here: no browser, no network, no external program.

Contract: `render(diagram) -> str` is a standalone SVG 1.1 document; `page(diagram, title)` is
that SVG in a self-contained HTML page (inline CSS, no script). Same diagram, same bytes.

Layout (simple and deterministic, good for the tens of models a schema has):
- a model that holds a foreign key sits one layer below the model it references (the longest
  such chain decides; a cycle is cut where the depth-first walk meets it again), so the
  referenced tables are on top; views follow the models, enums come last, in a band of their own;
- within a layer, boxes are ordered by the mean position of what they link to in the layer above
  (two sweeps of the barycenter heuristic), ties kept in declaration order; a layer wider than
  `MAX_ROW_WIDTH` wraps onto several rows;
- each box lists its fields in three columns (name, type, keys), sized from an estimate of the
  text width (a monospace font: 0.6 em per character, two for East Asian wide ones);
- a relation is a straight line between the two boxes' borders, with its cardinality at each end
  ("1", "0..1", "*") and the relation field's name in the middle; a self-relation is a loop on
  the box's right side; parallel relations are spread apart.

Every name and type is escaped for XML (and control characters made visible) before it is
written; ids are numbers, never names, so no schema text reaches an attribute but `aria-label`
and `<title>`, escaped as well.
"""

from __future__ import annotations

import html
import math
import unicodedata

from prisma_dsql.diagram.er import Diagram, Entity
from prisma_dsql.render.safe import visible

FONT = 12
CHAR = FONT * 0.6
TITLE_FONT = 13
LINE = 18
HEADER = 26
PAD = 8
COLUMN_GAP = 12
GAP_X = 48
GAP_Y = 72
MARGIN = 24
MAX_ROW_WIDTH = 1600

STYLE = """
.entity rect.box { fill: #ffffff; stroke: #334155; stroke-width: 1.2; }
.entity rect.head { fill: #1e40af; }
.entity.view rect.head { fill: #0f766e; }
.entity.enum rect.head { fill: #7c3aed; }
.entity text { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; fill: #0f172a; }
.entity text.title { font-size: 13px; font-weight: bold; fill: #ffffff; }
.entity text.type { fill: #475569; }
.entity text.keys { fill: #b45309; font-weight: bold; }
.link line, .link path { stroke: #64748b; stroke-width: 1.2; fill: none; }
.link.m-n line { stroke-dasharray: 6 3; }
.link text { font-family: ui-sans-serif, Helvetica, Arial, sans-serif; font-size: 11px; fill: #334155;
  paint-order: stroke; stroke: #ffffff; stroke-width: 3px; }
.link text.end { font-weight: bold; fill: #0f172a; }
"""


def esc(text: str) -> str:
    """Text safe inside an XML element or a quoted attribute."""
    return html.escape(visible(text), quote=True)


def text_width(text: str, char: float = CHAR) -> float:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text) * char


def _num(v: float) -> str:
    r = round(v, 1)
    return str(int(r)) if r == int(r) else f"{r:.1f}"


class _Box:
    def __init__(self, index: int, entity: Entity) -> None:
        self.index = index
        self.entity = entity
        rows = entity.rows
        self.name_w = max((text_width(r.name) for r in rows), default=0)
        self.type_w = max((text_width(r.type) for r in rows), default=0)
        self.keys_w = max((text_width(" ".join(r.keys)) for r in rows), default=0)
        cols = [w for w in (self.name_w, self.type_w, self.keys_w) if w]
        body = sum(cols) + COLUMN_GAP * max(len(cols) - 1, 0)
        title = text_width(entity.name, TITLE_FONT * 0.6) + text_width(f"  {entity.kind}", FONT * 0.6)
        self.w = math.ceil(max(body, title, 80) + 2 * PAD)
        self.h = HEADER + LINE * len(rows) + (PAD if rows else 0)
        self.x = 0.0
        self.y = 0.0

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


def _ranks(diagram: Diagram, names: list[str]) -> dict[str, int]:
    up: dict[str, list[str]] = {n: [] for n in names}
    for link in diagram.links:
        if link.kind != "m-n" and link.source != link.target and link.source in up and link.target in up:
            if link.target not in up[link.source]:
                up[link.source].append(link.target)
    # Longest path to a model that references nothing, by an iterative depth-first walk (a schema
    # with a chain of thousands of models must not exhaust the recursion limit); an edge back to a
    # model still on the walk's stack closes a cycle and is not followed.
    rank: dict[str, int] = {}
    for root in names:
        if root in rank:
            continue
        on_stack = {root}
        stack = [(root, iter(up[root]))]
        while stack:
            node, targets = stack[-1]
            nxt = next((t for t in targets if t not in on_stack and t not in rank), None)
            if nxt is not None:
                on_stack.add(nxt)
                stack.append((nxt, iter(up[nxt])))
                continue
            stack.pop()
            on_stack.discard(node)
            rank[node] = max((rank[t] + 1 for t in up[node] if t in rank), default=0)
    return rank


def layout(diagram: Diagram) -> tuple[list[_Box], float, float]:
    boxes = [_Box(i, e) for i, e in enumerate(diagram.entities)]
    by_name = {b.entity.name: b for b in boxes}
    tables = [b for b in boxes if b.entity.kind != "enum"]
    enums = [b for b in boxes if b.entity.kind == "enum"]
    rank = _ranks(diagram, [b.entity.name for b in tables])
    layers: list[list[_Box]] = []
    for b in tables:
        r = rank[b.entity.name] if b.entity.kind == "model" else max(rank.values(), default=0) + 1
        while len(layers) <= r:
            layers.append([])
        layers[r].append(b)
    layers = [layer for layer in layers if layer]
    neighbours: dict[str, set[str]] = {b.entity.name: set() for b in boxes}
    for link in diagram.links:
        if link.source in neighbours and link.target in neighbours:
            neighbours[link.source].add(link.target)
            neighbours[link.target].add(link.source)
    for _ in range(2):
        for i in range(1, len(layers)):
            above = {b.entity.name: k for k, b in enumerate(layers[i - 1])}

            def key(item):
                k, b = item
                near = [above[n] for n in neighbours[b.entity.name] if n in above]
                return (sum(near) / len(near) if near else k, k)

            layers[i] = [b for _, b in sorted(enumerate(layers[i]), key=key)]
    rows: list[list[_Box]] = []
    for layer in [*layers, enums]:
        row: list[_Box] = []
        width = 0.0
        for b in layer:
            if row and width + GAP_X + b.w > MAX_ROW_WIDTH:
                rows.append(row)
                row, width = [], 0.0
            width += (GAP_X if row else 0) + b.w
            row.append(b)
        if row:
            rows.append(row)
    y = MARGIN
    total_w = 0.0
    widths = [sum(b.w for b in row) + GAP_X * (len(row) - 1) for row in rows]
    full = max(widths, default=0)
    for row, width in zip(rows, widths):
        x = MARGIN + (full - width) / 2
        for b in row:
            b.x, b.y = x, y
            x += b.w + GAP_X
        total_w = max(total_w, x - GAP_X + MARGIN)
        y += max(b.h for b in row) + GAP_Y
    height = (y - GAP_Y + MARGIN) if rows else 2 * MARGIN
    del by_name
    # Self-relation loops stick out to the right of their box.
    return boxes, max(total_w, 2 * MARGIN) + 40, height


def _clip(box: _Box, tx: float, ty: float) -> tuple[float, float]:
    """Where the line from the box's centre towards (tx, ty) leaves the box."""
    dx, dy = tx - box.cx, ty - box.cy
    if dx == 0 and dy == 0:
        return box.cx, box.cy
    sx = (box.w / 2) / abs(dx) if dx else math.inf
    sy = (box.h / 2) / abs(dy) if dy else math.inf
    s = min(sx, sy)
    return box.cx + dx * s, box.cy + dy * s


def _entity_svg(b: _Box) -> list[str]:
    e = b.entity
    x, y = b.x, b.y
    out = [f'<g class="entity {e.kind}" id="entity-{b.index}">',
           f"<title>{esc(e.kind + ' ' + e.name)}</title>",
           f'<rect class="box" x="{_num(x)}" y="{_num(y)}" width="{b.w}" height="{b.h}" rx="4"/>',
           f'<rect class="head" x="{_num(x)}" y="{_num(y)}" width="{b.w}" height="{HEADER}" rx="4"/>',
           f'<text class="title" x="{_num(x + PAD)}" y="{_num(y + 17)}">{esc(e.name)}'
           f'<tspan font-weight="normal" font-size="11"> {esc(e.kind)}</tspan></text>']
    type_x = x + PAD + b.name_w + COLUMN_GAP
    keys_x = x + b.w - PAD
    for i, row in enumerate(e.rows):
        ty = y + HEADER + LINE * i + 14
        out.append(f'<text x="{_num(x + PAD)}" y="{_num(ty)}">{esc(row.name)}</text>')
        if row.type:
            out.append(f'<text class="type" x="{_num(type_x)}" y="{_num(ty)}">{esc(row.type)}</text>')
        if row.keys:
            out.append(f'<text class="keys" x="{_num(keys_x)}" y="{_num(ty)}" text-anchor="end">'
                       f'{esc(" ".join(row.keys))}</text>')
    out.append("</g>")
    return out


def _link_svg(i: int, link, a: _Box, b: _Box, offset: float) -> list[str]:
    cls = f"link {link.kind}"
    label = esc(link.label)
    if a is b:
        x0, y0 = a.x + a.w, a.y + HEADER / 2 + 6
        x1, y1 = a.x + a.w, a.y + min(a.h, HEADER + LINE * 2) - 4
        loop = 28 + offset
        return [f'<g class="{cls}" id="link-{i}">',
                f"<title>{esc(f'{link.source}.{link.label}')}</title>",
                f'<path d="M {_num(x0)} {_num(y0)} C {_num(x0 + loop)} {_num(y0)} {_num(x1 + loop)} {_num(y1)} '
                f'{_num(x1)} {_num(y1)}"/>',
                f'<text x="{_num(x0 + loop + 4)}" y="{_num((y0 + y1) / 2 + 4)}">{label}</text>',
                "</g>"]
    # Parallel relations between one pair are shifted sideways.
    dx, dy = b.cx - a.cx, b.cy - a.cy
    length = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / length * offset, dx / length * offset
    ax, ay = _clip(a, b.cx + nx, b.cy + ny)
    bx, by = _clip(b, a.cx + nx, a.cy + ny)
    ax, ay, bx, by = ax + nx, ay + ny, bx + nx, by + ny
    ux, uy = (bx - ax) / length, (by - ay) / length
    out = [f'<g class="{cls}" id="link-{i}">',
           f"<title>{esc(f'{link.source}.{link.label} -> {link.target}')}</title>",
           f'<line x1="{_num(ax)}" y1="{_num(ay)}" x2="{_num(bx)}" y2="{_num(by)}"/>']
    for (px, py, sign, end) in ((ax, ay, 1, link.source_end), (bx, by, -1, link.target_end)):
        tx = px + sign * ux * 16 - uy * 9
        ty = py + sign * uy * 16 + ux * 9 + 4
        out.append(f'<text class="end" x="{_num(tx)}" y="{_num(ty)}" text-anchor="middle">{esc(end)}</text>')
    out.append(f'<text x="{_num((ax + bx) / 2)}" y="{_num((ay + by) / 2 - 4)}" text-anchor="middle">{label}</text>')
    out.append("</g>")
    return out


def render(diagram: Diagram, title: str = "Schema") -> str:
    boxes, width, height = layout(diagram)
    by_name = {b.entity.name: b for b in boxes}
    lines = [f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_num(width)}" '
             f'height="{_num(height)}" viewBox="0 0 {_num(width)} {_num(height)}" role="img" '
             f'aria-label="{esc(title)}">',
             f"<title>{esc(title)}</title>",
             f"<style>{STYLE}</style>",
             '<rect width="100%" height="100%" fill="#f8fafc"/>']
    seen: dict[tuple[str, str], int] = {}
    for i, link in enumerate(diagram.links):
        a, b = by_name.get(link.source), by_name.get(link.target)
        if a is None or b is None:
            continue
        pair = tuple(sorted((link.source, link.target)))
        n = seen.get(pair, 0)
        seen[pair] = n + 1
        offset = (n + 1) // 2 * 14 * (1 if n % 2 else -1) if a is not b else n * 16
        lines.extend(_link_svg(i, link, a, b, offset))
    for b in boxes:
        lines.extend(_entity_svg(b))
    lines.append("</svg>")
    return "\n".join(lines) + "\n"


PAGE_STYLE = """
body { margin: 0; font-family: ui-sans-serif, Helvetica, Arial, sans-serif; background: #f1f5f9; color: #0f172a; }
header { padding: 16px 24px; background: #0f172a; color: #f8fafc; }
header h1 { margin: 0; font-size: 20px; }
header p { margin: 4px 0 0; color: #cbd5e1; font-size: 13px; }
main { padding: 16px; overflow: auto; }
main svg { background: #ffffff; box-shadow: 0 1px 3px rgba(0,0,0,.15); }
"""


def page(diagram: Diagram, title: str) -> str:
    """The SVG in a self-contained HTML page: inline CSS, no script, nothing fetched."""
    models = sum(1 for e in diagram.entities if e.kind == "model")
    views = sum(1 for e in diagram.entities if e.kind == "view")
    enums = sum(1 for e in diagram.entities if e.kind == "enum")
    counts = (f"{models} model{'s' if models != 1 else ''}, {views} view{'s' if views != 1 else ''}, "
              f"{enums} enum{'s' if enums != 1 else ''}, {len(diagram.links)} relation"
              f"{'s' if len(diagram.links) != 1 else ''}")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
            f"<title>{esc(title)}</title>\n<style>{PAGE_STYLE}</style>\n</head>\n<body>\n"
            f"<header><h1>{esc(title)}</h1><p>{counts}</p></header>\n<main>\n"
            f"{render(diagram, title)}</main>\n</body>\n</html>\n")
