"""Concurrent writers during a deploy: no write is ever changed behind the application's back.

The harness: a table of rows, a migration of one strategy (enum value added or removed, new required column,
new unique, new foreign key, type change, table rebuild), and a writer (a thread with its own psycopg
connection, bounded in writes and seconds) updating those rows while the real CLI (`migrate deploy --url`)
deploys the migration onto the local Aurora DSQL (`LocalDsql`: the embedded PostgreSQL behind the proxy that
enforces DSQL's rules). Every write the writer saw commit is remembered; afterwards every row is read back
and compared. A write changed or reverted silently is a defect (must be 0). A deploy may refuse (the copy
guard of a rebuild finds a write that raced in): then it must say so, and the old table must still hold
every write.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import psycopg
import pytest

from prisma_dsql.capabilities import dsql_profile
from prisma_dsql.loader import load_text
from prisma_dsql.migrations.evolve import plan_to_schema
from prisma_dsql.migrations.generate import generate_from_empty
from prisma_dsql.plan import PlanOptions
from tests.support import local_dsql as local_dsql_server
from tests.test_deploy_helpers import ROOT, write_folder

pytestmark = pytest.mark.postgres

HEAD = 'datasource db {\n  provider = "postgresql"\n}\n'
U = "model User {\n  id    Int    @id @default(autoincrement())\n  email String @unique\n  note String?\n%s}\n"
ROLE = "enum Role {\n  A\n  B\n}\n"
ROLE3 = "enum Role {\n  A\n  B\n  C\n}\n"
ROWS = 400
#: The writer's bounds: it stops at whichever comes first (or when the deploy ends).
MAX_WRITES = 3000
MAX_SECONDS = 60.0


@dataclass(frozen=True)
class Strategy:
    name: str
    old: str
    new: str
    #: The column the writer updates, and the values it cycles through.
    column: str
    values: tuple[str, ...]
    options: PlanOptions = PlanOptions()
    #: A plan step that must be there (the strategy is what the case says).
    step: str = ""
    #: The database was made with the enum values in the domain's own CHECK (earlier versions).
    old_enum_shape: bool = False


STRATEGIES = [
    Strategy("enum value added", ROLE + U % "  role Role @default(A)\n", ROLE3 + U % "  role Role @default(A)\n",
             "role", ("A", "B"), step="AddCheck"),
    Strategy("enum value removed", ROLE3 + U % "  role Role @default(A)\n", ROLE + U % "  role Role @default(A)\n",
             "role", ("A", "B"), step="ValidateConstraint"),
    Strategy("enum moved from the old shape", ROLE + U % "  role Role @default(A)\n",
             ROLE3 + U % "  role Role @default(A)\n", "role", ("A", "B"), step="VerifyColumnCopy",
             old_enum_shape=True),
    Strategy("required column", U % "", U % "  age Int @default(18)\n", "note", ("x", "y"), step="Backfill"),
    Strategy("unique", U % "  code String?\n", U % "  code String? @unique\n", "note", ("x", "y"),
             step="CreateIndex"),
    Strategy("foreign key", U % "" + "model Post {\n  id Int @id @default(autoincrement())\n"
             "  userId BigInt?\n}\n", U % "  posts Post[]\n" + "model Post {\n  id Int @id @default(autoincrement())\n"
             "  userId Int?\n  user User? @relation(fields: [userId], references: [id])\n}\n", "note", ("x", "y"),
             step="AddForeignKey"),
    Strategy("type change", U % "  n Int?\n", U % "  n BigInt?\n", "note", ("x", "y"), PlanOptions(allow_rebuild=True),
             step="CopyRows"),
    Strategy("rebuild", U % "  n Int?\n", U.replace("Int    @id", "Int").replace("email String @unique",
             "email String @unique\n  @@id([id, email])") % "  n Int?\n", "note", ("x", "y"),
             PlanOptions(allow_rebuild=True), step="CopyRows"),
]


class Writer(threading.Thread):
    """Updates rows of "User" one at a time (autocommit), remembering what each committed write left."""

    def __init__(self, url: str, column: str, values: tuple[str, ...], stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.url, self.column, self.values, self.stop = url, column, values, stop
        self.written: dict[int, str] = {}
        self.commits = 0
        self.errors = 0
        self.crash: BaseException | None = None

    def run(self) -> None:
        try:
            self._run()
        except BaseException as exc:  # pragma: no cover - reported by the test
            self.crash = exc

    def _run(self) -> None:
        deadline = time.monotonic() + MAX_SECONDS
        n = 0
        conn = psycopg.connect(self.url, autocommit=True)
        try:
            while not self.stop.is_set() and n < MAX_WRITES and time.monotonic() < deadline:
                row = 1 + (n * 7) % ROWS
                value = f"{self.values[n % len(self.values)]}"
                if self.column == "note":
                    value = f"{value}{n}"
                n += 1
                try:
                    # The table may be mid-swap: a write that fails is not remembered (the application saw it
                    # fail); one that commits must survive.
                    cur = conn.execute(f'UPDATE "User" SET "{self.column}" = %s WHERE id = %s', (value, row))
                    if cur.rowcount == 1:
                        self.written[row] = value
                        self.commits += 1
                except psycopg.Error:
                    self.errors += 1
                    if conn.closed or conn.broken:
                        conn = psycopg.connect(self.url, autocommit=True)
                time.sleep(0.002)
        finally:
            conn.close()


@pytest.fixture(scope="module")
def local_dsql():
    with local_dsql_server.running(job_seconds=(0.2, 0.5), seed=1) as server:
        yield server


def _deploy(folder, url: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "prisma_dsql", "migrate", "deploy", "--migrations-dir", str(folder),
                           "--url", url], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def _seed(url: str, s: Strategy) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for start in range(0, ROWS, 200):
            role = ", role" if s.column == "role" else ""
            conn.execute(f'INSERT INTO "User" (email, note{role}) SELECT \'u\' || g || \'@x\', \'seed\'' +
                         (", 'A'" if role else "") + f" FROM generate_series({start + 1}, {start + 200}) g")


@pytest.mark.parametrize("s", STRATEGIES, ids=[s.name for s in STRATEGIES])
def test_no_write_is_changed_behind_the_writers_back(s: Strategy, local_dsql, tmp_path):
    profile = dsql_profile()
    url = local_dsql.create_database("writers")
    init = generate_from_empty(load_text(HEAD + s.old), profile)
    assert init.ok, init.refusal
    script, catalog = init.script.text(), init.catalog
    if s.old_enum_shape:
        from tests.plan_cases.run import enum_in_domain

        catalog = enum_in_domain(catalog)
        script = re.sub(r',\n    CONSTRAINT "[^"]+_enum" CHECK \([^\n]*\)\)', "", script).replace(
            'CREATE DOMAIN "Role" AS TEXT;', "CREATE DOMAIN \"Role\" AS TEXT CHECK (VALUE IN ('A', 'B'));")
        assert "_enum" not in script
    evo = plan_to_schema(catalog, load_text(HEAD + s.new), profile, plan_options=s.options)
    assert evo.ok, (evo.refusal, evo.refused)
    assert s.step in {st.label for st in evo.plan.steps} | {type(st.operation).__name__ for st in evo.plan.steps}
    folder = write_folder(tmp_path, {"20260101000000_init": script})
    first = _deploy(folder, url)
    assert first.returncode == 0, first.stdout + first.stderr
    _seed(url, s)

    write_folder(tmp_path, {"20260201000000_change": evo.plan.text()})
    stop = threading.Event()
    writer = Writer(url, s.column, s.values, stop)
    writer.start()
    time.sleep(0.3)  # the writer is under way before the first statement
    second = _deploy(folder, url)
    stop.set()
    writer.join(timeout=MAX_SECONDS + 30)
    assert writer.crash is None, writer.crash
    assert writer.commits > 0, "the writer never wrote: the harness proves nothing"
    out = second.stdout + second.stderr
    print(f"{s.name}: deploy exit {second.returncode}, {writer.commits} writes committed, {writer.errors} refused")
    if second.returncode != 0:  # refused loudly: the copy guard found a write that raced in
        assert "were written while" in out, out
    else:
        with psycopg.connect(url, autocommit=True) as conn:
            done = conn.execute("SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL")
            assert done.fetchone()[0] == 2
    if any(st.directives and "writers-blocked" in st.directives for st in evo.plan.steps):
        assert "writers must be stopped" in second.stdout, second.stdout

    with psycopg.connect(url, autocommit=True) as conn:
        rows = dict(conn.execute(f'SELECT id, "{s.column}"::text FROM "User"').fetchall())
    changed = {k: (v, rows.get(k)) for k, v in writer.written.items() if rows.get(k) != v}
    assert changed == {}, f"{len(changed)} write(s) changed behind the writer's back: {list(changed.items())[:5]}"
    assert len(rows) == ROWS


def test_the_harness_catches_a_copy_without_its_guard(local_dsql, tmp_path):
    """The same rebuild with its guard (VerifyCopy) taken out: the writer's writes after the copy are lost, and
    the harness counts them (it can fail). The writer writes faster than the swap (no sleeps)."""
    s = next(x for x in STRATEGIES if x.name == "type change")
    profile = dsql_profile()
    url = local_dsql.create_database("unguarded")
    init = generate_from_empty(load_text(HEAD + s.old), profile)
    evo = plan_to_schema(init.catalog, load_text(HEAD + s.new), profile, plan_options=s.options)
    unguarded = re.sub(r"-- VerifyCopy\n[^\n]*\n", "", evo.plan.text())
    assert "VerifyCopy" not in unguarded and "DROP TABLE" in unguarded
    folder = write_folder(tmp_path, {"20260101000000_init": init.script.text()})
    assert _deploy(folder, url).returncode == 0
    _seed(url, s)
    write_folder(tmp_path, {"20260201000000_change": unguarded})
    stop = threading.Event()
    writer = Writer(url, s.column, s.values, stop)
    writer.start()
    time.sleep(0.3)
    second = _deploy(folder, url)
    stop.set()
    writer.join(timeout=MAX_SECONDS + 30)
    assert second.returncode == 0, second.stdout + second.stderr
    with psycopg.connect(url, autocommit=True) as conn:
        rows = dict(conn.execute(f'SELECT id, "{s.column}"::text FROM "User"').fetchall())
    changed = [k for k, v in writer.written.items() if rows.get(k) != v]
    assert changed, "no write was lost without the guard: the harness would not see one"
