"""`prisma-dsql parse`: the schema graph, for humans or as JSON for tools.

Names and values from the schema are printed with control characters visible and, in
JSON, characters a terminal would act on (and lone surrogates) as `\\uXXXX` escapes."""

from __future__ import annotations

import sys

import click

from prisma_dsql.cli.common import pick_schema, schema_options, use_color


@click.command()
@schema_options
@click.option("--json", "as_json", is_flag=True, help="Print the graph as JSON (see docs/graph-json.md).")
@click.option("--no-color", is_flag=True, help="No ANSI colours in diagnostics.")
def parse(schema, schema_opt, as_json: bool, no_color: bool) -> None:
    """Parse and resolve SCHEMA; print its graph (exit 1 if it has errors)."""
    from prisma_dsql.diagnostics import Severity
    from prisma_dsql.loader import load
    from prisma_dsql.render.safe import dump_json, visible
    from prisma_dsql.render.text import render
    from prisma_dsql.schema.export import to_json

    loaded = load(pick_schema(schema, schema_opt))
    diagnostics = sorted(loaded.diagnostics, key=lambda d: d.sort_key())
    has_errors = any(d.severity is Severity.ERROR for d in diagnostics)
    if diagnostics:
        click.echo(render(diagnostics, loaded.sources, color=use_color(no_color, sys.stderr)), err=True, nl=False)
    if as_json:
        click.echo(dump_json(to_json(loaded.schema), indent=2))
    else:
        s = loaded.schema
        click.echo(f"{len(s.models)} models, {len(s.views)} views, {len(s.enums)} enums, "
                   f"{len(s.composite_types)} composite types, {len(s.relations)} relations "
                   f"in {len(loaded.sources)} file{'s' if len(loaded.sources) != 1 else ''}")
        for mdl in s.models:
            click.echo(visible(f"  model {mdl.name}" + (f" -> {mdl.db_name}" if mdl.db_name != mdl.name else "")
                               + f" ({len(mdl.fields)} fields)"))
        for e in s.enums:
            click.echo(visible(f"  enum {e.name} ({', '.join(v.name for v in e.values)})"))
    sys.exit(1 if has_errors else 0)
