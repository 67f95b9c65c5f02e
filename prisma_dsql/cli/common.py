"""Options and helpers shared by the commands: the schema argument, the target options, colour, and printing
findings and refusals. Every command module imports from here (and from prisma_dsql.project), never from
another command module, so the command modules import each other in one direction only."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from prisma_dsql.errors import UsageError


def schema_options(f):
    """`[SCHEMA]` positional and `--schema PATH` (Prisma's spelling); at most one."""
    f = click.option("--schema", "schema_opt", type=click.Path(path_type=Path), default=None,
                     help="Schema file or folder (same as the SCHEMA argument).")(f)
    f = click.argument("schema", required=False, type=click.Path(path_type=Path))(f)
    return f


def pick_schema(schema: Path | None, schema_opt: Path | None) -> Path | None:
    if schema is not None and schema_opt is not None and schema != schema_opt:
        raise UsageError("give the schema either as an argument or with --schema, not both")
    return schema if schema is not None else schema_opt


def use_color(no_color: bool, stream=None) -> bool:
    """Colour only on a terminal, and never with --no-color or NO_COLOR set."""
    if no_color or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    stream = stream or sys.stdout
    return hasattr(stream, "isatty") and stream.isatty()


TARGET_CHOICE = click.Choice(["dsql", "postgres"])


def target_options(f):
    f = click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
                     help="prisma-dsql.toml to use (default: beside the schema, else in the current directory).")(f)
    f = click.option("--identity-cache", type=int, default=None,
                     help="CACHE of identity columns made from autoincrement(): 1 (dense ids) or >= 65536 "
                          "(default: prisma-dsql.toml, else 65536).")(f)
    f = click.option("--dsql-version", default=None, metavar="YYYY-MM-DD",
                     help="Generate for Aurora DSQL as of this date (default: prisma-dsql.toml, else the newest "
                          "known).")(f)
    f = click.option("--target", type=TARGET_CHOICE, default=None,
                     help="dsql (default): what Aurora DSQL accepts; postgres: exactly what Prisma generates.")(f)
    return f


def report(diagnostics, sources, no_color: bool, *, all_severities: bool) -> None:
    """Findings on stderr: errors and warnings always; notes only when asked (they explain, not warn)."""
    from prisma_dsql.diagnostics import Severity
    from prisma_dsql.render.text import render

    shown = [d for d in diagnostics if all_severities or d.severity is not Severity.INFO]
    notes = len(diagnostics) - len(shown)
    if shown:
        click.echo(render(shown, sources, color=use_color(no_color, sys.stderr)), nl=False, err=True)
    if notes:
        click.echo(f"({notes} note{'s' if notes != 1 else ''} on how the schema is translated: "
                   "`prisma-dsql validate` shows them)", err=True)


def refuse(generated, sources, no_color: bool) -> None:
    """Print why no migration was written (findings, problems, the refusal) and exit 1."""
    report(generated.diagnostics, sources, no_color, all_severities=False)
    from prisma_dsql.render.safe import message as safe

    for text, span, _code in generated.problems:
        where = f"{span.file}:{span.line}:{span.column}: " if span else ""
        click.echo(safe(f"{where}error: {text}"), err=True)
    click.echo(safe(f"error: no migration written: {generated.refusal}."), err=True)
    sys.exit(1)
