"""`prisma-dsql validate`: what Prisma would reject and what Aurora DSQL cannot run.

Pipeline: load (parse + resolve: PSL findings) -> DSQL rules on the graph ->
inline suppressions -> configuration (ignores, severities) -> one renderer.

The DSQL rules run even when the schema has Prisma-level errors: the resolver
keeps only what it could resolve (a bad line is skipped, an unknown type
becomes a column of unknown SQL type, a broken relation is left out), and
every rule tolerates such a partial graph, so the user sees all problems in
one run. Findings about parts that did not resolve are simply absent.

With --fix, the fixes the rules attach to their findings are applied (prisma_dsql/fix.py)
and the schema is written back in place, atomically; --diff prints them as a unified
diff and writes nothing. The findings shown, and the exit code, are those of the
fixed schema. A schema with Prisma-level errors is never rewritten.

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
    from prisma_dsql.loader import discover, load

    path = path if path is not None else discover()
    checker, profile = validation_checker(path, config_path=config_path, dsql_version=dsql_version, target=target)
    loaded = load(path)
    return loaded, checker(loaded), profile


def validation_checker(path: Path, *, config_path: Path | None = None, dsql_version: str | None = None,
                       target: str | None = None):
    """(check, profile): `check(loaded)` is every finding for a loaded schema, filtered by the inline
    suppressions and the configuration, sorted by position, with the rules' fixes attached."""
    from prisma_dsql import config, suppression
    from prisma_dsql.rules import check

    cfg, profile = config.settings(path, config_path, target=target, dsql_version=dsql_version)

    def run(loaded):
        sources = {s.name: s.text for s in loaded.sources}
        diagnostics = [*loaded.diagnostics, *check(loaded.schema, profile, cfg.translate, sources)]
        diagnostics = suppression.apply(diagnostics, loaded.schema.comments, report_unused=profile.target == "dsql",
                                        disabled=cfg.disabled_codes)
        diagnostics = cfg.apply(diagnostics)
        diagnostics.sort(key=lambda d: d.sort_key())
        return diagnostics

    return run, profile


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
@click.option("--fix", is_flag=True,
              help="Apply every fix the rules know (findings marked [fixable]) and write the schema back in place; "
                   "then report what is left. A schema with Prisma errors is not rewritten.")
@click.option("--diff", "show_diff", is_flag=True,
              help="With or without --fix: print the fixes as a unified diff and write nothing.")
@click.option("--no-color", is_flag=True, help="No ANSI colours (also: NO_COLOR set).")
def validate(schema, schema_opt, fmt: str, strict: bool, exit_zero: bool, dsql_version: str | None,
             target: str | None, config_path: Path | None, fix: bool, show_diff: bool, no_color: bool) -> None:
    """Check SCHEMA (file or folder; found as Prisma does when omitted) for Prisma errors and for what
    Aurora DSQL cannot run.

    Exit 0 when there are no errors (or always, with --exit-zero), 1 when
    there are (or warnings, with --strict), 2 when the input or the
    configuration cannot be read.
    """
    path = pick_schema(schema, schema_opt)
    if fix or show_diff:
        code = _run_fix(path, config_path=config_path, dsql_version=dsql_version, target=target, fmt=fmt,
                       write=not show_diff, strict=strict, exit_zero=exit_zero, color=use_color(no_color))
        sys.exit(code)
    loaded, diagnostics, profile = run_validation(path, config_path=config_path,
                                                  dsql_version=dsql_version, target=target)
    color = fmt == "text" and use_color(no_color)
    _show(diagnostics, loaded.sources, profile, fmt, color)
    sys.exit(_exit_code(diagnostics, strict, exit_zero))


def _exit_code(diagnostics, strict: bool, exit_zero: bool) -> int:
    from prisma_dsql.diagnostics import Severity

    failing = (Severity.ERROR, Severity.WARNING) if strict else (Severity.ERROR,)
    return 1 if not exit_zero and any(d.severity in failing for d in diagnostics) else 0


def _show(diagnostics, sources, profile, fmt: str, color: bool, fixed: int | None = None) -> None:
    from prisma_dsql import __version__

    version = profile.as_of.isoformat() if profile.as_of else None
    if fmt == "text":
        from prisma_dsql.render.text import render

        out = render(diagnostics, sources, color=color)
        fixable = sum(1 for d in diagnostics if d.fix is not None)
        if fixable:
            out += (f"{fixable} finding{'s are' if fixable != 1 else ' is'} [fixable]: "
                    "`prisma-dsql validate --fix` fixes them (`--diff` shows how).\n")
        out += f"Checked against {profile.describe()}.\n"
    elif fmt == "json":
        from prisma_dsql.render.json_format import render

        out = render(diagnostics, tool_version=__version__, target=profile.target, dsql_version=version, fixed=fixed)
    elif fmt == "sarif":
        from prisma_dsql.render.sarif import render

        out = render(diagnostics, tool_version=__version__, target=profile.target, dsql_version=version)
    else:
        from prisma_dsql.render.github import render

        out = render(diagnostics)
    # click strips ANSI codes when stdout is not a terminal unless told otherwise (FORCE_COLOR).
    click.echo(out, nl=False, color=color)


def _run_fix(path: Path | None, *, config_path: Path | None, dsql_version: str | None, target: str | None,
             fmt: str, write: bool, strict: bool, exit_zero: bool, color: bool) -> int:
    """`--fix` (write) and `--diff` (print, write nothing): fix in memory, then show what is left."""
    from prisma_dsql import fix as fixer
    from prisma_dsql.loader import discover
    from prisma_dsql.source import SourceFile

    path = path if path is not None else discover()
    checker, profile = validation_checker(path, config_path=config_path, dsql_version=dsql_version, target=target)
    result = fixer.fix_schema(path, checker)
    if result.refused:
        click.echo(f"error: not fixed: {result.refused}.", err=True)
        sources = [SourceFile(name, before) for name, (_, before, _) in result.files.items()]
        _show(result.remaining, sources, profile, fmt, color and fmt == "text", fixed=0)
        return 1 if not exit_zero else 0
    changed = result.changed
    n = len(result.fixed)
    if not write:
        click.echo(result.diff(), nl=False)
        click.echo(f"{n} fix{'es' if n != 1 else ''} in {len(changed)} file{'s' if len(changed) != 1 else ''} "
                   "(--diff: nothing written).", err=True)
    else:
        fixer.write(result)
        sources = [SourceFile(name, after) for name, (_, _, after) in result.files.items()]
        _show(result.remaining, sources, profile, fmt, color and fmt == "text", fixed=n)
        where = ", ".join(sorted(changed)) if changed else "nothing to change"
        click.echo(f"Fixed {n} finding{'s' if n != 1 else ''} ({where}).", err=True)
    return _exit_code(result.remaining, strict, exit_zero)
