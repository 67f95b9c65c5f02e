"""The grammar's terminals and LALR(1) tables, as plain data.

Contract: `load()` returns the `Tables` of grammar/prisma.lark. They ship in
the package as grammar_tables.json, generated from the grammar by
`python -m prisma_dsql.syntax.tables` (tests/test_grammar_tables.py fails when
the file no longer matches the grammar), so no run imports Lark (~0.1 s) and
nothing is ever written to, or read from, the user's cache folder. The file
holds plain JSON; loading it executes nothing. If the grammar was edited after
the file was generated (a working checkout), Lark analyses it in memory.

What Lark's tree builder would do per rule is precomputed here too: which
children to keep (anonymous strings and `_NAMES` are dropped), and whether the
rule just passes its only child through (`?rule` and `_rule`).
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

#: Bump when the layout of `Tables` or of DATA_FILE changes.
FORMAT = 4
#: The generated tables, shipped in the package (plain JSON: loading it runs nothing).
DATA_FILE = Path(__file__).resolve().parent / "grammar_tables.json"
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


def grammar_digest(grammar: str) -> str:
    return hashlib.sha256(grammar.encode("utf-8")).hexdigest()


def load() -> Tables:
    """The shipped tables; Lark analyses the grammar in memory only when the grammar was edited
    after they were generated (a checkout between an edit and `python -m prisma_dsql.syntax.tables`)."""
    grammar = grammar_path().read_text(encoding="utf-8")
    try:
        data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
        if data.get("format") == FORMAT and data.get("grammar_sha256") == grammar_digest(grammar):
            return from_data(data)
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        pass
    return build(grammar)


def to_data(tables: Tables, grammar: str) -> dict:
    """`tables` as JSON-able plain data (reductions listed once, referenced by index).

    Lark numbers states differently from one analysis to the next (object identities), so
    states are renumbered canonically: breadth first from the start states in name order,
    following each row's entries in name order. The same grammar gives the same file."""
    number: dict[int, int] = {}
    queue = []
    for name in sorted(tables.start_states):
        state = tables.start_states[name]
        if state not in number:
            number[state] = len(number)
            queue.append(state)
    k = 0
    while k < len(queue):
        row = tables.states[queue[k]]
        k += 1
        for term in sorted(row):
            shift, arg = row[term]
            if shift and arg not in number:
                number[arg] = len(number)
                queue.append(arg)
    reductions: dict[Reduction, int] = {}
    states = {}
    for state in queue:
        row = {}
        for term in sorted(tables.states[state]):
            shift, arg = tables.states[state][term]
            if shift:
                row[term] = ["s", number[arg]]
            else:
                row[term] = ["r", reductions.setdefault(arg, len(reductions))]
        states[str(number[state])] = row
    return {
        "format": FORMAT,
        "generated_by": "python -m prisma_dsql.syntax.tables",
        "grammar_sha256": grammar_digest(grammar),
        "terminals": [[t.name, t.regexp, t.is_literal, t.length, t.multiline] for t in tables.terminals],
        "ignore": sorted(tables.ignore),
        "start_states": {k: number[v] for k, v in sorted(tables.start_states.items())},
        "end_states": {k: number[v] for k, v in sorted(tables.end_states.items())},
        "reductions": [[r.size, r.origin, r.method, list(r.kept), r.passthrough] for r in reductions],
        "states": states,
    }


def from_data(data: dict) -> Tables:
    reductions = [Reduction(int(size), str(origin), str(method), tuple(int(k) for k in kept), bool(passthrough))
                  for size, origin, method, kept, passthrough in data["reductions"]]
    states = {}
    for state, row in data["states"].items():
        states[int(state)] = {str(term): (True, int(arg)) if kind == "s" else (False, reductions[arg])
                              for term, (kind, arg) in row.items()}
    terminals = tuple(Terminal(str(n), str(r), bool(lit), int(length), bool(multi))
                      for n, r, lit, length, multi in data["terminals"])
    return Tables(terminals, frozenset(str(i) for i in data["ignore"]),
                  {str(k): int(v) for k, v in data["start_states"].items()},
                  {str(k): int(v) for k, v in data["end_states"].items()}, states)


def generate() -> str:
    """The text of DATA_FILE for the current grammar (the same text for the same grammar)."""
    grammar = grammar_path().read_text(encoding="utf-8")
    return json.dumps(to_data(build(grammar), grammar), separators=(",", ":"), sort_keys=False) + "\n"


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


def main(argv: list[str] | None = None) -> int:
    """`python -m prisma_dsql.syntax.tables [--check]`: write (or compare) grammar_tables.json."""
    args = sys.argv[1:] if argv is None else argv
    text = generate()
    if "--check" in args:
        current = DATA_FILE.read_text(encoding="utf-8") if DATA_FILE.is_file() else ""
        if current != text:
            print(f"{DATA_FILE} is out of date: run python -m prisma_dsql.syntax.tables", file=sys.stderr)
            return 1
        return 0
    DATA_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {DATA_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
