"""`prisma-dsql dev`: a local Aurora DSQL for development (docs/dev.md).

Runs until SIGINT / SIGTERM. Prints `DATABASE_URL=postgresql://...` on a line of its own once it accepts
connections. Exit codes: 0 stopped cleanly, 2 usage (bad --dsql-version, busy port, unusable data folder,
no embedded PostgreSQL on this machine).
"""

from __future__ import annotations

from pathlib import Path

import click

#: Where the data lives when --data-dir is not given: in the project, next to Prisma's own folder.
DEFAULT_DATA_DIR = Path(".prisma-dsql") / "dev"


@click.command("dev")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help=f"Folder of the database, kept between runs (default: {DEFAULT_DATA_DIR} in the current folder).")
@click.option("--port", type=int, default=5432, show_default=True,
              help="TCP port on 127.0.0.1 that clients connect to (0: any free port).")
@click.option("--dsql-version", default=None, metavar="YYYY-MM-DD",
              help="Behave as Aurora DSQL did on this date (default: the newest known).")
def dev(data_dir: Path | None, port: int, dsql_version: str | None) -> None:
    """Run a local Aurora DSQL: PostgreSQL 16 that refuses what DSQL refuses, for every client."""
    from prisma_dsql.capabilities import dsql_profile
    from prisma_dsql.errors import UsageError
    from prisma_dsql.localdsql.dev import run

    try:
        profile = dsql_profile(dsql_version)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    run(data_dir if data_dir is not None else DEFAULT_DATA_DIR, port, profile)
