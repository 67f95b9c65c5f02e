"""The local Aurora DSQL's cost: round trips through the proxy against the same server directly.

    python benchmarks/bench_localdsql.py            # Markdown table
    python benchmarks/bench_localdsql.py --n 2000 --json

One throwaway LocalDsql (embedded PostgreSQL 16 + proxy). Measured, each direct (Unix socket, no rules)
and through the proxy (TCP, rules, row counting): `SELECT 1` round trips (simple protocol), single-row
INSERTs with a parameter in autocommit (extended protocol; the proxy's statement triggers count each row),
one INSERT of 3,000 rows, and the proxy's check of one 1.3 MB statement (the rules' regexes on the masked
text, in-process). Start-up time of the whole (initdb + start + install) is reported too.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]


def _per_op(conn: psycopg.Connection, n: int, sql: str, params=None) -> float:
    t0 = time.perf_counter()
    for i in range(n):
        conn.execute(sql, (i,) if params else None)
    return (time.perf_counter() - t0) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from prisma_dsql.capabilities import dsql_profile
    from prisma_dsql.localdsql.server import LocalDsql
    from prisma_dsql.localdsql.session import Session

    t0 = time.perf_counter()
    local = LocalDsql()
    start = time.perf_counter() - t0
    results: dict[str, float] = {"start-up (s)": round(start, 2)}
    try:
        proxied = local.create_database("bench")
        direct = local.direct_url(proxied.rsplit("/", 1)[1])
        for label, url in (("direct", direct), ("proxy", proxied)):
            with psycopg.connect(url, autocommit=True) as c:
                c.execute(f"CREATE TABLE b_{label} (id bigint PRIMARY KEY, v text)")
                results[f"SELECT 1, {label} (us)"] = round(_per_op(c, args.n, "SELECT 1"))
                results[f"INSERT 1 row, {label} (us)"] = round(
                    _per_op(c, args.n, f"INSERT INTO b_{label} (id) VALUES (%s)", True))
                t1 = time.perf_counter()
                c.execute(f"INSERT INTO b_{label} SELECT g, 'x' FROM generate_series(100000, 102999) g")
                results[f"INSERT 3000 rows, {label} (ms)"] = round((time.perf_counter() - t1) * 1e3, 1)
    finally:
        local.stop()
    big = "INSERT INTO t (id, a) VALUES " + ",".join(f"({i}, 'some text value {i}')" for i in range(40000))
    session = Session(dsql_profile())
    t2 = time.perf_counter()
    session.simple_query(big)
    results["check of a 1.3 MB statement (s)"] = round(time.perf_counter() - t2, 2)
    if args.json:
        print(json.dumps(results))
        return
    print("| measure | value |\n|---|---|")
    for key, value in results.items():
        print(f"| {key} | {value} |")


if __name__ == "__main__":
    main()
