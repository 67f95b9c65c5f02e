"""Resume after kill -9 at any point: the deploy process is killed (SIGKILL, no clean-up of any kind) right after
each statement of the 20-statement history commits (before its applied_steps_count is written), right after the
count is written, and while it waits for async jobs; deploy is then run again. The final catalog (tables,
columns, defaults, indexes and their validity, constraints and their validation, data) and history rows equal
those of an uninterrupted run.

The kill points are deterministic: PRISMA_DSQL_TEST_CRASH_AT (see prisma_dsql/deploy/engine.py) makes the engine
SIGKILL its own process at that point. The async jobs run in the emulation's detached worker, which survives the
kill as DSQL's jobs survive a dropped client.
"""

from __future__ import annotations

import pytest

from tests.test_deploy_helpers import (
    HISTORY,
    HISTORY_STATEMENTS,
    catalog,
    history_rows,
    run_deploy,
    run_driver,
    write_folder,
)

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def reference(pg_server, tmp_path_factory):
    from prisma_dsql.rehearsal import emulator

    name, url = pg_server.create_database("crash_reference")
    try:
        emulator.install(url)
        run_deploy(url, write_folder(tmp_path_factory.mktemp("ref"), HISTORY))
        yield catalog(url), history_rows(url)
    finally:
        pg_server.drop_database(name)


@pytest.fixture
def fresh(pg_server, request):
    from prisma_dsql.rehearsal import emulator

    name, url = pg_server.create_database("crash")
    emulator.install(url)
    yield url
    pg_server.drop_database(name)


#: Async job durations for the kills between statements: what those tests prove does not depend on how long a job
#: takes (a kill right after a CREATE INDEX ASYNC commits leaves its job running either way), and each deploy
#: waits on five jobs. The kills during a wait keep jobs of 0.6-0.9 s, long enough to be killed inside.
SHORT_JOBS = (0.005, 0.02)

POINTS = [f"{phase}:{n}" for n in range(1, HISTORY_STATEMENTS + 1) for phase in ("committed", "recorded")]


@pytest.mark.parametrize("point", POINTS)
def test_kill_between_statements_then_resume(point, fresh, tmp_path, reference):
    folder = write_folder(tmp_path, HISTORY)
    killed = run_driver(fresh, folder, crash_at=point, job_seconds=SHORT_JOBS)
    assert killed.returncode == -9, (killed.stdout, killed.stderr)
    n = int(point.split(":")[1])
    rows = history_rows(fresh)
    assert sum(r[3] for r in rows) in (n - 1, n)  # counts written so far: the kill came after statement n
    run_deploy(fresh, folder, job_seconds=SHORT_JOBS)
    assert (catalog(fresh), history_rows(fresh)) == reference


@pytest.mark.parametrize("point", ["wait:1", "wait:2", "wait:3", "wait:4"])
def test_kill_during_async_wait_then_resume(point, fresh, tmp_path, reference):
    """Jobs of 0.6-0.9 s: the kill lands 0.3 s into a CALL sys.wait_for_job."""
    folder = write_folder(tmp_path, HISTORY)
    killed = run_driver(fresh, folder, crash_at=point, job_seconds=(0.6, 0.9))
    assert killed.returncode == -9, (killed.stdout, killed.stderr)
    run_deploy(fresh, folder)
    assert (catalog(fresh), history_rows(fresh)) == reference


def test_kill_twice_in_one_migration(fresh, tmp_path, reference):
    folder = write_folder(tmp_path, HISTORY)
    assert run_driver(fresh, folder, crash_at="committed:4", job_seconds=SHORT_JOBS).returncode == -9
    # The second run resumes, then dies right after its second statement committed (statement 6 of the
    # history: the foreign key), before the count.
    assert run_driver(fresh, folder, crash_at="committed:2", job_seconds=SHORT_JOBS).returncode == -9
    run_deploy(fresh, folder, job_seconds=SHORT_JOBS)
    assert (catalog(fresh), history_rows(fresh)) == reference
