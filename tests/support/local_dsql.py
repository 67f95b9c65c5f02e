"""The local Aurora DSQL (prisma_dsql.localdsql) for tests: started, handed out, stopped.

``running(**kwargs)`` is a context manager around ``LocalDsql(**kwargs)``; where the embedded PostgreSQL
cannot run on the platform the test is skipped, and under CI it fails (tests/support/tools.py): a local DSQL
that is missing in CI is a missing check, not a pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.tools import tool_missing


@contextmanager
def running(**kwargs) -> Iterator:
    from prisma_dsql.localdsql.server import LocalDsql
    from prisma_dsql.rehearsal.embedded import EmbeddedUnavailable

    try:
        server = LocalDsql(**kwargs)
    except EmbeddedUnavailable as exc:
        tool_missing(f"PostgreSQL unavailable on this platform: {exc}")
    try:
        yield server
    finally:
        server.stop()
