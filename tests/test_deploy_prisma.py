"""Prisma's own migration history check reads the `_prisma_migrations` table prisma-dsql writes.

`prisma migrate status` is `diagnoseMigrationHistory` of Prisma's schema engine. Here the real engine
(@prisma/schema-engine-wasm 8.1.0-2, the one Prisma 7.10 ships) runs against our real PostgreSQL through
@prisma/adapter-pg, offline, after prisma-dsql deployed a folder through the DSQL emulation: in sync, then an
edited and a pending migration, then an interrupted one (which Prisma calls failed).
"""

from __future__ import annotations

import json
import subprocess

import psycopg
import pytest

from tests.support.prisma_oracle import ensure_node_modules
from tests.support.tools import find_tool, tool_missing
from tests.test_deploy_helpers import HISTORY, emulated, run_deploy, run_driver, write_folder

pytestmark = pytest.mark.postgres


@pytest.fixture
def dsql_url(pg_database):
    return emulated(pg_database)

SCRIPT = r"""
import fs from 'node:fs';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import { loadSchemaEngineWasm } from './lib/schema-engine.mjs';

const [url, baseDir] = process.argv.slice(2);
const bg = await loadSchemaEngineWasm();
const schema = 'datasource db {\n  provider = "postgresql"\n}\n';
const factory = bindMigrationAwareSqlAdapterFactory(new PrismaPg({ connectionString: url }));
const engine = await bg.SchemaEngine.new({ datamodels: [['schema.prisma', schema]] }, () => {}, factory);
const dirs = fs.readdirSync(baseDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
const lockPath = path.join(baseDir, 'migration_lock.toml');
const migrationsList = {
  baseDir,
  shadowDbInitScript: '',
  lockfile: { path: 'migration_lock.toml', content: fs.existsSync(lockPath) ? fs.readFileSync(lockPath, 'utf8') : null },
  migrationDirectories: dirs.map((d) => ({
    path: d,
    migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: fs.readFileSync(path.join(baseDir, d, 'migration.sql'), 'utf8') } },
  })),
};
const out = await engine.diagnoseMigrationHistory({
  migrationsList, optInToShadowDatabase: false, filters: { externalTables: [], externalEnums: [] },
});
process.stdout.write(JSON.stringify(out));
engine.free();
process.exit(0);
"""


@pytest.fixture(scope="module")
def prisma_status():
    oracle = ensure_node_modules()
    node = find_tool("node")
    if node is None:
        tool_missing("node not found")
    script = oracle / ".prisma-dsql-status-oracle.mjs"

    def run(url: str, folder) -> dict:
        script.write_text(SCRIPT)
        r = subprocess.run([node, script.name, url, str(folder)], cwd=oracle, capture_output=True, text=True,
                           timeout=180, check=False)
        assert r.returncode == 0, r.stderr[-3000:]
        return json.loads(r.stdout)

    try:
        yield run
    finally:
        script.unlink(missing_ok=True)


def test_prisma_reads_the_history_we_write(dsql_url, tmp_path, prisma_status):
    folder = write_folder(tmp_path, HISTORY)
    run_deploy(dsql_url, folder)
    assert prisma_status(dsql_url, folder) == {"editedMigrationNames": [], "failedMigrationNames": [],
                                                "hasMigrationsTable": True, "history": None}
    (folder / "20260102000000_seed" / "migration.sql").write_text(HISTORY["20260102000000_seed"] + "-- edited\n")
    (folder / "20260104000000_next").mkdir()
    (folder / "20260104000000_next" / "migration.sql").write_text('CREATE TABLE "Next" ("id" BIGINT PRIMARY KEY);\n')
    got = prisma_status(dsql_url, folder)
    assert got["editedMigrationNames"] == ["20260102000000_seed"]
    assert got["history"] == {"diagnostic": "databaseIsBehind", "unappliedMigrationNames": ["20260104000000_next"]}


def test_crlf_checkout_is_not_edited_for_prisma_either(dsql_url, tmp_path, prisma_status):
    folder = write_folder(tmp_path, HISTORY)
    run_deploy(dsql_url, folder)
    for name, sql in HISTORY.items():
        (folder / name / "migration.sql").write_bytes(sql.replace("\n", "\r\n").encode())
    assert prisma_status(dsql_url, folder)["editedMigrationNames"] == []


def test_interrupted_migration_is_failed_for_prisma(dsql_url, tmp_path, prisma_status):
    folder = write_folder(tmp_path, HISTORY)
    r = run_driver(dsql_url, folder, crash_at="recorded:9")
    assert r.returncode == -9, r.stderr
    got = prisma_status(dsql_url, folder)
    assert got["failedMigrationNames"] == ["20260102000000_seed"]
    with psycopg.connect(dsql_url) as conn:
        steps = conn.execute("SELECT applied_steps_count FROM _prisma_migrations WHERE finished_at IS NULL").fetchall()
    assert steps == [(2,)]
