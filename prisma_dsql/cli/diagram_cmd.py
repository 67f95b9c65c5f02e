"""`prisma-dsql diagram`: an ER diagram of the schema, as SVG, Mermaid or an HTML page.

The SVG is laid out and drawn by prisma_dsql.diagram (no browser, no network, no other program).
Prisma-level errors are reported on standard error and the parts that resolved are drawn
(exit 1); unreadable input exits 2.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from prisma_dsql.cli.common import pick_schema, schema_options, use_color

FORMATS = ("svg", "mermaid", "html")


@click.command()
@schema_options
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="svg", show_default=True,
              help="svg: a picture; mermaid: an `erDiagram` for Markdown and GitHub; html: the picture in a "
                   "self-contained page.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (default: standard output).")
@click.option("--no-color", is_flag=True, help="No ANSI colours in diagnostics.")
def diagram(schema, schema_opt, fmt: str, output: Path | None, no_color: bool) -> None:
    """Draw SCHEMA's models, enums and relations (with cardinality) as an ER diagram."""
    from prisma_dsql.diagnostics import Severity
    from prisma_dsql.diagram import er, mermaid, svg
    from prisma_dsql.loader import load
    from prisma_dsql.render.text import render

    loaded = load(pick_schema(schema, schema_opt))
    diagnostics = sorted((d for d in loaded.diagnostics if d.severity is Severity.ERROR), key=lambda d: d.sort_key())
    if diagnostics:
        click.echo(render(diagnostics, loaded.sources, color=use_color(no_color, sys.stderr)), err=True, nl=False)
    drawing = er.build(loaded.schema)
    title = loaded.root.name if len(loaded.sources) > 1 else Path(loaded.sources[0].name).name
    if fmt == "mermaid":
        out = mermaid.render(drawing)
    elif fmt == "svg":
        out = svg.render(drawing, title)
    else:
        out = svg.page(drawing, title)
    if output is None:
        click.echo(out, nl=False)
    else:
        from prisma_dsql.fix import write_atomic

        write_atomic(output, out)
    sys.exit(1 if diagnostics else 0)
