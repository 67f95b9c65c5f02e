"""Apply the fixes the rules attach to their findings (`prisma-dsql validate --fix`).

Contract:

- `span_text(text, span)` / `offset(text, line, column)`: a `Span` (1-based lines, columns
  in code points, lines ended by \\n, \\r\\n or \\r) as offsets into a file's text.
- `apply(texts, diagnostics)` applies, per file, every fix whose edits overlap no edit
  already taken (an edit equal to one taken counts as taken: two findings may share a fix);
  a fix is applied whole or not at all. Text outside the edited spans is kept byte for byte.
  Returns the new texts and the diagnostics whose fixes were applied.
- `fix_schema(path, ...)` loads, checks and applies in rounds until no fix applies
  (at most `MAX_ROUNDS`: one fix can make another finding appear, e.g. a type change
  that leaves an index too wide), and returns a `FixResult`; it never writes.
  A schema with Prisma-level errors (syntax, types, relations) is not fixed at all: its
  graph is partial, so the rules' edits could land in text the parser did not understand.
  Each round's result is checked again: a fix whose result has Prisma-level errors is left
  out (the batch is halved until it stands alone), so the result is always a schema
  Prisma's checks accept.
- `write(result)` writes the changed files atomically (a temporary file beside each,
  renamed over it; the file's mode is kept).

The rules build the edits (each rule owns its fix, see `prisma_dsql.rules._fix`); this
module knows nothing of any rule.
"""

from __future__ import annotations

import bisect
import difflib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from prisma_dsql.diagnostics import Diagnostic, Edit, Severity
from prisma_dsql.source import Span

#: Rounds of check-and-apply before giving up on reaching a fixed point.
MAX_ROUNDS = 8


def _line_starts(text: str) -> list[int]:
    starts = [0]
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            starts.append(i + 1)
        elif c == "\r":
            if i + 1 < n and text[i + 1] == "\n":
                i += 1
            starts.append(i + 1)
        i += 1
    return starts


class _Lines:
    """Offsets of line starts of one text, computed once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = _line_starts(text)

    def offset(self, line: int, column: int) -> int:
        if line < 1:
            return 0
        if line > len(self.starts):
            return len(self.text)
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        # Never past the line's end (its terminator excluded).
        while end > start and self.text[end - 1] in "\r\n":
            end -= 1
        return min(start + max(column, 1) - 1, end)


_CACHE: dict[int, _Lines] = {}


def _lines(text: str) -> _Lines:
    found = _CACHE.get(id(text))
    if found is None or found.text is not text:
        if len(_CACHE) > 64:
            _CACHE.clear()
        found = _CACHE[id(text)] = _Lines(text)
    return found


def offset(text: str, line: int, column: int) -> int:
    return _lines(text).offset(line, column)


def span_range(text: str, span: Span) -> tuple[int, int]:
    lines = _lines(text)
    return lines.offset(span.line, span.column), lines.offset(span.end_line, span.end_column)


def span_text(text: str, span: Span) -> str:
    start, end = span_range(text, span)
    return text[start:end]


def _newline(text: str) -> str:
    """The file's line break: the one most of its lines end with."""
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    cr = text.count("\r") - crlf
    return max((lf, "\n"), (crlf, "\r\n"), (cr, "\r"))[1] if crlf or cr else "\n"


def _conflicts(taken: list[tuple[int, int, str]], start: int, end: int, new: str) -> str | None:
    """"same" when `taken` (sorted, disjoint) holds this very edit, "overlap" when the edit overlaps
    one of them (two insertions at one point overlap too: their order would be a guess), else None."""
    i = bisect.bisect_left(taken, (start,))
    for s, t, txt in taken[max(i - 1, 0):]:
        if s > end:
            break
        if (s, t, txt) == (start, end, new):
            return "same"
        if (start < t and s < end) or (s == t == start == end) or (start == end and s < start < t) \
                or (s == t and start < s < end):
            return "overlap"
    return None


def apply(texts: dict[str, str], diagnostics: Iterable[Diagnostic]) -> tuple[dict[str, str], list[Diagnostic]]:
    """Apply the non-overlapping fixes of `diagnostics` (in the order given) to `texts`."""
    taken: dict[str, list[tuple[int, int, str]]] = {}
    applied: list[Diagnostic] = []
    newlines: dict[str, str] = {}
    for d in diagnostics:
        fix = d.fix
        if fix is None or not fix.edits:
            continue
        planned: list[tuple[str, int, int, str]] = []
        for e in fix.edits:
            text = texts.get(e.span.file)
            if text is None:
                break
            start, end = span_range(text, e.span)
            if end < start:
                break
            if "\n" in e.text and e.span.file not in newlines:
                newlines[e.span.file] = _newline(text)
            planned.append((e.span.file, start, end, e.text.replace("\n", newlines.get(e.span.file, "\n"))))
        else:
            fresh = []
            for file, start, end, new in planned:
                verdict = _conflicts(taken.get(file, []), start, end, new)
                if verdict == "overlap":
                    break
                if verdict is None and (file, start, end, new) not in fresh:
                    if any(f == file and ((start < t and s < end) or (s == t == start == end))
                           for f, s, t, _ in fresh):
                        break  # the fix's own edits overlap: a bug in its rule, never applied
                    fresh.append((file, start, end, new))
            else:
                for file, start, end, new in fresh:
                    bisect.insort(taken.setdefault(file, []), (start, end, new))
                applied.append(d)
    out = dict(texts)
    for file, edits in taken.items():
        text = texts[file]
        pieces = []
        at = 0
        for start, end, new in edits:
            pieces.append(text[at:start])
            pieces.append(new)
            at = end
        pieces.append(text[at:])
        out[file] = "".join(pieces)
    return out, applied


