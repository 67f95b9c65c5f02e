"""`prisma-dsql migrate dev`, `plan` and `migrate diff` from the command line, on real folders and databases."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import run_cli

pytestmark = pytest.mark.postgres

HEAD = 'datasource db {\n  provider = "postgresql"\n}\n'
V1 = HEAD + '''model User {
  id    Int    @id @default(autoincrement())
  email String @unique
  nick  String?
}
'''
V2 = HEAD + '''enum Role {
  USER
  ADMIN
}
model User {
  id    Int    @id @default(autoincrement())
  email String @unique
  nick  String @default("anon")
  role  Role   @default(USER)
  posts Post[]
}
model Post {
  id     Int    @id @default(autoincrement())
  title  String
  userId Int
  user   User   @relation(fields: [userId], references: [id])
  @@index([userId])
}
'''


def run(*args, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})}
    full_env.pop("DATABASE_URL", None)
    return run_cli(*args, cwd=cwd, env=full_env)  # in this process (tests/support/cli.py)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "prisma").mkdir()
    (tmp_path / "prisma" / "schema.prisma").write_text(V1)
    return tmp_path


def test_migrate_dev_writes_the_next_migration_against_a_shadow_database(project, snapshot):
    first = run("migrate", "--from-empty", cwd=project)
    assert first.returncode == 0, first.stderr
    (project / "prisma" / "schema.prisma").write_text(V2)
    dev = run("migrate", "dev", "--name", "add posts", cwd=project)
    assert dev.returncode == 0, dev.stderr
    migrations = sorted(p.name for p in (project / "prisma" / "migrations").iterdir() if p.is_dir())
    assert len(migrations) == 2 and migrations[1].endswith("_add_posts")
    text = (project / "prisma" / "migrations" / migrations[1] / "migration.sql").read_text()
    assert text == snapshot
    assert "-- prisma-dsql:repeat-until-zero-rows" in text and 'CHECK ("nick" IS NOT NULL) NOT VALID' in text
    # Nothing left to do: the folder replayed into a new shadow database now matches the schema.
    again = run("migrate", "dev", "--name", "again", cwd=project)
    assert again.returncode == 0 and "Already in sync" in again.stderr
    assert len([p for p in (project / "prisma" / "migrations").iterdir() if p.is_dir()]) == 2
    # `migrate --name` is `migrate dev --name`; without a name it asks for one.
    assert run("migrate", "--name", "x", cwd=project).returncode == 0
    bare = run("migrate", cwd=project)
    assert bare.returncode == 2 and "--name NAME" in bare.stderr


def test_plan_shows_steps_hazards_and_schema_lines(project, snapshot):
    assert run("migrate", "--from-empty", cwd=project).returncode == 0
    (project / "prisma" / "schema.prisma").write_text(V2.replace("  nick  String @default(\"anon\")\n", ""))
    refused = run("plan", "--no-color", cwd=project)
    assert refused.returncode == 1 and "column User.nick would be dropped with its data" in refused.stderr
    assert "--rename-column" in refused.stderr
    text = run("plan", "--no-color", "--accept-data-loss", cwd=project)
    assert text.returncode == 0, text.stderr
    assert text.stdout == snapshot
    data = json.loads(run("plan", "--format", "json", "--accept-data-loss", cwd=project).stdout)
    assert data["ok"] and data["plan"]["target"] == "dsql"
    kinds = {h["kind"] for s in data["plan"]["steps"] for h in s["hazards"]}
    assert "data-loss" in kinds
    step = next(s for s in data["plan"]["steps"] if s["label"] == "CreateTable")
    assert step["source"]["file"].endswith("schema.prisma") and step["source"]["line"] > 0
    assert all(dep in {s["id"] for s in data["plan"]["steps"]} for s in data["plan"]["steps"] for dep in s["depends_on"])
    refused_json = json.loads(run("plan", "--format", "json", cwd=project).stdout)
    assert not refused_json["ok"] and refused_json["refused"][0]["options"].startswith("pass --accept-data-loss")


def test_rename_hints_turn_drop_and_add_into_renames(project):
    assert run("migrate", "--from-empty", cwd=project).returncode == 0
    (project / "prisma" / "schema.prisma").write_text(V1.replace("nick  String?", "handle String?"))
    plain = run("migrate", "diff", "--from-migrations", "prisma/migrations", "--to-schema", "prisma/schema.prisma",
                "--script", cwd=project)
    assert plain.returncode == 1 and "--rename-column User.nick=handle" in plain.stderr
    renamed = run("migrate", "diff", "--from-migrations", "prisma/migrations", "--to-schema", "prisma/schema.prisma",
                  "--script", "--rename-column", "User.nick=handle", cwd=project)
    assert renamed.returncode == 0, renamed.stderr
    assert 'ALTER TABLE "User" RENAME COLUMN "nick" TO "handle";' in renamed.stdout
    unused = run("migrate", "diff", "--from-migrations", "prisma/migrations", "--to-schema", "prisma/schema.prisma",
                 "--script", "--accept-data-loss", "--rename-column", "User.nope=handle", cwd=project)
    assert unused.returncode == 0 and "no column 'nope'" in unused.stderr
    bad = run("migrate", "diff", "--from-empty", "--to-schema", "prisma/schema.prisma", "--rename-table", "oops",
              cwd=project)
    assert bad.returncode == 2 and "Old=New" in bad.stderr


def test_diff_sides_and_exit_codes(project):
    assert run("migrate", "--from-empty", cwd=project).returncode == 0
    same = run("migrate", "diff", "--from-migrations", "prisma/migrations", "--to-schema", "prisma/schema.prisma",
               "--exit-code", cwd=project)
    assert same.returncode == 0 and "No changes" in same.stdout
    both = run("migrate", "diff", "--from-empty", "--from-schema", "prisma/schema.prisma", "--to-empty", cwd=project)
    assert both.returncode == 2 and "exactly one of" in both.stderr
    emptied = run("migrate", "diff", "--from-schema", "prisma/schema.prisma", "--to-empty", "--script",
                  "--accept-data-loss", cwd=project)
    assert emptied.returncode == 0 and 'DROP TABLE "User";' in emptied.stdout
    out = project / "out.sql"
    written = run("migrate", "diff", "--from-empty", "--to-schema", "prisma/schema.prisma", "--script", "-o", out,
                  cwd=project)
    assert written.returncode == 0 and out.read_text().startswith("-- CreateSchema")
    again = run("migrate", "diff", "--from-empty", "--to-schema", "prisma/schema.prisma", "--script", "-o", out,
                cwd=project)
    assert again.returncode == 2 and "not overwriting" in again.stderr
    secret = run("migrate", "diff", "--from-url", "postgresql://admin:hunter2secret@127.0.0.1:1/postgres",
                 "--to-schema", "prisma/schema.prisma", cwd=project)
    assert secret.returncode == 1 and "hunter2secret" not in secret.stdout + secret.stderr


def test_a_migration_dsql_refuses_fails_in_the_shadow_database(project):
    assert run("migrate", "--from-empty", cwd=project).returncode == 0
    bad = project / "prisma" / "migrations" / "29990101000000_hand_edit"
    bad.mkdir()
    (bad / "migration.sql").write_text('CREATE INDEX "User_nick_idx" ON "User"("nick");\n')
    proc = run("migrate", "dev", "--name", "next", cwd=project)
    assert proc.returncode == 1, proc.stderr
    assert "shadow database" in proc.stderr and "ASYNC" in proc.stderr
