"""Find and read schema files: the input edge of every command.

Contract: `load(path)` returns a `LoadedSchema` (sources, syntax trees, graph,
diagnostics) or raises `InputError` with one clear sentence when the input
cannot be read as text at all (missing, binary, not UTF-8, too large, empty).
Problems *in* the schema are diagnostics, never exceptions.

Discovery without an explicit path follows Prisma's order: the `schema`
string in prisma.config.ts (read as text; TypeScript is never executed), the
`"prisma": {"schema": ...}` entry of package.json, ./prisma/schema.prisma,
./schema.prisma, ./prisma/schema/ (a folder).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from prisma_dsql.diagnostics import Diagnostic
from prisma_dsql.errors import InputError
from prisma_dsql.gcpause import no_gc_pauses
from prisma_dsql.schema.model import Schema
from prisma_dsql.source import SourceFile

#: Larger files are refused before parsing: real schemas are well under 1 MB.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_TOTAL_BYTES = 20 * 1024 * 1024

_CONFIG_SCHEMA = re.compile(r"""\bschema\s*:\s*(?P<q>["'`])(?P<path>[^"'`\r\n]+)(?P=q)""")


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
    config = cwd / "prisma.config.ts"
    if config.is_file():
        text = config.read_text(encoding="utf-8", errors="replace")
        # Skip commented-out lines: a `// schema: "old"` must not win.
        live = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
        m = _CONFIG_SCHEMA.search(live)
        if m:
            return cwd / m.group("path")
    package = cwd / "package.json"
    if package.is_file():
        try:
            data = json.loads(package.read_text(encoding="utf-8"))
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


def schema_files(path: Path) -> tuple[Path, list[Path]]:
    """(root used for display names, files to read)."""
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.prisma") if p.is_file())
        if not files:
            raise InputError(f"{path}: the directory contains no .prisma files")
        return path, files
    return path.parent, [path]


def read_source(path: Path, display: str) -> SourceFile:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"{display}: cannot read: {exc.strerror or exc}") from None
    if size > MAX_FILE_BYTES:
        raise InputError(f"{display}: the file is {size / 1048576:.1f} MB; schemas larger than "
                         f"{MAX_FILE_BYTES // 1048576} MB are refused (is this really a Prisma schema?)")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{display}: cannot read: {exc.strerror or exc}") from None
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
    """Find, read, parse and resolve a schema; large schemas are served from the
    content-keyed cache (prisma_dsql.cache) when this exact text was loaded before."""
    from dataclasses import replace

    from prisma_dsql import cache

    path = Path(path) if path is not None else discover()
    root, sources = read_sources(path)
    cached = cache.get(sources)
    if cached is not None:
        return replace(cached, root=root)
    loaded = load_sources(root, sources)
    cache.put(sources, loaded)
    return loaded


def load_text(text: str, name: str = "schema.prisma") -> LoadedSchema:
    """Load a schema given as a string (tests, tools)."""
    return load_sources(Path("."), [SourceFile(name, text)])
