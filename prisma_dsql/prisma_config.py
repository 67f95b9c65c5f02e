"""Read `prisma.config.ts` as data, never as code.

Contract: `find_prisma_config(cwd)` is the one place that locates the project's file (None without one);
`read_prisma_config(path)` returns a `PrismaConfig` with what the file
states literally: `schema`, `migrations.path` and `datasource.url` (a string, or
`EnvVar("NAME")` for `env("NAME")` / `process.env.NAME`: the variable is named,
never read). Nothing in the file is evaluated. When a value we need is computed
(`path.join(...)`, a variable, a spread, a template with `${}`), or the file does
not export a config we can find, the answer says so (`too_dynamic` for the whole
file, `reason_for(field)` per field) and callers ask for `--schema` /
`--migrations-dir`. Raises `InputError` only when the file cannot be read at all. A file is read and parsed
once per process while it does not change (every command asks for several of its entries).

How: a small tokenizer that knows TypeScript's comments (`//`, `/* */`), string
literals, template literals (with `${...}` nesting) and regex literals, so a
commented-out `/* schema: "old.prisma" */` or a `schema:` key inside some other
nested object is never taken for the config's own entry. Then the object after
`export default` (or `module.exports =`), unwrapped from `defineConfig(...)`,
`satisfies T` and `as T`, or a top-level `const` it names, is read key by key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: Config files are a few hundred bytes; anything larger is refused unread (a device, a mistake).
MAX_CONFIG_BYTES = 1024 * 1024


@dataclass(frozen=True)
class EnvVar:
    """`env("NAME")` or `process.env.NAME`: the name only; the value is never read here."""

    name: str


@dataclass(frozen=True)
class Dynamic:
    """A value that only running the file would give."""

    reason: str


@dataclass(frozen=True)
class PrismaConfig:
    path: Path
    schema: str | None = None
    migrations_path: str | None = None
    datasource_url: str | EnvVar | None = None
    #: Why the file as a whole cannot be read without running it (None when it can).
    too_dynamic: str | None = None
    #: field ("schema", "migrations.path", "datasource.url") -> why its value is computed.
    dynamic_fields: dict[str, str] = field(default_factory=dict)

    def reason_for(self, name: str) -> str | None:
        """Why `name` cannot be known without running the file, or None (known, or absent)."""
        return self.too_dynamic or self.dynamic_fields.get(name)


# -- tokenizer ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Tok:
    kind: str  # "id", "str", "tpl" (no ${}), "dyn_tpl", "num", "punct", "regex"
    value: str
    line: int
    #: For a bracket: the index of its partner (set by `tokenize`), so finding it costs nothing.
    match: int = -1


class _Unreadable(Exception):
    pass


_IDENT_START = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$")
_IDENT = _IDENT_START | set("0123456789")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
#: After these, a `/` starts a regex literal rather than a division.
_REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^")


def tokenize(text: str) -> list[Tok]:
    toks: list[Tok] = []
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c in " \t\r\ufeff\u00a0\u2028\u2029":
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end == -1 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end == -1:
                raise _Unreadable(f"a /* comment starting on line {line} never ends")
            line += text.count("\n", i, end)
            i = end + 2
        elif c in "'\"":
            value, i, line = _string(text, i, line)
            toks.append(Tok("str", value, line))
        elif c == "`":
            start_line = line
            value, has_subst, i, line = _template(text, i, line)
            toks.append(Tok("dyn_tpl" if has_subst else "tpl", value, start_line))
        elif c == "/" and (not toks or (toks[-1].kind == "punct" and toks[-1].value in _REGEX_AFTER)
                           or (toks[-1].kind == "id" and toks[-1].value in ("return", "typeof", "in", "of"))):
            i = _regex(text, i, line)
            toks.append(Tok("regex", "", line))
        elif c in _IDENT_START:
            j = i + 1
            while j < n and text[j] in _IDENT:
                j += 1
            toks.append(Tok("id", text[i:j], line))
            i = j
        elif c.isdigit():
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] in "._"):
                j += 1
            toks.append(Tok("num", text[i:j], line))
            i = j
        elif text.startswith("...", i):
            toks.append(Tok("punct", "...", line))
            i += 3
        else:
            toks.append(Tok("punct", c, line))
            i += 1
    return _pair_brackets(toks)


def _pair_brackets(toks: list[Tok]) -> list[Tok]:
    stack: list[int] = []
    partner: dict[int, int] = {}
    for k, t in enumerate(toks):
        if t.kind != "punct":
            continue
        if t.value in _OPEN:
            stack.append(k)
        elif t.value in _CLOSE:
            if not stack or _OPEN[toks[stack[-1]].value] != t.value:
                raise _Unreadable(f"the {t.value!r} on line {t.line} closes nothing")
            opened = stack.pop()
            partner[opened], partner[k] = k, opened
    if stack:
        raise _Unreadable(f"the bracket on line {toks[stack[-1]].line} is never closed")
    return [Tok(t.kind, t.value, t.line, partner[k]) if k in partner else t for k, t in enumerate(toks)]


def _string(text: str, i: int, line: int) -> tuple[str, int, int]:
    quote, n = text[i], len(text)
    out = []
    i += 1
    while i < n:
        c = text[i]
        if c == quote:
            return "".join(out), i + 1, line
        if c == "\n":
            break
        if c == "\\" and i + 1 < n:
            nxt = text[i + 1]
            if nxt == "\n":
                line += 1
                i += 2
                continue
            if nxt == "u" and text[i + 2: i + 3] == "{":
                end = text.find("}", i + 3)
                digits = text[i + 3: end] if end != -1 else ""
                out.append(_char(digits))
                i = end + 1 if end != -1 else n
                continue
            if nxt in "ux":
                width = 4 if nxt == "u" else 2
                out.append(_char(text[i + 2: i + 2 + width]))
                i += 2 + width
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(c)
        i += 1
    raise _Unreadable(f"a string on line {line} never ends")


def _char(digits: str) -> str:
    try:
        return chr(int(digits, 16))
    except (ValueError, OverflowError):
        return "\ufffd"


def _template(text: str, i: int, line: int) -> tuple[str, bool, int, int]:
    n = len(text)
    out = []
    has_subst = False
    i += 1
    while i < n:
        c = text[i]
        if c == "`":
            return "".join(out), has_subst, i + 1, line
        if c == "\\" and i + 1 < n:
            out.append(_ESCAPES.get(text[i + 1], text[i + 1]))
            i += 2
            continue
        if c == "$" and text.startswith("${", i):
            has_subst = True
            i, line = _substitution(text, i + 2, line)
            continue
        if c == "\n":
            line += 1
        out.append(c)
        i += 1
    raise _Unreadable(f"a template literal on line {line} never ends")


def _substitution(text: str, i: int, line: int) -> tuple[int, int]:
    """Skip a `${ ... }` body (which may hold strings, templates and braces); the index after `}`."""
    depth, n = 1, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c in "'\"":
            _, i, line = _string(text, i, line)
        elif c == "`":
            _, _, i, line = _template(text, i, line)
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end == -1 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end == -1:
                break
            i = end + 2
        elif c == "{":
            depth += 1
            i += 1
        elif c == "}":
            depth -= 1
            i += 1
            if depth == 0:
                return i, line
        else:
            i += 1
    raise _Unreadable(f"a ${{...}} in a template literal on line {line} never ends")


def _regex(text: str, i: int, line: int) -> int:
    n = len(text)
    i += 1
    in_class = False
    while i < n:
        c = text[i]
        if c == "\n":
            raise _Unreadable(f"a regular expression on line {line} never ends")
        if c == "\\":
            i += 2
            continue
        if c == "[":
            in_class = True
        elif c == "]":
            in_class = False
        elif c == "/" and not in_class:
            i += 1
            while i < n and text[i] in _IDENT:
                i += 1
            return i
        i += 1
    raise _Unreadable(f"a regular expression on line {line} never ends")


# -- reading the exported object ----------------------------------------------------------------

_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = frozenset(_OPEN.values())
#: Objects nested deeper than this are not read (a config is two or three levels deep).
MAX_DEPTH = 64


class _Obj:
    """An object literal: its literal entries, and why other keys might exist (spread, computed key)."""

    def __init__(self) -> None:
        self.entries: dict[str, object] = {}
        self.open_reason: str | None = None

    def get(self, key: str) -> object:
        if key in self.entries:
            return self.entries[key]
        if self.open_reason:
            return Dynamic(self.open_reason)
        return None


def _matching(toks: list[Tok], i: int) -> int:
    """Index of the bracket closing the one at `i` (paired once by `tokenize`)."""
    return toks[i].match


def _value_end(toks: list[Tok], i: int, end: int) -> int:
    """Index of the `,` or closing bracket that ends the value starting at `i`."""
    j = i
    while j < end:
        t = toks[j]
        if t.kind == "punct":
            if t.value in _OPEN:
                j = _matching(toks, j) + 1
                continue
            if t.value in (",", ")", "]", "}"):
                return j
        j += 1
    return end


def _describe(toks: list[Tok]) -> str:
    """A short rendering of a value's tokens, as it was written (`path.join("prisma", ...)`)."""
    out = ""
    for k, t in enumerate(toks[:8]):
        word = (f'"{t.value}"' if t.kind == "str" else "`...`" if t.kind in ("tpl", "dyn_tpl")
                else "/.../" if t.kind == "regex" else t.value)
        glue = "" if k == 0 or word in ".,()[]" or out.endswith((".", "(", "[", " ")) else " "
        out += glue + word + (" " if word == "," else "")
    return out.rstrip() + (" ..." if len(toks) > 8 else "")


