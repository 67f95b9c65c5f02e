"""`prisma-dsql diagram`: SVG (well-formed, every model drawn, no box over another), Mermaid
(every line one of the statements Mermaid's erDiagram grammar has), HTML (self-contained), all
escaped, deterministic and snapshotted."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from prisma_dsql.cli.main import main
from prisma_dsql.diagram import er, mermaid, svg
from prisma_dsql.loader import load, load_text

ROOT = Path(__file__).resolve().parent.parent
SAAS = ROOT / "samples" / "saas" / "schema.prisma"
NS = "{http://www.w3.org/2000/svg}"
SCHEMAS = [SAAS, ROOT / "samples" / "blog" / "schema.prisma", ROOT / "samples" / "multifile",
           *sorted((ROOT / "tests" / "fixtures" / "corpus").glob("[!p]*.prisma"))]

# Mermaid erDiagram statements (the grammar of mermaid's erDiagram.jison, reduced to what we emit).
_ENTITY = r"[A-Za-z_][A-Za-z0-9_-]*"
_CARD_LEFT = r"(\|\||\|o|\}o|\}\|)"
_CARD_RIGHT = r"(\|\||o\||o\{|\|\{)"
MERMAID_LINE = [
    re.compile(r"^erDiagram$"),
    re.compile(rf"^    {_ENTITY} \{{$"),
    re.compile(rf"^    {_ENTITY}$"),
    re.compile(r'^        [A-Za-z_*][A-Za-z0-9\-_\[\]()]* [A-Za-z_*][A-Za-z0-9\-_\[\]()]*'
               r'( (PK|FK|UK)(, (PK|FK|UK))*)?( "[^"]*")?$'),
    re.compile(r"^    \}$"),
    re.compile(rf'^    {_ENTITY} {_CARD_LEFT}(--|\.\.){_CARD_RIGHT} {_ENTITY} : "[^"]*"$'),
]


def mermaid_errors(text: str) -> list[str]:
    lines = text.split("\n")
    assert lines[-1] == ""
    bad = [line for line in lines[:-1] if not any(p.match(line) for p in MERMAID_LINE)]
    depth = 0
    for line in lines:
        depth += line.endswith("{") and not line.endswith("o{") and not line.endswith("|{")
        depth -= line.strip() == "}"
        assert depth in (0, 1), line
    return bad


def run(args, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def boxes(root) -> list[tuple[str, float, float, float, float]]:
    out = []
    for g in root.iter(f"{NS}g"):
        if "entity" in g.get("class", "").split():
            rect = g.find(f"{NS}rect")
            title = g.find(f"{NS}text").text
            out.append((title, float(rect.get("x")), float(rect.get("y")), float(rect.get("width")),
                        float(rect.get("height"))))
    return out


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_svg_is_well_formed_and_draws_every_model(path):
    schema = load(path).schema
    text = svg.render(er.build(schema), "t")
    root = ET.fromstring(text)
    assert root.tag == f"{NS}svg"
    drawn = boxes(root)
    names = [b[0] for b in drawn]
    assert names == [m.name for m in (*schema.models, *schema.views)] + [e.name for e in schema.enums]
    width, height = float(root.get("width")), float(root.get("height"))
    for i, (name, x, y, w, h) in enumerate(drawn):
        assert 0 <= x and x + w <= width and 0 <= y and y + h <= height, name
        for other, x2, y2, w2, h2 in drawn[i + 1:]:
            assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y, (name, other)
    # One <g class="link"> per relation.
    links = [g for g in root.iter(f"{NS}g") if "link" in g.get("class", "").split()]
    assert len(links) == len(schema.relations)


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_mermaid_is_an_er_diagram_naming_every_model(path):
    schema = load(path).schema
    text = mermaid.render(er.build(schema))
    assert text.startswith("erDiagram\n")
    assert mermaid_errors(text) == []
    for m in schema.models:
        assert f"\n    {m.name} {{\n" in text
    assert text.count(" : ") == len(schema.relations) + sum(
        1 for m in schema.models for f in m.fields if f.kind.value == "enum")


def test_cardinality():
    schema = load_text('''
datasource db {
  provider = "postgresql"
}
model User {
  id      BigInt   @id
  profile Profile?
  posts   Post[]
  tags    Tag[]
}
model Profile {
  id     BigInt @id
  userId BigInt @unique
  user   User   @relation(fields: [userId], references: [id])
}
model Post {
  id       BigInt  @id
  authorId BigInt?
  author   User?   @relation(fields: [authorId], references: [id])
}
model Tag {
  id    BigInt @id
  users User[]
}
''').schema
    d = er.build(schema)
    ends = {link.label: (link.source, link.source_end, link.target_end, link.target) for link in d.links}
    assert ends["user"] == ("Profile", "0..1", "1", "User")
    assert ends["author"] == ("Post", "*", "0..1", "User")
    text = mermaid.render(d)
    assert 'User ||--o| Profile : "user"' in text
    assert 'User |o--o{ Post : "author"' in text
    assert re.search(r'(Tag \}o--o\{ User|User \}o--o\{ Tag) : "(tags|users)"', text)
    assert d.entity("Profile").rows[1].keys == ("FK", "UK")


HOSTILE = '''
datasource db {
  provider = "postgresql"
}
enum Kind {
  A
}
model Evil {
  id   BigInt @id
  kind Kind
  blob Unsupported("x</text><script>alert(1)</script>\\"&'")?
  bell Unsupported("\\u001b[2J")?
}
'''


def test_names_cannot_inject_markup(tmp_path, capsys):
    path = tmp_path / 'a<script>"&.prisma'
    path.write_text(HOSTILE, encoding="utf-8")
    for fmt in ("svg", "html", "mermaid"):
        code, out, err = run(["diagram", "--format", fmt, path], capsys)
        assert "<script" not in out.lower()
        assert "\x1b" not in out
        if fmt == "svg":
            root = ET.fromstring(out)
            assert not [e for e in root.iter() if e.tag.endswith("script") or any(
                k.startswith("on") for k in e.attrib)]
            assert root.find(f"{NS}title").text == 'a<script>"&.prisma'
        if fmt == "mermaid":
            assert mermaid_errors(out) == []


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []
        self.stack = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in ("meta", "br", "rect", "line", "path"):
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()


def test_html_page_is_self_contained():
    page = svg.page(er.build(load(SAAS).schema), "saas")
    parser = _Tags()
    parser.feed(page)
    assert parser.stack == []
    tags = [t for t, _ in parser.tags]
    assert "script" not in tags and "link" not in tags and "img" not in tags
    assert not re.search(r"(src|href)\s*=", page)
    assert re.findall(r"https?://[^\s\"']+", page) == ["http://www.w3.org/2000/svg"]
    assert tags.count("svg") == 1


def test_output_is_deterministic():
    a = svg.page(er.build(load(SAAS).schema), "saas")
    b = svg.page(er.build(load(SAAS).schema), "saas")
    assert a == b


def test_long_chain_and_cycles():
    models = []
    n = 1500
    for i in range(n):
        ref = (f"  p{i} BigInt\n  parent M{i + 1} @relation(fields: [p{i}], references: [id])\n"
               if i + 1 < n else "  back M0[]\n")
        models.append(f"model M{i} {{\n  id BigInt @id\n{ref}"
                      f"{'  kids M' + str(i - 1) + '[]' if i else '  first BigInt? @unique'}\n"
                      f"{'  loop M' + str(n - 1) + '? @relation(fields: [first], references: [id])' if i == 0 else ''}\n}}")
    schema = load_text('datasource db {\n  provider = "postgresql"\n}\n' + "\n".join(models)).schema
    d = er.build(schema)
    root = ET.fromstring(svg.render(d))
    assert len(boxes(root)) == n


def test_snapshots(snapshot):
    d = er.build(load(SAAS).schema)
    assert mermaid.render(d) == snapshot(name="mermaid")
    assert svg.render(d, "saas") == snapshot(name="svg")
    assert svg.page(d, "saas") == snapshot(name="html")


def test_cli(tmp_path, capsys):
    code, out, err = run(["diagram", SAAS, "--format", "mermaid"], capsys)
    assert code == 0 and out.startswith("erDiagram\n") and err == ""
    target = tmp_path / "er.svg"
    code, out, err = run(["diagram", SAAS, "-o", target], capsys)
    assert code == 0 and out == ""
    ET.parse(target)
    broken = tmp_path / "broken.prisma"
    broken.write_text('datasource db {\n  provider = "postgresql"\n}\nmodel A {\n  id BigInt @id\n  b Nope\n}\n',
                      encoding="utf-8")
    code, out, err = run(["diagram", broken, "--format", "mermaid"], capsys)
    assert code == 1 and "Nope" in err and "    A {" in out
    code, out, err = run(["diagram", tmp_path / "missing.prisma"], capsys)
    assert code == 2
