"""The Prisma schema a pull builds, before it is printed.

Contract: plain mutable dataclasses holding rendered pieces (a field's type text and its
attributes as Prisma text), so the builder decides every spelling and the printer only lays
them out (`prisma_dsql.pull.printer`). `comments` are whole comment lines (`/// doc`,
`// note`) printed above the element; `trailing` a comment kept at the end of its line.
`key` ties an element to what it came from in the database (a column, a foreign key, a join
table, an index), so that re-introspection can find the same element in an existing schema.
`PullResult` is what a pull returns: the text, counts for the summary line, and the warnings.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PullField:
    name: str
    type: str
    #: "" (required), "?" (optional) or "[]" (list).
    arity: str = ""
    attributes: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    trailing: str | None = None
    #: ("column", name) | ("fk", table, columns) for the forward side, ("back", table, columns) |
    #: ("m2m", join table, "A"|"B").
    key: tuple = ()


@dataclass
class BlockAttribute:
    text: str
    comments: list[str] = field(default_factory=list)
    trailing: str | None = None
    #: ("@@index", (column, ...)) and the like: how an existing schema's line is found again.
    key: tuple = ()


@dataclass
class PullModel:
    name: str
    table: str
    schema: str
    fields: list[PullField] = field(default_factory=list)
    attributes: list[BlockAttribute] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    #: Comment lines after the last member, before `}`.
    closing_comments: list[str] = field(default_factory=list)

    def field(self, name: str) -> PullField | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass
class PullEnumValue:
    name: str
    db_name: str
    comments: list[str] = field(default_factory=list)
    trailing: str | None = None

    @property
    def attributes(self) -> list[str]:
        return [f"@map({quote(self.db_name)})"] if self.name != self.db_name else []


@dataclass
class PullEnum:
    name: str
    db_name: str
    schema: str
    values: list[PullEnumValue] = field(default_factory=list)
    attributes: list[BlockAttribute] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    closing_comments: list[str] = field(default_factory=list)


@dataclass
class PullSchema:
    models: list[PullModel] = field(default_factory=list)
    enums: list[PullEnum] = field(default_factory=list)
    #: The schemas to list in the datasource (empty: only the default one is used).
    schemas: tuple[str, ...] = ()
    preview_features: tuple[str, ...] = ()
    #: What the database holds that the schema cannot say (views, expression indexes, ...).
    warnings: list[str] = field(default_factory=list)

    @property
    def relation_fields(self) -> int:
        return sum(1 for m in self.models for f in m.fields if f.key and f.key[0] in ("fk", "back", "m2m"))


@dataclass(frozen=True)
class PullResult:
    text: str
    models: int
    enums: int
    relations: int
    #: What the database holds that the schema cannot say.
    warnings: tuple[str, ...] = ()
    #: Re-introspection: models added and removed, by name.
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def summary(self) -> str:
        parts = [f"{self.models} model{'s' if self.models != 1 else ''}",
                 f"{self.enums} enum{'s' if self.enums != 1 else ''}",
                 f"{self.relations} relation field{'s' if self.relations != 1 else ''}"]
        text = ", ".join(parts)
        if self.added or self.removed:
            text += f" ({len(self.added)} new: {', '.join(self.added) or '-'}; {len(self.removed)} removed: " \
                    f"{', '.join(self.removed) or '-'})"
        return text


def quote(text: str) -> str:
    """A Prisma string literal (JSON escapes, as Prisma reads them)."""
    out = []
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'
