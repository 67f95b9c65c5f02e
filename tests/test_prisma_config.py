"""prisma.config.ts is read as data by a tokenizer that knows comments, strings, templates and nesting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prisma_dsql.errors import InputError
from prisma_dsql.loader import discover
from prisma_dsql.prisma_config import EnvVar, parse_prisma_config, read_prisma_config

P = Path("prisma.config.ts")

PRISMA7 = '''import "dotenv/config";
import { defineConfig, env } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: {
    path: "prisma/migrations",
    seed: "tsx prisma/seed.ts",
  },
  datasource: {
    url: env("DATABASE_URL"),
  },
});
'''


def test_prisma7_config():
    cfg = parse_prisma_config(PRISMA7, P)
    assert (cfg.schema, cfg.migrations_path, cfg.datasource_url) == (
        "prisma/schema.prisma", "prisma/migrations", EnvVar("DATABASE_URL"))
    assert cfg.too_dynamic is None and cfg.reason_for("schema") is None


@pytest.mark.parametrize("text, schema", [
    ('export default defineConfig({\n  /* schema: "old.prisma" */\n  schema: "new.prisma",\n})', "new.prisma"),
    ('/*\nexport default { schema: "old.prisma" }\n*/\nexport default { schema: "new.prisma" }', "new.prisma"),
    ('// schema: "old.prisma"\nexport default defineConfig({ schema: "new.prisma" })', "new.prisma"),
    ('const other = { schema: "wrong.prisma" };\nexport default defineConfig({ schema: "right.prisma" })',
     "right.prisma"),
    ('export default defineConfig({ migrations: { schema: "nested.prisma" }, schema: "top.prisma" })', "top.prisma"),
    ('export default defineConfig({ note: "schema: \\"str.prisma\\"", schema: `tpl.prisma` })', "tpl.prisma"),
    ('export default defineConfig({ x: /schema: "re"/, schema: "after-regex.prisma" })', "after-regex.prisma"),
    ('const config = { schema: "named.prisma" } satisfies PrismaConfig;\nexport default config;', "named.prisma"),
    ("module.exports = defineConfig({ 'schema': 'cjs.prisma' })", "cjs.prisma"),
    ('export default { other: { as: 1 }, schema: "after-as.prisma" } satisfies PrismaConfig', "after-as.prisma"),
    ('export default ({ schema: "paren.prisma" } as const)', "paren.prisma"),
    ('export default defineConfig({ datasource: { url: "postgres://u:p@h/db" } })', None),
])
def test_schema_entry(text, schema):
    cfg = parse_prisma_config(text, P)
    assert cfg.reason_for("schema") is None
    assert cfg.schema == schema


@pytest.mark.parametrize("text, words", [
    ('import path from "node:path";\nexport default defineConfig({ schema: path.join("prisma", "s.prisma") })',
     "path.join"),
    ('export default defineConfig({ schema: `${dir}/schema.prisma` })', "${...}"),
    ('const base = makeConfig();\nexport default defineConfig({ ...base })', "spreads"),
    ('export default defineConfig({ schema })', "variable"),
    ('export default makeConfig(process.env.X)', "without running it"),
    ('const x = 1;', "export default"),
    ('export default defineConfig({ schema: "a.prisma" /* unterminated', "never ends"),
    ('export default defineConfig({ schema: env("SCHEMA") })', "environment variable SCHEMA"),
])
def test_too_dynamic_says_why(text, words):
    cfg = parse_prisma_config(text, P)
    reason = cfg.reason_for("schema")
    assert reason and words in reason, reason
    assert cfg.schema is None


def test_datasource_url_forms():
    for text, url in [('export default { datasource: { url: process.env.DATABASE_URL } }', EnvVar("DATABASE_URL")),
                      ('export default { datasource: { url: process.env["DB"] } }', EnvVar("DB")),
                      ('export default { datasource: { url: "file:./dev.db" } }', "file:./dev.db")]:
        assert parse_prisma_config(text, P).datasource_url == url


def test_discovery_refuses_a_dynamic_schema_and_asks_for_it(tmp_path):
    (tmp_path / "prisma").mkdir()
    (tmp_path / "prisma" / "schema.prisma").write_text("model A {\n  id Int @id\n}\n")
    (tmp_path / "prisma.config.ts").write_text('export default defineConfig({ schema: path.join("x", "y") })')
    with pytest.raises(InputError) as err:
        discover(tmp_path)
    assert "--schema" in str(err.value) and "path.join" in str(err.value)


def test_discovery_ignores_a_commented_out_schema(tmp_path):
    (tmp_path / "prisma.config.ts").write_text(
        'export default defineConfig({\n  /* schema: "old.prisma", */\n  schema: "db/new.prisma",\n})\n')
    assert discover(tmp_path) == tmp_path / "db" / "new.prisma"


def test_discovery_without_schema_key_falls_back(tmp_path):
    (tmp_path / "schema.prisma").write_text("model A {\n  id Int @id\n}\n")
    (tmp_path / "prisma.config.ts").write_text('export default defineConfig({ datasource: { url: env("X") } })')
    assert discover(tmp_path) == tmp_path / "schema.prisma"


def test_the_config_file_is_never_executed(tmp_path):
    marker = tmp_path / "RAN"
    (tmp_path / "prisma.config.ts").write_text(
        f'require("fs").writeFileSync({str(marker)!r}, "x");\nexport default {{ schema: "s.prisma" }}\n')
    (tmp_path / "s.prisma").write_text("model A {\n  id Int @id\n}\n")
    proc = subprocess.run([sys.executable, "-m", "prisma_dsql", "validate"], cwd=tmp_path, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    assert not marker.exists()


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_config_that_is_a_device_is_read_capped(tmp_path):
    (tmp_path / "prisma.config.ts").symlink_to("/dev/zero")
    with pytest.raises(InputError) as err:
        read_prisma_config(tmp_path / "prisma.config.ts")
    assert "MB" in str(err.value)


def test_default_migrations_dir_reads_the_config_as_data(tmp_path):
    from prisma_dsql.cli.migrate_cmd import default_migrations_dir
    from prisma_dsql.errors import UsageError
    from prisma_dsql.loader import load_text

    loaded = load_text('datasource db {\n  provider = "postgresql"\n}\nmodel A {\n  id Int @id\n}\n')
    (tmp_path / "prisma.config.ts").write_text(
        'export default defineConfig({\n  /* migrations: { path: "old/migrations" }, */\n'
        '  other: { migrations: { path: "nested/wrong" } },\n  migrations: { path: "db/migrations" },\n})\n')
    assert default_migrations_dir(loaded, tmp_path) == tmp_path / "db" / "migrations"
    (tmp_path / "prisma.config.ts").write_text('export default defineConfig({ migrations: { path: dir } })')
    with pytest.raises(UsageError) as err:
        default_migrations_dir(loaded, tmp_path)
    assert "--migrations-dir" in str(err.value)


def test_deep_nesting_and_unbalanced_brackets_are_answers_not_crashes():
    # 20,000 levels: 300x the reader's MAX_DEPTH (64) and 20x Python's default recursion limit, so a reader that
    # recursed per level would still crash here (100,000 levels proved nothing more and took seconds).
    deep = "export default " + "{a: " * 20_000 + "1" + "}" * 20_000
    assert parse_prisma_config(deep, P).schema is None
    deep = 'export default { schema: ' + "(" * 20_000 + '"x.prisma"' + ")" * 20_000 + " }"
    cfg = parse_prisma_config(deep, P)
    assert cfg.schema is None and "nested" in cfg.reason_for("schema")
    for text in ("export default { schema: 'a.prisma' ", "export default { schema: 'a' ]", "}}}", "`${"):
        assert parse_prisma_config(text, P).too_dynamic



@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("{}()[]'\"`/*$\\\n :,.=ab") + [
    "schema", "export default ", "defineConfig", "//", "/*", "*/", "${", "env(", "...", " as ", "const x = "]),
    max_size=60).map("".join))
def test_any_text_gives_an_answer(text):
    cfg = parse_prisma_config(text, P)
    assert cfg.schema is None or isinstance(cfg.schema, str)
