"""Options and helpers shared by the commands."""

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
