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

Hooks
-----
* The run gets a temporary folder of its own (``TMPDIR``, inherited by subprocesses and xdist
  workers); at the end, any embedded PostgreSQL still running from it is stopped and the folder
  removed, by a detached process so that pytest need not wait for it (:mod:`tests.support.leftovers` says
  why a server could be left before).
* A test that uses ``pg_server`` (directly or through ``pg_database`` or another fixture) is marked
  ``postgres``, so ``pytest -m "not postgres"`` is the tier that needs no database; the tests that
  build and install the package (INSTALL_TESTS) are marked ``install``, and
  ``pytest -m "not postgres and not install"`` is the quick tier.
* Under pytest-xdist each worker starts its own ``pg_server`` (one per worker, reused by all the
  worker's tests, a fresh database per test).
"""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.support import dsql_lint as _dsql_lint
from tests.support import leftovers
from tests.support.postgres import PostgresServer, PostgresUnavailable, keep_databases, start_server
from tests.support.tools import tool_missing

_started: list[PostgresServer] = []
_session_dir: list = []
_stopped_leftovers: list = []


def pytest_configure(config: pytest.Config) -> None:
    folder = leftovers.begin()
    if folder is not None:
        _session_dir.append(folder)


def pytest_unconfigure(config: pytest.Config) -> None:
    while _session_dir:
        _stopped_leftovers.extend(leftovers.finish(_session_dir.pop(), keep_files=keep_databases(), background=True))


#: Tests that build the package or install it into fresh environments (pip, npm, npx): minutes of
#: work that needs no database; marked `install` so the quick tier can leave them out.
INSTALL_TESTS = (
    "tests/test_packaging.py::",
    "tests/test_npx_wrapper.py::test_parallel_first_runs_build_one_virtualenv",
    "tests/test_npx_wrapper.py::test_code_in_the_current_folder_never_runs_when_probing_path",
    "tests/test_introspect_expressions.py::test_wheel_ships_the_queries",
)


#: The longest tests outside INSTALL_TESTS (seconds each, or a module-wide fixture of seconds), run first: see
#: pytest_collection_modifyitems.  Kept together where they share a module fixture (test_fix's --fix runs).
LONG_TESTS = (
    "tests/test_fix.py::test_fix_never_breaks_a_schema",
    "tests/test_fix.py::test_prisma_accepts_every_fixed_test_schema",
    "tests/test_prisma_mutants.py::",
    "tests/test_properties.py::",
    "tests/test_plan_properties.py::",
    "tests/test_histories.py::",
    "tests/test_introspect_properties.py::",
    "tests/test_client_e2e.py::",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "pg_server" in getattr(item, "fixturenames", ()) and item.get_closest_marker("postgres") is None:
            item.add_marker(pytest.mark.postgres)
        if item.nodeid.startswith(INSTALL_TESTS):
            item.add_marker(pytest.mark.install)
    # The longest tests first (a stable sort: the rest keep their order). pytest-xdist's worksteal hands each worker
    # a contiguous share and steals from the END of a queue, so these start at once, on one worker (which builds
    # the package once, not once per worker), while the other worker takes the short tests; no minute-long test
    # starts last and leaves a core idle. No test depends on the order (each builds its own database and files).
    items[:] = sorted(items, key=lambda item: 0 if item.nodeid.startswith(INSTALL_TESTS)
                      else 1 if item.nodeid.startswith(LONG_TESTS) else 2)


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


@pytest.hookimpl(trylast=True)  # after the session fixtures' own teardown (pg_server.stop())
def pytest_sessionfinish(session: pytest.Session) -> None:
    # Before the summary: say so when a killed command left a server behind (stopped here).
    if _session_dir and not hasattr(session.config, "workerinput"):
        for pid, datadir in leftovers.running_postmasters(_session_dir[0]):
            leftovers.stop_postmaster(pid)
            _stopped_leftovers.append(datadir)


def pytest_terminal_summary(terminalreporter) -> None:
    for datadir in _stopped_leftovers:
        terminalreporter.write_line(f"stopped an embedded PostgreSQL left running by a killed process: {datadir}")
    for server in _started:
        terminalreporter.write_line(
            f"PostgreSQL {server.version} ({server.source}) ready in {server.start_seconds:.2f}s"
        )
