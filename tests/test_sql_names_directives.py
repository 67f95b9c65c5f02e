"""The shared SQL name rules (quoting, the byte cut) and the directives module."""

from __future__ import annotations

import pytest

from prisma_dsql.capabilities import dsql_profile, profile_for
from prisma_dsql.sql import directives
from prisma_dsql.sql.names import cut, cut_with_suffix, identifier_bytes, qualified, quote, string_literal


def test_quoting_doubles_quotes_and_qualifies_outside_the_default_schema():
    assert quote('a"b') == '"a""b"'
    assert qualified("public", "T", "public") == '"T"' and qualified("s", "T", "public") == '"s"."T"'
    assert string_literal("it's") == "'it''s'"


def test_the_cut_keeps_whole_characters_within_the_profiles_bytes():
    assert identifier_bytes(dsql_profile()) == 63 == identifier_bytes(profile_for("postgres")) == identifier_bytes(None)
    name = "é" * 40  # 80 bytes
    assert len(cut(name).encode()) == 62 and cut(name) == "é" * 31
    assert cut("short") == "short"
    long = cut_with_suffix("x" * 70, "_not_null")
    assert long.endswith("_not_null") and len(long.encode()) == 63


def test_directives_render_and_parse_both_ways():
    for name in directives.NAMES:
        if name in directives.ARGUMENTS:  # the fingerprint takes its hash
            assert directives.parse(directives.render(name) + " " + "0" * 64) == name
            with pytest.raises(directives.DirectiveError, match="takes one argument"):
                directives.parse(directives.render(name))
            continue
        assert directives.parse(directives.render(name)) == name
    assert directives.parse("-- prisma-dsql: wait-for-jobs ") == "wait-for-jobs"
    assert directives.parse("-- CreateTable") is None and directives.parse("SELECT 1") is None
    with pytest.raises(directives.DirectiveError, match="unknown directive"):
        directives.parse("-- prisma-dsql:repeat-until-zero-row")
    with pytest.raises(directives.DirectiveError, match="takes no arguments"):
        directives.parse("-- prisma-dsql:wait-for-jobs now")


def test_the_batch_limit_is_read_and_lowered_in_place():
    sql = 'UPDATE "t" SET "c" = 1 WHERE ("id") IN (SELECT "id" FROM "t" WHERE "c" IS NULL ORDER BY "id" LIMIT 1500)'
    assert directives.batch_size(sql) == 1500
    assert directives.batch_size(directives.with_batch_size(sql, 200)) == 200
    with pytest.raises(directives.DirectiveError):
        directives.with_batch_size("SELECT 1", 5)


def test_deploy_reads_the_same_directive_names():
    from prisma_dsql.deploy import steps

    assert steps.DIRECTIVES == directives.NAMES and steps.REPEAT == directives.REPEAT_UNTIL_ZERO_ROWS
