"""`prisma-dsql migrate`: write migrations in Prisma's folder, and the `migrate <sub>` commands.

    prisma-dsql migrate --from-empty [SCHEMA] [--name init] [--migrations-dir DIR] [--script]
                        [--target dsql|postgres] [--dsql-version YYYY-MM-DD] [--identity-cache 1|65536]
    prisma-dsql migrate [--name NAME] [SCHEMA]        the next migration (= `migrate dev`)
    prisma-dsql migrate dev|diff|deploy|status|resolve ...   (SUBCOMMANDS below)

Exit codes: 0 written/printed; 1 refused (schema errors, DSQL findings, changes
not allowed, a folder that already holds migrations or another provider's lock);
2 usage, unreadable input, or a folder that cannot be written.
"""

from __future__ import annotations

from pathlib import Path

import click

from prisma_dsql.cli.common import TARGET_CHOICE, pick_schema, refuse, report, target_options  # noqa: F401

#: Kept for callers of the old names (prisma_dsql.cli.deploy_cmd imports default_migrations_dir).
_report, _refuse = report, refuse


def _settings(schema_path: Path | None, config_path: Path | None, target: str | None, dsql_version: str | None,
              identity_cache: int | None):
    """(profile, translate options, adjust) for a schema: :meth:`prisma_dsql.project.Project.settings`."""
    from prisma_dsql.project import Project

    return Project(schema=schema_path, config_path=config_path).settings(target, dsql_version, identity_cache)


def default_migrations_dir(loaded, cwd: Path | None = None) -> Path:
    """Where Prisma keeps migrations (:attr:`prisma_dsql.project.Project.migrations_dir`): prisma.config.ts
    `migrations.path` (read as data, never run; a computed path asks for --migrations-dir), else next to the
    schema file that holds the datasource."""
    from prisma_dsql.project import Project

    return Project(cwd=cwd, loaded=loaded).migrations_dir


#: `prisma-dsql migrate <name> ...` subcommands, as Prisma spells them: name -> (module in
#: prisma_dsql.cli, click command attribute). Imported only when used.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "diff": ("diff_cmd", "diff"),
    "dev": ("diff_cmd", "dev"),
    "deploy": ("deploy_cmd", "deploy"),
    "status": ("deploy_cmd", "status"),
    "resolve": ("deploy_cmd", "resolve"),
}


class _MigrateCommand(click.Command):
    """`migrate` with optional subcommands (`diff`, ...) in front of the positional SCHEMA
    (a click group would read the subcommand as the schema path)."""

    def parse_args(self, ctx, args):
        if args and args[0] in SUBCOMMANDS:
            ctx.meta["prisma_dsql.migrate_sub"] = (args[0], args[1:])
            return []
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        sub = ctx.meta.get("prisma_dsql.migrate_sub")
        if sub is not None:
            import importlib

            name, rest = sub
            module_name, attr = SUBCOMMANDS[name]
            command = getattr(importlib.import_module(f"prisma_dsql.cli.{module_name}"), attr)
            return command.main(rest, prog_name=f"{ctx.command_path} {name}", standalone_mode=False)
        return super().invoke(ctx)


@click.command(cls=_MigrateCommand, epilog="Also: `prisma-dsql migrate dev|diff|deploy|status|resolve --help`.")
@click.argument("schema", required=False, type=click.Path(path_type=Path))
@click.option("--schema", "schema_opt", type=click.Path(path_type=Path), default=None,
              help="Schema file or folder (same as the SCHEMA argument).")
@click.option("--from-empty", is_flag=True, help="Create everything in the schema (the first migration).")
@click.option("--name", default=None,
              help="Migration name (slugified like Prisma does; default with --from-empty: init).")
@click.option("--migrations-dir", type=click.Path(path_type=Path), default=None,
              help="Migrations folder (default: Prisma's: prisma.config.ts, else next to the schema).")
@click.option("--script", is_flag=True, help="Print the SQL instead of writing a migration folder.")
@click.option("--shadow-database-url", default=None, metavar="URL",
              help="With --name: replay the folder on this PostgreSQL (see `migrate dev --help`).")
@target_options
@click.option("--no-color", is_flag=True, help="No ANSI colours.")
def migrate(schema, schema_opt, from_empty: bool, name: str, migrations_dir: Path | None, script: bool,
            target: str | None, dsql_version: str | None, identity_cache: int | None, config_path: Path | None,
            no_color: bool, shadow_database_url: str | None = None) -> None:
    """Write the first migration of SCHEMA (--from-empty), or the next one (--name NAME: migrate dev).

    Writes <migrations-dir>/<UTC timestamp>_<name>/migration.sql and migration_lock.toml in
    Prisma's format (never overwriting anything), or prints the SQL with --script. For DSQL
    the schema is checked first: findings that are errors refuse the migration. The next
    migration is planned against the folder replayed into an embedded shadow database.
    """
    from prisma_dsql.errors import UsageError
    from prisma_dsql.migrations.folder import write_migration
    from prisma_dsql.migrations.generate import generate_from_empty
    from prisma_dsql.project import Project

    if not from_empty:
        # `migrate --name X` is `migrate dev --name X`: the next migration after the folder's.
        from prisma_dsql.cli.diff_cmd import dev

        if name is None:
            raise UsageError("say which migration: --from-empty for the first one, or --name NAME for the next "
                             "(`prisma-dsql migrate dev --name NAME`)")

        args = [str(a) for a in ([schema] if schema else [])]
        args += ["--name", name] + (["--schema", str(schema_opt)] if schema_opt else [])
        args += ["--migrations-dir", str(migrations_dir)] if migrations_dir else []
        args += ["--target", target] if target else []
        args += ["--dsql-version", dsql_version] if dsql_version else []
        args += ["--identity-cache", str(identity_cache)] if identity_cache is not None else []
        args += ["--config", str(config_path)] if config_path else []
        args += ["--shadow-database-url", shadow_database_url] if shadow_database_url else []
        if script:
            raise UsageError("--script needs --from-empty here; use `prisma-dsql migrate diff ... --script`")
        return dev.main(args, prog_name="prisma-dsql migrate dev", standalone_mode=False)
    name = name or "init"
    project = Project(schema=pick_schema(schema, schema_opt), config_path=config_path, migrations_dir=migrations_dir)
    profile, options, adjust = project.settings(target, dsql_version, identity_cache)
    loaded = project.loaded
    generated = generate_from_empty(loaded, profile, options, adjust)
    if not generated.ok:
        refuse(generated, loaded.sources, no_color)
    sql = generated.script.text()
    report(generated.diagnostics, loaded.sources, no_color, all_severities=False)
    if script:
        click.echo(sql)
        return
    directory = project.migrations_dir
    written = write_migration(directory, name, sql)
    n = len(generated.script.steps)
    click.echo(f"Wrote {written.migration_file} ({n} statement{'s' if n != 1 else ''} for {profile.describe()})"
               + (f" and {written.lock_file}" if written.lock_created else "") + ".", err=True)
    if profile.target == "dsql" and n > 1:
        click.echo(_DSQL_APPLY_HINT, err=True)


#: `prisma migrate deploy` runs a whole migration.sql as one transaction; DSQL allows one DDL per transaction.
_DSQL_APPLY_HINT = (
    "Apply it with `prisma-dsql migrate deploy` (one statement per transaction, waiting for async jobs, recorded "
    "in _prisma_migrations as Prisma records it; `--rehearse` tries it on an embedded database first). "
    "`prisma migrate deploy` would run the file as one transaction, which DSQL refuses.")
