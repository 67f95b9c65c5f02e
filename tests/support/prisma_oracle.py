"""Python side of the Node oracles in ``tests/oracle`` (real Prisma 7.10 code, run offline).

Functions
---------
``ensure_node_modules() -> Path``
    Runs ``npm ci`` in ``tests/oracle`` once (cached across runs by a stamp holding the hash of
    ``package-lock.json``; guarded by a file lock for parallel workers).  Skips the calling test
    (``pytest.skip``) ONLY when ``node`` or ``npm`` is not found (next to ``sys.executable`` or on
    PATH), and fails it instead when ``CI`` is set; a failing install raises
    :class:`OracleError`.  Returns the oracle directory.
``prisma_diff_from_empty(path, *more_paths) -> str``
    Exactly what ``prisma migrate diff --from-empty --to-schema <path> --script`` prints on stdout
    (ends in ``";\\n\\n"``: the CLI adds a newline to the engine's script).  ``path`` is a ``.prisma``
    file or a folder (every ``.prisma`` below it: a multi-file schema); several paths form one
    schema.  ``url``/``directUrl``/``shadowDatabaseUrl`` datasource lines are blanked first.
    Prisma's error (e.g. ``P1012 error: ...``) raises :class:`PrismaDiffError`.
``prisma_diff_many(paths) -> dict[str, str | PrismaDiffError]``
    One node process for many independent schemas (faster for corpora).
``prisma_validate(path, *more_paths, keep_urls=False, dmmf=False) -> dict``
    ``{"ok": bool, "errors": [{"message", "file", "start", "end", "line", "column"}], "warnings":
    [...], "validateMessage": str | None, "strippedUrls": [{"file", "line", "key"}], "dmmf"?: ...}``.
    ``start``/``end`` are Prisma's span (UTF-16 offsets into the file text), ``line``/``column``
    1-based (column in code points).  URL lines are blanked unless ``keep_urls``.
``prisma_validate_each(paths, keep_urls=False, dmmf=False) -> dict[str, dict]``
    ``prisma_validate(path)`` for many paths (each its own schema) with one node process and one wasm
    load; keys are the paths as given.
``prisma_validate_many(cases, keep_urls=False) -> list[dict]``
    Prisma's verdict on many in-memory schemas with one node process and one wasm load (the
    differential tests): ``cases`` is a list of schemas, each a list of ``(file name, text)`` pairs;
    each result is ``{"ok": bool, "errors": [message, ...], "validateMessage": str | None}``.
``prisma_accepts(result) -> bool``
    Prisma's verdict from a ``prisma_validate``/``prisma_validate_many`` result, counting a schema
    whose only errors are preview features Prisma 7 removed (``metrics``, ...) as accepted: prisma-dsql
    accepts those on purpose (PSL902 warning), as it does a datasource ``url`` (blanked before asking).
``run_client_e2e(database_url, *, schema=None) -> dict``
    Generates the client for ``tests/oracle/client-e2e/schema.prisma`` (offline, cached) and runs
    the CRUD checks of ``client-e2e/run.mjs`` with ``@prisma/adapter-pg`` against tables the CALLER
    created.  Returns ``{"ok": True, "checks": N, ...}`` or ``{"ok": False, "check": name,
    "error": msg, "stderr": ...}``; raises :class:`OracleError` only if the script's output is
    unusable.

``CLIENT_E2E_SCHEMA`` is the path of that fixed schema (translate it with our tool, apply the DDL,
then call :func:`run_client_e2e`).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Iterable, Sequence

from tests.support.tools import find_tool, tool_missing

ORACLE_DIR = Path(__file__).resolve().parent.parent / "oracle"
CLIENT_E2E_DIR = ORACLE_DIR / "client-e2e"
CLIENT_E2E_SCHEMA = CLIENT_E2E_DIR / "schema.prisma"

NPM_CI_TIMEOUT = 900
DIFF_TIMEOUT = 120
VALIDATE_TIMEOUT = 60
CLIENT_E2E_TIMEOUT = 300

_STAMP_NAME = ".prisma-dsql-oracle-stamp"
_ready: Path | None = None

__all__ = [
    "CLIENT_E2E_SCHEMA",
    "ORACLE_DIR",
    "OracleError",
    "PrismaDiffError",
    "ensure_node_modules",
    "prisma_diff_from_empty",
    "prisma_diff_many",
    "prisma_accepts",
    "prisma_validate",
    "prisma_validate_each",
    "prisma_validate_many",
    "run_client_e2e",
]


class OracleError(RuntimeError):
    """The oracle itself failed (install, crash, unreadable output)."""


class PrismaDiffError(Exception):
    """Prisma refused the schema; ``str(exc)`` is Prisma's message (e.g. ``P1012 error: ...``)."""


