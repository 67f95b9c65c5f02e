"""The rehearsal: a throwaway embedded PostgreSQL that behaves like Aurora DSQL.

``embedded`` starts and removes the server, ``rules`` holds what DSQL refuses (static, no database),
``emulator`` gives live connections that enforce it, ``worker`` runs the async jobs.  Names are
re-exported lazily, so importing this package loads neither psycopg nor pgserver.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "EmbeddedPostgres": "embedded",
    "EmbeddedUnavailable": "embedded",
    "start_embedded": "embedded",
    "RULES": "rules",
    "Rule": "rules",
    "Violation": "rules",
    "find_violations": "rules",
    "DsqlConnection": "emulator",
    "DsqlCursor": "emulator",
    "EmulationOptions": "emulator",
    "connect": "emulator",
    "install": "server_objects",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
