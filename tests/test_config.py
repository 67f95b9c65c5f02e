"""prisma-dsql.toml: discovery, parsing, mistakes, and its effect on `validate`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from prisma_dsql import config
from prisma_dsql.cli.main import cli
from prisma_dsql.diagnostics import Diagnostic, Severity
from prisma_dsql.source import Span
from prisma_dsql.translate_options import TranslateOptions

SCHEMA = """datasource db {
  provider = "postgresql"
}

enum Role {
  USER
  ADMIN
}

model User {
  id    BigInt   @id @default(autoincrement())
  role  Role
  tags  String[]
  posts Post[]
}

model Post {
  id        BigInt   @id @default(autoincrement())
  authorId  BigInt
  createdAt DateTime
  author    User     @relation(fields: [authorId], references: [id])

  @@index([createdAt(sort: Desc)])
}
"""


def write(tmp_path: Path, toml: str | None, schema: str = SCHEMA) -> Path:
    path = tmp_path / "schema.prisma"
    path.write_text(schema)
    if toml is not None:
        (tmp_path / "prisma-dsql.toml").write_text(toml)
    return path


def validate_json(*args) -> tuple[int, dict | str]:
    result = CliRunner().invoke(cli, ["validate", "--format", "json", *map(str, args)])
    try:
        return result.exit_code, json.loads(result.output)
    except ValueError:
        return result.exit_code, result.output


def codes(doc: dict) -> dict[str, str]:
    return {d["code"]: d["severity"] for d in doc["diagnostics"]}


def test_parse_every_key():
    cfg = config.parse({
        "dsql-version": "2026-08-01",
        "target": "dsql",
        "ignore": ["enum-as-domain"],
        "severity": {"DSQL202": "error", "cascading-action": "off"},
        "per-subject-ignores": {"User.*": ["DSQL106"]},
        "translate": {"enum-strategy": "none", "identity-cache": 1},
    })
    assert cfg.dsql_version == "2026-08-01" and cfg.target == "dsql"
    assert cfg.ignore == {"DSQL104"}
    assert cfg.severity == {"DSQL202": Severity.ERROR, "DSQL302": None}
    assert cfg.per_subject_ignores == (("User.*", frozenset({"DSQL106"})),)
    assert cfg.translate == TranslateOptions(enum_strategy="none", identity_cache=1)


def test_toml_date_without_quotes(tmp_path):
    (tmp_path / "c.toml").write_text("dsql-version = 2026-08-01\n")
    assert config.load(tmp_path / "c.toml").dsql_version == "2026-08-01"


@pytest.mark.parametrize("data, fragment", [
    ({"colour": "red"}, "unknown key `colour`"),
    ({"target": "mysql"}, "`target` must be one of dsql, postgres"),
    ({"dsql-version": "yesterday"}, "YYYY-MM-DD"),
    ({"ignore": "DSQL104"}, "must be a list"),
    ({"ignore": ["DSQL999"]}, "'DSQL999' is not a rule code or name"),
    ({"ignore": ["PSL102"]}, "'PSL102' is not a rule code or name"),
    ({"severity": {"DSQL202": "fatal"}}, "must be one of error, warning, info, off"),
    ({"translate": {"enum-strategy": "native"}}, "enum-strategy"),
    ({"translate": {"identity-cache": 100}}, "identity-cache"),
    ({"translate": {"identity-cache": "1"}}, "whole number"),
    ({"translate": {"cache": 1}}, "unknown key `translate.cache`"),
    ({"capabilities": {"time_travel": True}}, "`capabilities.time_travel` is not a capability"),
    ({"capabilities": {"alter_index_rename": "yes"}}, "must be true or false"),
    ({"capabilities": ["alter_index_rename"]}, "must be a table"),
])
def test_mistakes_are_reported_with_the_key(data, fragment):
    with pytest.raises(config.ConfigError) as exc:
        config.parse(data, Path("prisma-dsql.toml"))
    assert fragment in str(exc.value) and "prisma-dsql.toml" in str(exc.value)


def test_apply_filters_and_regrades():
    cfg = config.parse({"ignore": ["DSQL104"], "severity": {"DSQL202": "error"},
                        "per-subject-ignores": {"Post.*": ["DSQL106"]}})
    span = Span("s.prisma", 1, 1, 1, 2)
    ds = [Diagnostic("DSQL104", Severity.INFO, "m", span, subject="enum Role"),
          Diagnostic("DSQL202", Severity.WARNING, "m", span, subject="Post.createdAt"),
          Diagnostic("DSQL106", Severity.ERROR, "m", span, subject="Post.tags"),
          Diagnostic("DSQL106", Severity.ERROR, "m", span, subject="User.tags"),
          Diagnostic("PSL102", Severity.ERROR, "m", span)]
    out = cfg.apply(ds)
    assert [(d.code, d.severity, d.subject) for d in out] == [
        ("DSQL202", Severity.ERROR, "Post.createdAt"), ("DSQL106", Severity.ERROR, "User.tags"),
        ("PSL102", Severity.ERROR, None)]


def test_found_beside_the_schema_file(tmp_path):
    path = write(tmp_path, 'ignore = ["DSQL106"]\n')
    assert config.find(path) == tmp_path / "prisma-dsql.toml"
    code, doc = validate_json(path)
    assert "DSQL106" not in codes(doc)


def test_found_beside_a_schema_folder(tmp_path):
    folder = tmp_path / "schema"
    folder.mkdir()
    write(folder, None)
    (tmp_path / "prisma-dsql.toml").write_text('ignore = ["DSQL106"]\n')
    assert config.find(folder) == tmp_path / "prisma-dsql.toml"
    (folder / "prisma-dsql.toml").write_text("")
    assert config.find(folder) == folder / "prisma-dsql.toml"


def test_severity_and_version_from_the_file(tmp_path):
    path = write(tmp_path, 'dsql-version = "2026-08-01"\n[severity]\nDSQL202 = "error"\nDSQL106 = "off"\n')
    code, doc = validate_json(path)
    found = codes(doc)
    assert found["DSQL301"] == "error"  # no foreign keys before 2026-08-26
    assert found["DSQL202"] == "error" and "DSQL106" not in found
    assert doc["target"]["dsql_version"] == "2026-08-01"
    assert code == 1


def test_command_line_wins_over_the_file(tmp_path):
    path = write(tmp_path, 'dsql-version = "2026-08-01"\n')
    _, doc = validate_json(path, "--dsql-version", "2026-09-15")
    assert "DSQL301" not in codes(doc)
    _, doc = validate_json(path, "--target", "postgres")
    assert not [d for d in doc["diagnostics"] if d["code"].startswith("DSQL")]


def test_translate_options_reach_the_rules(tmp_path):
    path = write(tmp_path, '[translate]\nenum-strategy = "none"\nidentity-cache = 1\n')
    _, doc = validate_json(path)
    found = codes(doc)
    assert found["DSQL105"] == "error" and "DSQL104" not in found
    assert any("CACHE 1" in d["message"] for d in doc["diagnostics"] if d["code"] == "DSQL102")


def test_explicit_config_path(tmp_path):
    path = write(tmp_path, None)
    other = tmp_path / "ci.toml"
    other.write_text('[severity]\ncascading-action = "error"\nDSQL106 = "warning"\n')
    schema = SCHEMA.replace("author    User     @relation(fields: [authorId], references: [id])",
                            "author    User     @relation(fields: [authorId], references: [id], onDelete: Cascade)")
    path.write_text(schema)
    _, doc = validate_json(path, "--config", other)
    assert codes(doc)["DSQL302"] == "error" and codes(doc)["DSQL106"] == "warning"


@pytest.mark.parametrize("toml, fragment", [
    ("[severity\n", "not valid TOML"),
    ('ignore = ["nope"]\n', "is not a rule code or name"),
])
def test_bad_file_exits_2(tmp_path, toml, fragment):
    path = write(tmp_path, toml)
    result = CliRunner().invoke(cli, ["validate", str(path)], standalone_mode=True)
    # The click runner bypasses main()'s error boundary; call main for the exit code.
    from prisma_dsql.cli.main import main

    with pytest.raises(SystemExit) as exc:
        main(["validate", str(path)])
    assert exc.value.code == 2
    assert result.exception is not None and fragment in str(result.exception)


def test_missing_explicit_config_exits_2(tmp_path, capsys):
    from prisma_dsql.cli.main import main

    path = write(tmp_path, None)
    with pytest.raises(SystemExit) as exc:
        main(["validate", str(path), "--config", str(tmp_path / "missing.toml")])
    assert exc.value.code == 2
    assert "no such configuration file" in capsys.readouterr().err


def test_a_retired_rule_code_in_an_old_configuration_is_accepted(tmp_path):
    from prisma_dsql.config import load
    from prisma_dsql.rules import RETIRED

    retired = next(iter(RETIRED))
    path = tmp_path / "prisma-dsql.toml"
    path.write_text(f'ignore = ["{retired}", "DSQL104"]\n')
    assert load(path).ignore == frozenset({"DSQL104"})


NOTICE_SCHEMA = SCHEMA.replace('provider = "postgresql"\n', 'provider = "postgresql"\n  url      = env("DATABASE_URL")\n'
                               ) + 'generator client {\n  provider        = "prisma-client-js"\n  previewFeatures = ["metrics"]\n}\n'


@pytest.mark.parametrize("toml, expected", [
    (None, {"PSL901": "info", "PSL902": "warning"}),
    ('ignore = ["PSL901"]\n', {"PSL902": "warning"}),
    ('ignore = ["datasource-url", "removed-preview-feature"]\n', {}),
    ('[severity]\nPSL901 = "warning"\nPSL902 = "info"\n', {"PSL901": "warning", "PSL902": "info"}),
    ('[severity]\nPSL902 = "off"\n', {"PSL901": "info"}),
    ('[per-subject-ignores]\n"*" = ["PSL902"]\n', {"PSL901": "info"}),
])
def test_prisma_notices_are_silenceable(tmp_path, toml, expected):
    path = write(tmp_path, toml, NOTICE_SCHEMA)
    _, doc = validate_json(path)
    found = {c: s for c, s in codes(doc).items() if c.startswith("PSL")}
    assert found == expected, doc


def test_prisma_errors_cannot_be_configured():
    with pytest.raises(config.ConfigError, match="only the notices PSL901 and PSL902"):
        config.parse({"severity": {"PSL104": "off"}})


def test_probed_capabilities_apply_over_the_dated_profile(tmp_path):
    """doctor's verdicts ([capabilities]) flip the profile's dated facts both ways, for DSQL only; recording
    them keeps the rest of the file."""
    path = tmp_path / config.FILE_NAME
    path.write_text('# mine\ndsql-version = "2026-09-15"\n\n[capabilities]\nprobed = "old"\nsavepoints = true\n\n'
                    '[translate]\nidentity-cache = 1\n')
    config.record_capabilities(path, {"alter_index_rename": True, "foreign_keys": False}, "2026-12-07", "h.example")
    text = path.read_text()
    assert text.startswith("# mine\n") and "identity-cache = 1" in text and "savepoints" not in text
    cfg, profile = config.settings(None, path)
    assert cfg.probed == "2026-12-07" and cfg.capabilities == {"alter_index_rename": True, "foreign_keys": False}
    assert profile.supports("alter_index_rename") and not profile.supports("foreign_keys")
    _, postgres = config.settings(None, path, target="postgres")
    assert postgres.supports("foreign_keys")


def test_recording_into_a_broken_file_changes_nothing(tmp_path):
    path = tmp_path / config.FILE_NAME
    path.write_text("dsql-version = \n")
    with pytest.raises(config.ConfigError) as exc:
        config.record_capabilities(path, {"alter_index_rename": True}, "2026-12-07")
    assert exc.value.exit_code == 2 and "not recorded" in str(exc.value)
    assert path.read_text() == "dsql-version = \n"
