"""A content-keyed cache of loaded schemas, so repeated runs on a large schema skip parsing.

Contract: `get(sources)` returns the `LoadedSchema` stored for exactly these
files (names and text) by exactly this build of prisma-dsql, or None;
`put(sources, loaded)` stores one. Neither ever raises: a cache that cannot be
read or written is simply not used. Small schemas are not cached (parsing them
costs less than reading a cache entry).

The key covers every input of parsing and resolution: the files' names and
text, the Python version (pickle format), prisma-dsql's version, and the size
and modification time of every source file of the parsing stages and the
grammar, so an edited checkout never reads a stale entry.

Where: `$PRISMA_DSQL_CACHE_DIR`, else `$XDG_CACHE_HOME/prisma-dsql`, else
`~/.cache/prisma-dsql` (created private to the user). `PRISMA_DSQL_NO_CACHE=1`
turns the cache off. Entries hold the schema text and its graph, nothing else;
a schema with a password in it (a literal datasource url) is never cached.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from prisma_dsql import __version__
from prisma_dsql.redact import redact

if TYPE_CHECKING:
    from prisma_dsql.loader import LoadedSchema
    from prisma_dsql.source import SourceFile

FORMAT = 1
#: Schemas shorter than this (in characters, ~800 lines) are parsed every time.
MIN_CACHED_CHARS = 30_000
#: Entries kept; the oldest are removed beyond this.
MAX_ENTRIES = 64

_PACKAGE = Path(__file__).resolve().parent
#: What parsing and resolution read: their code and the grammar.
_CODE = ("syntax", "schema", "loader.py", "source.py", "diagnostics.py", "codes.py", "grammar")


def enabled() -> bool:
    return os.environ.get("PRISMA_DSQL_NO_CACHE", "") in ("", "0")


def root() -> Path:
    explicit = os.environ.get("PRISMA_DSQL_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "prisma-dsql"


def _code_fingerprint() -> bytes:
    parts = []
    candidates = [_PACKAGE / name for name in _CODE] + [_PACKAGE.parent / "grammar"]
    for path in candidates:
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for f in files:
            try:
                st = f.stat()
            except OSError:
                continue
            if f.is_file() and f.suffix in (".py", ".lark"):
                parts.append(f"{f}:{st.st_size}:{st.st_mtime_ns}")
    return "\n".join(parts).encode()


def _key(sources: "list[SourceFile]") -> str:
    h = hashlib.sha256()
    h.update(f"{FORMAT}|{__version__}|{sys.version_info[:2]}|".encode())
    h.update(_code_fingerprint())
    for s in sources:
        h.update(b"\x00" + s.name.encode("utf-8", "surrogatepass") + b"\x00")
        h.update(s.text.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _worth_it(sources: "list[SourceFile]") -> bool:
    if not enabled() or sum(len(s.text) for s in sources) < MIN_CACHED_CHARS:
        return False
    # Never copy a schema that holds a password (a literal datasource url) into the cache.
    return all(redact(s.text) == s.text for s in sources)


def _entry(key: str) -> Path:
    return root() / "load" / f"{key}.pickle"


def get(sources: "list[SourceFile]") -> "LoadedSchema | None":
    if not _worth_it(sources):
        return None
    path = _entry(_key(sources))
    try:
        with open(path, "rb") as f:
            loaded = pickle.load(f)
    except FileNotFoundError:
        return None
    except Exception:  # a truncated or foreign file: drop it and parse
        try:
            path.unlink()
        except OSError:
            pass
        return None
    try:
        os.utime(path)  # recently used entries survive pruning
    except OSError:
        pass
    return loaded


def put(sources: "list[SourceFile]", loaded: "LoadedSchema") -> None:
    if not _worth_it(sources):
        return
    path = _entry(_key(sources))
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(loaded, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        _prune(path.parent)
    except Exception:
        try:
            os.unlink(tmp)  # type: ignore[possibly-undefined]
        except Exception:
            pass


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime)
    for old in entries[:-MAX_ENTRIES]:
        try:
            old.unlink()
        except OSError:
            pass