def _value(toks: list[Tok], i: int, end: int, consts: dict, depth: int = 0) -> object:
    """The literal value of toks[i:end]: str, EnvVar, _Obj or Dynamic."""
    if depth > MAX_DEPTH:
        return Dynamic(f"values nested more than {MAX_DEPTH} deep")
    # `x as const`, `x satisfies T`: the type part says nothing about the value (only at this
    # level: a key named `as` inside a nested object is not a type assertion).
    k = i
    while k < end:
        t = toks[k]
        if t.kind == "punct" and t.value in _OPEN:
            k = _matching(toks, k) + 1
            continue
        if t.kind == "id" and t.value in ("as", "satisfies") and k > i:
            end = k
            break
        k += 1
    part = toks[i:end]
    if not part:
        return Dynamic("an empty value")
    first = part[0]
    if len(part) == 1:
        if first.kind in ("str", "tpl"):
            return first.value
        if first.kind == "dyn_tpl":
            return Dynamic("a template literal with ${...}")
        if first.kind == "id" and first.value in consts:
            return consts[first.value]
        return Dynamic(f"the value `{_describe(part)}` is computed")
    if first.kind == "punct" and first.value == "{" and _matching(toks, i) == i + len(part) - 1:
        return _object(toks, i, consts, depth + 1)
    if first.kind == "punct" and first.value == "(" and _matching(toks, i) == i + len(part) - 1:
        return _value(toks, i + 1, i + len(part) - 1, consts, depth + 1)
    values = [t.value for t in part]
    if (len(part) == 4 and first.kind == "id" and first.value == "env" and values[1] == "(" and part[2].kind == "str"
            and values[3] == ")"):
        return EnvVar(part[2].value)
    if values[:3] == ["process", ".", "env"]:
        if len(part) == 5 and values[3] == "." and part[4].kind == "id":
            return EnvVar(part[4].value)
        if len(part) == 6 and values[3] == "[" and part[4].kind == "str" and values[5] == "]":
            return EnvVar(part[4].value)
    if first.kind == "id" and first.value == "defineConfig" and values[1] == "(" and \
            _matching(toks, i + 1) == i + len(part) - 1:
        return _value(toks, i + 2, i + len(part) - 1, consts, depth + 1)
    return Dynamic(f"the value `{_describe(part)}` is computed")


