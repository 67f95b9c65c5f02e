"""`prisma-dsql validate`: report what is wrong with a schema."""

from __future__ import annotations

import sys

import click

from prisma_dsql.cli.common import pick_schema, schema_options, use_color


@click.command()
@schema_options
@click.option("--no-color", is_flag=True, help="No ANSI colours.")
def validate(schema, schema_opt, no_color: bool) -> None:
    """Check SCHEMA (file or folder; found as Prisma does when omitted).

    Exit 0 when there are no errors, 1 when there are, 2 when the input
    cannot be read.
    """
    from prisma_dsql.diagnostics import Severity
    from prisma_dsql.loader import load
    from prisma_dsql.render.text import render

    loaded = load(pick_schema(schema, schema_opt))
    diagnostics = sorted(loaded.diagnostics, key=lambda d: d.sort_key())
    click.echo(render(diagnostics, loaded.sources, color=use_color(no_color)), nl=False)
    sys.exit(1 if any(d.severity is Severity.ERROR for d in diagnostics) else 0)
