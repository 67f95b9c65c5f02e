"""Single-edit mutants of real schemas, for the differential test against Prisma's validator.

``mutants(bases, count, seed) -> list[Mutant]``
    ``bases`` are schemas as lists of ``(file name, text)`` pairs (a multi-file schema is one base).
    Each mutant applies one or two edits from :data:`EDITS` to one file of one base, and, for a
    third of them, also switches the datasource provider (so every connector's rules are exercised:
    native types, scalar lists, index arguments, referential actions...). Deterministic for a seed.

An edit looks at the text only line by line (never with our own parser, so a bug there cannot
hide a mutant): fields are lines inside ``model``/``view``/``type`` blocks that start with a name
and a type. Edits that do not apply to the chosen file return ``None`` and another is tried.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Callable

__all__ = ["EDITS", "PROVIDERS", "Mutant", "mutants"]

PROVIDERS = ("postgresql", "mysql", "sqlite", "sqlserver", "cockroachdb", "mongodb")
SCALARS = ("String", "Int", "BigInt", "Float", "Decimal", "Boolean", "DateTime", "Json", "Bytes")

_BLOCK = re.compile(r"^\s*(model|view|type|enum|datasource|generator)\s+(\w+)\s*\{")
_FIELD = re.compile(r"^(\s*)([A-Za-z]\w*)(\s+)([A-Za-z]\w*)(\[\]|\?)?(.*)$")
#: Datasource URL lines are blanked before Prisma sees the schema (Prisma 7 rejects them), so edits
#: there would compare a broken line with a blank one: the mutator leaves them alone.
_URL_LINE = re.compile(r"^\s*(url|directUrl|shadowDatabaseUrl)\s*=")
_PROVIDER = re.compile(r'(provider\s*=\s*)"(postgresql|postgres|mysql|sqlite|sqlserver|cockroachdb|mongodb)"')


@dataclass(frozen=True)
class Mutant:
    name: str  # base + edits, for the report
    files: tuple[tuple[str, str], ...]


@dataclass
class _Doc:
    lines: list[str]
    blocks: list[tuple[str, str, int, int]]  # (kind, name, open line, close line)

    @classmethod
    def parse(cls, text: str) -> "_Doc":
        lines = text.split("\n")
        blocks, current = [], None
        for i, line in enumerate(lines):
            m = _BLOCK.match(line)
            if m and current is None:
                current = (m.group(1), m.group(2), i)
            elif current is not None and line.strip().startswith("}"):
                blocks.append((*current, i))
                current = None
        return cls(lines, blocks)

    def text(self) -> str:
        return "\n".join(self.lines)

    def names(self, *kinds: str) -> list[str]:
        return [b[1] for b in self.blocks if b[0] in kinds]

    def fields(self, kinds=("model", "view", "type")) -> list[tuple[int, re.Match]]:
        out = []
        for kind, _, start, end in self.blocks:
            if kind in kinds:
                for i in range(start + 1, end):
                    m = _FIELD.match(self.lines[i])
                    if m and not self.lines[i].lstrip().startswith(("//", "@@")):
                        out.append((i, m))
        return out

    def model_ranges(self) -> list[tuple[str, int, int]]:
        return [(b[1], b[2], b[3]) for b in self.blocks if b[0] == "model"]


Edit = Callable[[_Doc, random.Random], str | None]


def _field_edit(fn: Callable[[_Doc, int, re.Match, random.Random], str | None]) -> Edit:
    def edit(doc: _Doc, rnd: random.Random) -> str | None:
        fields = doc.fields()
        if not fields:
            return None
        i, m = rnd.choice(fields)
        new = fn(doc, i, m, rnd)
        if new is None:
            return None
        doc.lines[i] = new
        return f"{fn.__name__}@{i + 1}"
    return edit


def _g(m: re.Match, type_name=None, modifier=None, rest=None) -> str:
    return (f"{m.group(1)}{m.group(2)}{m.group(3)}{m.group(4) if type_name is None else type_name}"
            f"{(m.group(5) or '') if modifier is None else modifier}{m.group(6) if rest is None else rest}")


def delete_line(doc: _Doc, rnd: random.Random) -> str | None:
    candidates = [i for i, line in enumerate(doc.lines) if line.strip() and not _URL_LINE.match(line)]
    if not candidates:
        return None
    i = rnd.choice(candidates)
    del doc.lines[i]
    return f"delete_line@{i + 1}"


def duplicate_field(doc: _Doc, rnd: random.Random) -> str | None:
    fields = doc.fields()
    if not fields:
        return None
    i, _ = rnd.choice(fields)
    doc.lines.insert(i + 1, doc.lines[i])
    return f"duplicate_field@{i + 1}"


@_field_edit
def to_enum(doc, i, m, rnd):
    enums = doc.names("enum")
    return _g(m, type_name=rnd.choice(enums)) if enums else None


@_field_edit
def to_model(doc, i, m, rnd):
    return _g(m, type_name=rnd.choice(doc.names("model") or ["Nope"]))


@_field_edit
def to_scalar(doc, i, m, rnd):
    return _g(m, type_name=rnd.choice(SCALARS))


@_field_edit
def make_optional(doc, i, m, rnd):
    return _g(m, modifier="?")


@_field_edit
def make_list(doc, i, m, rnd):
    return _g(m, modifier="[]")


@_field_edit
def make_required(doc, i, m, rnd):
    return _g(m, modifier="") if m.group(5) else None


FIELD_ATTRIBUTES = (
    "@updatedAt", "@id", "@unique", "@default(0)", "@default(false)", '@default("x")', "@default(now())",
    "@default(uuid())", "@default(cuid())", "@default(autoincrement())", "@default([])", '@map("m")',
    "@db.VarChar(10)", "@db.Text", "@db.Char(3)", "@db.Nonsense", "@db.Int", "@db.TinyInt", "@db.Decimal(10, 2)",
    "@db.DateTime(3)", "@db.Timestamptz(3)", "@db.Uuid", "@db.UniqueIdentifier", "@db.ObjectId", "@db.String",
    "@db.NVarChar(100)", "@db.LongText", "@db.Date", "@db.Bit(1)", "@db.Real", "@db.Double", "@db.Int4",
    "@db.Money", "@db.JsonB", "@db.Json", "@db.Boolean", "@db.UnsignedInt", "@db.VarBinary(12)",
    "@id(map: \"pk\")", "@unique(sort: Desc)", "@unique(length: 10)", "@ignore", "@relation(\"r\")",
    "@default(dbgenerated(\"1\"))", "@default(nanoid())", "@default(ulid())", "@default(auto())",
)


@_field_edit
def add_field_attribute(doc, i, m, rnd):
    return _g(m, rest=f"{m.group(6)} {rnd.choice(FIELD_ATTRIBUTES)}")


def add_block_attribute(doc: _Doc, rnd: random.Random) -> str | None:
    models = doc.model_ranges()
    if not models:
        return None
    name, start, end = rnd.choice(models)
    fields = [m.group(2) for i, m in doc.fields(("model",)) if start < i < end]
    if not fields:
        return None
    a, b = rnd.choice(fields), rnd.choice(fields)
    attr = rnd.choice((
        f"@@index({a}(sort: Asc))", f"@@index([{a}(sort: Desc), {b}])", f"@@unique({a}(sort: Desc))",
        f"@@id({a}(sort: Asc))", f"@@index([{a}], name: \"n1\", map: \"n2\")", f"@@index([{a}], map: \"n3\")",
        f"@@index([{a}])", f"@@unique([{a}, {b}])", f"@@id([{a}, {b}])", f"@@fulltext([{a}])",
        f"@@index([{a}(length: 10)])", f"@@index([{a}], type: Hash)", f"@@index([{a}(ops: JsonbPathOps)], type: Gin)",
        f"@@unique([{a}], name: \"{b}\")", f"@@index([{a}], clustered: true)", f"@@map(\"{name.lower()}s\")",
        "@@ignore", f"@@index([{a}(sort: Desc)])", f"@@id([{a}], map: \"pkx\")",
    ))
    doc.lines.insert(end, f"  {attr}")
    return f"add_block_attribute@{end + 1}:{attr}"


def break_bracket(doc: _Doc, rnd: random.Random) -> str | None:
    choices = [i for i, line in enumerate(doc.lines)
               if any(c in line for c in "{}()[]") and not _URL_LINE.match(line)]
    if not choices:
        return None
    i = rnd.choice(choices)
    line = doc.lines[i]
    positions = [k for k, c in enumerate(line) if c in "{}()[]"]
    k = rnd.choice(positions)
    if rnd.random() < 0.5:
        doc.lines[i] = line[:k] + line[k + 1:]
        return f"drop_bracket@{i + 1}"
    doc.lines[i] = line + " {"
    return f"stray_brace@{i + 1}"


def relation_actions(doc: _Doc, rnd: random.Random) -> str | None:
    rel = [i for i, line in enumerate(doc.lines) if "@relation(" in line and "fields:" in line]
    if not rel:
        return None
    i = rnd.choice(rel)
    action = rnd.choice(("NoAction", "Restrict", "SetDefault", "SetNull", "Cascade"))
    which = rnd.choice(("onDelete", "onUpdate"))
    line = re.sub(rf",?\s*{which}:\s*\w+", "", doc.lines[i])
    doc.lines[i] = re.sub(r"\)(\s*(//.*)?)$", rf", {which}: {action})\1", line, count=1)
    if rnd.random() < 0.5:
        for k, line in enumerate(doc.lines):
            if _PROVIDER.search(line) and "relationMode" not in doc.text():
                doc.lines.insert(k + 1, '  relationMode = "prisma"')
                break
    return f"relation_actions@{i + 1}:{which}={action}"


def vertical_tab(doc: _Doc, rnd: random.Random) -> str | None:
    fields = doc.fields()
    if not fields:
        return None
    i, m = rnd.choice(fields)
    doc.lines[i] = f"{m.group(1)}{m.group(2)}\x0b{m.group(4)}{m.group(5) or ''}{m.group(6)}"
    return f"vertical_tab@{i + 1}"


def enum_default(doc: _Doc, rnd: random.Random) -> str | None:
    enums = doc.names("enum")
    fields = [(i, m) for i, m in doc.fields(("model",)) if m.group(4) in enums]
    if not fields:
        return None
    i, m = rnd.choice(fields)
    rest = re.sub(r"@default\([^)]*\)", "", m.group(6))
    doc.lines[i] = _g(m, rest=f"{rest} @default({rnd.choice(('0', 'false', 'NOPE', '[]'))})")
    return f"enum_default@{i + 1}"


def insert_comment(doc: _Doc, rnd: random.Random) -> str | None:
    """Usually harmless: a comment, a doc comment or a blank line somewhere inside a block."""
    inside = [i for kind, _, start, end in doc.blocks for i in range(start + 1, end + 1)]
    if not inside:
        return None
    i = rnd.choice(inside)
    doc.lines.insert(i, rnd.choice(("  // note", "  /// documented", "", "  /* block */", "  ///")))
    return f"insert_comment@{i + 1}"


def swap_fields(doc: _Doc, rnd: random.Random) -> str | None:
    """Harmless: two adjacent fields change places."""
    fields = [i for i, _ in doc.fields()]
    pairs = [i for i in fields if i + 1 in fields]
    if not pairs:
        return None
    i = rnd.choice(pairs)
    doc.lines[i], doc.lines[i + 1] = doc.lines[i + 1], doc.lines[i]
    return f"swap_fields@{i + 1}"


@_field_edit
def map_column(doc, i, m, rnd):
    """Usually harmless: a column name (`@map`) on a field without one."""
    return None if "@map(" in m.group(6) or "@relation" in m.group(6) else _g(m, rest=f'{m.group(6)} @map("{m.group(2)}_col")')


def drop_datasource(doc: _Doc, rnd: random.Random) -> str | None:
    for kind, _, start, end in doc.blocks:
        if kind == "datasource":
            del doc.lines[start:end + 1]
            return "drop_datasource"
    return None


EDITS: tuple[Edit, ...] = (
    delete_line, duplicate_field, to_enum, to_model, to_scalar, make_optional, make_list, make_required,
    add_field_attribute, add_field_attribute, add_field_attribute, add_block_attribute, add_block_attribute,
    break_bracket, relation_actions, vertical_tab, enum_default, drop_datasource, insert_comment, insert_comment,
    swap_fields, swap_fields, map_column, map_column,
)


def _switch_provider(files: list[tuple[str, str]], provider: str) -> bool:
    for k, (name, text) in enumerate(files):
        if _PROVIDER.search(text):
            files[k] = (name, _PROVIDER.sub(rf'\1"{provider}"', text, count=1))
            return True
    return False


def mutants(bases: list[tuple[str, list[tuple[str, str]]]], count: int, seed: int = 9) -> list[Mutant]:
    rnd = random.Random(seed)
    out: list[Mutant] = []
    attempts = 0
    while len(out) < count and attempts < count * 20:
        attempts += 1
        base_name, files = bases[len(out) % len(bases)]
        files = list(files)
        labels = []
        if rnd.random() < 0.4:
            provider = rnd.choice(PROVIDERS)
            if _switch_provider(files, provider):
                labels.append(f"provider={provider}")
        k = rnd.randrange(len(files))
        doc = _Doc.parse(files[k][1])
        for _ in range(1 if rnd.random() < 0.7 else 2):
            for _try in range(10):
                label = rnd.choice(EDITS)(doc, rnd)
                if label is not None:
                    labels.append(label)
                    doc = _Doc.parse(doc.text())
                    break
        if not any(not lab.startswith("provider=") for lab in labels):
            continue
        files[k] = (files[k][0], doc.text())
        out.append(Mutant(f"{base_name}[{files[k][0]}] " + " ".join(labels), tuple(files)))
    return out
