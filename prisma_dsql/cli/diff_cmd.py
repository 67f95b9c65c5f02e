"""`prisma-dsql migrate diff`, `prisma-dsql plan` and `prisma-dsql migrate dev`: the differ's commands.

    prisma-dsql migrate diff --from-{empty,schema,migrations,url,config-datasource} ...
                             --to-{empty,schema,migrations,url,config-datasource} ...
                             [--script] [--exit-code] [--accept-data-loss] [--allow-rebuild]
                             [--rename-table Old=New] [--rename-column Model.old=new] [--target ...]
    prisma-dsql plan [SCHEMA] [--url URL | --from-migrations DIR] [--format text|json]
    prisma-dsql migrate dev --name NAME [SCHEMA] [--migrations-dir DIR] [--url URL]

The pipelines live in `prisma_dsql.migrations` (sources, evolve); these commands read options and
print. Exit codes: diff follows Prisma (0 done; with --exit-code 0 no difference, 2 differences, including
differences that would lose data or need a rebuild (their refusal is printed); 1 error or refusal); plan and dev: 0 planned/written, 1 refused, 2 usage or unreadable input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from prisma_dsql.cli.common import pick_schema, refuse, report, target_options, use_color


def plan_options(f):
    f = click.option("--rename-column", "rename_columns", multiple=True, metavar="Model.old=new",
                     help="Treat a dropped and an added column as a rename (repeatable); Model and new as the "
                          "schema names them now, old as the database does.")(f)
    f = click.option("--rename-table", "rename_tables", multiple=True, metavar="Old=New",
                     help="Treat a dropped and an added table as a rename (repeatable); Old as the database names "
                          "the table, New as the schema names the model.")(f)
    f = click.option("--allow-rebuild", is_flag=True,
                     help="Rebuild tables whose change DSQL cannot make in place (type or primary key changes).")(f)
    f = click.option("--accept-data-loss", is_flag=True, help="Allow steps that delete data (drops, narrowing).")(f)
    return f


def _side_options(prefix: str):
    def deco(f):
        f = click.option(f"--{prefix}-config-datasource", is_flag=True,
                         help="The database of prisma.config.ts's datasource (or DATABASE_URL).")(f)
        f = click.option(f"--{prefix}-url", default=None, metavar="URL", help="A live database.")(f)
        f = click.option(f"--{prefix}-migrations", default=None, type=click.Path(path_type=Path),
                         help="A migrations folder, replayed into an embedded shadow database.")(f)
        f = click.option(f"--{prefix}-schema", default=None, type=click.Path(path_type=Path),
                         help="A schema file or folder.")(f)
        f = click.option(f"--{prefix}-empty", is_flag=True, help="An empty database.")(f)
        return f
    return deco


def _hints(rename_tables, rename_columns):
    from prisma_dsql.migrations.evolve import RenameHints

    return RenameHints.parse(tuple(rename_tables), tuple(rename_columns))


def _evolve(from_side, to_side, profile, options, adjust, plan_opts, hints, project=None):
    from prisma_dsql.migrations.sources import shadow_for

    # A folder's shadow server starts first: it gets ready while the planner is imported and the schema parsed.
    shadow = shadow_for(from_side, to_side, profile)
    try:  # from here plan_between_sides stops it; anything failing before must
        from prisma_dsql.gcpause import no_gc_pauses
        from prisma_dsql.migrations.evolve import plan_between_sides

        # The schema the project already parsed (to find its migrations folder) is not parsed again.
        loaded = {str(project.schema_path): project.loaded} if project is not None else None
    except BaseException:
        if shadow is not None:
            shadow.stop()
        raise
    # Two catalogs of up to 1000 tables are many small acyclic objects: collecting while they are
    # built only rescans them (a fifth of the time at 1000 tables).
    with no_gc_pauses():
        return plan_between_sides(from_side, to_side, profile, options, adjust, plan_opts, hints, loaded, shadow)


def _fail(evo, no_color: bool, status: int = 1) -> None:
    """Say why there is no plan, and exit ``status`` (1; `diff --exit-code` passes 2 when the refusal is
    about changes not allowed, such as data loss: there are differences, as Prisma's exit 2 says)."""
    from prisma_dsql.migrations.generate import Generated
    from prisma_dsql.plan.report import render_refusal

    for hint in evo.unused_hints:
        click.echo(f"warning: {hint}", err=True)
    if evo.refused is not None:
        if evo.refused.summary:
            click.echo("Data that would be lost:", err=True)
            for line in evo.refused.summary:
                click.echo(f"  - {line}", err=True)
        click.echo(render_refusal(evo.refused, evo.suggestions), nl=False, err=True)
        sys.exit(status)
    refuse(Generated(None, None, diagnostics=evo.diagnostics, problems=evo.problems, refusal=evo.refusal),
           list(evo.sources), no_color)


def shadow_option(f):
    return click.option("--shadow-database-url", default=None, metavar="URL",
                        help="A PostgreSQL server to replay a migrations folder on (a database is created there "
                             "and dropped afterwards), instead of the embedded one (which has no contrib "
                             "extensions such as pgcrypto).")(f)


def _with_shadow(side, shadow_url):
    from dataclasses import replace

    return replace(side, shadow=shadow_url) if shadow_url and side.kind == "migrations" else side


@click.command()
@_side_options("from")
@_side_options("to")
@click.option("--script", is_flag=True, help="Print the SQL (migration.sql) instead of a summary.")
@click.option("--exit-code", is_flag=True, help="Exit 0 when there is no difference, 2 when there is one.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write the output to this file (never overwriting one).")
@plan_options
@target_options
@click.option("--no-color", is_flag=True, help="No ANSI colours.")
@shadow_option
def diff(from_empty, from_schema, from_migrations, from_url, from_config_datasource, to_empty, to_schema,
         to_migrations, to_url, to_config_datasource, script, exit_code, output, accept_data_loss, allow_rebuild,
         rename_tables, rename_columns, target, dsql_version, identity_cache, config_path, no_color,
         shadow_database_url=None) -> None:
    """Compare two sources (schemas, migrations folders, databases) and plan DSQL-safe steps between them.

    Like `prisma migrate diff`: `--script` prints the migration SQL; otherwise a summary of the steps
    and their hazards. Drops need --accept-data-loss; changes DSQL cannot make in place need
    --allow-rebuild.
    """
    from prisma_dsql.migrations.sources import pick_side
    from prisma_dsql.plan import PlanOptions
    from prisma_dsql.plan.report import render_plan

    from_side = pick_side("from", empty=from_empty, schema=from_schema, migrations=from_migrations, url=from_url,
                          config_datasource=from_config_datasource)
    to_side = pick_side("to", empty=to_empty, schema=to_schema, migrations=to_migrations, url=to_url,
                        config_datasource=to_config_datasource)
    from_side, to_side = _with_shadow(from_side, shadow_database_url), _with_shadow(to_side, shadow_database_url)
    from prisma_dsql.project import Project

    project = Project(schema=to_schema or from_schema, config_path=config_path)
    profile, options, adjust = project.settings(target, dsql_version, identity_cache)
    evo = _evolve(from_side, to_side, profile, options, adjust,
                  PlanOptions(accept_data_loss, allow_rebuild), _hints(rename_tables, rename_columns))
    if not evo.ok:
        # Differences that need --accept-data-loss or --allow-rebuild are still differences: Prisma's
        # `migrate diff --exit-code` says 2 for them (it never asks for data-loss consent to compare).
        _fail(evo, no_color, evo.exit_code(exit_code) or 1)
    report(evo.diagnostics, list(evo.sources), no_color, all_severities=False)
    for hint in evo.unused_hints:
        click.echo(f"warning: {hint}", err=True)
    text = evo.plan.text() if script else render_plan(evo.plan, use_color(no_color) and output is None)
    if output is not None:
        _write_new(output, text)
    else:
        click.echo(text, nl=False)
    if evo.suggestions:
        click.echo("Drops and adds that may be renames: " + "; ".join(evo.suggestions), err=True)
    if exit_code:
        sys.exit(evo.exit_code(True))


def _write_new(path: Path, text: str) -> None:
    from prisma_dsql.errors import UsageError

    try:
        with open(path, "x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        raise UsageError(f"{path} exists; not overwriting it") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot write ({exc.strerror or exc})") from None


@click.command()
@click.argument("schema", required=False, type=click.Path(path_type=Path))
@click.option("--schema", "schema_opt", type=click.Path(path_type=Path), default=None,
              help="Schema file or folder (same as the SCHEMA argument).")
@click.option("--url", default=None, metavar="URL", help="Plan against this live database.")
@click.option("--from-migrations", type=click.Path(path_type=Path), default=None,
              help="Plan against this migrations folder (default: Prisma's, replayed into a shadow database).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True)
@click.option("--skip-fingerprint-check", is_flag=True,
              help="With --url: do not refuse a database that is not where the folder's pending migration was "
                   "planned from (for migrations edited by hand).")
@plan_options
@target_options
@click.option("--no-color", is_flag=True, help="No ANSI colours.")
def plan(schema, schema_opt, url, from_migrations, fmt, skip_fingerprint_check, accept_data_loss, allow_rebuild,
         rename_tables, rename_columns, target, dsql_version, identity_cache, config_path, no_color) -> None:
    """Show the steps that take a database (or the migrations folder) to SCHEMA: hazards, reasons, schema lines."""
    from prisma_dsql.migrations.sources import Side
    from prisma_dsql.plan import PlanOptions
    from prisma_dsql.plan.report import render_plan
    from prisma_dsql.project import Project

    project = Project(schema=pick_schema(schema, schema_opt), config_path=config_path,
                      migrations_dir=from_migrations)
    path = project.schema_path
    profile, options, adjust = project.settings(target, dsql_version, identity_cache)
    if url is not None:
        from_side = Side("url", url)
        from prisma_dsql.errors import UsageError

        try:
            directory = project.migrations_dir
        except UsageError:  # a computed migrations.path: there is no folder to check the database against
            directory = None
        if not skip_fingerprint_check and directory is not None and directory.is_dir():
            from prisma_dsql.migrations.fingerprint import check_url

            checked = check_url(url, directory, profile, project.loaded)
            if checked:
                click.echo(f"The database is where {checked} was planned from (fingerprint checked).", err=True)
    else:
        directory = project.migrations_dir
        from_side = Side("migrations", str(directory)) if directory.is_dir() else Side("empty")
    evo = _evolve(from_side, Side("schema", str(path)), profile, options, adjust,
                  PlanOptions(accept_data_loss, allow_rebuild), _hints(rename_tables, rename_columns), project)
    checked = _preconditions(url, evo, profile) if url is not None and evo.ok else []
    failing = [r for r in checked if r.failed]
    if fmt == "json":
        from prisma_dsql.deploy.preconditions import to_data

        data = {"ok": evo.ok and not failing, "plan": evo.plan.to_data() if evo.ok else None,
                "preconditions": to_data(checked),
                "refused": None if evo.refused is None else [
                    {"message": b.message, "options": b.options,
                     "source": None if b.span is None else {"file": b.span.file, "line": b.span.line}}
                    for b in evo.refused.blocked],
                "problems": [{"message": p.message, "code": p.code} for p in evo.problems],
                "refusal": evo.refusal, "rename_suggestions": list(evo.suggestions)}
        click.echo(json.dumps(data, indent=2))
        sys.exit(0 if evo.ok and not failing else 1)
    if not evo.ok:
        _fail(evo, no_color)
    report(evo.diagnostics, list(evo.sources), no_color, all_severities=False)
    if fmt == "html":
        from prisma_dsql.render.plan_html import render as render_html

        return click.echo(render_html(evo.plan, sources=evo.sources), nl=False)
    click.echo(render_plan(evo.plan, use_color(no_color)), nl=False)
    if evo.suggestions:
        click.echo("Drops and adds that may be renames: " + "; ".join(evo.suggestions), err=True)
    if failing:
        _refuse_preconditions(failing, "`prisma-dsql migrate deploy` would refuse this plan before its first "
                                       "statement")


def _preconditions(url: str, evo, profile) -> list:
    """The plan's preconditions run against the database at ``url`` (read-only); notes for those not checked."""
    from prisma_dsql.deploy.preconditions import check_plan, unchecked

    results = check_plan(url, evo.plan, profile)
    for line in unchecked(results):
        click.echo(f"note: {line}", err=True)
    return results


def _refuse_preconditions(failing, why: str) -> None:
    from prisma_dsql.deploy.preconditions import hazard_lines

    for line in hazard_lines(failing):
        click.echo(line, err=True)
    n = len(failing)
    click.echo(f"Refused: {n} precondition{'s' if n != 1 else ''} fail{'s' if n == 1 else ''} on the data in the "
               f"database at --url; {why}. Apply the fix named above, then plan again.", err=True)
    sys.exit(1)


@click.command()
@click.argument("schema", required=False, type=click.Path(path_type=Path))
@click.option("--schema", "schema_opt", type=click.Path(path_type=Path), default=None,
              help="Schema file or folder (same as the SCHEMA argument).")
@click.option("--name", required=True, help="Migration name (slugified like Prisma does).")
@click.option("--migrations-dir", type=click.Path(path_type=Path), default=None,
              help="Migrations folder (default: Prisma's: prisma.config.ts, else next to the schema).")
@click.option("--url", default=None, metavar="URL",
              help="Diff against this database instead of replaying the folder into a shadow database.")
@click.option("--create-only", is_flag=True, hidden=True, help="Accepted for Prisma compatibility (never applies).")
@plan_options
@target_options
@click.option("--no-color", is_flag=True, help="No ANSI colours.")
@shadow_option
def dev(schema, schema_opt, name, migrations_dir, url, create_only, accept_data_loss, allow_rebuild, rename_tables,
        rename_columns, target, dsql_version, identity_cache, config_path, no_color, shadow_database_url=None) -> None:
    """Write the next migration: replay the folder into an embedded shadow database, diff it with SCHEMA.

    Writes <migrations-dir>/<UTC timestamp>_<name>/migration.sql; never overwrites anything and
    never touches a real database (apply it with `prisma-dsql migrate deploy`).
    """
    from prisma_dsql.migrations.folder import write_migration
    from prisma_dsql.migrations.sources import Side
    from prisma_dsql.plan import PlanOptions
    from prisma_dsql.project import Project

    project = Project(schema=pick_schema(schema, schema_opt), config_path=config_path, migrations_dir=migrations_dir)
    path = project.schema_path
    profile, options, adjust = project.settings(target, dsql_version, identity_cache)
    directory = project.migrations_dir
    if url is not None:
        from_side = Side("url", url)
    elif directory.is_dir():
        from_side = Side("migrations", str(directory), shadow=shadow_database_url)
    else:
        from_side = Side("empty")
    evo = _evolve(from_side, Side("schema", str(path)), profile, options, adjust,
                  PlanOptions(accept_data_loss, allow_rebuild), _hints(rename_tables, rename_columns), project)
    if not evo.ok:
        _fail(evo, no_color)
    report(evo.diagnostics, list(evo.sources), no_color, all_severities=False)
    if not evo.plan.steps:
        click.echo(f"Already in sync: the schema needs nothing beyond {from_side.describe()}; no migration written.",
                   err=True)
        return
    if url is not None:  # the database's own rows: what deploy will refuse, said now
        from prisma_dsql.deploy.preconditions import hazard_lines

        failing = [r for r in _preconditions(url, evo, profile) if r.failed]
        if any(r.check.kind == "CountRows" for r in failing):  # no data fix makes it pass: nothing is written
            _refuse_preconditions(failing, "a required column without a default cannot be added to a table "
                                           "with rows, so no migration was written")
        for line in hazard_lines(failing):
            click.echo(line, err=True)
        if failing:
            click.echo("`prisma-dsql migrate deploy` refuses this migration until the data is fixed as said above.",
                       err=True)
    from prisma_dsql.migrations.fingerprint import render as fingerprint_line

    # The first line says where the plan starts, so deploy and `plan --url` can refuse a database that moved.
    head = fingerprint_line(evo.plan.fingerprint) if evo.plan.fingerprint else ""
    from prisma_dsql.migrations.generate import deploy_only_header

    text = evo.plan.text()
    written = write_migration(directory, name, head + deploy_only_header(text, profile) + text, initial=False)
    n = len(evo.plan.steps)
    hazards = len(evo.plan.hazards())
    click.echo(f"Wrote {written.migration_file} ({n} statement{'s' if n != 1 else ''} for {profile.describe()}"
               + (f", {hazards} hazard{'s' if hazards != 1 else ''}: see `prisma-dsql plan`" if hazards else "")
               + "). Apply it with `prisma-dsql migrate deploy`.", err=True)
    if evo.suggestions:
        click.echo("Drops and adds that may be renames: " + "; ".join(evo.suggestions), err=True)
