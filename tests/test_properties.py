"""Property tests: mangled schemas produce diagnostics, never exceptions, and
every diagnostic points at a real place in the text."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prisma_dsql.loader import load_text

ROOT = Path(__file__).parent.parent
SEEDS = [
    (ROOT / "samples" / "blog" / "schema.prisma").read_text(),
    (ROOT / "samples" / "saas" / "schema.prisma").read_text(),
    (Path(__file__).parent / "fixtures" / "corpus" / "umami-software__umami__prisma__schema.prisma").read_text()[:4000],
]
NOISE = list('{}[]()"@?!:,=.\n\r\t /*\\') + ["model", "enum", "@@", "//", "/*", "*/", "é", "😀", "\x00"]


def mutate(text: str, data) -> str:
    ops = data.draw(st.lists(st.sampled_from(["delete", "duplicate", "insert", "swap_lines", "drop_line"]),
                             min_size=1, max_size=6))
    for op in ops:
        if not text:
            break
        i = data.draw(st.integers(0, len(text) - 1))
        if op == "delete":
            j = data.draw(st.integers(i, min(len(text), i + 8)))
            text = text[:i] + text[j:]
        elif op == "duplicate":
            j = data.draw(st.integers(i, min(len(text), i + 40)))
            text = text[:j] + text[i:j] + text[j:]
        elif op == "insert":
            text = text[:i] + data.draw(st.sampled_from(NOISE)) + text[i:]
        else:
            lines = text.split("\n")
            a = data.draw(st.integers(0, len(lines) - 1))
            if op == "drop_line":
                del lines[a]
            else:
                b = data.draw(st.integers(0, len(lines) - 1))
                lines[a], lines[b] = lines[b], lines[a]
            text = "\n".join(lines)
    return text


def check_positions(text: str) -> None:
    loaded = load_text(text)
    lines = loaded.sources[0].lines
    for d in loaded.diagnostics:
        assert d.span is not None, d
        assert 1 <= d.span.line <= len(lines), d
        assert 1 <= d.span.column <= len(lines[d.span.line - 1]) + 1, d
        assert (d.span.end_line, d.span.end_column) >= (d.span.line, d.span.column), d
        assert d.message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(SEEDS), data=st.data())
def test_mutated_schemas_never_crash(seed, data):
    check_positions(mutate(seed, data))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(NOISE + list("abcXYZ019_ -")), max_size=120))
def test_arbitrary_text_never_crashes(pieces):
    check_positions("".join(pieces))
