"""The grammar's terminals and LALR(1) tables, as plain data.

Contract: `load()` returns the `Tables` of grammar/prisma.lark. The first
time (and whenever the grammar text or Lark's version changes) Lark analyses
the grammar and the result is stored, as plain Python data, under the
prisma-dsql cache folder keyed by a hash of both; every later run reads that
file and never imports Lark, which takes ~0.1 s off each command. A cache
that cannot be read or written only costs the analysis.

What Lark's tree builder would do per rule is precomputed here too: which
children to keep (anonymous strings and `_NAMES` are dropped), and whether the
rule just passes its only child through (`?rule` and `_rule`).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: Bump when the layout of `Tables` changes.
FORMAT = 3
START_SYMBOLS = ("start", "model_member", "enum_member", "config_member")


@dataclass(frozen=True)
class Terminal:
    name: str
    regexp: str
    #: Literal string terminals sort before regexes, longer first (as Lark does).
    is_literal: bool
    length: int
    #: The terminal can match a line break (decided once, when the tables are built).
    multiline: bool = False


@dataclass(frozen=True)
class Reduction:
    size: int
    origin: str
    #: The tree builder's method: the rule's alias, else its name.
    method: str
    #: Indices of the children the method receives.
    kept: tuple[int, ...]
    #: Returns its only kept child instead of calling a method.
    passthrough: bool


@dataclass(frozen=True)
class Tables:
    terminals: tuple[Terminal, ...]
    ignore: frozenset[str]
    start_states: dict
    end_states: dict
    #: state -> terminal or rule name -> (True, next state) | (False, Reduction)
    states: dict


def grammar_path() -> Path:
    """Where prisma.lark is: inside the installed package (wheel), else the checkout's grammar/."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "grammar" / "prisma.lark", here.parent / "grammar" / "prisma.lark"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("grammar/prisma.lark is missing from this installation")


def _lark_version() -> str:
    """Lark's version, read from its package without importing it (nor importlib.metadata,
    which alone costs ~50 ms): the whole point of the cache is not to load Lark."""
    import importlib.util
    import re

    try:
        spec = importlib.util.find_spec("lark")
        text = Path(spec.origin).read_text(encoding="utf-8") if spec and spec.origin else ""
    except (ImportError, OSError, ValueError):
        return "unknown"
    m = re.search(r"__version__\s*(?::\s*str\s*)?=\s*['\"]([^'\"]+)['\"]", text)
    return m.group(1) if m else f"unknown-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def _cache_file(grammar: str) -> Path:
    from prisma_dsql.cache import root

    digest = hashlib.sha256(f"{FORMAT}|{_lark_version()}|{grammar}".encode()).hexdigest()
    return root() / "grammar" / f"{digest}.pickle"


def load() -> Tables:
    grammar = grammar_path().read_text(encoding="utf-8")
    path = _cache_file(grammar)
    try:
        with open(path, "rb") as f:
            tables = pickle.load(f)
        if isinstance(tables, Tables):
            return tables
    except Exception:  # missing, truncated or foreign: analyse again
        pass
    tables = build(grammar)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(tables, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except Exception:
        pass
    return tables


def build(grammar: str) -> Tables:
    """Lark's analysis of `grammar`, turned into plain data."""
    from prisma_dsql.syntax._lark_import import Lark
    from lark.parsers.lalr_analysis import Shift

    lark = Lark(grammar, parser="lalr", lexer="basic", start=list(START_SYMBOLS), maybe_placeholders=False)
    table = lark.parser.parser.parser.parse_table
    reductions: dict = {}

    def reduction(rule) -> Reduction:
        if rule not in reductions:
            kept = tuple(i for i, sym in enumerate(rule.expansion) if not (sym.is_term and sym.filter_out))
            passthrough = (not rule.alias and (rule.options.expand1 or rule.origin.name.startswith("_"))
                           and len(kept) == 1)
            # Names are plain `str`: Lark's are Token subclasses, which would make loading import Lark.
            reductions[rule] = Reduction(len(rule.expansion), str(rule.origin.name),
                                         str(rule.alias or rule.origin.name), kept, passthrough)
        return reductions[rule]

    states = {
        state: {str(term): (True, arg) if action is Shift else (False, reduction(arg))
                for term, (action, arg) in actions.items()}
        for state, actions in table.states.items()
    }
    terminals = tuple(
        Terminal(str(t.name), str(t.pattern.to_regexp()), t.pattern.type != "re", len(t.pattern.value),
                 can_span_lines(t.pattern.to_regexp()))
        for t in lark.lexer_conf.terminals
    )
    return Tables(terminals, frozenset(str(i) for i in lark.lexer_conf.ignore),
                  {str(k): v for k, v in table.start_states.items()}, {str(k): v for k, v in table.end_states.items()},
                  states)


_LINE_PROBES = ("\n", "\r\n", "\r", "a\nb", "/*\n*/", '"\n"', "@\n", "x\ny")


def can_span_lines(pattern: str) -> bool:
    """Whether a terminal's pattern can match a line break (found by probing, so the grammar
    stays the only place that says what a token looks like)."""
    import re

    compiled = re.compile(pattern)
    return any("\n" in m.group() or "\r" in m.group()
               for probe in _LINE_PROBES for m in compiled.finditer(probe))
