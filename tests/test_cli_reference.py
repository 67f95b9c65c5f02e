"""docs/cli.md is generated from the click commands and kept in sync; it follows the registries."""

from __future__ import annotations

import sys
import types

import click

from prisma_dsql.cli import main as cli_main
from prisma_dsql.cli import migrate_cmd, reference


def test_docs_cli_md_is_up_to_date():
    assert reference.DOC.read_text(encoding="utf-8") == reference.render(), (
        f"docs/cli.md is out of date with the click commands; regenerate it with: {reference.REGENERATE}")


def test_every_registered_command_and_subcommand_is_documented():
    text = reference.render()
    for _module, attr in cli_main.COMMANDS:
        assert f"## `prisma-dsql {attr}`" in text
    for sub in migrate_cmd.SUBCOMMANDS:
        assert f"## `prisma-dsql migrate {sub}`" in text
    assert "--exit-zero" in text and "--version" in text


def test_commands_registered_later_appear(monkeypatch):
    fake = types.ModuleType("prisma_dsql.cli.fake_cmd")

    @click.command()
    @click.option("--shiny", is_flag=True, help="A brand-new option.")
    def brandnew(shiny):
        """A command someone adds later."""

    fake.brandnew = brandnew
    monkeypatch.setitem(sys.modules, "prisma_dsql.cli.fake_cmd", fake)
    monkeypatch.setattr(cli_main, "COMMANDS", (*cli_main.COMMANDS, ("fake_cmd", "brandnew")))
    monkeypatch.setitem(migrate_cmd.SUBCOMMANDS, "later", ("fake_cmd", "brandnew"))
    text = reference.render()
    assert "## `prisma-dsql brandnew`" in text and "## `prisma-dsql migrate later`" in text
    assert "A brand-new option." in text and "Usage: prisma-dsql migrate later [OPTIONS]" in text


def test_check_mode_names_the_command_that_regenerates(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "cli.md"
    stale.write_text("old")
    monkeypatch.setattr(reference, "DOC", stale)
    assert reference.main(["--check"]) == 1
    assert reference.REGENERATE in capsys.readouterr().err
    assert reference.main(["--write"]) == 0 and reference.main(["--check"]) == 0
