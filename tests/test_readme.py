"""The README's examples are what the tool really does: sample output, the CI snippet, install notes."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import run_cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: Documents whose ```text blocks starting with `$ prisma-dsql ...` are run and compared.
DOCUMENTS = ("README.md", "docs/output-formats.md")


def _blocks(lang: str, text: str = README) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", text, re.M | re.S)


def _cli(args: list[str], cwd=ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return run_cli(*args, cwd=cwd, env=env)  # in this process (tests/support/cli.py)


def _matches(sample: list[str], output: list[str]) -> bool:
    """`sample` with `...` lines standing for any lines: each chunk in order, the first at the
    start of the output (unless the sample starts with `...`), the last at the end."""
    chunks, current = [], []
    for line in sample:
        if line.strip() == "...":
            chunks.append(current)
            current = []
        else:
            current.append(line)
    chunks.append(current)
    pos = 0
    for i, chunk in enumerate(chunks):
        if not chunk:
            continue
        if i == 0:
            if output[: len(chunk)] != chunk:
                return False
            pos = len(chunk)
            continue
        if i == len(chunks) - 1:
            return output[-len(chunk):] == chunk and len(output) - len(chunk) >= pos
        for start in range(pos, len(output) - len(chunk) + 1):
            if output[start: start + len(chunk)] == chunk:
                pos = start + len(chunk)
                break
        else:
            return False
    return True


SAMPLES = [(doc, b) for doc in DOCUMENTS for b in _blocks("text", (ROOT / doc).read_text(encoding="utf-8"))
           if b.startswith("$ prisma-dsql ")]


def test_each_document_has_sample_output():
    assert {doc for doc, _ in SAMPLES} == set(DOCUMENTS)


@pytest.mark.parametrize("doc, block", SAMPLES, ids=lambda x: x if x in DOCUMENTS else x.splitlines()[0])
def test_sample_output_is_the_real_output(doc, block):
    command, *sample = block.rstrip("\n").split("\n")
    args = command.split()[2:]
    proc = _cli(args)
    assert "Traceback" not in proc.stderr
    assert _matches(sample, proc.stdout.rstrip("\n").split("\n")), (
        f"{doc}: the sample for `{command}` differs from the real output:\n{proc.stdout}")


def test_the_matcher_can_fail():
    assert not _matches(["a", "...", "z"], ["a", "b", "y"])
    assert not _matches(["b"], ["a", "b"])
    assert _matches(["...", "b", "...", "d"], ["a", "b", "c", "d"])


def _ci_snippet() -> str:
    (snippet,) = [b for b in _blocks("yaml") if "upload-sarif" in b]
    return snippet


def test_ci_snippet_uploads_sarif_even_when_there_are_errors(tmp_path):
    snippet = _ci_snippet()
    steps = re.findall(r"^- (run|uses): (.*)$", snippet, re.M)
    kinds = [kind + ":" + value.split()[0] for kind, value in steps]
    upload = next(i for i, k in enumerate(kinds) if "upload-sarif" in k)
    (sarif_cmd,) = [v for k, v in steps if k == "run" and "--format sarif" in v]
    run_steps_before = [v for k, v in steps[:upload] if k == "run"]
    assert sarif_cmd in run_steps_before
    # Run the SARIF step as written (minus the shell redirect) on a schema with an error.
    args = sarif_cmd.split(">")[0].split()[1:]
    schema = tmp_path / "prisma" / "schema.prisma"
    schema.parent.mkdir()
    schema.write_text('datasource db {\n  provider = "postgresql"\n}\nmodel A {\n  id Int @id\n  tags String[]\n}\n')
    proc = _cli(args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr  # the upload step runs
    levels = [r["level"] for r in json.loads(proc.stdout)["runs"][0]["results"]]
    assert "error" in levels
    # ... and a later step still fails the job.
    final = [v for k, v in steps[upload + 1:] if k == "run"]
    assert final and _cli(final[-1].split("#")[0].split()[1:], cwd=tmp_path).returncode == 1


def test_install_notes_and_ignored_tarball():
    assert "pipx install ." in README and "uvx --from . prisma-dsql" in README
    assert "npx --package ./prisma-dsql-" in README
    ignored = subprocess.run(["git", "check-ignore", "-q", "prisma-dsql-0.1.0.tgz"], cwd=ROOT)
    assert ignored.returncode == 0


def test_validate_row_lists_exit_zero():
    row = next(line for line in README.splitlines() if line.startswith("| `prisma-dsql validate"))
    assert "--exit-zero" in row


def test_pre_commit_hook_runs_validate(tmp_path):
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    assert re.search(r"^- id: prisma-dsql-validate$", text, re.M)
    entry = re.search(r"^  entry: (.*)$", text, re.M).group(1).split()
    assert entry[0] == "prisma-dsql" and re.search(r"^  pass_filenames: false$", text, re.M)
    files = re.search(r"^  files: (.*)$", text, re.M).group(1)
    assert re.search(files, "prisma/schema.prisma") and re.search(files, "prisma.config.ts")
    assert not re.search(files, "src/app.ts")
    (tmp_path / "prisma").mkdir()
    (tmp_path / "prisma" / "schema.prisma").write_text("model A {\n  id Int @id\n}\n")
    assert _cli(entry[1:], cwd=tmp_path).returncode == 0
    (tmp_path / "prisma" / "schema.prisma").write_text("model A {\n  id Strin @id\n}\n")
    assert _cli(entry[1:], cwd=tmp_path).returncode == 1
