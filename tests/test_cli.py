"""The command line as users meet it: exit codes, messages for bad input, discovery."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from prisma_dsql.cli.main import main
from tests.support.cli import run_cli

ROOT = Path(__file__).parent.parent
BLOG = ROOT / "samples" / "blog" / "schema.prisma"


def run(*args, cwd=None, env=None, process=False):
    """The CLI in this process (tests/support/cli.py); with `process`, `python -m prisma_dsql` in a real one (the
    entry-point tests below)."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    if not process:
        return run_cli(*args, cwd=cwd, env=full_env)
    return subprocess.run([sys.executable, "-m", "prisma_dsql", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env=full_env, timeout=60)


def assert_clean_error(proc, code: int, fragment: str):
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    assert fragment in proc.stderr + proc.stdout


def test_validate_clean_sample_exits_zero():
    proc = run("validate", BLOG)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "error" not in proc.stdout.lower().replace("no problems", "")


def test_validate_with_errors_exits_one(tmp_path):
    bad = tmp_path / "schema.prisma"
    bad.write_text("model A {\n  id Int @id\n  name Strin\n}\n")
    proc = run("validate", bad)
    assert proc.returncode == 1
    assert "schema.prisma:3:8: error[PSL102]" in proc.stdout
    assert "^^^^^" in proc.stdout


def test_parse_json_is_the_graph():
    proc = run("parse", BLOG, "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["version"] == 1
    assert [m["name"] for m in data["models"]] == ["User", "Post", "Comment", "Tag"]


def _file(name: str, content: bytes):
    def make(d: Path) -> Path:
        (d / name).write_bytes(content)
        return d / name
    return make


def _empty_dir(d: Path) -> Path:
    (d / "empty_dir").mkdir()
    return d / "empty_dir"


@pytest.mark.parametrize(
    "setup, fragment",
    [
        (lambda d: d / "missing.prisma", "no such file or directory"),
        (_empty_dir, "contains no .prisma files"),
        (_file("e.prisma", b""), "the schema is empty"),
        (_file("ws.prisma", b"  \n\n"), "the schema is empty"),
        (_file("b.prisma", b"\x7fELF\x00\x01"), "binary file"),
        (_file("l.prisma", "model Caf\xe9 {}".encode("latin-1")), "not valid UTF-8"),
    ],
    ids=["missing", "dir-without-prisma", "empty", "whitespace-only", "binary", "latin-1"],
)
def test_bad_input_gets_one_clear_message(tmp_path, setup, fragment):
    proc = run("validate", setup(tmp_path))
    assert_clean_error(proc, 2, fragment)
    assert len(proc.stderr.strip().splitlines()) == 1


def test_huge_file_is_refused_before_parsing(tmp_path):
    big = tmp_path / "big.prisma"
    with big.open("w") as f:
        line = "// " + "x" * 1020 + "\n"
        for _ in range(50 * 1024):
            f.write(line)
    proc = run("validate", big)
    assert_clean_error(proc, 2, "are refused")


def test_usage_errors_exit_two():
    assert run("validate", "--no-such-option").returncode == 2
    assert run("no-such-command").returncode == 2
    proc = run("validate", BLOG, "--schema", ROOT / "samples" / "saas" / "schema.prisma")
    assert_clean_error(proc, 2, "either as an argument or with --schema")


def test_internal_errors_are_short_and_exit_three(monkeypatch, capsys):
    import prisma_dsql.loader as loader

    def boom(*_a, **_k):
        raise RuntimeError("kaboom postgres://admin:hunter2@db.example/x")

    monkeypatch.setattr(loader, "load", boom)
    with pytest.raises(SystemExit) as exc:
        main(["validate", str(BLOG)])
    assert exc.value.code == 3
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: kaboom" in err
    assert "hunter2" not in err
    assert "Traceback" not in err
    assert "report" in err


@pytest.mark.parametrize(
    "layout, expected",
    [
        ({"prisma.config.ts": 'import { defineConfig } from "prisma/config"\n'
          '// schema: "wrong.prisma",\nexport default defineConfig({\n  schema: "db/main.prisma",\n})\n',
          "db/main.prisma": "x"}, "db/main.prisma"),
        ({"package.json": '{"name": "app", "prisma": {"schema": "custom/s.prisma"}}', "custom/s.prisma": "x"},
         "custom/s.prisma"),
        ({"prisma/schema.prisma": "x", "schema.prisma": "x"}, "prisma/schema.prisma"),
        ({"schema.prisma": "x"}, "schema.prisma"),
        ({"prisma/schema/a.prisma": "x"}, "prisma/schema"),
    ],
    ids=["prisma.config.ts", "package.json", "prisma-dir", "cwd", "schema-folder"],
)
def test_schema_discovery_follows_prisma(tmp_path, layout, expected):
    from prisma_dsql.loader import discover

    for rel, text in layout.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    assert discover(tmp_path) == tmp_path / expected


def test_discovery_failure_says_where_it_looked(tmp_path):
    proc = run("validate", cwd=tmp_path)
    assert_clean_error(proc, 2, "prisma.config.ts")


def test_validate_without_path_uses_discovery(tmp_path):
    (tmp_path / "prisma").mkdir()
    (tmp_path / "prisma" / "schema.prisma").write_text(BLOG.read_text())
    proc = run("validate", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_console_script_and_module_agree():
    from tests.support.tools import find_tool, tool_missing

    exe = find_tool("prisma-dsql")
    if exe is None:
        tool_missing("console script not installed next to the interpreter nor on PATH")
    a = subprocess.run([exe, "--version"], capture_output=True, text=True)
    b = run("--version", process=True)
    assert a.stdout == b.stdout and "prisma-dsql" in a.stdout


def _modules_after_validate() -> list[str]:
    """The modules `validate` of the blog schema leaves imported, in a fresh interpreter."""
    code = (
        "import sys\n"
        "from prisma_dsql.cli.main import main\n"
        "try:\n"
        f"    main(['validate', {str(BLOG)!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write('MODULES=' + ','.join(sorted(sys.modules)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "MODULES=" in proc.stderr, proc.stderr
    return proc.stderr.split("MODULES=")[1].strip().split(",")


def test_validate_path_imports_nothing_heavy():
    modules = _modules_after_validate()
    assert [m for m in ("boto3", "botocore", "psycopg", "psycopg_binary") if m in modules] == []


def test_validate_loads_no_other_command_module():
    # Commands are imported on first use (cli/main._LazyGroup): `validate` must not pay for the
    # start-up of deploy, plan, doctor, ... (a fifth of its start-up when they were all imported).
    commands = [m for m in _modules_after_validate() if m.startswith("prisma_dsql.cli.") and m.endswith("_cmd")]
    assert commands == ["prisma_dsql.cli.validate_cmd"]


def test_secrets_are_redacted():
    from prisma_dsql.redact import redact

    token = ("abc.dsql.us-east-1.on.aws/?Action=DbConnectAdmin&X-Amz-Algorithm=AWS4-HMAC-SHA256"
             "&X-Amz-Credential=AKIA%2F20261121&X-Amz-Signature=deadbeef")
    assert "deadbeef" not in redact(f"password={token}")
    assert "AKIA" not in redact(token)
    assert redact("postgresql://admin:s3cr3t@host:5432/postgres") == "postgresql://admin:***@host:5432/postgres"
    assert "s3cr3t" not in redact("host=x password='s3cr3t' user=admin")


def test_passwords_in_a_schema_never_reach_the_output(tmp_path):
    schema = tmp_path / "schema.prisma"
    schema.write_text('datasource db {\n  provider = "postgresql"\n  url = "postgresql://admin:Sup3rS3cret@h/db"\n'
                      '  shadowDatabaseUrl = "postgres://u:hunter2@h/db"\n}\n'
                      'model A {\n  id Int @id\n}\n')
    for args in (["validate", schema], ["validate", schema, "--format", "json"],
                 ["validate", schema, "--format", "sarif"], ["validate", schema, "--format", "github"],
                 ["parse", schema, "--json"], ["migrate", "--from-empty", "--script", schema]):
        proc = run(*args)
        out = proc.stdout + proc.stderr
        assert "Sup3rS3cret" not in out and "hunter2" not in out, args
    text = run("validate", schema).stdout
    assert 'url = "postgresql://admin:***********@h/db"' in text  # same length: the caret still lines up


def test_wide_characters_keep_the_caret_aligned(tmp_path):
    from prisma_dsql.loader import load_text
    from prisma_dsql.render.text import render

    loaded = load_text("model 日本 {\n  id Int @id\n  名前 Strin\n}\n")
    out = render(loaded.diagnostics, loaded.sources)
    excerpt, carets = [line for line in out.splitlines() if "|" in line][1:3]
    # Each of the two wide characters before `Strin` takes two terminal columns.
    assert carets.index("^") == excerpt.index("Strin") + len("名前")


def test_version_option():
    import re

    from prisma_dsql import __version__

    proc = run("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"prisma-dsql, version {__version__}"
    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    assert re.search(r'^version = "([^"]+)"', pyproject, re.M).group(1) == __version__


def test_validate_exit_zero_reports_errors_but_exits_0(tmp_path):
    schema = tmp_path / "schema.prisma"
    schema.write_text("model A {\n  id Strin @id\n}\n")
    assert run("validate", schema).returncode == 1
    proc = run("validate", "--exit-zero", schema)
    assert proc.returncode == 0 and "PSL102" in proc.stdout
    assert run("validate", "--exit-zero", tmp_path / "missing.prisma").returncode == 2
