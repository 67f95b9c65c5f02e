"""Writing a migration: refusals exit 1, an unwritable place exits 2, and nothing is ever half-written."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from prisma_dsql.migrations import folder
from prisma_dsql.migrations.folder import (
    LOCK_FILE,
    MigrationFolderError,
    MigrationWriteError,
    lock_file_text,
    write_migration,
)

NOW = dt.datetime(2026, 12, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
BLOG = Path(__file__).resolve().parent.parent / "samples" / "blog" / "schema.prisma"


def tree(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*")) if path.exists() else []


def test_writes_folder_and_lock(tmp_path):
    written = write_migration(tmp_path / "m", "init", "SELECT 1;\n", now=NOW)
    assert tree(tmp_path / "m") == ["20261201120000_init", "20261201120000_init/migration.sql", LOCK_FILE]
    assert written.lock_created and (tmp_path / "m" / LOCK_FILE).read_text() == lock_file_text()


def test_a_dangling_lock_link_is_refused_and_nothing_is_written(tmp_path):
    migrations = tmp_path / "m"
    migrations.mkdir()
    (migrations / LOCK_FILE).symlink_to(tmp_path / "gone.toml")
    with pytest.raises(MigrationWriteError) as err:
        write_migration(migrations, "init", "SELECT 1;\n", now=NOW)
    assert err.value.exit_code == 2 and "does not exist" in str(err.value)
    assert tree(migrations) == [LOCK_FILE]


def test_a_path_under_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(MigrationWriteError) as err:
        write_migration(tmp_path / "file" / "migrations", "init", "SELECT 1;\n", now=NOW)
    assert err.value.exit_code == 2
    assert (tmp_path / "file").read_text() == "x" and tree(tmp_path) == ["file"]


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc")
def test_proc_is_not_writable():
    with pytest.raises(MigrationWriteError) as err:
        write_migration(Path("/proc/self/migrations"), "init", "SELECT 1;\n", now=NOW)
    assert err.value.exit_code == 2 and "nothing was written" in str(err.value)


def test_a_failure_after_the_lock_removes_everything_it_created(tmp_path, monkeypatch):
    target = tmp_path / "new" / "deeper" / "migrations"

    def fail(*_a, **_k):
        raise PermissionError(13, "Permission denied", str(target))

    monkeypatch.setattr(folder.os, "rename", fail)
    with pytest.raises(MigrationWriteError):
        write_migration(target, "init", "SELECT 1;\n", now=NOW)
    assert tree(tmp_path) == []  # the folders it made, the lock and the temporary files are all gone


def test_a_failed_write_keeps_what_was_there(tmp_path, monkeypatch):
    migrations = tmp_path / "m"
    migrations.mkdir()
    (migrations / "README").write_text("mine")

    def fail(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(folder.os, "fsync", fail)
    with pytest.raises(MigrationWriteError) as err:
        write_migration(migrations, "init", "SELECT 1;\n", now=NOW)
    assert "No space left" in str(err.value)
    assert tree(migrations) == ["README"] and (migrations / "README").read_text() == "mine"


def test_an_unwritable_folder(tmp_path):
    import subprocess
    import sys

    from tests.support.unprivileged import without_dac_override

    migrations = tmp_path / "m"
    migrations.mkdir()
    os.chmod(migrations, 0o555)
    code = ("import sys; from prisma_dsql.migrations.folder import MigrationWriteError, write_migration\n"
            "try:\n    write_migration(sys.argv[1], 'init', 'SELECT 1;\\n')\n"
            "except MigrationWriteError as exc:\n    print(exc); sys.exit(7)\n")
    try:
        proc = subprocess.run(without_dac_override([sys.executable, "-c", code, str(migrations)]),
                              capture_output=True, text=True, timeout=60, check=False)
        assert proc.returncode == 7, proc.stdout + proc.stderr
        assert "permission denied" in proc.stdout
        assert tree(migrations) == []
    finally:
        os.chmod(migrations, 0o755)


def test_refusals_exit_1_and_change_nothing(tmp_path):
    write_migration(tmp_path, "init", "SELECT 1;\n", now=NOW)
    before = tree(tmp_path)
    with pytest.raises(MigrationFolderError) as err:
        write_migration(tmp_path, "second", "SELECT 2;\n", now=NOW + dt.timedelta(seconds=1))
    assert err.value.exit_code == 1 and not isinstance(err.value, MigrationWriteError)
    with pytest.raises(MigrationFolderError) as err:
        write_migration(tmp_path, "init", "SELECT 2;\n", now=NOW, initial=False)
    assert err.value.exit_code == 1 and "already exists" in str(err.value)
    assert tree(tmp_path) == before


@pytest.mark.parametrize("make, code", [
    (lambda d: d / "file" / "migrations", 2),
    (lambda d: Path("/proc/self/prisma-dsql-migrations"), 2),
])
def test_cli_exit_codes(tmp_path, make, code):
    (tmp_path / "file").write_text("x")
    proc = subprocess.run([sys.executable, "-m", "prisma_dsql", "migrate", "--from-empty", str(BLOG),
                           "--migrations-dir", str(make(tmp_path))], capture_output=True, text=True)
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert "error:" in proc.stderr


def test_cli_dangling_lock_exit_2_nothing_half_written(tmp_path):
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / LOCK_FILE).symlink_to(tmp_path / "nowhere.toml")
    proc = subprocess.run([sys.executable, "-m", "prisma_dsql", "migrate", "--from-empty", str(BLOG),
                           "--migrations-dir", str(migrations)], capture_output=True, text=True)
    assert proc.returncode == 2 and "symbolic link" in proc.stderr, proc.stderr
    assert tree(migrations) == [LOCK_FILE]
