"""A tight driver loop over Lark's LALR(1) tables, with the lexer folded in.

Lark builds the tables from grammar/prisma.lark (see tables.py); this module runs them and
calls the tree builder's method for each reduction. Errors are `errors.ParseError`.

Why it looks the way it does (every line of `parse` runs once per token or per reduction, ~140,000
tokens and ~230,000 reductions for a 1,000-model schema):
- scanning and parsing are one loop: the master regex of lexer.py is walked with `finditer` and
  each match goes straight into the LALR step (no generators between lexer and parser: a
  generator frame per token cost a fifth of the parse);
- the terminal is the match's `lastindex` (an int) mapped to its name through a tuple, and the
  token's extent is `span(lastindex)`, instead of looking groups up by name;
- table rows are dicts of ints: a shift is the next state (>= 0), a reduction `~index` into
  `reductions`; nonterminals (gotos) share the rows;
- a rule that passes its only child through (`?rule`, `_rule`) just swaps the top state: no child
  list, no call; a list rule whose builder method is the builder's `grow` appends its item to the
  list in place (no call either); other rules get the cheapest callback that does what
  Lark's would (filtered children dropped by a slice where they are contiguous).
"""

from __future__ import annotations

from prisma_dsql.syntax.errors import ParseError
from prisma_dsql.syntax.lexer import NOT_BLANK_IN_PRISMA, PRISMA_BLANKS, STRAY, FastLexer, Tok
from prisma_dsql.syntax.tables import Reduction, Tables


def _callback(r: Reduction, builder):
    """What the driver calls for reduction `r`: a function of the kept children's list, or an int
    `k` for a list rule `items -> items ... item` that appends child `k` to child 0 in place."""
    kept = r.kept
    if r.passthrough:
        (only,) = kept
        return lambda children: children[only]
    method = getattr(builder, r.method, None)
    if method is None:
        raise TypeError(f"the tree builder has no method for grammar rule {r.method!r}")
    if method is getattr(builder, "grow", None) and len(kept) == 2 and kept[0] == 0:
        return kept[1]
    if len(kept) == r.size:
        return method
    first = kept[0] if kept else 0
    if kept == tuple(range(first, first + len(kept))):
        stop = first + len(kept)
        return lambda children: method(children[first:stop])
    return lambda children: method([children[i] for i in kept])