def _object(toks: list[Tok], i: int, consts: dict, depth: int) -> _Obj:
    obj = _Obj()
    end = _matching(toks, i)
    j = i + 1
    while j < end:
        t = toks[j]
        if t.kind == "punct" and t.value == ",":
            j += 1
            continue
        if t.kind == "punct" and t.value == "...":
            obj.open_reason = f"the object on line {t.line} spreads another value (`...`)"
            j = _value_end(toks, j + 1, end)
            continue
        if t.kind == "punct" and t.value == "[":
            obj.open_reason = f"the object on line {t.line} has a computed key"
            close = _matching(toks, j)
            j = _value_end(toks, close + 1, end)
            continue
        if t.kind in ("id", "str", "num", "tpl"):
            key = t.value
            nxt = toks[j + 1] if j + 1 < end else None
            if nxt is not None and nxt.kind == "punct" and nxt.value == ":":
                stop = _value_end(toks, j + 2, end)
                obj.entries[key] = _value(toks, j + 2, stop, consts, depth)
                j = stop
                continue
            if nxt is not None and nxt.kind == "punct" and nxt.value == "(":  # a method: skip its body
                close = _matching(toks, j + 1)
                j = close + 1
                if j < end and toks[j].kind == "punct" and toks[j].value == "{":
                    j = _matching(toks, j) + 1
                continue
            # `{ schema }`: shorthand for a variable.
            obj.entries[key] = consts.get(key, Dynamic(f"`{key}` on line {t.line} names a variable"))
            j = _value_end(toks, j + 1, end)
            continue
        j = _value_end(toks, j + 1, end) if not (t.kind == "punct" and t.value in _OPEN) else _matching(toks, j) + 1
    return obj