@dataclass
class FixResult:
    """What `fix_schema` did: the files before and after, and the findings fixed and left."""

    #: display name -> (path on disk, original text, fixed text)
    files: dict[str, tuple[Path, str, str]] = field(default_factory=dict)
    #: Findings whose fix was applied, in every round.
    fixed: list[Diagnostic] = field(default_factory=list)
    #: The findings of the fixed schema (all of them: fixable ones left by a conflict, and the rest).
    remaining: list[Diagnostic] = field(default_factory=list)
    #: Why nothing was fixed (Prisma-level errors), or None.
    refused: str | None = None
    rounds: int = 0
    #: The BOM each file had (kept on write).
    boms: dict[str, bool] = field(default_factory=dict)

    @property
    def changed(self) -> dict[str, tuple[Path, str, str]]:
        return {name: v for name, v in self.files.items() if v[1] != v[2]}

    def diff(self) -> str:
        """A unified diff of every changed file (a/ and b/ prefixes, as git writes them)."""
        out = []
        for name, (_, before, after) in sorted(self.changed.items()):
            relative = not os.path.isabs(name)
            out.extend(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                            f"a/{name}" if relative else name, f"b/{name}" if relative else name))
            if out and not out[-1].endswith(("\n", "\r")):
                out[-1] += "\n\\ No newline at end of file\n"
        return "".join(out)


def prisma_errors(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Errors of the Prisma-level checks (PSL codes), which stop `--fix`."""
    return [d for d in diagnostics if d.severity is Severity.ERROR and d.code.startswith("PSL")]


def fix_schema(path: Path, check) -> FixResult:
    """Fix the schema at `path` in memory.

    `check(loaded) -> list[Diagnostic]` runs the rules (with sources, so fixes are attached)
    and whatever filtering the caller applies (suppressions, configuration): a suppressed or
    ignored finding is not fixed either.
    """
    from prisma_dsql.loader import load_sources, read_sources, schema_files
    from prisma_dsql.source import SourceFile

    root, sources = read_sources(path)
    _, paths = schema_files(path)
    result = FixResult()
    for src, p in zip(sources, paths):
        raw_start = p.open("rb").read(3) if p.exists() else b""
        result.boms[src.name] = raw_start == b"\xef\xbb\xbf"
        result.files[src.name] = (p, src.text, src.text)
    texts = {s.name: s.text for s in sources}
    loaded = load_sources(root, sources)
    diagnostics = check(loaded)
    errors = prisma_errors(diagnostics)
    if errors:
        result.refused = (f"the schema has {len(errors)} Prisma error{'s' if len(errors) != 1 else ''} "
                          f"(first: {errors[0].code} at line {errors[0].span.line if errors[0].span else '?'}); "
                          "fix {} first: --fix edits only schemas Prisma accepts".format(
                              "it" if len(errors) == 1 else "them"))
        result.remaining = diagnostics
        return result
    def attempt(base: dict[str, str], fixes: list[Diagnostic]):
        """(texts, findings of them, applied) for `fixes` on `base`, or None when nothing applies
        or the result has Prisma-level errors."""
        new_texts, applied = apply(base, fixes)
        if not applied or new_texts == base:
            return None
        candidate_diagnostics = check(load_sources(root, [SourceFile(name, new_texts[name]) for name in base]))
        if prisma_errors(candidate_diagnostics):
            return None
        return new_texts, candidate_diagnostics, applied

    def accept(base: dict[str, str], base_diagnostics: list[Diagnostic], fixes: list[Diagnostic]):
        # A fix whose result Prisma would reject (relationMode = "prisma" next to a cascading
        # self-relation, say) is left out: halve the batch until the culprits stand alone.
        done = attempt(base, fixes)
        if done is not None or len(fixes) <= 1:
            return done
        half = len(fixes) // 2
        first = accept(base, base_diagnostics, fixes[:half])
        if first is not None:
            base, base_diagnostics, applied = first
        else:
            applied = []
        second = accept(base, base_diagnostics, fixes[half:])
        if second is not None:
            return second[0], second[1], applied + second[2]
        return first

    for _ in range(MAX_ROUNDS):
        fixes = [d for d in diagnostics if d.fix is not None and d.fix.edits]
        if not fixes:
            break
        done = accept(texts, diagnostics, fixes)
        if done is None:
            break
        texts, diagnostics, applied = done
        result.rounds += 1
        result.fixed.extend(applied)
    for name, text in texts.items():
        p, before, _ = result.files[name]
        result.files[name] = (p, before, text)
    result.remaining = diagnostics
    return result


def write(result: FixResult) -> list[Path]:
    """Write the changed files atomically (their BOM and permissions kept); returns their paths."""
    written = []
    for name, (path, _, text) in result.changed.items():
        write_atomic(path, ("\ufeff" if result.boms.get(name) else "") + text)
        written.append(path)
    return written


def write_atomic(path: Path, text: str) -> None:
    """Write `text` (UTF-8, newlines as given) to `path` through a temporary file beside it, renamed
    over it: a reader sees the old file or the new one, never half of one. An existing file's mode is
    kept. A failure is an `InputError` naming the file (exit 2), and leaves no temporary file."""
    from prisma_dsql.errors import InputError
    from prisma_dsql.files import describe_os_error

    target = Path(os.path.realpath(path))
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.chmod(tmp, os.stat(target).st_mode & 0o7777)
        except OSError:
            pass
        os.replace(tmp, target)
    except OSError as exc:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        raise InputError(f"{path}: cannot write: {describe_os_error(exc, path)}") from None


__all__ = ["Edit", "FixResult", "MAX_ROUNDS", "apply", "fix_schema", "offset", "span_range", "span_text", "write",
           "write_atomic"]
