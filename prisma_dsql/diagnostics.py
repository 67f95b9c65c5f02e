"""Diagnostics: what every stage reports, independent of how it is shown.

A `Diagnostic` is data (code, severity, message, span, help, subject, and an
optional `Fix`: text edits over source spans that `prisma_dsql.fix` applies with
`validate --fix`). Renderers
in `prisma_dsql.render` turn lists of them into text, JSON, SARIF or GitHub
workflow commands. Stages never print and never raise for problems in the
user's schema: they append diagnostics and carry on.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import NamedTuple

from prisma_dsql.source import Span


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


class Edit(NamedTuple):
    """Replace the text of `span` with `text` (an empty span inserts, empty text deletes)."""

    span: Span
    text: str

    def as_dict(self) -> dict:
        return {**self.span.as_dict(), "text": self.text}


class Fix(NamedTuple):
    """A mechanical fix of one finding: all its edits are applied together, or none of them.

    Edits of one fix never overlap; they may lie in several files (a type change and the
    fields that reference it). `description` says what the fix does, for people.
    """

    description: str
    edits: tuple[Edit, ...]

    def as_dict(self) -> dict:
        return {"description": self.description, "edits": [e.as_dict() for e in self.edits]}


@dataclass(frozen=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: Span | None
    help: str | None = None
    #: What the finding is about, in Prisma terms: "User", "User.role", "enum Role".
    subject: str | None = None
    #: Stable kebab-case name of the rule or check that produced it.
    name: str | None = None
    notes: tuple[str, ...] = ()
    #: The edits that fix it, where a rule knows a safe mechanical fix (`validate --fix`).
    fix: Fix | None = None

    def sort_key(self) -> tuple:
        if self.span is None:
            return ("", 0, 0, self.code)
        return (self.span.file, self.span.line, self.span.column, self.code)


@dataclass
class Diagnostics:
    """An append-only collection, in the order found; `sorted()` orders by position."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, diagnostic: Diagnostic) -> None:
        self.items.append(diagnostic)

    def extend(self, diagnostics) -> None:
        self.items.extend(diagnostics)

    def error(self, code: str, message: str, span: Span | None, **kw) -> None:
        self.items.append(Diagnostic(code, Severity.ERROR, message, span, **kw))

    def warning(self, code: str, message: str, span: Span | None, **kw) -> None:
        self.items.append(Diagnostic(code, Severity.WARNING, message, span, **kw))

    def info(self, code: str, message: str, span: Span | None, **kw) -> None:
        self.items.append(Diagnostic(code, Severity.INFO, message, span, **kw))

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.items)

    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.ERROR]

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=Diagnostic.sort_key)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)