def _node_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("CHECKPOINT_DISABLE", "1")
    env.setdefault("PRISMA_HIDE_UPDATE_MESSAGE", "1")
    env.setdefault("NO_COLOR", "1")
    env.setdefault("npm_config_update_notifier", "false")
    env.setdefault("npm_config_fund", "false")
    env.setdefault("npm_config_audit", "false")
    return env


def _lock_hash() -> str:
    return hashlib.sha256((ORACLE_DIR / "package-lock.json").read_bytes()).hexdigest()


def ensure_node_modules() -> Path:
    """``npm ci`` in tests/oracle once; skip only when node/npm are missing."""
    global _ready
    if _ready is not None:
        return _ready
    missing = [tool for tool in ("node", "npm") if find_tool(tool) is None]
    if missing:
        tool_missing(f"Prisma oracle needs {' and '.join(missing)} on PATH (Node 20+ with npm)")
    stamp = ORACLE_DIR / "node_modules" / _STAMP_NAME
    wanted = _lock_hash()
    if not (stamp.exists() and stamp.read_text() == wanted):
        with _FileLock(ORACLE_DIR / ".npm-ci.lock"):
            if not (stamp.exists() and stamp.read_text() == wanted):
                _npm_ci()
                stamp.write_text(wanted)
    _ready = ORACLE_DIR
    return _ready


