"""`prisma-dsql db pull`: read a live database back into a Prisma schema (prisma_dsql.pull).

Thin: options, where the text goes, and messages. The schema written is `SCHEMA` (or the one
Prisma would find; `prisma/schema.prisma` when there is none), re-introspected when it exists;
`--print` writes to stdout instead and leaves every file alone. The file is replaced atomically
(a temporary file renamed over it), so an interrupted pull never leaves half a schema.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from prisma_dsql.cli.common import pick_schema, schema_options
from prisma_dsql.cli.connection_opts import connection_options, spec_from_options
from prisma_dsql.errors import InputError, PrismaDsqlError, UsageError

DEFAULT_SCHEMA = Path("prisma") / "schema.prisma"


class EmptyDatabase(PrismaDsqlError):
    """The database holds no table or enum to pull (Prisma's P4001)."""

    exit_code = 1


@click.group("db")
def db() -> None:
    """Work with the database directly."""


@db.command("pull")
@schema_options
@connection_options
@click.option("--print", "to_stdout", is_flag=True, help="Write the schema to stdout; change no file.")
@click.option("--target", type=click.Choice(["dsql", "postgres"]), default=None,
              help="How to read the database (default: dsql for an Aurora DSQL endpoint, else postgres).")
def pull(schema, schema_opt, url, endpoint, user, region, profile, sslrootcert, to_stdout, target) -> None:
    """Read a database into a Prisma schema: enums from this tool's domains, identity columns as
    autoincrement(), NOT NULL checks as required fields, foreign keys as relation fields on both
    sides, join tables as many-to-many lists. With an existing SCHEMA its datasource, generators,
    comments, model order and names are kept."""
    from prisma_dsql.capabilities import profile_for
    from prisma_dsql.connect import MissingTarget
    from prisma_dsql.loader import discover, load, schema_files
    from prisma_dsql.pull import pull_database
    from prisma_dsql.render.safe import visible

    path = pick_schema(schema, schema_opt)
    if path is None:
        try:
            path = discover()
        except InputError:
            path = DEFAULT_SCHEMA
    existing = None
    if path.is_dir():  # a schema folder: its one file, or a usage error
        files = schema_files(path)[1]
        if len(files) != 1:
            raise UsageError(f"{path} is a folder of {len(files)} .prisma files: db pull re-introspects one schema "
                             "file; pass that file")
        path = files[0]
    if path.exists():
        existing = load(path)
        broken = [d for d in existing.diagnostics if d.severity.name == "ERROR"]
        if broken:
            d = broken[0]
            raise InputError(f"{path} has {len(broken)} error(s) (first: line {d.span.line if d.span else '?'}: "
                             f"{d.message}); fix the schema (prisma-dsql validate) before pulling into it")
    try:
        spec = spec_from_options(url, endpoint, user, region, profile, sslrootcert=sslrootcert)
    except MissingTarget:
        raise UsageError("no database to pull from: pass --url postgresql://... (or set DATABASE_URL, or the "
                         "datasource url of prisma.config.ts), or --endpoint <cluster id>.dsql.<region>.on.aws "
                         "for Aurora DSQL") from None
    chosen = profile_for(target) if target else None
    schemas = (spec.schema,) if spec.schema else None
    if existing is not None and existing.schema.datasource and existing.schema.datasource.schemas:
        schemas = existing.schema.datasource.schemas
    result = pull_database(spec, existing=existing, profile=chosen, schemas=schemas)
    if result.models == 0 and result.enums == 0:
        raise EmptyDatabase(f"the database {spec.describe()} holds no table or enum to pull"
                            + (f" in the schemas {', '.join(schemas)}" if schemas else ""))
    for warning in result.warnings:  # database names can hold anything: shown escaped
        click.echo(f"warning: {visible(warning)}", err=True)
    if to_stdout:
        click.echo(result.text, nl=False)
        return
    if existing is not None and existing.sources[0].text == result.text:
        click.echo(visible(f"Introspected {result.summary()} from {spec.describe()}; {path} is unchanged"), err=True)
        return
    _write(path, result.text)
    verb = "re-introspected into" if existing is not None else "wrote"
    click.echo(visible(f"Introspected {result.summary()} from {spec.describe()}; {verb} {path}"), err=True)


def _write(path: Path, text: str) -> None:
    """Replace `path` with `text` atomically (same folder, then rename), keeping its permissions; a
    symbolic link is written through (the link stays a link)."""
    path = Path(os.path.realpath(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = path.stat().st_mode & 0o777 if path.exists() else None
        fd, temp = tempfile.mkstemp(prefix=".prisma-dsql-", suffix=".prisma", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            if mode is not None:
                os.chmod(temp, mode)
            os.replace(temp, path)
        except BaseException:
            if os.path.exists(temp):
                os.unlink(temp)
            raise
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
