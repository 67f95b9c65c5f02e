"""The schema cache: same text -> same graph without parsing; anything else -> parse."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from prisma_dsql import cache
from prisma_dsql.loader import load

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from synth import generate  # noqa: E402


@pytest.fixture
def big_schema(tmp_path, monkeypatch):
    monkeypatch.setenv("PRISMA_DSQL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PRISMA_DSQL_NO_CACHE", raising=False)
    path = tmp_path / "schema.prisma"
    path.write_text(generate(60))
    assert len(path.read_text()) >= cache.MIN_CACHED_CHARS
    return path


def _forbid_parsing(monkeypatch):
    import prisma_dsql.loader as loader

    def boom(*_a, **_k):
        raise AssertionError("parsed although the cache had this schema")

    monkeypatch.setattr(loader, "load_sources", boom)


def test_second_load_comes_from_the_cache(big_schema, monkeypatch):
    first = load(big_schema)
    assert list((big_schema.parent / "cache" / "load").glob("*.pickle"))
    _forbid_parsing(monkeypatch)
    second = load(big_schema)
    assert second.schema == first.schema
    assert second.diagnostics == first.diagnostics
    assert [s.text for s in second.sources] == [s.text for s in first.sources]


def test_any_change_to_the_text_misses(big_schema, monkeypatch):
    load(big_schema)
    big_schema.write_text(big_schema.read_text().replace("Entity7 ", "Entity7x ", 1) + "\n")
    loaded = load(big_schema)  # parses again: the rename is visible
    assert any(m.name == "Entity7x" for m in loaded.schema.models)
    assert any(d.code == "PSL102" for d in loaded.diagnostics)  # Entity6 still points at Entity7


def test_a_corrupt_entry_is_dropped_and_rebuilt(big_schema):
    first = load(big_schema)
    (entry,) = (big_schema.parent / "cache" / "load").glob("*.pickle")
    entry.write_bytes(b"not a pickle")
    again = load(big_schema)
    assert again.schema == first.schema
    assert entry.read_bytes() != b"not a pickle"


def test_an_unwritable_cache_is_not_an_error(big_schema, monkeypatch, tmp_path):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    monkeypatch.setenv("PRISMA_DSQL_CACHE_DIR", str(blocker))
    assert load(big_schema).schema.models


def test_the_cache_can_be_turned_off(big_schema, monkeypatch):
    monkeypatch.setenv("PRISMA_DSQL_NO_CACHE", "1")
    load(big_schema)
    assert not (big_schema.parent / "cache").exists()


def test_small_schemas_are_not_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("PRISMA_DSQL_CACHE_DIR", str(tmp_path / "cache"))
    small = tmp_path / "s.prisma"
    small.write_text("model A {\n  id Int @id\n}\n")
    load(small)
    assert not (tmp_path / "cache").exists()


def test_a_schema_with_a_password_is_never_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("PRISMA_DSQL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PRISMA_DSQL_NO_CACHE", raising=False)
    path = tmp_path / "schema.prisma"
    path.write_text(generate(60).replace('provider = "postgresql"',
                                         'provider = "postgresql"\n  url = "postgresql://admin:s3cret@h/db"', 1))
    load(path)
    assert not (tmp_path / "cache").exists()
