"""A tight driver loop over Lark's LALR(1) tables.

Lark builds the tables from grammar/prisma.lark; this module runs them and
calls the tree builder's method for each reduction. Lark's own loop spends
most of its time on per-token method calls, an assertion that compares rule
objects, and generic child filters around every callback; here the tables are
flattened into plain tuples once, and each rule gets the cheapest callback
that does what Lark's would: drop filtered tokens (anonymous strings and
`_NAMES`), pass the only child through for `?rule` and `_rule` rules, and call
the method named after the rule or its alias. Errors are Lark's
UnexpectedToken, as before.
"""

from __future__ import annotations

from prisma_dsql.syntax._lark_import import Lark
from lark.exceptions import UnexpectedToken
from lark.parsers.lalr_analysis import Shift

from prisma_dsql.syntax.lexer import FastLexer, Tok


def _callback(rule, builder):
    expansion = rule.expansion
    kept = tuple(i for i, sym in enumerate(expansion) if not (sym.is_term and sym.filter_out))
    name = rule.alias or rule.origin.name
    passthrough = not rule.alias and (rule.options.expand1 or rule.origin.name.startswith("_"))
    if passthrough and len(kept) == 1:
        (only,) = kept
        return lambda children: children[only]
    method = getattr(builder, name, None)
    if method is None:
        raise TypeError(f"the tree builder has no method for grammar rule {name!r}")
    if len(kept) == len(expansion):
        return method
    return lambda children: method([children[i] for i in kept])


class LalrDriver:
    def __init__(self, lark: Lark, builder):
        frontend = lark.parser
        inner = frontend.parser.parser  # lark.parsers.lalr_parser._Parser
        table = inner.parse_table
        callbacks = {}
        for actions in table.states.values():
            for action, arg in actions.values():
                if action is not Shift and arg not in callbacks:
                    callbacks[arg] = _callback(arg, builder)
        self.lexer: FastLexer = frontend.lexer
        self.start_states = table.start_states
        self.end_states = table.end_states
        self.states: dict = {}
        for state, actions in table.states.items():
            row = {}
            for term, (action, arg) in actions.items():
                if action is Shift:
                    row[term] = (True, arg)
                else:
                    row[term] = (False, (len(arg.expansion), arg.origin.name, callbacks[arg]))
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
                    raise UnexpectedToken(token, {t for t in row if t.isupper()}, state=None)
                shift, arg = act
                if shift:
                    if kind == "$END":
                        raise UnexpectedToken(token, set(), state=None)
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
