"""``prisma-dsql dev``'s loop: start the local DSQL, print its URL, stop on SIGINT / SIGTERM.

Contract: :func:`run(data_dir, port, profile, out=print)` blocks until SIGINT or SIGTERM, then stops the
proxy, the job workers and PostgreSQL (no process is left behind) and returns.  The URL line
(``DATABASE_URL=postgresql://postgres@127.0.0.1:PORT/postgres``) is printed, and flushed, only once the
proxy accepts connections; it holds no secret (the server trusts local connections).  Errors are
:class:`~prisma_dsql.errors.PrismaDsqlError` (exit 2): a busy port, an unusable data folder, no embedded
PostgreSQL here.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from typing import Callable

from prisma_dsql.capabilities import Profile

__all__ = ["run"]


def _say(text: str) -> None:
    print(text, flush=True)


def _note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run(data_dir: Path, port: int, profile: Profile, out: Callable[[str], None] = _say,
        note: Callable[[str], None] = _note) -> None:
    from prisma_dsql.localdsql.server import LocalDsql
    from prisma_dsql.rehearsal.embedded import URL_HINT, EmbeddedUnavailable

    stop = threading.Event()
    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, lambda *_: stop.set())
    try:
        try:
            local = LocalDsql(data_dir, port=port, profile=profile)
        except EmbeddedUnavailable as exc:
            if exc.hint == URL_HINT:  # `dev` has no --url: say why only
                raise EmbeddedUnavailable(exc.why, hint="") from None
            raise
        with local:
            note(f"local Aurora DSQL ({profile.describe()}) on PostgreSQL {local.version}, data in {data_dir}")
            out(f"DATABASE_URL={local.url}")
            note("press Ctrl-C to stop")
            while not stop.wait(0.5):
                pass
            note("stopping")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
