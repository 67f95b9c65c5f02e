"""Pytest plugin with the shared fixtures.  Enable with ``pytest_plugins = ["tests.support.fixtures"]``
in the root ``tests/conftest.py``.

Fixtures
--------
``pg_server``   (session)  -> :class:`tests.support.postgres.PostgresServer`; started once, stopped
                              at the end.  Skips only if PostgreSQL cannot run on this platform.
``pg_database`` (function) -> ``str``: URL of a fresh, uniquely named, empty database (dropped after
                              the test unless PRISMA_DSQL_TEST_KEEP_DATABASES=1).
``dsql_lint``   (session)  -> :func:`tests.support.dsql_lint.lint_sql`; skips if the dsql-lint CLI is
                              not installed (next to ``sys.executable`` or on PATH), fails instead
                              when ``CI`` is set.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.support import dsql_lint as _dsql_lint
from tests.support.postgres import PostgresServer, PostgresUnavailable, keep_databases, start_server
from tests.support.tools import tool_missing

_started: list[PostgresServer] = []


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    try:
        server = start_server()
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL unavailable on this platform: {exc}")
    _started.append(server)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_database(pg_server: PostgresServer, request: pytest.FixtureRequest) -> Iterator[str]:
    name, url = pg_server.create_database(prefix=request.node.name)
    try:
        yield url
    finally:
        if not keep_databases():
            pg_server.drop_database(name)


@pytest.fixture(scope="session")
def dsql_lint():
    if _dsql_lint.find_executable() is None:
        tool_missing("dsql-lint CLI not installed (pip install dsql-lint)")
    return _dsql_lint.lint_sql


def pytest_terminal_summary(terminalreporter) -> None:
    for server in _started:
        terminalreporter.write_line(
            f"PostgreSQL {server.version} ({server.source}) ready in {server.start_seconds:.2f}s"
        )
