"""`prisma-dsql doctor [--endpoint HOST | --url URL]`: a thin click command over prisma_dsql.doctor.

Exit codes: 0 healthy, 1 a problem found (each printed with what to do), 2 usage (no target, a malformed URL).
After the probes ran, their verdicts are recorded in prisma-dsql.toml's [capabilities] table (the file that
applies in the current folder, or --config PATH; created when missing; nothing else in it changes), unless
--no-record.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from prisma_dsql.cli.connection_opts import connection_options, spec_from_options


@click.command("doctor")
@connection_options
@click.option("--no-probes", is_flag=True, help="Check the connection only; create nothing on the server.")
@click.option("--no-record", is_flag=True, help="Print the probe verdicts; do not write them to prisma-dsql.toml.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="The prisma-dsql.toml to record the verdicts in (default: the one found here, else a new "
                   "./prisma-dsql.toml).")
def doctor(url, endpoint, user, region, profile, sslrootcert, no_probes, no_record, config_path) -> None:
    """Diagnose the connection step by step (DNS, TCP, TLS trust store, IAM, login, permissions), then probe
    the undocumented DSQL behaviour prisma-dsql relies on, in a scratch schema it drops afterwards."""
    import datetime as dt

    from prisma_dsql import config
    from prisma_dsql.doctor import diagnose

    spec = spec_from_options(url, endpoint, user, region, profile, sslrootcert=sslrootcert)
    report = diagnose(spec, probes=not no_probes)
    click.echo(report.text())
    if report.verdicts and not no_record:
        path = config_path or config.find(None) or Path.cwd() / config.FILE_NAME
        config.record_capabilities(path, report.verdicts, dt.date.today().isoformat(), spec.host)
        click.echo(f"Recorded {len(report.verdicts)} verdicts in {path} [capabilities]: plans for this project "
                   "use what this cluster does.")
    sys.exit(report.exit_code)
