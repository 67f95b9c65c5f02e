"""Size-aware batches (prisma_dsql.deploy.batching): a repeat-until-zero-rows statement's LIMIT is lowered from
measured row sizes so a round stays within half of DSQL's rows and bytes per transaction; --batch-rows caps it;
a round refused as too large (54000, from the real DSQL emulation) is retried smaller, not fatal."""

from __future__ import annotations

import dataclasses

import psycopg
import pytest

from prisma_dsql.capabilities import dsql_profile
from prisma_dsql.deploy import batching
from tests.test_deploy_helpers import emulated, fast_options, run_deploy, write_folder

MIB = 1024 * 1024

CREATE = {"20260101000000_init": 'CREATE TABLE "Doc" ("id" BIGINT NOT NULL, "body" TEXT NOT NULL, '
                                 'CONSTRAINT "Doc_pkey" PRIMARY KEY ("id"));\n'}
BACKFILL = {"20260102000000_tag": """\
ALTER TABLE "Doc" ADD COLUMN "tag" TEXT;
-- prisma-dsql:repeat-until-zero-rows
UPDATE "Doc" SET "tag" = 'new' WHERE ("id") IN (SELECT "id" FROM "Doc" WHERE "tag" IS NULL LIMIT 3000);
"""}


def _fill(url: str, rows: int, body_bytes: int) -> None:
    """Rows written straight into PostgreSQL (not through the emulation), with incompressible bodies."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute('INSERT INTO "Doc" SELECT g, (SELECT string_agg(md5((g * 100000 + k)::text), \'\') '
                     f'FROM generate_series(1, {body_bytes // 32}) k) FROM generate_series(1, {rows}) g')


def _deploy_two(url, tmp_path, rows, body_bytes, options=None):
    folder = write_folder(tmp_path, CREATE)
    run_deploy(url, folder, fast_options())
    _fill(url, rows, body_bytes)
    write_folder(tmp_path, BACKFILL)
    return run_deploy(url, folder, options or fast_options())


@pytest.mark.postgres
def test_rows_of_8_kib_stay_within_half_of_10_mib(pg_database, tmp_path):
    url = emulated(pg_database)
    summary = _deploy_two(url, tmp_path, rows=1500, body_bytes=8192)
    rows = summary.batch_rows["20260102000000_tag:3"]
    with psycopg.connect(url) as conn:
        largest = conn.execute('SELECT max(octet_length(d::text)) FROM "Doc" d').fetchone()[0]
        left = conn.execute('SELECT count(*) FROM "Doc" WHERE "tag" IS DISTINCT FROM \'new\'').fetchone()[0]
    assert 8192 < largest < 9000
    assert rows * largest <= 5 * MIB, (rows, largest)   # half of the 10 MiB limit
    assert rows >= 5 * MIB // 9000                        # and not needlessly small
    assert left == 0 and summary.rounds == -(-1500 // rows) + 1


@pytest.mark.postgres
def test_small_rows_use_half_of_the_row_limit_and_batch_rows_caps(pg_database, tmp_path):
    url = emulated(pg_database)
    summary = _deploy_two(url, tmp_path, rows=200, body_bytes=32, options=fast_options(batch_rows=70))
    assert summary.batch_rows["20260102000000_tag:3"] == 70 and summary.rounds == 4  # 70, 70, 60, then 0
    plan = batching.BatchSize.plan(3000, dsql_profile().limits, 100)
    assert plan.rows == 1500 and "3,000 rows" in plan.reason


@pytest.mark.postgres
def test_a_batch_refused_as_too_large_is_retried_smaller(pg_database, tmp_path):
    """Limits the engine believes to be larger than the server's: the emulation refuses 5,000 rows (54000), the
    engine halves the round to 2,500 and finishes."""
    url = emulated(pg_database)
    roomy = dataclasses.replace(dsql_profile(), limits={**dsql_profile().limits, "rows_per_transaction": 100_000,
                                                        "bytes_per_transaction": 10 ** 12})
    folder = write_folder(tmp_path, CREATE)
    run_deploy(url, folder, fast_options())
    _fill(url, 4000, 32)
    write_folder(tmp_path, {"20260102000000_tag": BACKFILL["20260102000000_tag"].replace("LIMIT 3000", "LIMIT 5000")})
    summary = run_deploy(url, folder, fast_options(profile=roomy))
    assert summary.batch_rows["20260102000000_tag:3"] == 2500
    with psycopg.connect(url) as conn:
        assert conn.execute('SELECT count(*) FROM "Doc" WHERE "tag" = \'new\'').fetchone()[0] == 4000


def test_limit_rewriting_leaves_literals_and_identifiers_alone():
    text = ("UPDATE \"T\" SET \"c\" = 'LIMIT 9' WHERE (\"id\") IN (SELECT \"id\" FROM \"T\" -- LIMIT 7\n"
            "WHERE \"c\" IS NULL LIMIT 3000)")
    assert batching.limit_of(text) == 3000
    lowered = batching.with_limit(text, 640)
    assert "LIMIT 640)" in lowered and "'LIMIT 9'" in lowered and "-- LIMIT 7" in lowered
    assert batching.with_limit(text, 5000) == text
    copy = ('INSERT INTO "public"."T_new" ("id") SELECT s."id" FROM "public"."T" s WHERE NOT EXISTS '
            '(SELECT 1 FROM "public"."T_new" t WHERE t."id" IS NOT DISTINCT FROM s."id") ORDER BY s."id" LIMIT 3000')
    assert batching.measured_tables(copy) == ['"public"."T_new"', '"public"."T"']


def test_slow_rounds_halve_the_next_and_refusals_stop_at_one_row():
    batch = batching.BatchSize.plan(3000, dsql_profile().limits, None)
    assert batch.seconds_limit == 300
    assert not batch.took(60) and batch.rows == 1500
    assert batch.took(120) and batch.rows == 750 and "120 s" in batch.reason
    one = batching.BatchSize(1, "x", 300.0)
    assert not one.shrink() and not one.took(299)


@pytest.mark.postgres
def test_a_slow_round_halves_the_next(pg_database, tmp_path):
    """Each round sleeps 0.4 s (an uncorrelated subquery runs once per round); with a 1 s transaction age limit a
    round over a third of it halves the next: 64, 32, 16 rows, and every row is still set."""
    url = emulated(pg_database)
    quick = dataclasses.replace(dsql_profile(), limits={**dsql_profile().limits, "transaction_seconds": 1})
    folder = write_folder(tmp_path, CREATE)
    run_deploy(url, folder, fast_options())
    _fill(url, 100, 32)
    write_folder(tmp_path, {"20260102000000_tag": """\
ALTER TABLE "Doc" ADD COLUMN "tag" TEXT;
-- prisma-dsql:repeat-until-zero-rows
UPDATE "Doc" SET "tag" = (SELECT 'new' FROM pg_sleep(0.4)) WHERE ("id") IN (SELECT "id" FROM "Doc" WHERE "tag" IS NULL LIMIT 64);
"""})
    summary = run_deploy(url, folder, fast_options(profile=quick))
    assert summary.batch_rows["20260102000000_tag:3"] < 16
    with psycopg.connect(url) as conn:
        assert conn.execute('SELECT count(*) FROM "Doc" WHERE "tag" = \'new\'').fetchone()[0] == 100