def _top_level_consts(toks: list[Tok]) -> dict[str, object]:
    """`const NAME = <value>` at the top level (depth 0), read as literal values where possible."""
    consts: dict[str, object] = {}
    j, n = 0, len(toks)
    while j < n:
        t = toks[j]
        if t.kind == "punct" and t.value in _OPEN:
            j = _matching(toks, j) + 1
            continue
        if t.kind == "id" and t.value in ("const", "let", "var") and j + 2 < n and toks[j + 1].kind == "id":
            name = toks[j + 1].value
            k = j + 2
            if toks[k].kind == "punct" and toks[k].value == ":":  # a type annotation
                while k < n and not (toks[k].kind == "punct" and toks[k].value == "="):
                    k = _matching(toks, k) + 1 if toks[k].kind == "punct" and toks[k].value in _OPEN else k + 1
            if k < n and toks[k].kind == "punct" and toks[k].value == "=":
                stop = _statement_end(toks, k + 1)
                if t.value == "const":
                    consts[name] = _value(toks, k + 1, stop, consts)
                else:
                    consts[name] = Dynamic(f"`{name}` is a variable that may change")
                j = stop
                continue
        j += 1
    return consts


def _statement_end(toks: list[Tok], i: int) -> int:
    j = i
    n = len(toks)
    while j < n:
        t = toks[j]
        if t.kind == "punct" and t.value in _OPEN:
            j = _matching(toks, j) + 1
            continue
        if t.kind == "punct" and t.value == ";":
            return j
        if t.kind == "id" and t.value in ("export", "const", "let", "var", "import", "module") and j > i:
            return j
        j += 1
    return n


