"""`prisma-dsql validate`: what Prisma would reject and what Aurora DSQL cannot run.

Pipeline: load (parse + resolve: PSL findings) -> DSQL rules on the graph ->
inline suppressions -> configuration (ignores, severities) -> one renderer.

The DSQL rules run even when the schema has Prisma-level errors: the resolver
keeps only what it could resolve (a bad line is skipped, an unknown type
becomes a column of unknown SQL type, a broken relation is left out), and
every rule tolerates such a partial graph, so the user sees all problems in
one run. Findings about parts that did not resolve are simply absent.

Exit codes: 0 no errors (warnings and infos allowed), 1 errors (or warnings
with --strict; 0 with --exit-zero), 2 usage or unreadable input (schema or configuration).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from prisma_dsql.cli.common import pick_schema, schema_options, use_color

FORMATS = ("text", "json", "sarif", "github")


def run_validation(path: Path | None, *, config_path: Path | None = None, dsql_version: str | None = None,
                   target: str | None = None):
    """Load, check and filter; returns (loaded schema, diagnostics sorted by position, profile)."""
    from prisma_dsql import config, suppression
    from prisma_dsql.loader import discover, load
    from prisma_dsql.rules import check

    path = path if path is not None else discover()
    cfg, profile = config.settings(path, config_path, target=target, dsql_version=dsql_version)
    loaded = load(path)
    diagnostics = [*loaded.diagnostics, *check(loaded.schema, profile, cfg.translate)]
    diagnostics = suppression.apply(diagnostics, loaded.schema.comments, report_unused=profile.target == "dsql",
                                    disabled=cfg.disabled_codes)
    diagnostics = cfg.apply(diagnostics)
    diagnostics.sort(key=lambda d: d.sort_key())
    return loaded, diagnostics, profile


@click.command()
@schema_options
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Output format: text for people, json for tools, sarif for code scanning, github for "
                   "workflow annotations.")
@click.option("--strict", is_flag=True, help="Count warnings as errors (exit 1).")
@click.option("--exit-zero", is_flag=True,
              help="Exit 0 even when there are errors (CI steps that upload the report, e.g. SARIF, must run); "
                   "unreadable input still exits 2.")
@click.option("--dsql-version", metavar="YYYY-MM-DD", default=None,
              help="Check against DSQL's capabilities on this date (default: the newest known).")
@click.option("--target", type=click.Choice(("dsql", "postgres")), default=None,
              help="dsql (default) or postgres: plain PostgreSQL runs no DSQL rule.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="prisma-dsql.toml to use (default: beside the schema, else in the current directory).")
@click.option("--no-color", is_flag=True, help="No ANSI colours (also: NO_COLOR set).")
def validate(schema, schema_opt, fmt: str, strict: bool, exit_zero: bool, dsql_version: str | None,
             target: str | None, config_path: Path | None, no_color: bool) -> None:
    """Check SCHEMA (file or folder; found as Prisma does when omitted) for Prisma errors and for what
    Aurora DSQL cannot run.

    Exit 0 when there are no errors (or always, with --exit-zero), 1 when
    there are (or warnings, with --strict), 2 when the input or the
    configuration cannot be read.
    """
    from prisma_dsql import __version__
    from prisma_dsql.diagnostics import Severity

    loaded, diagnostics, profile = run_validation(pick_schema(schema, schema_opt), config_path=config_path,
                                                  dsql_version=dsql_version, target=target)
    version = profile.as_of.isoformat() if profile.as_of else None
    color = fmt == "text" and use_color(no_color)
    if fmt == "text":
        from prisma_dsql.render.text import render

        out = render(diagnostics, loaded.sources, color=color)
        out += f"Checked against {profile.describe()}.\n"
    elif fmt == "json":
        from prisma_dsql.render.json_format import render

        out = render(diagnostics, tool_version=__version__, target=profile.target, dsql_version=version)
    elif fmt == "sarif":
        from prisma_dsql.render.sarif import render

        out = render(diagnostics, tool_version=__version__, target=profile.target, dsql_version=version)
    else:
        from prisma_dsql.render.github import render

        out = render(diagnostics)
    # click strips ANSI codes when stdout is not a terminal unless told otherwise (FORCE_COLOR).
    click.echo(out, nl=False, color=color)
    failing = (Severity.ERROR, Severity.WARNING) if strict else (Severity.ERROR,)
    sys.exit(1 if not exit_zero and any(d.severity in failing for d in diagnostics) else 0)
