"""``deploy --rehearse``: apply the whole migrations folder to a throwaway embedded PostgreSQL that behaves as
Aurora DSQL does (prisma_dsql.rehearsal), report, and remove it.

Contract: :func:`rehearse(folder, options, reporter, emulation=None)` -> :class:`~prisma_dsql.deploy.engine.Summary`,
raising the engine's errors (a statement DSQL would refuse fails here with its line and the reason). The server
and its data are removed whatever happens. :func:`emulator_factory(url, emulation)` adapts the rehearsal's
``emulator.connect(url, options, **kwargs)`` to the ``factory(conninfo, **kwargs)`` shape of
:func:`prisma_dsql.connect.open_connection` (the URL is the rehearsal database's; only connection flags such as
``autocommit`` are passed on).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from prisma_dsql.deploy.engine import DeployOptions, Summary, deploy
from prisma_dsql.deploy.progress import Reporter

#: Jobs in the rehearsal take this long (seconds, uniform): real DSQL builds take 5-30 s; the rehearsal proves
#: ordering and waits, not timing.
REHEARSAL_JOB_SECONDS = (0.05, 0.3)


def emulator_factory(url: str, emulation=None):
    from prisma_dsql.rehearsal import emulator

    emulation = emulation if emulation is not None else emulator.EmulationOptions(job_seconds=REHEARSAL_JOB_SECONDS)
    passed_on = ("autocommit", "row_factory", "prepare_threshold")

    def factory(conninfo: str = "", **kwargs):
        return emulator.connect(url, emulation, **{k: v for k, v in kwargs.items() if k in passed_on})

    return factory


def rehearse(folder: Path, options: DeployOptions | None = None, reporter: Reporter | None = None,
             emulation=None) -> Summary:
    from prisma_dsql.connect import Connector, resolve_spec
    from prisma_dsql.deploy.folder import check_folder, read_folder
    from prisma_dsql.rehearsal import emulator
    from prisma_dsql.rehearsal.embedded import start_embedded

    check_folder(read_folder(folder), dsql=True)  # a folder DSQL cannot run is reported before a server starts
    # A throwaway database built from the folder: where a migration was planned from is the real database's question.
    options = replace(options or DeployOptions(), check_fingerprint=False)
    if emulation is None:  # the local Aurora DSQL (prisma_dsql.localdsql), as `prisma-dsql dev` runs it
        from prisma_dsql.localdsql.server import LocalDsql

        with LocalDsql(profile=options.profile, job_seconds=REHEARSAL_JOB_SECONDS) as local:
            with Connector(resolve_spec(url=local.create_database("rehearsal"), env={})) as connector:
                return deploy(connector, folder, options, reporter)
    with start_embedded() as pg:
        url = pg.create_database("rehearsal")
        emulator.install(url)
        factory = emulator_factory(url, emulation)
        with Connector(resolve_spec(url=url, env={}), factory=factory) as connector:
            summary = deploy(connector, folder, options, reporter)
    return summary