class LalrDriver:
    def __init__(self, tables: Tables, builder):
        self.lexer = FastLexer(tables.terminals, tables.ignore)
        self.start_states = tables.start_states
        self.end_states = tables.end_states
        index: dict[Reduction, int] = {}
        #: (size, origin, callback); callback None: pass the only child through (size 1), no call.
        self.reductions: list[tuple[int, str, object]] = []
        self.states: dict[int, dict[str, int]] = {}
        for state, actions in tables.states.items():
            row = {}
            for term, (shift, arg) in actions.items():
                if shift:
                    row[term] = arg
                    continue
                if arg not in index:
                    index[arg] = len(self.reductions)
                    simple = arg.passthrough and arg.size == 1
                    self.reductions.append((arg.size, arg.origin, None if simple else _callback(arg, builder)))
                row[term] = ~index[arg]
            self.states[state] = row

    def parse(self, text: str, start: str):
        """The value the start rule's reduction returns for `text`, or ParseError at the first token
        (or character) the grammar does not accept there."""
        states = self.states
        reductions = self.reductions
        lexer = self.lexer
        finditer = lexer.scanner.finditer
        kinds = lexer.kinds
        keywords = lexer.keywords
        ignore = lexer.ignore
        multiline = lexer.multiline
        new = tuple.__new__  # Tok(...) without the Python-level NamedTuple constructor
        state = self.start_states[start]
        state_stack = [state]
        push_state = state_stack.append
        value_stack: list = []
        push_value = value_stack.append
        row = states[state]
        line = 1
        line_start = 0
        tok = None
        special = lexer.special
        # finditer walks the text in C; the scanner's last alternative takes a character no terminal
        # takes (STRAY), so matches are back to back and end at the end of the text.
        for m in finditer(text):
            number = m.lastindex
            kind = kinds[number]
            pos, stop = m.span(number)
            value = text[pos:stop]
            if kind in special:
                if kind == STRAY:
                    # A Unicode space separator the grammar lacks is Prisma's whitespace: skip it.
                    if value in PRISMA_BLANKS:
                        continue
                    raise ParseError(f"unexpected character {value!r}", line, pos - line_start + 1)
                if kind in ignore:
                    if kind == "WS" and NOT_BLANK_IN_PRISMA.search(value):
                        bad = pos + NOT_BLANK_IN_PRISMA.search(value).start()
                        raise ParseError(f"unexpected character {text[bad]!r} (not whitespace for Prisma)", line,
                                         bad - line_start + 1)
                    if kind in multiline and ("\n" in value or "\r" in value):
                        line += value.count("\n") + value.count("\r") - value.count("\r\n")
                        line_start = pos + max(value.rfind("\n"), value.rfind("\r")) + 1
                    continue
                column = pos - line_start + 1
                new_line = line + value.count("\n") + value.count("\r") - value.count("\r\n")
                if new_line != line:
                    new_start = pos + max(value.rfind("\n"), value.rfind("\r")) + 1
                    tok = new(Tok, (kind, value, pos, line, column, new_line, stop - new_start + 1, stop))
                    line, line_start = new_line, new_start
                else:
                    tok = new(Tok, (kind, value, pos, line, column, line, column + stop - pos, stop))
            else:
                column = pos - line_start + 1
                # A NAME spelled like a block keyword is the keyword where the parser takes one.
                if kind == "NAME" and value in keywords and keywords[value] in row:
                    kind = keywords[value]
                tok = new(Tok, (kind, value, pos, line, column, line, column + stop - pos, stop))
            # -- the LALR step for this token
            while True:
                act = row.get(kind)
                if act is None:
                    raise ParseError(f"unexpected {kind} {value!r}", tok.line, tok.column)
                if act >= 0:
                    push_state(act)
                    push_value(tok)
                    row = states[act]
                    break
                size, origin, callback = reductions[~act]
                if callback is None:
                    state = states[state_stack[-2]][origin]
                    state_stack[-1] = state
                elif callback.__class__ is int:  # a list grows by one item, in place
                    value_stack[-size].append(value_stack[callback - size])
                    del value_stack[1 - size:]
                    del state_stack[-size:]
                    state = states[state_stack[-1]][origin]
                    push_state(state)
                else:
                    if size:
                        children = value_stack[-size:]
                        del state_stack[-size:]
                        del value_stack[-size:]
                    else:
                        children = []
                    push_value(callback(children))
                    state = states[state_stack[-1]][origin]
                    push_state(state)
                row = states[state]
        return self._finish(state_stack, value_stack, start, tok)

    def _finish(self, state_stack: list, value_stack: list, start: str, last: Tok | None):
        """Feed `$END` (placed right after the last token, Lark's convention) and return the result."""
        if last is None:
            end_tok = Tok("$END", "", 0, 1, 1, 1, 1, 0)
        else:
            end_tok = Tok("$END", "", last.end_pos, last.end_line, last.end_column, last.end_line,
                          last.end_column, last.end_pos)
        states = self.states
        end_state = self.end_states[start]
        while True:
            act = states[state_stack[-1]].get("$END")
            if act is None:
                raise ParseError("unexpected $END ''", end_tok.line, end_tok.column)
            if act >= 0:
                raise ParseError("unexpected end of input", end_tok.line, end_tok.column)
            size, origin, callback = self.reductions[~act]
            if size:
                children = value_stack[-size:]
                del state_stack[-size:]
                del value_stack[-size:]
            else:
                children = []
            if callback is None:
                value = children[0]
            elif callback.__class__ is int:
                value = children[0]
                value.append(children[callback])
            else:
                value = callback(children)
            new_state = states[state_stack[-1]][origin]
            if new_state == end_state:
                return value
            state_stack.append(new_state)
            value_stack.append(value)
