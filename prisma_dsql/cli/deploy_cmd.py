"""`prisma-dsql deploy|status` and `prisma-dsql migrate deploy|status|resolve`: thin click commands over
prisma_dsql.deploy (the engine, status and resolve live there).

Exit codes: deploy 0 applied (or nothing to apply), 1 stopped (a failed statement or job, the lock held, an
unreachable database, a migration to resolve first), 2 usage or unreadable folder. status: Prisma's, 0 up to
date, 1 anything pending, failed, interrupted, edited or missing locally. resolve: 0 done, 1 refused.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from prisma_dsql.cli.connection_opts import connection_options, spec_from_options


def _folder_options(f):
    f = click.option("--schema", "schema", type=click.Path(path_type=Path), default=None,
                     help="Schema file or folder: its migrations folder is used (Prisma's default).")(f)
    f = click.option("--migrations-dir", type=click.Path(path_type=Path), default=None,
                     help="Migrations folder (default: prisma.config.ts migrations.path, else next to the schema, "
                          "else prisma/migrations).")(f)
    return f


def migrations_folder(migrations_dir: Path | None, schema: Path | None, cwd: Path | None = None) -> Path:
    """Prisma's choice: --migrations-dir; prisma.config.ts `migrations.path`; next to the schema (the file
    holding the datasource, for a folder schema); ./prisma/migrations."""
    if migrations_dir is not None:
        return migrations_dir
    from prisma_dsql.errors import PrismaDsqlError

    cwd = cwd or Path.cwd()
    config = cwd / "prisma.config.ts"
    if config.is_file():
        from prisma_dsql.prisma_config import read_prisma_config

        cfg = read_prisma_config(config)
        if cfg.reason_for("migrations.path") is None and cfg.migrations_path is not None:
            return cwd / cfg.migrations_path
    if schema is None:
        try:
            from prisma_dsql.loader import discover

            schema = discover(cwd)
        except PrismaDsqlError:
            return cwd / "prisma" / "migrations"
    if schema.is_dir():
        try:
            from prisma_dsql.cli.migrate_cmd import default_migrations_dir
            from prisma_dsql.loader import load

            return default_migrations_dir(load(schema), cwd)
        except PrismaDsqlError:
            return schema / "migrations"
    return schema.parent / "migrations"


@contextmanager
def _database_errors(spec=None):
    """Driver errors outside a statement (reading history, resolve) as one clear, secret-free line."""
    import psycopg

    from prisma_dsql.errors import PrismaDsqlError
    from prisma_dsql.redact import redact

    try:
        yield
    except psycopg.Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        state = getattr(exc, "sqlstate", None)
        err = PrismaDsqlError(redact(f"database error{' ' + state if state else ''}: {first}",
                                     spec.secrets() if spec is not None else ()))
        err.exit_code = 1
        raise err from None


def _connector(spec):
    from prisma_dsql.connect import Connector

    return Connector(spec)


@click.command("deploy")
@_folder_options
@connection_options
@click.option("--max-jobs", type=click.IntRange(1, 10_000), default=None,
              help="Async jobs (index builds, validations) running at once (default 64).")
@click.option("--max-retries", type=click.IntRange(0, 1000), default=None,
              help="Retries of one statement after OCC conflicts (40001) or a lost connection (default 8).")
@click.option("--lock-wait", type=click.FloatRange(0), default=None,
              help="Seconds to wait for another deploy's lock before giving up (default 120).")
@click.option("--lock-lease", type=click.FloatRange(0.5), default=None, hidden=True,
              help="Seconds a lock lease lasts without renewal (default 60).")
@click.option("--batch-rows", type=click.IntRange(1, 1_000_000), default=None, metavar="N",
              help="Rows one round of a batched backfill or copy changes at most (default: from the measured row "
                   "size, within half of DSQL's 3,000 rows and 10 MiB per transaction).")
@click.option("--skip-fingerprint-check", is_flag=True,
              help="Do not refuse a database that is not where the first pending migration was planned from "
                   "(for migrations edited by hand).")
@click.option("--skip-precondition-check", is_flag=True,
              help="Run each migration without first checking that no row already in the database makes one of its "
                   "statements fail (duplicates for a new unique, NULLs for a new required column, ...).")
@click.option("--dsql-version", default=None, metavar="YYYY-MM-DD",
              help="Aurora DSQL as of this date: the rules --rehearse enforces and the limits batches are sized "
                   "by (default: the newest known).")
@click.option("--dry-run", is_flag=True, help="Print every statement and wait that would run; change nothing.")
@click.option("--rehearse", is_flag=True,
              help="Apply the folder to a throwaway local PostgreSQL that enforces DSQL's rules, then remove it.")
@click.option("--quiet", "-q", is_flag=True, help="Only the summary and errors.")
def deploy(migrations_dir, schema, url, endpoint, user, region, profile, sslrootcert, max_jobs, max_retries, lock_wait,
           lock_lease, batch_rows, skip_fingerprint_check, skip_precondition_check, dsql_version, dry_run, rehearse,
           quiet) -> None:
    """Apply pending migrations to Aurora DSQL (or PostgreSQL), one statement per transaction, keeping
    Prisma's _prisma_migrations history. Resumes an interrupted deploy where it stopped."""
    from dataclasses import replace

    from prisma_dsql.connect import MissingTarget
    from prisma_dsql.deploy.engine import DeployOptions
    from prisma_dsql.deploy.progress import reporter_for
    from prisma_dsql.deploy.runner import RetryPolicy
    from prisma_dsql.errors import UsageError

    folder_path = migrations_folder(migrations_dir, schema)
    options = DeployOptions()
    if max_jobs is not None:
        options = replace(options, max_jobs=max_jobs)
    if max_retries is not None:
        options = replace(options, retry=replace(RetryPolicy(), max_retries=max_retries))
    if lock_wait is not None:
        options = replace(options, lock_wait=lock_wait)
    if lock_lease is not None:
        options = replace(options, lock_lease=lock_lease)
    if batch_rows is not None:
        options = replace(options, batch_rows=batch_rows)
    if skip_precondition_check:
        options = replace(options, check_preconditions=False)
    if skip_fingerprint_check:
        options = replace(options, check_fingerprint=False)
    if dsql_version is not None:
        from prisma_dsql.capabilities import dsql_profile

        try:
            options = replace(options, profile=dsql_profile(dsql_version))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    reporter = reporter_for(sys.stdout, quiet=quiet)

    if rehearse:
        if url or endpoint:
            raise UsageError("--rehearse uses its own throwaway database; drop --url/--endpoint")
        if dry_run:
            raise UsageError("--rehearse and --dry-run do not go together")
        from prisma_dsql.deploy.rehearse import rehearse as run_rehearsal

        click.echo(f"Rehearsing {folder_path} on a throwaway PostgreSQL that enforces Aurora DSQL's rules...")
        summary = run_rehearsal(folder_path, options, reporter)
        _print_summary(summary)
        click.echo("Rehearsal passed: every statement ran as DSQL requires (one DDL per transaction, no DDL with "
                   "DML, supported forms and types, async jobs waited for). It does not prove OCC conflict "
                   "behaviour, real job timing or cluster limits; the throwaway database was removed.")
        return

    try:
        spec = spec_from_options(url, endpoint, user, region, profile, sslrootcert=sslrootcert)
    except MissingTarget as exc:
        if not dry_run:
            raise MissingTarget(f"{exc}; or rehearse on a throwaway local database with --rehearse") from None
        spec = None
    if dry_run:
        _dry_run(folder_path, spec, options)
        return
    from prisma_dsql.deploy.engine import deploy as run_deploy

    click.echo(f"Deploying {folder_path} to {spec.describe()}")
    with _database_errors(spec), _connector(spec) as connector:
        summary = run_deploy(connector, folder_path, options, reporter)
    if quiet:
        for warning in summary.warnings:
            click.echo(f"warning: {warning}", err=True)
    _print_summary(summary)


