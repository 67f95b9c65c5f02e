"""`prisma-dsql` entry point: the command group and the error boundary.

Exit codes, for every command: 0 success, 1 findings (errors in the schema or
a failed operation), 2 usage or unreadable input, 3 internal error (a bug in
prisma-dsql; reported in two lines, never as a traceback unless
PRISMA_DSQL_DEBUG=1). Output that cannot be written (`> /dev/full`) is reported
as such (exit 2); a closed pipe (`| head`) is not an error; messages are shown
with secrets masked and control characters visible.
"""

from __future__ import annotations

import errno
import os
import sys

import click

from prisma_dsql import __version__
from prisma_dsql.errors import PrismaDsqlError
from prisma_dsql.redact import redact
from prisma_dsql.render.safe import visible

REPORT_URL = "https://github.com/prisma-dsql/prisma-dsql/issues"


#: (module in prisma_dsql.cli, click command attribute, which is also the command's name). A module
#: is imported only when its command runs or help lists the commands: `validate` loads none of the
#: others (they cost a fifth of its start-up).
COMMANDS = (
    ("parse_cmd", "parse"),
    ("validate_cmd", "validate"),
    ("rules_cmd", "rules"),
    ("rules_cmd", "explain"),
    ("migrate_cmd", "migrate"),
    ("diff_cmd", "plan"),
    ("deploy_cmd", "deploy"),
    ("deploy_cmd", "status"),
    ("doctor_cmd", "doctor"),
    ("pull_cmd", "db"),
    ("diagram_cmd", "diagram"),
    ("dev_cmd", "dev"),
)


class _LazyGroup(click.Group):
    """The top-level group: commands come from COMMANDS, each module imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(attr for _, attr in COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        import importlib

        for module_name, attr in COMMANDS:
            if attr == cmd_name:
                return getattr(importlib.import_module(f"prisma_dsql.cli.{module_name}"), attr)
        return None


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="prisma-dsql")
def cli() -> None:
    """Prisma schemas on Amazon Aurora DSQL: validate, translate, migrate."""


class OutputError(PrismaDsqlError):
    """Writing the output failed (a full disk, `> /dev/full`, a closed terminal)."""


#: errno values that mean "the output could not be written", not a bug of ours.
_WRITE_ERRNOS = frozenset(getattr(errno, name) for name in ("ENOSPC", "EDQUOT", "EFBIG", "EIO", "EROFS", "EBADF",
                                                            "ENXIO") if hasattr(errno, name))


def _safe_streams() -> None:
    """A lone surrogate (from a `\\uD800` escape in a schema) that slipped past the renderers is
    written as `\\ud800`, never raised as UnicodeEncodeError (exit 3)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):
            pass


def _silence_stdout() -> None:
    """Point fd 1 at /dev/null so the interpreter's final flush of what is still buffered cannot
    fail again (and print a traceback) after the failure was reported."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, AttributeError, ValueError):
        pass


def _output_failed(exc: OSError) -> int:
    if isinstance(exc, BrokenPipeError):
        # Output piped into `head` and closed: not an error of ours.
        _silence_stdout()
        return 0
    _silence_stdout()
    _error(f"could not write the output: {exc.strerror or exc}")
    return OutputError.exit_code


def _error(text: str) -> None:
    try:
        click.echo(f"error: {visible(redact(text), keep_newlines=True)}", err=True)
    except OSError:
        pass


def _run(argv: list[str] | None) -> int:
    try:
        code = cli.main(args=argv, prog_name="prisma-dsql", standalone_mode=False)
        return code if isinstance(code, int) else 0
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return 2 if exc.exit_code in (1, 2) else exc.exit_code
    except PrismaDsqlError as exc:
        _error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except OSError as exc:
        # A write to stdout that failed (no filename: file errors of ours carry one and are
        # turned into InputError where they happen).
        if isinstance(exc, BrokenPipeError) or (exc.filename is None and exc.errno in _WRITE_ERRNOS):
            return _output_failed(exc)
        return _internal_error(exc)
    except Exception as exc:  # the boundary: anything else is our bug
        return _internal_error(exc)


def _internal_error(exc: BaseException) -> int:
    if os.environ.get("PRISMA_DSQL_DEBUG"):
        import traceback  # only here: it pulls in linecache and tokenize (~5 ms of every start-up)

        click.echo(visible(redact(traceback.format_exc()), keep_newlines=True), err=True)
    click.echo(f"prisma-dsql: internal error: {type(exc).__name__}: {visible(redact(str(exc)))}", err=True)
    click.echo(f"This is a bug in prisma-dsql {__version__}, not in your schema. Please report it at "
               f"{REPORT_URL} with the command you ran (PRISMA_DSQL_DEBUG=1 shows the traceback).", err=True)
    return 3


def main(argv: list[str] | None = None) -> None:
    _safe_streams()
    from prisma_dsql.gcpause import one_command

    with one_command():  # what a bulk stage built is frozen until the command ends, never rescanned
        code = _run(argv)
    try:
        sys.stdout.flush()
    except OSError as exc:
        code = _output_failed(exc) or code
    sys.exit(code)


if __name__ == "__main__":
    main()
