"""Inline suppressions: `// prisma-dsql-ignore CODE [CODE ...] [-- reason]`.

A suppression comment covers one line:
- at the end of a line, that line;
- alone on its line, the next line that is not itself a comment (so it can sit
  above or below a `///` doc comment).
It hides the DSQL findings with one of its codes (or rule names) whose span
starts on the covered line, and the Prisma-level notices (PSL901 datasource-url,
PSL902 removed-preview-feature: never errors). Other Prisma-level findings (PSL
codes) cannot be suppressed: Prisma itself would reject the schema.

Each code that hid nothing is reported as `DSQL901 unused-suppression`, and so
are unknown codes and comments naming no code; codes the configuration turns
off entirely are not reported (the comment may be meant for another setup).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from prisma_dsql.diagnostics import Diagnostic
from prisma_dsql.source import Span

MARKER = "prisma-dsql-ignore"
UNUSED_CODE = "DSQL901"
_COMMENT = re.compile(r"^//(?!/)\s*prisma-dsql-ignore(?P<rest>(?:\s.*)?)$", re.S)
#: The marker inside `///` or `/* */`: documentation comments, which Prisma Client copies into
#: its generated types; they never suppress, and saying so beats silently ignoring them.
_DOC_COMMENT = re.compile(r"^(///|/\*).*\bprisma-dsql-ignore\b", re.S)
_SPLIT = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class Suppression:
    span: Span
    #: The line it covers.
    line: int
    #: (as written, rule code or None when unknown).
    codes: tuple[tuple[str, str | None], ...]
    #: The marker stands in a documentation comment, where it has no effect.
    in_doc_comment: bool = False


def parse_comments(comments: Iterable) -> list[Suppression]:
    """Suppressions from the schema's comments (`schema.comments`, ast.Comment objects)."""
    from prisma_dsql.config import silenceable

    comments = list(comments)
    comment_lines: dict[str, set[int]] = {}
    for c in comments:
        if c.own_line:
            comment_lines.setdefault(c.span.file, set()).update(range(c.span.line, c.span.end_line + 1))
    out = []
    for c in comments:
        m = _COMMENT.match(c.text.strip())
        if not m:
            if _DOC_COMMENT.match(c.text.strip()):
                out.append(Suppression(c.span, c.span.line, (), in_doc_comment=True))
            continue
        words = [w for w in _SPLIT.split(m.group("rest").split("--", 1)[0]) if w]
        codes = []
        for w in words:
            codes.append((w, silenceable(w)))
        line = c.span.line
        if c.own_line:
            taken = comment_lines.get(c.span.file, set())
            line = c.span.end_line + 1
            while line in taken:
                line += 1
        out.append(Suppression(c.span, line, tuple(codes)))
    return out


def apply(diagnostics: Iterable[Diagnostic], comments: Iterable, *, report_unused: bool = True,
          disabled: frozenset[str] | set[str] = frozenset()) -> list[Diagnostic]:
    """The diagnostics that no suppression hides, plus DSQL901 for suppressions that hid nothing."""
    from prisma_dsql.config import NOTICE_PREFIX

    suppressions = parse_comments(comments)
    if not suppressions:
        return list(diagnostics)
    covering: dict[tuple[str, int, str], Suppression] = {}
    for s in suppressions:
        if s.in_doc_comment:
            continue
        for _, code in s.codes:
            if code is not None:
                covering.setdefault((s.span.file, s.line, code), s)
    used: set[tuple[int, int, str, str]] = set()
    kept = []
    for d in diagnostics:
        s = None
        if d.span is not None and d.code.startswith(("DSQL", NOTICE_PREFIX)):
            s = covering.get((d.span.file, d.span.line, d.code))
        if s is None:
            kept.append(d)
        else:
            used.add((s.span.line, s.span.column, s.span.file, d.code))
    if not report_unused:
        return kept
    from prisma_dsql.rules import REGISTRY  # only here: `--target postgres` never loads the rules

    rule = REGISTRY[UNUSED_CODE]

    def unused(message: str, span: Span, help: str) -> None:
        kept.append(Diagnostic(rule.code, rule.severity, message, span, help=help, subject=None, name=rule.name))

    for s in suppressions:
        if s.in_doc_comment:
            unused(f"`{MARKER}` in a `///` or `/* */` comment has no effect: those are documentation.", s.span,
                   f"Write it as a plain comment: `// {MARKER} CODE`.")
            continue
        if not s.codes:
            unused(f"`// {MARKER}` names no rule code, so it suppresses nothing.", s.span,
                   f"Name the codes it is for: `// {MARKER} DSQL202`.")
        for written, code in s.codes:
            if code is None:
                unused(f"`{written}` in `// {MARKER}` is not a DSQL rule code or name, nor a Prisma-level notice.",
                       s.span, "See `prisma-dsql rules` for the codes; Prisma-level (PSL) errors cannot be "
                       "suppressed, only the notices PSL901 and PSL902.")
            elif code not in disabled and (s.span.line, s.span.column, s.span.file, code) not in used:
                unused(f"`// {MARKER} {written}` suppresses nothing: no {code} finding starts on line {s.line}.",
                       s.span, f"Remove `{written}` from the comment.")
    return kept
