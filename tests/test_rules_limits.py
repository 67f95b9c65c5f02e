"""DSQL's real limits and dated capabilities, on generated schemas.

The fixtures in tests/rules shrink the limits to stay readable; these tests
build schemas at and just past the real limits, and check that a rule follows
the profile of the selected date.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from prisma_dsql.plan import plan_from_empty
from prisma_dsql.capabilities import DSQL_LIMITS, capability, profile_for
from prisma_dsql.loader import load_text
from prisma_dsql.rules import REGISTRY, check
from prisma_dsql.translate_options import TranslateOptions

DS = 'datasource db {\n  provider = "postgresql"\n}\n\n'


def codes(text: str, version: str | None = None, **options) -> list[str]:
    loaded = load_text(text)
    assert not [d for d in loaded.diagnostics if d.severity.value == "error"], loaded.diagnostics
    return [d.code for d in check(loaded.schema, profile_for("dsql", version), TranslateOptions(**options))]


def model(name: str, body: str = "") -> str:
    return f"model {name} {{\n  id BigInt @id\n{body}}}\n\n"


@pytest.mark.parametrize("count, reported", [(DSQL_LIMITS["tables"] - 2, False), (DSQL_LIMITS["tables"] - 1, True)])
def test_tables_count_the_history_and_lock_tables(count, reported):
    # 998 models + _prisma_migrations + _prisma_dsql_lock = 1000 tables: fine; 999 models: one too many.
    text = DS + "".join(model(f"M{i}") for i in range(count))
    assert ("DSQL404" in codes(text)) is reported


def test_implicit_many_to_many_tables_count():
    n = DSQL_LIMITS["tables"] - 3  # + 1 join table + history + lock = limit: fine; one more relation: over
    base = "".join(model(f"M{i}") for i in range(n - 2))
    pair = model("A", "  bs B[]\n") + model("B", "  as A[]\n")
    assert "DSQL404" not in codes(DS + base + pair)
    pair2 = model("A", "  bs B[]\n  cs C[]\n") + model("B", "  as A[]\n") + model("C", "  as A[]\n")
    assert "DSQL404" in codes(DS + base + pair2)


def test_indexes_per_table_counts_primary_key_and_uniques():
    limit = DSQL_LIMITS["indexes_per_table"]
    fields = "".join(f"  f{i} String @unique\n" for i in range(limit - 1))  # + the primary key = limit
    assert "DSQL401" not in codes(DS + model("T", fields))
    assert "DSQL401" in codes(DS + model("T", fields + "  g String\n  @@index([g])\n"))


def test_columns_per_index_and_primary_key():
    limit = DSQL_LIMITS["columns_per_index"]
    names = [f"c{i}" for i in range(limit + 1)]
    fields = "".join(f"  {n} Int\n" for n in names)
    ok = DS + f"model T {{\n{fields}  @@id([{', '.join(names[:limit])}])\n}}\n"
    over = DS + f"model T {{\n{fields}  @@id([{', '.join(names)}])\n}}\n"
    assert "DSQL402" not in codes(ok)
    assert "DSQL402" in codes(over)


def test_columns_per_table():
    limit = DSQL_LIMITS["columns_per_table"]
    fields = "".join(f"  f{i} Int\n" for i in range(limit - 1))  # + id = limit
    assert "DSQL403" not in codes(DS + model("T", fields))
    assert "DSQL403" in codes(DS + model("T", fields + "  extra Int\n"))


def _schemas_text(listed: int, used: int) -> str:
    names = ", ".join(f'"s{i}"' for i in range(listed))
    head = f'datasource db {{\n  provider = "postgresql"\n  schemas  = ["public", {names}]\n}}\n\n'
    body = 'model T {\n  id BigInt @id\n  @@schema("public")\n}\n'
    return head + body + "".join(f'model M{i} {{\n  id BigInt @id\n  @@schema("s{i}")\n}}\n' for i in range(used))


@pytest.mark.parametrize("listed, used, reported", [
    (DSQL_LIMITS["schemas"], DSQL_LIMITS["schemas"], False),
    (DSQL_LIMITS["schemas"] + 1, DSQL_LIMITS["schemas"] + 1, True),
    # Listed but unused schemas are not created by the migration: they do not count.
    (DSQL_LIMITS["schemas"] + 1, 1, False),
    (DSQL_LIMITS["schemas"] + 5, DSQL_LIMITS["schemas"], False),
])
def test_schemas_count_what_the_migration_creates(listed, used, reported):
    text = _schemas_text(listed, used)
    assert ("DSQL405" in codes(text)) is reported
    # The DSQL target counts the same schemas (those of the catalog), so it agrees with the rule.
    from prisma_dsql.targets import RenderError
    from prisma_dsql.translate import from_schema

    profile = profile_for("dsql")
    catalog = from_schema(load_text(text).schema, profile)
    if reported:
        with pytest.raises(RenderError, match=f"{used} schemas besides public, sys"):
            plan_from_empty(profile, catalog)
    else:
        assert plan_from_empty(profile, catalog).steps


def test_schemas_of_enums_count():
    text = _schemas_text(DSQL_LIMITS["schemas"] + 1, DSQL_LIMITS["schemas"])
    extra = f'"s{DSQL_LIMITS["schemas"]}"'
    assert "DSQL405" in codes(text + f'enum E {{\n  A\n  @@schema({extra})\n}}\n')


def test_identifier_of_63_bytes_is_fine_64_is_not():
    assert "DSQL406" not in codes(DS + model("M" * 63))
    assert "DSQL406" in codes(DS + model("M" * 64))
    # Bytes, not characters: 32 two-byte characters are 64 bytes.
    assert "DSQL406" in codes(DS + model("Mé" * 21 + "x"))


def test_default_names_cut_by_prisma_collide():
    # Two unique fields whose default names are cut to the same 63 bytes: Prisma reports the
    # unique names itself (PSL101); the columns, cut by the database, collide too (DSQL407).
    long = "x" * 70
    text = DS + model("T", f"  {long}a String\n  {long}b String\n")
    assert codes(text).count("DSQL407") == 1
    assert codes(text).count("DSQL406") == 2


@pytest.mark.parametrize("version, expected", [("2026-08-01", True), ("2026-09-01", False)])
def test_foreign_keys_follow_the_profile(version, expected):
    text = DS + model("User", "  posts Post[]\n") + model("Post", "  authorId BigInt\n"
                                                         "  author User @relation(fields: [authorId], references: [id])\n")
    assert ("DSQL301" in codes(text, version)) is expected
    prisma_mode = text.replace('provider = "postgresql"', 'provider     = "postgresql"\n  relationMode = "prisma"')
    assert "DSQL301" not in codes(prisma_mode, version)


@pytest.mark.parametrize("version, error, info", [("2026-02-12", True, False), ("2026-02-13", False, True)])
def test_identity_columns_follow_the_profile(version, error, info):
    found = codes(DS + "model T {\n  id BigInt @id @default(autoincrement())\n}\n", version)
    assert ("DSQL101" in found) is error and ("DSQL102" in found) is info


@pytest.mark.parametrize("version, expected", [("2026-08-24", True), ("2026-08-25", False)])
def test_decimal_precision_follows_the_profile(version, expected):
    assert ("DSQL110" in codes(DS + model("T", "  amount Decimal\n"), version)) is expected


@pytest.mark.parametrize("version, plain, jsonb, json", [
    ("2026-04-30", True, True, True),     # no JSON columns at all
    ("2026-05-01", False, True, False),   # json, not yet jsonb: a plain Json field becomes JSON
    ("2026-06-01", False, False, False),
])
def test_json_follows_the_profile(version, plain, jsonb, json):
    assert ("DSQL107" in codes(DS + model("T", "  data Json\n"), version)) is plain
    assert ("DSQL107" in codes(DS + model("T", "  data Json @db.JsonB\n"), version)) is jsonb
    assert ("DSQL107" in codes(DS + model("T", "  data Json @db.Json\n"), version)) is json


def _json_help(field: str, version: str) -> str:
    (d,) = [d for d in check(load_text(DS + model("T", field)).schema, profile_for("dsql", version))
            if d.code == "DSQL107"]
    return d.help


def test_json_help_takes_each_type_s_date_from_the_capabilities():
    jsonb, json = capability("jsonb_columns").since.isoformat(), capability("json_columns").since.isoformat()
    assert (jsonb, json) == ("2026-06-01", "2026-05-01")
    assert f"--dsql-version {jsonb}" in _json_help("  data Json @db.JsonB\n", "2026-01-01")
    assert f"--dsql-version {json}" in _json_help("  data Json @db.Json\n", "2026-01-01")
    assert f"--dsql-version {json}" in _json_help("  data Json\n", "2026-01-01")
    # On a json-only version the explicit JsonB is the problem: the help says what a plain Json becomes.
    assert _json_help("  data Json @db.JsonB\n", "2026-05-15") == (
        "Write `data Json @db.Json`, or `data Json` without a native type: on Aurora DSQL as of 2026-05-15 it "
        "becomes a JSON column.")


def test_enum_strategy_decides_between_info_and_error():
    text = DS + "enum Role {\n  A\n  B\n}\n\n" + model("T", "  role Role\n")
    assert "DSQL104" in codes(text) and "DSQL105" not in codes(text)
    assert "DSQL105" in codes(text, enum_strategy="none") and "DSQL104" not in codes(text, enum_strategy="none")


def test_identity_cache_option_is_explained():
    loaded = load_text(DS + "model T {\n  id BigInt @id @default(autoincrement())\n}\n")
    (d,) = check(loaded.schema, profile_for(), TranslateOptions(identity_cache=1))
    assert "CACHE 1" in d.message and "dense" in d.notes[0]


def test_flipping_an_uncertain_capability_changes_the_finding():
    from prisma_dsql import capabilities

    text = DS + model("T", "  price Decimal @db.Money\n")
    assert "DSQL108" in codes(text)
    flipped = profile_for()
    flipped = dataclasses.replace(flipped, features=flipped.features | {"column_type_money"})
    assert capabilities.capability("column_type_money").uncertain
    assert "DSQL108" not in [d.code for d in check(load_text(text).schema, flipped)]


def _enum_finding(profile, **options):
    text = DS + "enum Role {\n  A\n  B\n}\n\n" + model("T", "  role Role\n")
    (d,) = [d for d in check(load_text(text).schema, profile, TranslateOptions(**options)) if d.code == "DSQL105"]
    return d


def test_enum_unsupported_names_the_real_cause():
    off = _enum_finding(profile_for(), enum_strategy="none")
    assert '`[translate] enum-strategy = "none"` in prisma-dsql.toml' in off.message
    assert off.help.startswith('Set `[translate] enum-strategy = "domain"` in prisma-dsql.toml')
    # A profile without domains (none exists among the dated DSQL ones): the setting is not the cause.
    no_domains = dataclasses.replace(profile_for(), features=profile_for().features - {"domains"})
    d = _enum_finding(no_domains)
    assert "enum-strategy" not in d.message + d.help
    assert "has no domains" in d.message and "--dsql-version 2025-05-27" in d.help


def test_config_keys_are_cited_as_written_in_prisma_dsql_toml():
    """`identity-cache` and `enum-strategy` live under `[translate]`: messages, help and notes say so."""
    texts = []
    for options in (TranslateOptions(), TranslateOptions(identity_cache=1), TranslateOptions(enum_strategy="none")):
        text = DS + "enum Role {\n  A\n}\n\n" + model("T", "  n Int @default(autoincrement())\n  role Role\n")
        for d in check(load_text(text).schema, profile_for(), options):
            texts += [d.message, d.help or "", *d.notes]
    texts += [r.doc for r in REGISTRY.values()]
    cited = 0
    for text in texts:
        prose = re.sub(r"```.*?```", "", text, flags=re.S)  # a toml block shows the table itself
        for m in re.finditer(r"(identity-cache|enum-strategy)", prose):
            cited += 1
            assert prose[:m.start()].endswith("[translate] "), prose[max(0, m.start() - 60):m.end() + 20]
    assert cited >= 4


def _fk_finding(models: str):
    loaded = load_text(DS + models)
    assert not loaded.diagnostics, [d.message for d in loaded.diagnostics]
    found = [d for d in check(loaded.schema, profile_for("dsql", "2026-08-01")) if d.code == "DSQL301"]
    assert len(found) == 1, found  # one finding for the whole schema: one fix serves every relation
    return found[0]


def test_foreign_keys_unsupported_is_one_finding_at_the_datasource():
    users = "model User {\n  id BigInt @id\n" + "".join(f"  r{i} R{i}[]\n" for i in range(5)) + "}\n"
    refs = "".join(f"model R{i} {{\n  id BigInt @id\n  userId BigInt\n"
                   f"  user User @relation(fields: [userId], references: [id])\n}}\n" for i in range(5))
    d = _fk_finding(users + refs)
    assert d.span.line == 1 and d.subject == "datasource db"
    assert d.message.startswith("5 relations need foreign keys") and "and 2 more" in d.message
    assert 'Add `relationMode = "prisma"` to the datasource block' in d.help and "all 5 relations" in d.help
    assert "5 relations then need an `@@index`" in d.help


@pytest.mark.parametrize("user_side, owner_fields", [
    ("  r R?\n", "  id     BigInt @id\n  userId BigInt @unique\n"),      # one-to-one: @unique
    ("  r R?\n", "  userId BigInt @id\n"),                              # the id is the relation field
    ("  r R[]\n", "  id     BigInt @id\n  userId BigInt\n  @@index([userId, id])\n"),  # first in an index
])
def test_foreign_keys_unsupported_suggests_no_index_where_one_exists(user_side, owner_fields):
    d = _fk_finding(f"model User {{\n  id BigInt @id\n{user_side}}}\n"
                    f"model R {{\n{owner_fields}  user User @relation(fields: [userId], references: [id])\n}}\n")
    assert "@@index" not in d.help, d.help


def test_native_type_on_a_field_referencing_an_autoincrement_id_is_reported():
    text = (DS + "model U {\n  id Int @id @default(autoincrement())\n  qs Q[]\n}\n"
            "model Q {\n  id  Int @id\n  uId Int @db.SmallInt\n  u   U   @relation(fields: [uId], references: [id])\n}\n")
    found = {d.code: d for d in check(load_text(text).schema, profile_for())}
    d = found["DSQL112"]
    assert (d.span.line, d.span.column, d.subject) == (11, 11, "Q.uId")  # the @db.SmallInt
    assert d.help == "Write `uId BigInt` without `@db.SmallInt` (or with `@db.BigInt`)."
    assert "`uId BigInt` (without `@db.SmallInt`) in Q" in found["DSQL102"].help
    # Before identity columns there is no widening (autoincrement-unsupported reports the id instead).
    assert "DSQL112" not in codes(text, "2026-01-01")


@pytest.mark.parametrize("name, expected", [
    ("überlangerTabellenNameFürDieAbrechnungsperiodenAnpassungUndNochMehr", "überlangerTabellenNameFürDie"),
    ("CustomerSubscriptionBillingPeriodAdjustmentLineItemHistoryEntry", "CustomerSubscriptionBillingPeriod"),
    ("HTTPServerConfigurationForTheVeryLongServiceNameEntry", "HTTPServerConfigurationForTheVeryLong"),
    ("é" * 50, "é" * 20),  # no word boundary: cut at 40 bytes, on a character boundary
])
def test_shortened_names_keep_unicode_letters_and_fit_in_bytes(name, expected):
    from prisma_dsql.rules._base import short_name

    assert short_name(name) == expected and len(expected.encode("utf-8")) <= 40


JSON_INDEXES = model("A", "  j Json\n  l Json @db.Json @unique\n  b Json @db.JsonB\n  @@index([j])\n  @@index([b])\n")


@pytest.mark.parametrize("version, reported", [
    # json only: a plain Json is a JSON column; the JsonB field is DSQL107's, its index still DSQL208's.
    ("2026-05-15", ["A.l", "A.j", "A.b"]),
    # jsonb too: a plain Json is JSONB, whose B-tree indexes DSQL is not known to support.
    (None, ["A.l", "A.j", "A.b"]),
])
def test_json_indexes_follow_the_column_type(version, reported):
    found = [d for d in check(load_text(DS + JSON_INDEXES).schema, profile_for("dsql", version)) if d.code == "DSQL208"]
    assert [d.subject for d in found] == reported
    assert all(d.help for d in found)


def test_flipping_jsonb_indexes_lets_jsonb_through_but_never_json():
    from prisma_dsql.targets import RenderError
    from prisma_dsql.translate import from_schema

    assert capability("jsonb_indexes").uncertain and capability("jsonb_indexes").since is None
    assert capability("json_indexes").since is None and not capability("json_indexes").uncertain
    flipped = profile_for()
    flipped = dataclasses.replace(flipped, features=flipped.features | {"jsonb_indexes"})
    schema = load_text(DS + JSON_INDEXES).schema
    assert [d.subject for d in check(schema, flipped) if d.code == "DSQL208"] == ["A.l"]
    with pytest.raises(RenderError) as err:
        plan_from_empty(flipped, from_schema(schema, flipped))
    assert [p.message for p in err.value.problems] == [
        f"index 'A_l_key' on the JSON column 'l' is not supported by {flipped.describe()}"]


def test_json_index_of_another_method_is_left_to_index_method_whose_help_drops_it():
    text = DS + model("A", "  j Json\n  @@index([j(ops: JsonbPathOps)], type: Gin)\n")
    found = check(load_text(text).schema, profile_for())
    assert "DSQL208" not in [d.code for d in found]
    helps = {d.code: d.help for d in found}
    assert set(helps) == {"DSQL201", "DSQL203"}
    for help in helps.values():
        assert help.startswith("Drop the index") and "DSQL208" in help and "@@index([j])" not in help


LINKED = ('model A {\n  id Int @id\n  next A? @relation("L", fields: [nextId], references: [id], onDelete: %s)\n'
          '  nextId Int? @unique\n  prev A? @relation("L")\n}\n')


@pytest.mark.parametrize("action, reported", [("Cascade", True), ("SetNull", False), ("Restrict", False)])
def test_self_referencing_one_to_one_cascade_is_an_unbounded_chain(action, reported):
    # Cascade deletes the next row, which deletes the next...; SetNull changes one row only (the
    # foreign key it clears is referenced by nothing).
    assert ("DSQL302" in codes(DS + LINKED % action)) is reported


def test_one_to_one_cascade_between_two_models_is_not_reported():
    text = DS + ('model U {\n  id Int @id\n  p P?\n}\n'
                 'model P {\n  id Int @id\n  uId Int @unique\n  u U @relation(fields: [uId], references: [id], '
                 'onDelete: Cascade)\n}\n')
    assert "DSQL302" not in codes(text)