def _print_summary(summary) -> None:
    click.echo(summary.text())


def _dry_run(folder_path: Path, spec, options) -> None:
    from prisma_dsql.deploy import history
    from prisma_dsql.deploy.dryrun import plan
    from prisma_dsql.deploy.folder import read_folder

    from prisma_dsql.deploy.jobs import has_jobs

    folder = read_folder(folder_path)
    rows = None
    plain = False
    if spec is not None:
        with _database_errors(spec), _connector(spec) as connector:
            rows = history.read(connector.connection())
            plain = not has_jobs(connector.connection())
        click.echo(f"-- dry run against {spec.describe()}: nothing is changed"
                   + (" (plain PostgreSQL: no sys.jobs)" if plain else ""))
    else:
        click.echo("-- dry run without a database (no --url): every migration is shown as pending")
    for line in plan(folder, rows, options.max_jobs, plain_postgres=plain):
        click.echo(line)


@click.command("status")
@_folder_options
@connection_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def status(migrations_dir, schema, url, endpoint, user, region, profile, sslrootcert, fmt) -> None:
    """List applied, pending, failed, interrupted and edited migrations (exit 1 unless up to date)."""
    from prisma_dsql.deploy import history
    from prisma_dsql.deploy.folder import read_folder
    from prisma_dsql.deploy.status import status as compute

    folder_path = migrations_folder(migrations_dir, schema)
    folder = read_folder(folder_path)
    spec = spec_from_options(url, endpoint, user, region, profile, sslrootcert=sslrootcert)
    with _database_errors(spec), _connector(spec) as connector:
        conn = connector.connection()
        present = history.exists(conn)
        rows = history.read(conn) if present else []
    st = compute(rows, folder, history_table=present)
    if fmt == "json":
        click.echo(json.dumps({"database": spec.describe(), "migrationsDir": str(folder_path), **st.as_dict()},
                              indent=2, default=str))
    else:
        click.echo(f"Database: {spec.describe()}")
        click.echo(st.text(folder_path))
    sys.exit(st.exit_code)


@click.command("resolve")
@_folder_options
@connection_options
@click.option("--applied", "applied", default=None, metavar="NAME", help="Record migration NAME as applied.")
@click.option("--rolled-back", "rolled_back", default=None, metavar="NAME",
              help="Record the failed migration NAME as rolled back.")
def resolve(migrations_dir, schema, url, endpoint, user, region, profile, sslrootcert, applied, rolled_back) -> None:
    """Settle a failed migration as Prisma's `migrate resolve` does."""
    from prisma_dsql.deploy.folder import read_folder
    from prisma_dsql.deploy.status import resolve_applied, resolve_rolled_back
    from prisma_dsql.errors import UsageError

    if (applied is None) == (rolled_back is None):
        raise UsageError("give exactly one of --applied NAME or --rolled-back NAME")
    folder_path = migrations_folder(migrations_dir, schema)
    folder = read_folder(folder_path) if applied is not None else None
    spec = spec_from_options(url, endpoint, user, region, profile, sslrootcert=sslrootcert)
    with _database_errors(spec), _connector(spec) as connector:
        conn = connector.connection()
        message = resolve_applied(conn, folder, applied) if applied is not None else resolve_rolled_back(conn,
                                                                                                        rolled_back)
    click.echo(message)
