"""A tight driver loop over Lark's LALR(1) tables.

Lark builds the tables from grammar/prisma.lark (see tables.py); this module runs them and
calls the tree builder's method for each reduction. Lark's own loop spends
most of its time on per-token method calls, an assertion that compares rule
objects, and generic child filters around every callback; here the tables are
flattened into plain tuples once, and each rule gets the cheapest callback
that does what Lark's would: drop filtered tokens (anonymous strings and
`_NAMES`), pass the only child through for `?rule` and `_rule` rules, and call
the method named after the rule or its alias. Errors are Lark's
`errors.ParseError`. The tables come from `tables.py`: Lark's analysis, cached as
plain data.
"""

from __future__ import annotations

from prisma_dsql.syntax.errors import ParseError
from prisma_dsql.syntax.lexer import FastLexer, Tok
from prisma_dsql.syntax.tables import Reduction, Tables


def _callback(r: Reduction, builder):
    if r.passthrough:
        (only,) = r.kept
        return lambda children: children[only]
    method = getattr(builder, r.method, None)
    if method is None:
        raise TypeError(f"the tree builder has no method for grammar rule {r.method!r}")
    kept = r.kept
    if len(kept) == r.size:
        return method
    return lambda children: method([children[i] for i in kept])


class LalrDriver:
    def __init__(self, tables: Tables, builder):
        callbacks: dict[Reduction, object] = {}
        self.lexer = FastLexer(tables.terminals, tables.ignore)
        self.start_states = tables.start_states
        self.end_states = tables.end_states
        self.states: dict = {}
        for state, actions in tables.states.items():
            row = {}
            for term, (shift, arg) in actions.items():
                if shift:
                    row[term] = (True, arg)
                else:
                    if arg not in callbacks:
                        callbacks[arg] = _callback(arg, builder)
                    row[term] = (False, (arg.size, arg.origin, callbacks[arg]))
            self.states[state] = row

    def parse(self, text: str, start: str):
        states = self.states
        state_stack = [self.start_states[start]]
        value_stack: list = []
        end_state = self.end_states[start]

        def accepts(terminal: str) -> bool:
            return terminal in states[state_stack[-1]]

        for token in _with_end(self.lexer.tokens(text, accepts)):
            kind = token.type
            while True:
                row = states[state_stack[-1]]
                act = row.get(kind)
                if act is None:
                    raise ParseError(f"unexpected {token.type} {token.value!r}", token.line, token.column)
                shift, arg = act
                if shift:
                    if kind == "$END":
                        raise ParseError("unexpected end of input", token.line, token.column)
                    state_stack.append(arg)
                    value_stack.append(token)
                    break
                size, origin, callback = arg
                if size:
                    children = value_stack[-size:]
                    del state_stack[-size:]
                    del value_stack[-size:]
                else:
                    children = []
                value = callback(children)
                new_state = states[state_stack[-1]][origin][1]
                if new_state == end_state and kind == "$END":
                    return value
                state_stack.append(new_state)
                value_stack.append(value)
        raise AssertionError("unreachable: $END is always the last token")


def _with_end(tokens):
    """The tokens, then `$END` placed right after the last one (Lark's convention)."""
    last = None
    for last in tokens:
        yield last
    if last is None:
        yield Tok("$END", "", 0, 1, 1, 1, 1, 0)
    else:
        yield Tok("$END", "", last.end_pos, last.end_line, last.end_column, last.end_line, last.end_column,
                  last.end_pos)
