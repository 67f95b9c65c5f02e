"""Dated capability profiles: version parsing, the range of known dates, and profiles as data."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from prisma_dsql import capabilities
from prisma_dsql.capabilities import (
    CAPABILITIES,
    COLUMN_TYPES,
    FUNCTIONS,
    GA,
    JSON_COLUMN_TYPES,
    column_type_capability,
    dsql_profile,
    newest_known_date,
    parse_version,
    postgres_profile,
    profile_for,
)

SOURCE = Path(capabilities.__file__)


@pytest.mark.parametrize("text", ["20260101", "", "2026-1-01", "2026-01-01T00:00", " 2026-01-01", "2026-02-30",
                                  "2026-W01-1", "yesterday"])
def test_version_must_be_written_yyyy_mm_dd(text):
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_version(text)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        profile_for("dsql", text)


def test_dates_before_general_availability_are_refused():
    assert GA == dt.date(2025, 5, 27) == min(c.since for c in CAPABILITIES if c.since is not None)
    with pytest.raises(ValueError, match=r"before Aurora DSQL's general availability \(2025-05-27\)"):
        dsql_profile("2025-05-26")
    assert dsql_profile("2025-05-27").supports("domains")


def test_a_date_past_the_newest_fact_gets_the_newest_profile_and_says_so():
    newest = newest_known_date()
    future = dsql_profile("2099-12-31")
    assert future.as_of == newest and future.features == dsql_profile().features
    assert future.describe() == f"Aurora DSQL as of {newest.isoformat()} (newest known; you asked for 2099-12-31)"
    assert future == dsql_profile()  # the request changes the words only
    assert dsql_profile().describe() == f"Aurora DSQL as of {newest.isoformat()}"
    assert dsql_profile(newest.isoformat()).describe() == f"Aurora DSQL as of {newest.isoformat()}"
    assert dsql_profile("2026-05-15").describe() == "Aurora DSQL as of 2026-05-15"
    assert postgres_profile().describe() == "PostgreSQL"


def test_numeric_precision_is_a_limit_that_follows_the_capability():
    day = capabilities.capability("numeric_precision_1000").since
    assert dsql_profile(day - dt.timedelta(days=1)).limit("numeric_precision") == 38
    assert dsql_profile(day).limit("numeric_precision") == 1000
    assert postgres_profile().limit("numeric_precision") == 1000


def test_profile_methods_never_ask_which_target_they_are():
    tree = ast.parse(SOURCE.read_text(encoding="utf-8"))
    profile = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Profile")
    for node in ast.walk(profile):
        if isinstance(node, ast.Attribute) and node.attr == "target":
            raise AssertionError(f"Profile reads self.target on line {node.lineno}: make the difference data")


def test_shared_tables_name_known_capabilities():
    keys = {c.key for c in CAPABILITIES}
    assert {k for k in COLUMN_TYPES.values() if k} <= keys
    assert {k for k, _ in FUNCTIONS.values()} <= keys
    assert {k for k, _ in JSON_COLUMN_TYPES} <= keys
    assert column_type_capability('"Timestamp"(3) WITH TIME ZONE') == ""
    assert column_type_capability("text[]") == "array_columns"
    assert column_type_capability("geometry(Point, 4326)") == "unlisted_column_types"
    assert column_type_capability("tsvector") == "column_type_tsvector"


def test_json_type_follows_the_profile():
    json, jsonb = (capabilities.capability(k).since for k in ("json_columns", "jsonb_columns"))
    assert dsql_profile(json - dt.timedelta(days=1)).first_supported(JSON_COLUMN_TYPES) is None
    assert dsql_profile(json).first_supported(JSON_COLUMN_TYPES) == "JSON"
    assert dsql_profile(jsonb).first_supported(JSON_COLUMN_TYPES) == "JSONB"
    assert postgres_profile().first_supported(JSON_COLUMN_TYPES) == "JSONB"
