"""Find and read schema files: the input edge of every command.

Contract: `load(path)` returns a `LoadedSchema` (sources, syntax trees, graph,
diagnostics) or raises `InputError` with one clear sentence when the input
cannot be read as text at all (missing, a link loop, an unreadable folder, binary,
not UTF-8, too large, empty). Every read is capped (prisma_dsql.files), whatever
the file is: a device or a pipe cannot make it read without end.
Problems *in* the schema are diagnostics, never exceptions.

Discovery without an explicit path follows Prisma's order: the `schema`
string in prisma.config.ts (read by prisma_dsql.prisma_config; TypeScript is never executed), the
`"prisma": {"schema": ...}` entry of package.json, ./prisma/schema.prisma,
./schema.prisma, ./prisma/schema/ (a folder).
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from prisma_dsql.diagnostics import Diagnostic
from prisma_dsql.errors import InputError
from prisma_dsql.files import describe_os_error, read_capped
from prisma_dsql.gcpause import no_gc_pauses
from prisma_dsql.schema.model import Schema
from prisma_dsql.source import SourceFile

#: Larger files are refused before parsing: real schemas are well under 1 MB.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_TOTAL_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class LoadedSchema:
    root: Path
    sources: tuple[SourceFile, ...]
    schema: Schema
    diagnostics: tuple[Diagnostic, ...]

    def source(self, name: str) -> SourceFile | None:
        for s in self.sources:
            if s.name == name:
                return s
        return None


def discover(cwd: Path | None = None) -> Path:
    """The schema path Prisma would use in `cwd`, or InputError listing where we looked."""
    cwd = cwd or Path.cwd()
    from prisma_dsql.prisma_config import find_prisma_config

    cfg = find_prisma_config(cwd)
    if cfg is not None:
        config = cfg.path
        reason = cfg.reason_for("schema")
        if reason:
            raise InputError(f"{config}: {reason}. prisma-dsql reads this file, it never runs it: pass the schema "
                             "with --schema PATH")
        if cfg.schema is not None:
            return cwd / cfg.schema
    package = cwd / "package.json"
    if package.is_file():
        try:
            data = json.loads(read_capped(package, MAX_FILE_BYTES, str(package), what="package.json files"))
            schema = data.get("prisma", {}).get("schema") if isinstance(data, dict) else None
            if isinstance(schema, str):
                return cwd / schema
        except (ValueError, AttributeError, UnicodeDecodeError):
            pass
    for candidate in (cwd / "prisma" / "schema.prisma", cwd / "schema.prisma"):
        if candidate.is_file():
            return candidate
    folder = cwd / "prisma" / "schema"
    if folder.is_dir():
        return folder
    raise InputError(
        "Could not find a Prisma schema. Looked at prisma.config.ts (`schema`), package.json (`prisma.schema`), "
        "./prisma/schema.prisma, ./schema.prisma and ./prisma/schema/. Pass the path: prisma-dsql validate PATH"
    )


def _stat(path: Path) -> os.stat_result:
    try:
        return path.stat()
    except OSError as exc:
        raise InputError(f"{path}: {describe_os_error(exc, path)}") from None


def _walk(folder: Path) -> list[Path]:
    """Every `.prisma` file under `folder`, following links to folders once; an unreadable
    folder, a link loop or a dangling `.prisma` link is an error, never silently skipped."""
    found: list[Path] = []
    seen: set[tuple[int, int]] = set()
    pending = [folder]
    while pending:
        current = pending.pop()
        st = _stat(current)
        if (st.st_dev, st.st_ino) in seen:
            raise InputError(f"{current}: a symbolic link loop (this folder is reached again through a link); "
                             "Prisma would read its files twice")
        seen.add((st.st_dev, st.st_ino))
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError as exc:
            raise InputError(f"{current}: cannot read this folder of the schema: {describe_os_error(exc, current)}"
                             "; its .prisma files would not be checked") from None
        for entry in entries:
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                pending.append(path)
            elif entry.name.endswith(".prisma"):
                st = _stat(path)  # a dangling link or a loop says what it is
                if stat.S_ISDIR(st.st_mode):
                    pending.append(path)
                else:
                    found.append(path)
    return sorted(found)


def schema_files(path: Path) -> tuple[Path, list[Path]]:
    """(root used for display names, files to read)."""
    st = _stat(path)
    if stat.S_ISDIR(st.st_mode):
        files = _walk(path)
        if not files:
            raise InputError(f"{path}: the directory contains no .prisma files")
        return path, files
    return path.parent, [path]


def read_source(path: Path, display: str) -> SourceFile:
    raw = read_capped(path, MAX_FILE_BYTES, display)
    if b"\x00" in raw:
        raise InputError(f"{display}: this looks like a binary file, not a Prisma schema (it contains NUL bytes)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"{display}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} on line {line}); "
                         "save the schema as UTF-8") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return SourceFile(display, text)


def _display_name(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_sources(path: Path) -> tuple[Path, list[SourceFile]]:
    root, files = schema_files(path)
    sources = []
    total = 0
    for f in files:
        src = read_source(f, _display_name(f))
        total += len(src.text)
        if total > MAX_TOTAL_BYTES:
            raise InputError(f"{path}: the schema files add up to more than {MAX_TOTAL_BYTES // 1048576} MB; refused")
        sources.append(src)
    if all(not s.text.strip() for s in sources):
        what = sources[0].name if len(sources) == 1 else f"all {len(sources)} .prisma files in {path}"
        raise InputError(f"{what}: the schema is empty")
    return root, sources


def load_sources(root: Path, sources: list[SourceFile]) -> LoadedSchema:
    with no_gc_pauses():
        return _load_sources(root, sources)


def _load_sources(root: Path, sources: list[SourceFile]) -> LoadedSchema:
    # Imported here so that `discover`/`read_sources` stay cheap for callers
    # that only need files (e.g. the wrapper's path checks).
    from prisma_dsql.schema.resolve import resolve
    from prisma_dsql.syntax.parser import parse_file

    diagnostics: list[Diagnostic] = []
    trees = []
    for src in sources:
        tree, diags = parse_file(src)
        trees.append(tree)
        diagnostics.extend(diags)
    schema, diags = resolve(trees)
    diagnostics.extend(diags)
    return LoadedSchema(root, tuple(sources), schema, tuple(diagnostics))


def load(path: Path | str | None = None) -> LoadedSchema:
    """Find, read, parse and resolve a schema (every time: parsing is fast enough that a cache
    of loaded schemas saved too little to be worth its risks; see benchmarks/README.md)."""
    path = Path(path) if path is not None else discover()
    root, sources = read_sources(path)
    return load_sources(root, sources)


def load_text(text: str, name: str = "schema.prisma") -> LoadedSchema:
    """Load a schema given as a string (tests, tools)."""
    return load_sources(Path("."), [SourceFile(name, text)])
