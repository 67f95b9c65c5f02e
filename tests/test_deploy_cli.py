"""The deploy/status/resolve commands as a user runs them (a real process, real PostgreSQL): exit codes, messages,
JSON, and no secret in any output: every command is run with a secret-looking password (right and wrong), an
unreachable host, a malformed URL, DATABASE_URL, and an IAM token made by botocore's signer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.test_connect import FAKE_KEY, FAKE_SECRET, SECRET, _with_password, password_login
from tests.test_deploy_helpers import LOCK, write_folder

pytestmark = pytest.mark.postgres


@pytest.fixture
def password_role(pg_database):
    with password_login(pg_database) as got:
        yield got

ROOT = Path(__file__).resolve().parents[1]
PLAIN = {"20260101000000_init": 'CREATE TABLE "User" ("id" BIGINT NOT NULL, "email" TEXT NOT NULL, '
                                '"name" TEXT, CONSTRAINT "User_pkey" PRIMARY KEY ("id"));\n'
                                'CREATE UNIQUE INDEX "User_email_key" ON "User"("email");\n',
         "20260102000000_posts": 'CREATE TABLE "Post" ("id" BIGINT PRIMARY KEY, "title" TEXT);\n'
                                 "INSERT INTO \"Post\" VALUES (1, 'hello');\n"}
FORBIDDEN = (SECRET, FAKE_SECRET, "X-Amz-Signature", "X-Amz-Credential", "Action=DbConnect")


def run(*args: str, env: dict | None = None, cwd: Path | None = None, process: bool = False
        ) -> subprocess.CompletedProcess:
    """The CLI in this process (tests/support/cli.py), or with `process` in a real one: the tests about secrets
    reaching the output of a process (libpq, boto3) keep a process of their own."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DSQL_ENDPOINT", "AWS_PROFILE")}
    full_env.update(env or {})
    if process:
        r = subprocess.run([sys.executable, "-m", "prisma_dsql", *args], capture_output=True, text=True,
                           env=full_env, cwd=cwd or ROOT, timeout=120, check=False)
    else:
        r = run_cli(*args, env=full_env, cwd=cwd or ROOT)
    for secret in FORBIDDEN:
        assert secret not in r.stdout and secret not in r.stderr, (args, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, r.stderr
    return r


COMMANDS = [("deploy",), ("migrate", "deploy"), ("deploy", "--dry-run"), ("status",), ("status", "--format", "json"),
            ("migrate", "status"), ("migrate", "resolve", "--applied", "20260101000000_init"),
            ("migrate", "resolve", "--rolled-back", "20260101000000_init")]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_unreachable_host_exit_1_no_secret(command, tmp_path):
    folder = write_folder(tmp_path, PLAIN)
    url = f"postgresql://app:{SECRET}@127.0.0.1:1/db?connect_timeout=3"
    r = run(*command, "--migrations-dir", str(folder), "--url", url, process=True)
    assert r.returncode == 1, r.stderr
    assert "error: cannot reach postgresql://app@127.0.0.1:1/db" in r.stderr
    r = run(*command, "--migrations-dir", str(folder), env={"DATABASE_URL": url}, process=True)
    assert r.returncode == 1 and "(from DATABASE_URL)" in r.stderr


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_malformed_url_exit_2_no_secret(command, tmp_path):
    folder = write_folder(tmp_path, PLAIN)
    r = run(*command, "--migrations-dir", str(folder), "--url", f"postgresql://app:{SECRET}@[::1/db")
    assert r.returncode == 2 and "malformed" in r.stderr


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_iam_token_never_shown(command, tmp_path):
    """A DSQL endpoint reached at 127.0.0.1:1 (libpq's hostaddr): the token is made, the connection refused."""
    folder = write_folder(tmp_path, PLAIN)
    url = "postgresql://admin@abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws:1/postgres?hostaddr=127.0.0.1"
    r = run(*command, "--migrations-dir", str(folder), "--url", url,
            env={"AWS_ACCESS_KEY_ID": FAKE_KEY, "AWS_SECRET_ACCESS_KEY": FAKE_SECRET}, process=True)
    assert r.returncode == 1, r.stderr
    assert "(IAM, region us-east-1)" in r.stderr


def test_every_command_with_the_right_password(password_role, tmp_path):
    url, role = password_role
    good = _with_password(url, role, SECRET)
    folder = write_folder(tmp_path, PLAIN)
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:  # the role may create tables in public
        conn.execute(f"GRANT ALL ON SCHEMA public TO {role}")
    args = ("--migrations-dir", str(folder), "--url", good)
    r = run("status", "--format", "json", *args, process=True)
    assert r.returncode == 1 and json.loads(r.stdout)["pending"] == list(PLAIN)
    r = run("deploy", "--dry-run", *args, process=True)
    assert r.returncode == 0 and 'CREATE TABLE "Post"' in r.stdout
    r = run("migrate", "deploy", *args, process=True)
    assert r.returncode == 0, r.stderr
    assert "Applied 2 migrations" in r.stdout and "Retries: none." in r.stdout
    r = run("status", *args, process=True)
    assert r.returncode == 0 and "Database schema is up to date!" in r.stdout
    out = json.loads(run("status", "--format", "json", *args, process=True).stdout)
    assert out["applied"] == list(PLAIN) and out["upToDate"] is True and SECRET not in json.dumps(out)
    r = run("migrate", "resolve", "--applied", "20260101000000_init", *args, process=True)
    assert r.returncode == 1 and "P3008" in r.stderr
    r = run("deploy", *args[:2], "--url", _with_password(url, role, "Wr0ng-" + SECRET), process=True)
    assert r.returncode == 1 and "the login was refused" in r.stderr


def test_deploy_without_any_url_says_how(tmp_path):
    folder = write_folder(tmp_path, PLAIN)
    r = run("deploy", "--migrations-dir", str(folder), cwd=tmp_path)
    assert r.returncode == 2
    assert "no database to connect to" in r.stderr and "--url" in r.stderr and "--rehearse" in r.stderr


@pytest.mark.parametrize("command", [("migrate", "status"), ("migrate", "resolve", "--applied", "x")])
def test_status_and_resolve_without_url_suggest_no_option_they_lack(tmp_path, command):
    folder = write_folder(tmp_path, PLAIN)
    r = run(*command, "--migrations-dir", str(folder), cwd=tmp_path)
    assert r.returncode == 2 and "no database to connect to" in r.stderr and "--url" in r.stderr
    assert "--rehearse" not in r.stderr


def test_dry_run_without_url_shows_everything(tmp_path):
    folder = write_folder(tmp_path, PLAIN)
    r = run("deploy", "--dry-run", "--migrations-dir", str(folder), cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.count("-- statement ") == 4 and "every migration is shown as pending" in r.stdout


def test_folder_errors_exit_2(tmp_path):
    r = run("deploy", "--migrations-dir", str(tmp_path / "missing"), "--url", "postgresql://u:p@127.0.0.1:1/d")
    assert r.returncode == 2 and "no migrations folder at" in r.stderr
    folder = write_folder(tmp_path, PLAIN, lock=LOCK.replace("postgresql", "sqlite"))
    r = run("deploy", "--migrations-dir", str(folder), "--url", "postgresql://u:p@127.0.0.1:1/d")
    assert r.returncode == 2 and 'names "sqlite"' in r.stderr


def test_default_folder_is_prismas(tmp_path):
    """No --migrations-dir: prisma/migrations next to prisma/schema.prisma, as Prisma looks."""
    (tmp_path / "prisma").mkdir()
    (tmp_path / "prisma" / "schema.prisma").write_text('datasource db {\n  provider = "postgresql"\n}\n')
    write_folder(tmp_path / "prisma", PLAIN)
    r = run("deploy", "--dry-run", cwd=tmp_path)
    assert r.returncode == 0 and "20260102000000_posts" in r.stdout


def test_rehearse_applies_the_folder_on_a_throwaway_server(tmp_path):
    from tests.test_deploy_helpers import HISTORY

    folder = write_folder(tmp_path, HISTORY)
    r = run("migrate", "deploy", "--rehearse", "--migrations-dir", str(folder), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Applied 3 migrations" in r.stdout and "5 async jobs" in r.stdout and "Rehearsal passed" in r.stdout


def test_rehearse_stops_at_what_dsql_refuses(tmp_path):
    folder = write_folder(tmp_path, {"20260101000000_init": 'CREATE TABLE "A" ("id" BIGINT PRIMARY KEY);\n\n'
                                                             'CREATE INDEX "A_idx" ON "A"("id");\n'})
    r = run("deploy", "--rehearse", "--migrations-dir", str(folder), cwd=tmp_path)
    assert r.returncode == 1
    assert "statement 2" in r.stderr and "migration.sql:3" in r.stderr and "SQLSTATE 0A000" in r.stderr
    assert "ASYNC" in r.stderr  # DSQL's reason: only CREATE INDEX ASYNC


def test_rehearse_follows_dsql_version(tmp_path):
    """--dsql-version picks the DSQL the rehearsal enforces: an inline foreign key is refused as of 2026-05-15
    (before DSQL had foreign keys) and accepted by the newest profile; a bad date is a usage error."""
    folder = write_folder(tmp_path, {"20260101000000_init": 'CREATE TABLE "A" ("id" BIGINT PRIMARY KEY);\n\n'
                                                             'CREATE TABLE "B" ("id" BIGINT PRIMARY KEY, '
                                                             '"a" BIGINT REFERENCES "A"("id"));\n'})
    old = run("deploy", "--rehearse", "--dsql-version", "2026-05-15", "--migrations-dir", str(folder), cwd=tmp_path)
    assert old.returncode == 1 and "statement 2" in old.stderr and "SQLSTATE 0A000" in old.stderr, old.stderr
    new = run("deploy", "--rehearse", "--migrations-dir", str(folder), cwd=tmp_path)
    assert new.returncode == 0, new.stderr
    bad = run("deploy", "--rehearse", "--dsql-version", "2026-13-01", "--migrations-dir", str(folder), cwd=tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr, bad.stderr


def test_progress_line_on_a_terminal():
    import io

    from prisma_dsql.deploy.progress import LineReporter, PlainReporter, reporter_for
    from prisma_dsql.deploy.steps import Step

    class Tty(io.StringIO):
        def isatty(self):
            return True

    stream = Tty()
    rep = reporter_for(stream)
    assert isinstance(rep, LineReporter) and isinstance(reporter_for(io.StringIO()), PlainReporter)
    rep.jobs(3, 7)
    rep.statement("m", Step(index=4, text='CREATE INDEX ASYNC "x" ON "t"("a")', line=9, kind="async_index"), 10)
    rep.line("  applied m")
    rep.done()
    out = stream.getvalue()
    assert '\r[5/10] jobs 3 running, 7 done · CREATE INDEX ASYNC "x" ON "t"("a")' in out
    assert "  applied m\n" in out and out.endswith("\r")
