"""How the shadow replay and the planner spend their time (issue 17), without giving up what they check.

* A command parses each schema once (the plan/dev/diff pipeline used to parse it three times).
* The shadow server's initdb runs while the schema is parsed; whatever the command then does (a refused
  schema, a folder that does not replay, a server that cannot start), the server is stopped and its folder
  removed, and an error from starting it reaches the user as before.
* A throwaway server's postmaster is this process's child: started and stopped without pg_ctl's 100 ms
  polling, reaped on stop.
* Its data goes to a memory file system only when the user named no temporary folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from prisma_dsql.capabilities import dsql_profile, postgres_profile
from prisma_dsql.migrations import sources
from prisma_dsql.migrations.evolve import plan_between_sides
from prisma_dsql.migrations.sources import Side
from prisma_dsql.rehearsal import embedded

HEAD = 'datasource db {\n  provider = "postgresql"\n}\n'
V1 = HEAD + "model User {\n  id    Int    @id\n  email String @db.VarChar(200)\n}\n"
V2 = HEAD + "model User {\n  id    Int    @id\n  email String @db.VarChar(200)\n  nick  String?\n}\n"
BROKEN = HEAD + "model User {\n  id    Int    @id\n  email Strin\n}\n"
FIRST = ('CREATE TABLE "User" (\n    "id" INTEGER NOT NULL,\n    "email" VARCHAR(200) NOT NULL,\n'
         '    CONSTRAINT "User_pkey" PRIMARY KEY ("id")\n);\n')


def _folder(tmp_path: Path, sql: str = FIRST) -> Path:
    folder = tmp_path / "migrations"
    (folder / "20240101000000_init").mkdir(parents=True)
    (folder / "20240101000000_init" / "migration.sql").write_text(sql)
    (folder / "migration_lock.toml").write_text('provider = "postgresql"\n')
    return folder


def _schema(tmp_path: Path, text: str, name: str = "schema.prisma") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _count_loads(monkeypatch) -> list[Path]:
    import prisma_dsql.loader as loader

    calls: list[Path] = []
    real = loader.load

    def counting(path, *args, **kwargs):
        calls.append(Path(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(loader, "load", counting)
    return calls


def test_a_plan_parses_its_schema_once(tmp_path, monkeypatch) -> None:
    calls = _count_loads(monkeypatch)
    schema = _schema(tmp_path, V2)
    evo = plan_between_sides(Side("empty"), Side("schema", str(schema)), postgres_profile())
    assert evo.ok and [s.label for s in evo.plan.steps]
    assert calls == [schema]


def test_a_schema_the_caller_parsed_is_not_parsed_again(tmp_path, monkeypatch) -> None:
    from prisma_dsql.loader import load

    schema = _schema(tmp_path, V2)
    parsed = load(schema)
    calls = _count_loads(monkeypatch)
    evo = plan_between_sides(Side("empty"), Side("schema", str(schema)), postgres_profile(),
                             loaded={str(schema): parsed})
    assert evo.ok and calls == []


def test_both_schema_sides_are_parsed_once_each(tmp_path, monkeypatch) -> None:
    calls = _count_loads(monkeypatch)
    before, after = _schema(tmp_path, V1, "a.prisma"), _schema(tmp_path, V2, "b.prisma")
    evo = plan_between_sides(Side("schema", str(before)), Side("schema", str(after)), postgres_profile())
    assert evo.ok and len(evo.plan.steps) == 1
    assert sorted(calls) == sorted([before, after])


def test_a_server_that_cannot_start_is_reported_as_before(tmp_path, monkeypatch) -> None:
    def unavailable():
        raise embedded.EmbeddedUnavailable("no PostgreSQL binaries for this platform")

    monkeypatch.setattr(embedded, "postgres_bin_dir", unavailable)
    folder, schema = _folder(tmp_path), _schema(tmp_path, V2)
    for profile in (postgres_profile(), dsql_profile()):
        with pytest.raises(embedded.EmbeddedUnavailable, match="no PostgreSQL binaries for this platform"):
            plan_between_sides(Side("migrations", str(folder)), Side("schema", str(schema)), profile)


def test_a_folder_that_cannot_run_is_refused_before_any_server_starts(tmp_path, monkeypatch) -> None:
    from prisma_dsql.deploy.steps import MigrationFileError

    def no_server(*args, **kwargs):
        raise AssertionError("a server was started for a folder that cannot run")

    monkeypatch.setattr(sources, "ShadowServer", no_server)
    folder = _folder(tmp_path, "DO $$ BEGIN PERFORM 1; END $$;\n")
    with pytest.raises(MigrationFileError, match="a `DO` block"):
        plan_between_sides(Side("migrations", str(folder)), Side("schema", str(_schema(tmp_path, V1))),
                           dsql_profile())


@pytest.mark.postgres
def test_a_replayed_folder_is_read_and_checked_once(tmp_path, monkeypatch) -> None:
    # start_shadow checks the folder before the server starts; the replay takes that result, not a second read
    # (the deploy engine that applies it in the shadow checks it once more, as every deploy does).
    checks: list = []
    real = sources.check_replayable

    def counting(*args, **kwargs):
        checks.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(sources, "check_replayable", counting)
    folder = _folder(tmp_path)
    evo = plan_between_sides(Side("migrations", str(folder)), Side("schema", str(_schema(tmp_path, V2))),
                             postgres_profile())
    assert evo.ok and [s.label for s in evo.plan.steps]
    assert len(checks) == 1


class _Recording(sources.ShadowServer):
    """A ShadowServer that remembers every server it started (to look at after the command)."""

    started: list = []

    def get(self):
        server = super().get()
        _Recording.started.append(server)
        return server


def _postgres_of(server) -> embedded.EmbeddedPostgres:
    return server.embedded if hasattr(server, "embedded") else server


def _assert_gone(server) -> None:
    pg = _postgres_of(server)
    assert pg._proc is None and not pg._running
    assert pg.pgdata is None or not pg.pgdata.exists()


@pytest.mark.postgres
@pytest.mark.parametrize("profile", [postgres_profile(), dsql_profile()], ids=["postgres", "dsql"])
def test_the_shadow_server_is_stopped_whatever_the_command_does(tmp_path, monkeypatch, profile) -> None:
    monkeypatch.setattr(sources, "ShadowServer", _Recording)
    _Recording.started = []
    folder = _folder(tmp_path)
    # In sync, then one column to add: a plan.
    evo = plan_between_sides(Side("migrations", str(folder)), Side("schema", str(_schema(tmp_path, V2))), profile)
    assert evo.ok and len(evo.plan.steps) == 1, evo.refusal
    # A schema with errors: refused after the replay, as before, and the server stopped all the same.
    broken = _schema(tmp_path, BROKEN, "b.prisma")
    evo = plan_between_sides(Side("migrations", str(folder)), Side("schema", str(broken)), profile)
    assert not evo.ok and evo.refusal
    # A folder that does not replay: the replay's error, and no server left.
    bad = _folder(tmp_path / "bad", FIRST + 'ALTER TABLE "Nope" ADD COLUMN "x" TEXT;\n')
    with pytest.raises(sources.ShadowReplayError, match="do not apply to a shadow database"):
        plan_between_sides(Side("migrations", str(bad)), Side("schema", str(_schema(tmp_path, V2))), profile)
    assert len(_Recording.started) == 3
    for server in _Recording.started:
        _assert_gone(server)


@pytest.mark.postgres
def test_a_throwaway_postmaster_is_our_child_and_is_reaped_on_stop() -> None:
    pg = embedded.EmbeddedPostgres()
    try:
        proc = pg._proc
        assert proc is not None and proc.poll() is None
        # The server we watch is the one we started (postmaster.pid's first line).
        assert (pg.pgdata / "postmaster.pid").read_text().splitlines()[0].strip() == str(proc.pid)
        import psycopg

        with psycopg.connect(pg.url) as conn:
            assert conn.execute("SHOW fsync").fetchone() == ("off",)
    finally:
        pg.stop()
    assert proc.returncode is not None  # reaped: no zombie left to this process
    assert not pg._running and pg._proc is None
    pg.stop()  # twice is fine


@pytest.mark.postgres
def test_a_throwaway_server_whose_postmaster_dies_at_start_says_so(monkeypatch) -> None:
    # A setting PostgreSQL refuses at start: the postmaster exits, and the start says why at once.
    monkeypatch.setattr(embedded, "_FAST_SETTINGS", embedded._FAST_SETTINGS + ("shared_buffers = 'lots'",))
    with pytest.raises(embedded.EmbeddedUnavailable, match="PostgreSQL did not start .*FATAL: .*contains errors"):
        embedded.EmbeddedPostgres()


def test_scratch_data_goes_to_memory_only_when_no_temporary_folder_is_named(tmp_path, monkeypatch) -> None:
    shm = tmp_path / "shm"
    shm.mkdir()
    monkeypatch.setattr(embedded, "_SHM", shm)
    for name in ("TMPDIR", "TEMP", "TMP"):
        monkeypatch.delenv(name, raising=False)

    class Fs:
        f_frsize = 4096

        def __init__(self, free: int) -> None:
            self.f_bavail = free // 4096

    monkeypatch.setattr(os, "statvfs", lambda path: Fs(4 << 30))
    assert embedded.scratch_parent() == str(shm)
    monkeypatch.setattr(os, "statvfs", lambda path: Fs(embedded.SHM_MIN_FREE // 2))
    assert embedded.scratch_parent() is None  # too little room
    monkeypatch.setattr(os, "statvfs", lambda path: Fs(4 << 30))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    assert embedded.scratch_parent() is None  # the user's (or the test run's) temporary folder is used as is

    def missing(path):
        raise FileNotFoundError(path)

    monkeypatch.delenv("TMPDIR")
    monkeypatch.setattr(os, "statvfs", missing)
    assert embedded.scratch_parent() is None


@pytest.mark.postgres
def test_migrate_diff_from_migrations_leaves_no_server_behind(tmp_path) -> None:
    """The CLI end to end: the shadow server started early is gone when the command exits."""
    import shutil
    import tempfile

    folder, schema = _folder(tmp_path), _schema(tmp_path, V1)
    # Short: the server's socket lives under it (a Unix socket path stays under ~107 bytes).
    scratch = Path(tempfile.mkdtemp(prefix="sr-"))
    try:
        env = {**os.environ, "PYTHONWARNINGS": "ignore", "TMPDIR": str(scratch)}
        proc = subprocess.run([sys.executable, "-m", "prisma_dsql", "migrate", "diff", "--from-migrations",
                               str(folder), "--to-schema", str(schema), "--exit-code"], capture_output=True,
                              text=True, env=env, timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert list(scratch.iterdir()) == []  # data and socket folders removed with the server
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
