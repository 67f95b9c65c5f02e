"""Hostile or careless input never hangs, exhausts memory, leaks a secret, drives the terminal or exits 3."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from prisma_dsql.errors import InputError
from prisma_dsql.loader import read_sources
from tests.support.cli import run_cli

FORMATS = ("text", "json", "sarif", "github")
needs_dev = pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero and /dev/full")


def run(*args, cwd=None, stdin=None, timeout=60):
    """`python -m prisma_dsql` in a process of its own, bytes out: for the devices, pipes, FIFOs and hangs."""
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "prisma_dsql", *map(str, args)], capture_output=True, cwd=cwd,
                          env=env, stdin=stdin, timeout=timeout)


def run_here(*args, cwd=None):
    """The CLI in this process (tests/support/cli.py), bytes out as from a pipe: for a schema file's content,
    where the process itself is not what is tested."""
    return run_cli(*args, cwd=cwd, env={**os.environ, "NO_COLOR": "1"}, text=False)


def _clean(proc, code, words):
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == code, err
    assert "Traceback" not in err and "internal error" not in err
    assert words in err, err


# -- unbounded reads ------------------------------------------------------------------------------------------

@needs_dev
def test_a_device_is_read_capped():
    _clean(run("validate", "/dev/zero"), 2, "MB")


@needs_dev
def test_a_prisma_symlink_to_a_device(tmp_path):
    (tmp_path / "schema.prisma").symlink_to("/dev/zero")
    _clean(run("validate", tmp_path / "schema.prisma"), 2, "MB")


@needs_dev
def test_prisma_config_pointing_at_a_device(tmp_path):
    (tmp_path / "prisma.config.ts").write_text('export default { schema: "/dev/zero" }\n')
    _clean(run("validate", cwd=tmp_path), 2, "MB")


@needs_dev
def test_an_endless_pipe_on_stdin():
    yes = subprocess.Popen(["yes"], stdout=subprocess.PIPE)
    try:
        proc = run("validate", "/dev/stdin", stdin=yes.stdout)
    finally:
        yes.kill()
        yes.wait()
    _clean(proc, 2, "MB")


def test_a_fifo_without_writer_does_not_hang(tmp_path):
    fifo = tmp_path / "schema.prisma"
    os.mkfifo(fifo)
    _clean(run("validate", fifo, timeout=30), 2, "empty")


# -- folders, links --------------------------------------------------------------------------------------------

def test_an_unreadable_subfolder_is_reported(tmp_path, monkeypatch):
    (tmp_path / "a.prisma").write_text("model A {\n  id Int @id\n}\n")
    hidden = tmp_path / "more"
    hidden.mkdir()
    (hidden / "b.prisma").write_text("model B {\n  id Int @id\n}\n")
    real_scandir = os.scandir

    def scandir(path):  # as for a folder without read permission (tests may run as root, which reads anyway)
        if Path(path) == hidden:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(InputError) as err:
        read_sources(tmp_path)
    assert "more" in str(err.value) and "permission denied" in str(err.value)


def test_an_unreadable_subfolder_is_reported_end_to_end(tmp_path):
    from tests.support.unprivileged import without_dac_override

    (tmp_path / "a.prisma").write_text("model A {\n  id Int @id\n}\n")
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "b.prisma").write_text("model B {\n  id Int @id\n}\n")
    os.chmod(tmp_path / "more", 0)
    try:
        argv = without_dac_override([sys.executable, "-m", "prisma_dsql", "validate", str(tmp_path)])
        proc = subprocess.run(argv, capture_output=True, env={**os.environ, "NO_COLOR": "1"}, timeout=60,
                              check=False)
        _clean(proc, 2, "permission denied")
    finally:
        os.chmod(tmp_path / "more", 0o755)


def test_a_symlink_loop_says_so(tmp_path):
    loop = tmp_path / "schema.prisma"
    loop.symlink_to(loop)
    _clean(run_here("validate", loop), 2, "symbolic link loop")


def test_a_folder_link_loop_says_so(tmp_path):
    (tmp_path / "a.prisma").write_text("model A {\n  id Int @id\n}\n")
    (tmp_path / "again").symlink_to(tmp_path)
    _clean(run_here("validate", tmp_path), 2, "symbolic link loop")


def test_a_dangling_prisma_link_in_a_folder(tmp_path):
    (tmp_path / "a.prisma").write_text("model A {\n  id Int @id\n}\n")
    (tmp_path / "b.prisma").symlink_to(tmp_path / "gone.prisma")
    _clean(run_here("validate", tmp_path), 2, "does not exist")


# -- lone surrogates, failed writes ----------------------------------------------------------------------------

SURROGATE = 'model A {\n  id Int @id\n  s String @default("\\uD800")\n}\n'


@pytest.mark.parametrize("args", [*(["validate", "--format", f] for f in FORMATS), ["parse"], ["parse", "--json"],
                                  ["migrate", "--from-empty", "--script"]])
def test_a_lone_surrogate_never_exits_3(tmp_path, args):
    schema = tmp_path / "schema.prisma"
    schema.write_text(SURROGATE)
    proc = run_here(*args, schema)
    assert proc.returncode in (0, 1), proc.stderr
    proc.stdout.decode("utf-8")  # strict: valid UTF-8
    if "--json" in args or "json" in args or "sarif" in args:
        json.loads(proc.stdout)


def test_a_lone_surrogate_in_a_mapped_name_never_exits_3(tmp_path):
    # The parser reports the unpaired surrogate (PSL007) and keeps U+FFFD in its place.
    schema = tmp_path / "schema.prisma"
    schema.write_text('model A {\n  id Int @id\n  @@map("T\\uDC00")\n}\n')
    assert run_here("validate", schema).returncode == 1


@needs_dev
@pytest.mark.parametrize("args", [["validate"], ["validate", "--format", "json"], ["parse", "--json"],
                                  ["migrate", "--from-empty", "--script"]])
def test_output_to_a_full_device_is_a_failed_write(args):
    blog = Path(__file__).resolve().parent.parent / "samples" / "blog" / "schema.prisma"
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "prisma_dsql", *args, str(blog)], stdout=full,
                              stderr=subprocess.PIPE, text=True)
    assert proc.returncode == 2, proc.stderr
    assert "could not write the output" in proc.stderr and "Traceback" not in proc.stderr


# -- the terminal and secrets ----------------------------------------------------------------------------------

HOSTILE = ('datasource db {\n  provider = "postgresql"\n'
           '  url = "postgresql://admin:p@ss:w0rd!X@host/app?sslpassword=Key$ecret"\n}\n'
           'model A {\n  id Int @id\n  name Strin // \x1b[2J\x1b]0;pwned\x07 \x9b31m \u202e\n}\n')


@pytest.mark.parametrize("args", [*(["validate", "--format", f] for f in FORMATS), ["parse"], ["parse", "--json"]])
def test_control_characters_and_secrets_never_reach_the_terminal(tmp_path, args):
    schema = tmp_path / "schema.prisma"
    schema.write_text(HOSTILE)
    proc = run_here(*args, schema)
    out = (proc.stdout + proc.stderr).decode("utf-8")
    assert proc.returncode in (0, 1), out
    for raw in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert raw not in out, (raw, out)
    for secret in ("p@ss", "w0rd", "Key$ecret"):
        assert secret not in out, (secret, out)


def test_text_excerpt_shows_control_characters_with_the_caret_in_place(tmp_path):
    schema = tmp_path / "schema.prisma"
    schema.write_text('model A {\n  id Int @id\n  s String @default("\x1b[2J\x9b") @foo\n}\n')
    out = run_here("validate", schema).stdout.decode()
    excerpt = next(line for line in out.splitlines() if "\\u{1b}" in line)
    caret = out.splitlines()[out.splitlines().index(excerpt) + 1]
    assert excerpt == '3 |   s String @default("\\u{1b}[2J\\u{9b}") @foo'
    assert caret.index("^") == excerpt.index("@foo") and caret.count("^") == 4