def _exported(toks: list[Tok], consts: dict) -> object:
    n = len(toks)
    for j, t in enumerate(toks):
        start = None
        if t.kind == "id" and t.value == "export" and j + 1 < n and toks[j + 1].value == "default":
            start = j + 2
        elif (t.kind == "id" and t.value == "module" and toks[j + 1: j + 4] and
              [x.value for x in toks[j + 1: j + 4]] == [".", "exports", "="]):
            start = j + 4
        if start is not None:
            return _value(toks, start, _statement_end(toks, start), consts)
    return Dynamic("it has no `export default` (nor `module.exports =`) this reader can find")


def _get(value: object, *keys: str) -> object:
    for key in keys:
        if isinstance(value, Dynamic) or value is None:
            return value
        if not isinstance(value, _Obj):
            return Dynamic(f"`{key}` is looked up in something that is not an object")
        value = value.get(key)
    return value


def parse_prisma_config(text: str, path: Path) -> PrismaConfig:
    try:
        toks = tokenize(text)
        consts = _top_level_consts(toks)
        root = _exported(toks, consts)
    except _Unreadable as exc:
        return PrismaConfig(path, too_dynamic=str(exc))
    if isinstance(root, Dynamic):
        return PrismaConfig(path, too_dynamic=f"the exported config cannot be read without running it: {root.reason}")
    if not isinstance(root, _Obj):
        return PrismaConfig(path, too_dynamic="the exported config is not an object literal")
    found: dict[str, object] = {}
    dynamic: dict[str, str] = {}
    for name, keys in (("schema", ("schema",)), ("migrations.path", ("migrations", "path")),
                       ("datasource.url", ("datasource", "url"))):
        value = _get(root, *keys)
        if isinstance(value, Dynamic):
            dynamic[name] = f"`{name}` cannot be read without running the file: {value.reason}"
        elif isinstance(value, (str, EnvVar)):
            found[name] = value
        elif value is not None:
            dynamic[name] = f"`{name}` is not a string"
    schema = found.get("schema")
    migrations = found.get("migrations.path")
    for name, value in (("schema", schema), ("migrations.path", migrations)):
        if isinstance(value, EnvVar):
            dynamic[name] = f"`{name}` comes from the environment variable {value.name}"
    return PrismaConfig(
        path,
        schema=schema if isinstance(schema, str) else None,
        migrations_path=migrations if isinstance(migrations, str) else None,
        datasource_url=found.get("datasource.url"),  # type: ignore[arg-type]
        dynamic_fields=dynamic,
    )


#: Parsed files by (path, device, inode, size, mtime): a command that asks in several places (the schema, the
#: migrations folder, the datasource) reads and parses the file once.
_READ: dict[tuple, PrismaConfig] = {}


def read_prisma_config(path: Path | str) -> PrismaConfig:
    """Read and parse `path` (at most MAX_CONFIG_BYTES; InputError when unreadable). A regular file that has
    not changed since it was last read here is not read again."""
    import os
    import stat

    from prisma_dsql.files import read_capped

    path = Path(path)
    try:
        st = os.stat(path)
        key = (str(path.absolute()), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns) \
            if stat.S_ISREG(st.st_mode) else None
    except OSError:
        key = None  # read_capped says what is wrong with it
    if key is not None and key in _READ:
        return _READ[key]
    raw = read_capped(path, MAX_CONFIG_BYTES, str(path), what="prisma.config.ts files")
    text = raw.decode("utf-8", errors="replace")
    config = parse_prisma_config(text, path)
    if key is not None:
        _READ[key] = config
    return config


def find_prisma_config(cwd: Path | None = None) -> PrismaConfig | None:
    """The project's `prisma.config.ts` (in `cwd`, where Prisma looks), read as data; None when there is none.
    The one place that locates the file: the schema, the migrations folder and the datasource all ask here."""
    cwd = cwd or Path.cwd()
    path = cwd / "prisma.config.ts"
    if not (path.is_file() or path.is_symlink()):
        return None
    return read_prisma_config(path)