def _npm_ci() -> None:
    # --ignore-scripts: @prisma/engines' postinstall would try to download native engines; the
    # oracles only use the wasm engines and the JS client, which need no install script.
    cmd = [find_tool("npm") or "npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd, cwd=ORACLE_DIR, env=_node_env(), capture_output=True, text=True, timeout=NPM_CI_TIMEOUT
        )
    except subprocess.TimeoutExpired as exc:
        raise OracleError(f"`{' '.join(cmd)}` in {ORACLE_DIR} timed out after {NPM_CI_TIMEOUT}s") from exc
    if proc.returncode != 0:
        raise OracleError(
            f"`{' '.join(cmd)}` in {ORACLE_DIR} failed (exit {proc.returncode}) after "
            f"{time.perf_counter() - t0:.0f}s:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )


class _FileLock:
    """Exclusive lock on a file (fcntl where available; a no-op elsewhere)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh = None

    def __enter__(self) -> "_FileLock":
        self._fh = open(self.path, "a+")
        try:
            import fcntl

            fcntl.flock(self._fh.fileno(), fcntl.LOCK_EX)
        except ImportError:  # pragma: no cover - Windows
            pass
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._fh is not None
        self._fh.close()  # closing releases the lock


def _run_node(script: str, args: Sequence[str], *, timeout: float, env: dict[str, str] | None = None):
    ensure_node_modules()
    cmd = [find_tool("node") or "node", str(ORACLE_DIR / script), *args]
    try:
        return subprocess.run(
            cmd, cwd=ORACLE_DIR, env=env or _node_env(), capture_output=True, text=True,
            encoding="utf-8", timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        raise OracleError(f"{' '.join(cmd)} timed out after {timeout}s") from exc


def _paths(path: str | os.PathLike, more: Iterable[str | os.PathLike]) -> list[str]:
    return [str(Path(p).resolve()) for p in (path, *more)]


def prisma_diff_from_empty(path: str | os.PathLike, *more_paths: str | os.PathLike) -> str:
    proc = _run_node("diff.mjs", _paths(path, more_paths), timeout=DIFF_TIMEOUT)
    if proc.returncode == 1 and proc.stderr.startswith("Error: "):
        raise PrismaDiffError(proc.stderr[len("Error: "):].rstrip("\n"))
    if proc.returncode != 0:
        raise OracleError(f"diff.mjs exited {proc.returncode}: {proc.stderr[-4000:]}")
    return proc.stdout


def prisma_diff_many(paths: Iterable[str | os.PathLike]) -> dict[str, str | PrismaDiffError]:
    """Diff each path as its own schema; keys are the paths as given (``str``)."""
    given = [str(p) for p in paths]
    if not given:
        return {}
    resolved = [str(Path(p).resolve()) for p in given]
    proc = _run_node("diff.mjs", ["--batch", *resolved], timeout=DIFF_TIMEOUT + 10 * len(given))
    if proc.returncode != 0:
        raise OracleError(f"diff.mjs --batch exited {proc.returncode}: {proc.stderr[-4000:]}")
    records = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    if len(records) != len(given):
        raise OracleError(f"diff.mjs --batch returned {len(records)} results for {len(given)} schemas")
    return {
        g: (r["stdout"] if r["ok"] else PrismaDiffError(r["error"])) for g, r in zip(given, records)
    }


def prisma_validate(
    path: str | os.PathLike, *more_paths: str | os.PathLike, keep_urls: bool = False, dmmf: bool = False
) -> dict:
    flags = (["--keep-urls"] if keep_urls else []) + (["--dmmf"] if dmmf else [])
    proc = _run_node("validate.mjs", [*flags, *_paths(path, more_paths)], timeout=VALIDATE_TIMEOUT)
    if proc.returncode != 0:
        raise OracleError(f"validate.mjs exited {proc.returncode}: {proc.stderr[-4000:]}")
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise OracleError(f"validate.mjs printed no JSON: {proc.stdout[-2000:]!r}") from exc


def prisma_validate_each(paths: Iterable[str | os.PathLike], *, keep_urls: bool = False,
                         dmmf: bool = False) -> dict[str, dict]:
    """``prisma_validate(path)`` for each path (a file or a folder: its own schema), with one node process;
    keys are the paths as given (``str``)."""
    given = [str(p) for p in paths]
    if not given:
        return {}
    flags = ["--batch"] + (["--keep-urls"] if keep_urls else []) + (["--dmmf"] if dmmf else [])
    proc = _run_node("validate.mjs", [*flags, *(str(Path(p).resolve()) for p in given)],
                     timeout=VALIDATE_TIMEOUT + len(given))
    if proc.returncode != 0:
        raise OracleError(f"validate.mjs --batch exited {proc.returncode}: {proc.stderr[-4000:]}")
    # split("\n"), not splitlines(): a message may quote U+2028 or U+0085, which JSON leaves unescaped
    records = [json.loads(line) for line in proc.stdout.split("\n") if line.strip()]
    if len(records) != len(given):
        raise OracleError(f"validate.mjs --batch returned {len(records)} results for {len(given)} schemas")
    return dict(zip(given, records))


def prisma_validate_many(cases: Sequence[Sequence[tuple[str, str]]], *, keep_urls: bool = False) -> list[dict]:
    if not cases:
        return []
    ensure_node_modules()
    cmd = [find_tool("node") or "node", str(ORACLE_DIR / "validate-batch.mjs")] + (["--keep-urls"] if keep_urls else [])
    payload = json.dumps([[list(f) for f in files] for files in cases])
    try:
        proc = subprocess.run(cmd, cwd=ORACLE_DIR, env=_node_env(), input=payload, capture_output=True, text=True,
                              encoding="utf-8", timeout=VALIDATE_TIMEOUT + len(cases))
    except subprocess.TimeoutExpired as exc:
        raise OracleError(f"validate-batch.mjs timed out on {len(cases)} schemas") from exc
    if proc.returncode != 0:
        raise OracleError(f"validate-batch.mjs exited {proc.returncode}: {proc.stderr[-4000:]}")
    # split("\n"), not splitlines(): a message may quote U+2028 or U+0085, which JSON leaves unescaped
    results = [json.loads(line) for line in proc.stdout.split("\n") if line.strip()]
    if len(results) != len(cases):
        raise OracleError(f"validate-batch.mjs returned {len(results)} results for {len(cases)} schemas")
    return results


def prisma_accepts(result: dict) -> bool:
    from prisma_dsql.schema.passes.context import REMOVED_PREVIEW_FEATURES

    if result["ok"]:
        return True
    removed = tuple(f'The preview feature "{name}" is not known' for name in REMOVED_PREVIEW_FEATURES)
    messages = [e if isinstance(e, str) else e["message"] for e in result["errors"]]
    return bool(messages) and all(m.startswith(removed) for m in messages)


def run_client_e2e(database_url: str, *, schema: str | None = None) -> dict:
    """Run client-e2e/run.mjs against ``database_url`` (tables must already exist).

    ``schema``: PostgreSQL schema for the adapter (default: ``?schema=`` of the URL, else public).
    """
    env = _node_env()
    env["DATABASE_URL"] = database_url
    if schema:
        env["CLIENT_E2E_SCHEMA"] = schema
    else:
        env.pop("CLIENT_E2E_SCHEMA", None)
    proc = _run_node("client-e2e/run.mjs", [], timeout=CLIENT_E2E_TIMEOUT, env=env)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise OracleError(
            f"client-e2e/run.mjs exited {proc.returncode} without a result line:\n"
            f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
        )
    result = json.loads(lines[-1])
    if proc.returncode != 0 or not result.get("ok"):
        result["ok"] = False
        result["stderr"] = proc.stderr[-4000:]
    return result
