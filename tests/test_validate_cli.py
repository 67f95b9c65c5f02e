"""`prisma-dsql validate` with the DSQL rules: exit codes, options, and what it imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from prisma_dsql.cli.main import main

ROOT = Path(__file__).parent.parent
BLOG = ROOT / "samples" / "blog" / "schema.prisma"
SAAS = ROOT / "samples" / "saas" / "schema.prisma"


def run(args, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "schema.prisma"
    path.write_text(text)
    return path


DS = 'datasource db {\n  provider = "postgresql"\n}\n\n'
WARNING_ONLY = DS + "model T {\n  id BigInt @id\n  at DateTime\n  @@index([at(sort: Desc)])\n}\n"


def test_warnings_exit_0_and_1_with_strict(tmp_path, capsys):
    path = write(tmp_path, WARNING_ONLY)
    code, out, _ = run(["validate", path], capsys)
    assert code == 0 and "warning[DSQL202]" in out
    code, _, _ = run(["validate", path, "--strict"], capsys)
    assert code == 1


def test_infos_never_fail_even_strict(tmp_path, capsys):
    path = write(tmp_path, DS + "enum E {\n  A\n}\n\nmodel T {\n  id BigInt @id\n  e E\n}\n")
    code, out, _ = run(["validate", path, "--strict"], capsys)
    assert code == 0 and "info[DSQL104]" in out


def test_errors_exit_1(capsys):
    code, out, _ = run(["validate", SAAS], capsys)
    assert code == 1 and "error[DSQL106]" in out


def test_dsql_version_selects_the_profile(tmp_path, capsys):
    code, out, _ = run(["validate", BLOG, "--dsql-version", "2026-08-01"], capsys)
    assert code == 1 and "error[DSQL301]" in out and "Aurora DSQL as of 2026-08-01" in out
    code, out, _ = run(["validate", BLOG, "--dsql-version", "2026-09-01"], capsys)
    assert code == 0 and "DSQL301" not in out


def test_default_version_is_the_newest_known(capsys):
    from prisma_dsql.capabilities import newest_known_date

    _, out, _ = run(["validate", BLOG], capsys)
    assert f"Aurora DSQL as of {newest_known_date().isoformat()}" in out


def test_bad_dsql_version_is_a_usage_error(capsys):
    code, _, err = run(["validate", BLOG, "--dsql-version", "2026-13-45"], capsys)
    assert code == 2 and "YYYY-MM-DD" in err


@pytest.mark.parametrize("args", [["--format", "xml"], ["--target", "oracle"]])
def test_bad_choices_are_usage_errors(args, capsys):
    code, _, _ = run(["validate", BLOG, *args], capsys)
    assert code == 2


def test_postgres_target_runs_only_prisma_checks(capsys):
    code, out, _ = run(["validate", SAAS, "--target", "postgres", "--format", "json"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["target"] == {"name": "postgres", "dsql_version": None}
    assert [d["code"] for d in doc["diagnostics"]] == ["PSL901"]  # the datasource url notice only


def test_missing_schema_exits_2(tmp_path, capsys):
    code, _, err = run(["validate", tmp_path / "nope.prisma"], capsys)
    assert code == 2 and "no such file" in err


def test_prisma_errors_and_dsql_findings_in_one_run(tmp_path, capsys):
    path = write(tmp_path, DS + "model T {\n  id BigInt @id\n  name Strin\n  tags String[]\n}\n")
    code, out, _ = run(["validate", path, "--format", "json"], capsys)
    found = {d["code"] for d in json.loads(out)["diagnostics"]}
    assert code == 1 and {"PSL102", "DSQL106"} <= found


def test_non_postgres_provider_still_checked(tmp_path, capsys):
    path = write(tmp_path, 'datasource db {\n  provider = "mysql"\n}\n\nmodel T {\n  id BigInt @id\n  tags String[]\n}\n')
    _, out, _ = run(["validate", path, "--format", "json"], capsys)
    found = {d["code"] for d in json.loads(out)["diagnostics"]}
    assert {"DSQL001", "DSQL106"} <= found


def test_colour_only_when_asked(tmp_path):
    path = write(tmp_path, WARNING_ONLY)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    plain = subprocess.run([sys.executable, "-m", "prisma_dsql", "validate", str(path)], capture_output=True,
                           text=True, env=env)
    assert "\x1b[" not in plain.stdout  # not a terminal
    forced = subprocess.run([sys.executable, "-m", "prisma_dsql", "validate", str(path)], capture_output=True,
                            text=True, env={**env, "FORCE_COLOR": "1"})
    assert "\x1b[" in forced.stdout
    for extra_env, extra_args in (({"NO_COLOR": "1"}, []), ({}, ["--no-color"])):
        off = subprocess.run([sys.executable, "-m", "prisma_dsql", "validate", str(path), *extra_args],
                             capture_output=True, text=True, env={**env, "FORCE_COLOR": "1", **extra_env})
        assert "\x1b[" not in off.stdout


def test_rules_and_explain_commands(capsys):
    code, out, _ = run(["rules"], capsys)
    assert code == 0 and "DSQL106  scalar-list" in out
    code, out, _ = run(["rules", "--json"], capsys)
    data = json.loads(out)
    assert data["version"] == 1 and {r["code"] for r in data["rules"]} >= {"DSQL001", "DSQL901"}
    code, out, _ = run(["explain", "scalar-list"], capsys)
    assert code == 0 and "## What it does" in out and "## Fix" in out
    code, out, _ = run(["explain", "psl102"], capsys)
    assert code == 0 and "unknown-type" in out
    code, _, err = run(["explain", "DSQL000"], capsys)
    assert code == 2 and "prisma-dsql rules" in err


def test_validate_imports_neither_boto3_nor_psycopg():
    code = (
        "import sys\n"
        "from prisma_dsql.cli.main import main\n"
        "for fmt in ('text', 'json', 'sarif', 'github'):\n"
        "    try:\n"
        f"        main(['validate', {str(SAAS)!r}, '--format', fmt])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'psycopg', 'psycopg2'))\n"
        "sys.stderr.write('HEAVY=' + ','.join(heavy))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stderr.split("HEAVY=")[1].strip() == ""


def test_validate_import_time_has_no_heavy_modules():
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "prisma_dsql", "validate", str(BLOG)],
                          capture_output=True, text=True)
    imported = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines() if "|" in line}
    assert "prisma_dsql" in imported
    assert not imported & {"boto3", "botocore", "psycopg", "psycopg2"}
