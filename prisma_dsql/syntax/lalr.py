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
  list, no call; a list rule named in the builder's `GROWING` appends its item to the list in
  place (no call either); other rules get the cheapest callback that does what
  Lark's would (filtered children dropped by a slice where they are contiguous).
"""

from __future__ import annotations

from typing import Any

from prisma_dsql.syntax.errors import ParseError
from prisma_dsql.syntax.lexer import NOT_BLANK_IN_PRISMA, PRISMA_BLANKS, STRAY, FastLexer, Tok
from prisma_dsql.syntax.tables import Reduction, Tables

#: What `_callback` returns for a rule whose only kept child is passed through: no call at all.
_PASS = -1


def _callback(r: Reduction, builder: Any) -> tuple[int, Any]:
    """(grow, callback) for reduction `r`: `grow >= 0` for a list rule `items -> items ... item` that
    appends child `grow` to child 0 in place (no call); else `callback` is a function of the kept
    children's list."""
    kept = r.kept
    if r.passthrough:
        (only,) = kept
        return _PASS, lambda children: children[only]
    method = getattr(builder, r.method, None)
    if method is None:
        raise TypeError(f"the tree builder has no method for grammar rule {r.method!r}")
    if r.method in builder.GROWING:
        if len(kept) == 2 and kept[0] == 0:
            return kept[1], None
        if len(kept) == r.size <= 1:
            # `items ->` or `items -> item`: the new list is the children's list itself, copied by
            # `list` in C (~40,000 Python calls fewer for a 1,000-model schema).
            return _PASS, list
    if len(kept) == r.size:
        return _PASS, method
    first = kept[0] if kept else 0
    if kept == tuple(range(first, first + len(kept))):
        stop = first + len(kept)
        return _PASS, lambda children: method(children[first:stop])
    return _PASS, lambda children: method([children[i] for i in kept])


class LalrDriver:
    def __init__(self, tables: Tables, builder: Any) -> None:
        self.lexer = FastLexer(tables.terminals, tables.ignore)
        self.start_states: dict[str, int] = tables.start_states
        self.end_states: dict[str, int] = tables.end_states
        index: dict[Reduction, int] = {}
        #: (size, origin, grow, callback); callback None and grow < 0: pass the only child through
        #: (size 1) by swapping the top state, no call; grow >= 0: append child `grow` to the list.
        self.reductions: list[tuple[int, str, int, Any]] = []
        #: Rows by state number (states are numbered 0..n-1): terminal or rule name -> shift to state
        #: `>= 0`, or reduce `~index` into `reductions`.
        self.states: list[dict[str, int]] = [{} for _ in range(max(tables.states) + 1)]
        for state, actions in tables.states.items():
            row: dict[str, int] = {}
            for term, (shift, arg) in actions.items():
                if shift:
                    row[term] = arg
                    continue
                if arg not in index:
                    index[arg] = len(self.reductions)
                    if arg.passthrough and arg.size == 1:
                        self.reductions.append((arg.size, arg.origin, _PASS, None))
                    else:
                        grow, callback = _callback(arg, builder)
                        self.reductions.append((arg.size, arg.origin, grow, callback))
                row[term] = ~index[arg]
            self.states[state] = row

    def parse(self, text: str, start: str) -> Any:
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
        state: int = self.start_states[start]
        state_stack: list[int] = [state]
        value_stack: list[Any] = []
        row = states[state]
        line = 1
        line_start = 0
        tok: Any = None
        special = lexer.special
        # finditer walks the text in C; the scanner's last alternative takes a character no terminal
        # takes (STRAY), so matches are back to back and end at the end of the text.
        # (`lastindex` is never None: every alternative is a group.)
        for m in finditer(text):
            number: int = m.lastindex  # type: ignore[assignment]
            kind: str = kinds[number]
            pos, stop = m.span(number)
            value: str = text[pos:stop]
            if kind in special:
                if kind == STRAY:
                    # A Unicode space separator the grammar lacks is Prisma's whitespace: skip it.
                    if value in PRISMA_BLANKS:
                        continue
                    raise ParseError(f"unexpected character {value!r}", line, pos - line_start + 1)
                if kind in ignore:
                    if kind == "WS":
                        bad_blank = NOT_BLANK_IN_PRISMA.search(value)
                        if bad_blank is not None:
                            bad = pos + bad_blank.start()
                            raise ParseError(f"unexpected character {text[bad]!r} (not whitespace for Prisma)",
                                             line, bad - line_start + 1)
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
                    state_stack.append(act)
                    value_stack.append(tok)
                    row = states[act]
                    break
                size, origin, grow, callback = reductions[~act]
                if callback is None:
                    if grow < 0:  # pass the only child through: swap the top state
                        state = states[state_stack[-2]][origin]
                        state_stack[-1] = state
                    else:  # a list grows by one item, in place
                        value_stack[-size].append(value_stack[grow - size])
                        del value_stack[1 - size:]
                        del state_stack[-size:]
                        state = states[state_stack[-1]][origin]
                        state_stack.append(state)
                else:
                    if size:
                        children = value_stack[-size:]
                        del state_stack[-size:]
                        del value_stack[-size:]
                    else:
                        children = []
                    value_stack.append(callback(children))
                    state = states[state_stack[-1]][origin]
                    state_stack.append(state)
                row = states[state]
        return self._finish(state_stack, value_stack, start, tok)

    def _finish(self, state_stack: list[int], value_stack: list[Any], start: str, last: Any) -> Any:
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
            size, origin, grow, callback = self.reductions[~act]
            children: list[Any] = value_stack[-size:] if size else []
            if size:
                del state_stack[-size:]
                del value_stack[-size:]
            value: Any
            if callback is None and grow < 0:
                value = children[0]
            elif callback is None:
                value = children[0]
                value.append(children[grow])
            else:
                value = callback(children)
            new_state = states[state_stack[-1]][origin]
            if new_state == end_state:
                return value
            state_stack.append(new_state)
            value_stack.append(value)
