"""How many rows one round of a ``-- prisma-dsql:repeat-until-zero-rows`` statement changes.

DSQL refuses a transaction that changes more than 3,000 rows or 10 MiB, or that runs longer than 300 s
(the profile's ``rows_per_transaction``, ``bytes_per_transaction``, ``transaction_seconds``). A batch
written as ``LIMIT 3000`` passes the byte limit once rows average ~3.4 KiB, so the deploy engine sizes
each batch at run time.

Contract
--------
* :func:`limit_of(text)` -> the ``LIMIT <n>`` of a batch statement (the largest, if several), or None;
  :func:`with_limit(text, n)` -> the statement with every ``LIMIT <m>`` lowered to ``min(m, n)``
  (string literals, quoted identifiers and comments are left alone).
* :func:`measured_tables(text)` -> the tables whose rows the statement writes or copies (after
  ``UPDATE``, ``INSERT INTO``, ``FROM``), as SQL names usable in a query.
* :func:`row_bytes(conn, tables)` -> bytes of an average row (the larger of the stored size,
  ``pg_column_size``, and the uncompressed text size, over a sample of :data:`SAMPLE_ROWS` rows per
  table), or None when nothing could be measured (empty tables, a refused query).
* :class:`BatchSize`: the rows of the next round. It starts at the smallest of the statement's own
  ``LIMIT``, ``share`` (default a half) of the row limit, ``share`` of the byte limit divided by the row
  size, and ``--batch-rows``; :meth:`BatchSize.shrink` halves it after DSQL refused a round as too large
  (54000), :meth:`BatchSize.took` halves it when a round ran longer than a third of the transaction age
  limit, so the next one stays well inside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from prisma_dsql.capabilities import DSQL_SQLSTATES

#: Rows read per table to estimate the average row size.
SAMPLE_ROWS = 1000
#: Default share of each DSQL limit one batch may use.
DEFAULT_SHARE = 0.5
#: SQLSTATE DSQL uses for "transaction too large" (rows, bytes) and for a too-old transaction.
TOO_LARGE = DSQL_SQLSTATES["limit_exceeded"]

_PIECES = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/|\bLIMIT\s+(\d+)\b",
                     re.IGNORECASE | re.DOTALL)


def limit_of(text: str) -> int | None:
    found = [int(m.group(1)) for m in _PIECES.finditer(text) if m.group(1)]
    return max(found) if found else None


def with_limit(text: str, rows: int) -> str:
    def lower(m: re.Match) -> str:
        if not m.group(1):
            return m.group(0)
        return f"LIMIT {min(int(m.group(1)), rows)}"

    return _PIECES.sub(lower, text)


def measured_tables(text: str) -> list[str]:
    from prisma_dsql.deploy.probe import _name
    from prisma_dsql.deploy.steps import _skip, _tokens

    toks = _tokens(text)
    names: list[str] = []
    for i, t in enumerate(toks):
        start = None
        if t.word == "update":
            start = _skip(toks, i + 1, "only")
        elif t.word == "into" and i > 0 and toks[i - 1].word == "insert":
            start = i + 1
        elif t.word == "from" and not (i > 0 and toks[i - 1].word == "distinct"):
            start = _skip(toks, i + 1, "only")
        if start is None:
            continue
        qualified, _, _ = _name(toks, start)
        if qualified and qualified not in names:
            names.append(qualified)
    return names


def row_bytes(conn, tables: list[str]) -> int | None:
    """The largest average row size among ``tables`` (see the module docstring)."""
    import psycopg

    sizes = []
    for table in tables:
        try:
            row = conn.execute(f"SELECT avg(pg_column_size(s.*)), avg(octet_length(s.*::text)) "
                               f"FROM (SELECT * FROM {table} LIMIT {SAMPLE_ROWS}) s").fetchone()
        except psycopg.Error:
            continue  # a CTE name or a function after FROM: nothing to measure there
        if row is not None:
            sizes += [int(v) for v in row if v is not None]
    return max(sizes) if sizes else None


@dataclass
class BatchSize:
    rows: int
    #: Why it is that size, for the progress line.
    reason: str
    seconds_limit: float | None = None

    @classmethod
    def plan(cls, written: int | None, limits: dict[str, int], row_size: int | None, cap: int | None = None,
             share: float = DEFAULT_SHARE) -> BatchSize:
        choices: list[tuple[int, str]] = []
        if written is not None:
            choices.append((written, f"the statement's LIMIT {written:,}"))
        max_rows = limits.get("rows_per_transaction")
        if max_rows:
            choices.append((max(1, int(max_rows * share)), f"{share:.0%} of {max_rows:,} rows a transaction"))
        max_bytes = limits.get("bytes_per_transaction")
        if max_bytes and row_size:
            choices.append((max(1, int(max_bytes * share) // row_size),
                            f"{share:.0%} of {max_bytes // (1024 * 1024)} MiB a transaction at ~{_size(row_size)} "
                            "a row"))
        if cap is not None:
            choices.append((cap, f"--batch-rows {cap:,}"))
        if not choices:
            return cls(1000, "no limit known", None)
        rows, reason = min(choices, key=lambda c: c[0])
        seconds = limits.get("transaction_seconds")
        return cls(rows, reason, float(seconds) if seconds else None)

    def shrink(self) -> bool:
        """Halve after a round was refused as too large; False when already one row."""
        if self.rows <= 1:
            return False
        self.rows = max(1, self.rows // 2)
        self.reason = "halved after DSQL refused a batch as too large (54000)"
        return True

    def took(self, seconds: float) -> bool:
        """Halve when a round used more than a third of the transaction age limit; True when it did."""
        if self.seconds_limit is None or seconds <= self.seconds_limit / 3 or self.rows <= 1:
            return False
        self.rows = max(1, self.rows // 2)
        self.reason = f"halved after a batch took {seconds:.0f} s (transactions end at {self.seconds_limit:.0f} s)"
        return True


def _size(n: int) -> str:
    return f"{n / 1024:.1f} KiB" if n >= 1024 else f"{n} B"
