"""The CLI reference (docs/cli.md), generated from the click commands themselves.

    python -m prisma_dsql.cli.reference --write    # regenerate docs/cli.md
    python -m prisma_dsql.cli.reference --check    # exit 1 when docs/cli.md is stale

Contract: `render()` returns the Markdown for every command registered in
`prisma_dsql.cli.main.COMMANDS` (in that order) and every `prisma-dsql migrate <name>`
subcommand in `prisma_dsql.cli.migrate_cmd.SUBCOMMANDS`, each as its `--help` text at a
fixed width, so a command added to either table appears without touching this module.
tests/test_cli_reference.py keeps docs/cli.md equal to it.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

#: Help is rendered at this width whatever the terminal, so the file is the same everywhere.
WIDTH = 100
DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
REGENERATE = "python -m prisma_dsql.cli.reference --write"


def _help(command: click.Command, name: str, parent: click.Context | None) -> tuple[str, click.Context]:
    ctx = click.Context(command, info_name=name, parent=parent, terminal_width=WIDTH, max_content_width=WIDTH,
                        help_option_names=["-h", "--help"])
    return command.get_help(ctx), ctx


def _section(title: str, text: str) -> str:
    return f"## `{title}`\n\n```text\n{text.rstrip()}\n```\n"


def render() -> str:
    from prisma_dsql.cli.main import COMMANDS, cli
    from prisma_dsql.cli.migrate_cmd import SUBCOMMANDS

    root_help, root = _help(cli, "prisma-dsql", None)
    parts = [
        "# prisma-dsql command line\n",
        f"<!-- Generated from the click commands by `{REGENERATE}`; do not edit by hand. -->\n",
        "Exit codes, for every command: 0 success, 1 findings (errors in the schema) or a refused or failed "
        "operation, 2 usage or unreadable input (or output that cannot be written), 3 internal error (a bug).\n",
        _section("prisma-dsql", root_help),
    ]
    seen = set()
    for module_name, attr in COMMANDS:
        command = getattr(importlib.import_module(f"prisma_dsql.cli.{module_name}"), attr)
        name = command.name or attr
        if name in seen:
            continue
        seen.add(name)
        text, ctx = _help(command, name, root)
        parts.append(_section(f"prisma-dsql {name}", text))
        if name == "migrate":
            for sub, (sub_module, sub_attr) in SUBCOMMANDS.items():
                sub_command = getattr(importlib.import_module(f"prisma_dsql.cli.{sub_module}"), sub_attr)
                # As `migrate` runs them: `prisma-dsql migrate <sub>` (not under migrate's [SCHEMA]).
                sub_text, _ = _help(sub_command, f"{name} {sub}", root)
                parts.append(_section(f"prisma-dsql migrate {sub}", sub_text))
        elif isinstance(command, click.Group):  # a command group (`db`): each of its commands
            for sub in command.list_commands(ctx):
                sub_text, _ = _help(command.get_command(ctx, sub), sub, ctx)
                parts.append(_section(f"prisma-dsql {name} {sub}", sub_text))
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if "--write" in args:
        DOC.write_text(text, encoding="utf-8")
        print(f"wrote {DOC}")
        return 0
    if "--check" in args:
        if not DOC.is_file() or DOC.read_text(encoding="utf-8") != text:
            print(f"{DOC} is out of date; regenerate it with: {REGENERATE}", file=sys.stderr)
            return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
