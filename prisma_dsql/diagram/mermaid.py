"""The diagram as a Mermaid `erDiagram` (rendered by GitHub and most Markdown viewers).

Contract: `render(diagram) -> str`, one statement per line:

    erDiagram
        User {
            BigInt id PK
            String email UK
            String name "nullable"
        }
        User ||--o{ Post : "author"
        Role ||..o{ User : "role"

Mermaid accepts only a few characters in names and types, so every name is reduced to
`[A-Za-z0-9_-]` (Prisma identifiers already are; anything else becomes `_`, and a clash gets a
numeric suffix); a type loses `?` (said in the comment instead) and `Unsupported("...")` its
argument; comments keep only letters, digits and plain punctuation (no `"`, `<`, `>`, `&`). Enums are entities whose rows are their values, linked
to the fields using them with dotted (non-identifying) lines.
"""

from __future__ import annotations

import re

from prisma_dsql.diagram.er import Diagram

_NAME_OK = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_BAD = re.compile(r"[^A-Za-z0-9_-]")
_TYPE_BAD = re.compile(r"[^A-Za-z0-9_\[\]-]")
#: Mermaid's marker at the end of a line, by how many rows that end has.
_LEFT = {"1": "||", "0..1": "|o", "*": "}o"}
_RIGHT = {"1": "||", "0..1": "o|", "*": "o{"}


def _names(diagram: Diagram) -> dict[str, str]:
    out: dict[str, str] = {}
    used: set[str] = set()
    for e in diagram.entities:
        base = e.name if _NAME_OK.match(e.name) else ("E_" + _BAD.sub("_", e.name)).rstrip("_") or "E"
        name, n = base, 2
        while name.lower() in used:
            name, n = f"{base}_{n}", n + 1
        used.add(name.lower())
        out[e.name] = name
    return out


def _ident(text: str) -> str:
    cleaned = _BAD.sub("_", text) or "_"
    return cleaned if cleaned[0].isalpha() or cleaned[0] == "_" else "_" + cleaned


def _type(text: str) -> str:
    base = text
    if base.startswith("Unsupported("):
        base = "Unsupported" + ("[]" if base.endswith("[]") else "")
    base = _TYPE_BAD.sub("", base.rstrip("?")) or "unknown"
    return base if base[0].isalpha() or base[0] == "_" else "_" + base


#: What a comment may hold: Mermaid renders it as HTML text, so no markup characters, no quotes.
_COMMENT_BAD = re.compile(r"[^A-Za-z0-9 _.,;:()\[\]'/?=+*-]")


def _comment(text: str) -> str:
    return '"' + _COMMENT_BAD.sub("_", text.replace('"', "'")) + '"'


def render(diagram: Diagram) -> str:
    names = _names(diagram)
    lines = ["erDiagram"]
    for e in diagram.entities:
        if not e.rows:
            lines.append(f"    {names[e.name]}")  # an entity without attributes has no block
            continue
        lines.append(f"    {names[e.name]} {{")
        for row in e.rows:
            if e.kind == "enum":
                lines.append(f"        enum {_ident(row.name)}")
                continue
            notes = []
            if row.type.endswith("?"):
                notes.append("nullable")
            if row.type.startswith("Unsupported("):
                notes.append(row.type)
            keys = f" {', '.join(row.keys)}" if row.keys else ""
            comment = f" {_comment('; '.join(notes))}" if notes else ""
            lines.append(f"        {_type(row.type)} {_ident(row.name)}{keys}{comment}")
        lines.append("    }")
    for link in diagram.links:
        lines.append(f"    {names[link.target]} {_LEFT[link.target_end]}--{_RIGHT[link.source_end]} "
                     f"{names[link.source]} : {_comment(link.label)}")
    enums = {e.name for e in diagram.entities if e.kind == "enum"}
    for e in diagram.entities:
        if e.kind == "enum":
            continue
        for row in e.rows:
            base = row.type.rstrip("?").removesuffix("[]")
            if base in enums:
                # One value is held by any number of rows.
                lines.append(f"    {names[base]} ||..o{{ {names[e.name]} : {_comment(row.name)}")
    return "\n".join(lines) + "\n"
