"""`prisma-dsql` entry point: the command group and the error boundary.

Exit codes, for every command: 0 success, 1 findings (errors in the schema or
a failed operation), 2 usage or unreadable input, 3 internal error (a bug in
prisma-dsql; reported in two lines, never as a traceback unless
PRISMA_DSQL_DEBUG=1).
"""

from __future__ import annotations

import os
import sys
import traceback

import click

from prisma_dsql import __version__
from prisma_dsql.errors import PrismaDsqlError
from prisma_dsql.redact import redact

REPORT_URL = "https://github.com/prisma-dsql/prisma-dsql/issues"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="prisma-dsql")
def cli() -> None:
    """Prisma schemas on Amazon Aurora DSQL: validate, translate, migrate."""


#: (module in prisma_dsql.cli, click command attribute). Modules are imported at
#: start-up, so they must keep their own heavy imports inside the command body.
COMMANDS = (
    ("parse_cmd", "parse"),
    ("validate_cmd", "validate"),
    ("rules_cmd", "rules"),
    ("rules_cmd", "explain"),
    ("migrate_cmd", "migrate"),
)


def _register() -> None:
    import importlib

    for module_name, attr in COMMANDS:
        module = importlib.import_module(f"prisma_dsql.cli.{module_name}")
        cli.add_command(getattr(module, attr))


_register()


def main(argv: list[str] | None = None) -> None:
    try:
        code = cli.main(args=argv, prog_name="prisma-dsql", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if exc.exit_code in (1, 2) else exc.exit_code)
    except PrismaDsqlError as exc:
        click.echo(f"error: {redact(str(exc))}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except BrokenPipeError:
        # Output piped into `head` and closed: not an error of ours.
        sys.stderr.close()
        sys.exit(0)
    except Exception as exc:  # the boundary: anything else is our bug
        if os.environ.get("PRISMA_DSQL_DEBUG"):
            click.echo(redact(traceback.format_exc()), err=True)
        click.echo(f"prisma-dsql: internal error: {type(exc).__name__}: {redact(str(exc))}", err=True)
        click.echo(f"This is a bug in prisma-dsql {__version__}, not in your schema. Please report it at "
                   f"{REPORT_URL} with the command you ran (PRISMA_DSQL_DEBUG=1 shows the traceback).", err=True)
        sys.exit(3)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
