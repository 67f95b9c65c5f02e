"""`db pull` on catalogs no schema made (no database needed): whatever the names, keys and relations a
database holds, the pulled schema is one this tool and Prisma read without errors, and it names the
same database objects (`@@map`/`@map` back to every table, column, enum and value)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prisma_dsql.capabilities import dsql_profile
from prisma_dsql.catalog.model import (
    Catalog,
    Column,
    Domain,
    ForeignKey,
    Identity,
    Index,
    IndexColumn,
    PrimaryKey,
    SqlType,
    Table,
)
from prisma_dsql.diagnostics import Severity
from prisma_dsql.loader import load_text
from prisma_dsql.pull import pull
from prisma_dsql.pull.names import is_identifier, prisma_name, unique_names
from prisma_dsql.schema import naming


@pytest.mark.parametrize("db_name, kind, expected", [
    ("User", "model", "User"),
    ("user accounts", "model", "user_accounts"),
    ("2fa-codes", "model", "fa_codes"),
    ("_secret", "model", "secret"),
    ("String", "model", "RenamedString"),
    ("e-mail", "field", "e_mail"),
    ("in progress", "value", "in_progress"),
    ("", "value", "EMPTY_ENUM_VALUE"),
    ("123", "value", "VALUE_123"),
    ("Ünïcode", "model", "n_code"),
])
def test_prisma_names(db_name, kind, expected):
    assert prisma_name(db_name, kind) == expected
    assert is_identifier(prisma_name(db_name, kind))


def test_unique_names_never_merge_two_database_names():
    assert unique_names(["a", "a", "a_1", "b"], {"b"}) == ["a", "a_1", "a_1_1", "b_1"]


_name = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20)


@st.composite
def catalogs(draw) -> Catalog:
    values = draw(st.lists(_name, min_size=1, max_size=4, unique=True))
    enum = Domain("public", draw(_name), SqlType("TEXT"), allowed_values=tuple(values))
    table_names = draw(st.lists(_name, min_size=1, max_size=4, unique=True))
    tables = []
    for tname in table_names:
        cols = draw(st.lists(_name.filter(lambda n: n != "id"), max_size=4, unique=True))
        columns = [Column("id", SqlType("BIGINT"), False, identity=Identity("by_default", 65536))]
        columns += [Column(c, SqlType("BIGINT"), draw(st.booleans())) for c in cols]
        columns.append(Column("state", SqlType(enum.name, kind="user", schema="public"), True))
        fks = []
        for c in cols:
            if draw(st.booleans()):
                target = draw(st.sampled_from(table_names))
                fks.append(ForeignKey(naming.foreign_key_name(tname, (c,)), (c,), "public", target, ("id",)))
        indexes = [Index(naming.unique_name(tname, (c,)), (IndexColumn(c),), unique=True)
                   for c in cols if draw(st.booleans())]
        tables.append(Table("public", tname, tuple(columns), PrimaryKey(naming.primary_key_name(tname), ("id",)),
                            tuple(indexes), tuple(fks)))
    if len(table_names) >= 2 and draw(st.booleans()):
        a, b = sorted(table_names[:2])
        join = f"_{a}To{b}"
        if join not in table_names:
            ab = (Column("A", SqlType("BIGINT"), False), Column("B", SqlType("BIGINT"), False))
            tables.append(Table("public", join, ab, PrimaryKey(f"{join}_AB_pkey", ("A", "B")),
                                (Index(f"{join}_B_index", (IndexColumn("B"),)),),
                                (ForeignKey(f"{join}_A_fkey", ("A",), "public", a, ("id",), "CASCADE", "CASCADE"),
                                 ForeignKey(f"{join}_B_fkey", ("B",), "public", b, ("id",), "CASCADE", "CASCADE"))))
    return Catalog(schemas=("public",), domains=(enum,), tables=tuple(tables))


@settings(max_examples=150, deadline=None, database=None, derandomize=True)
@given(catalogs())
def test_any_catalog_pulls_to_a_schema_without_errors_that_maps_every_name(catalog):
    text = pull(catalog, profile=dsql_profile()).text
    loaded = load_text(text)
    errors = [d.message for d in loaded.diagnostics if d.severity is Severity.ERROR]
    assert not errors, (text, errors)
    schema = loaded.schema
    assert sorted(m.db_name for m in schema.models) == sorted(t.name for t in catalog.tables
                                                              if not (t.name.startswith("_") and "To" in t.name
                                                                      and [c.name for c in t.columns] == ["A", "B"]))
    for t in catalog.tables:
        model = next((m for m in schema.models if m.db_name == t.name), None)
        if model is not None:
            assert [f.db_name for f in model.fields if f.is_scalar_like] == [c.name for c in t.columns]
    (enum,) = schema.enums
    assert enum.db_name == catalog.domains[0].name
    assert [v.db_name for v in enum.values] == list(catalog.domains[0].allowed_values)


TRICKY = ["0", ":", "await", "String", "user accounts", "e-mail", "Ünïcode", 'a"b', "back\\slash", "_x", "x-y",
          "model", "enum", "PrismaClient", "id_", "Id", "ID"]


def _tricky_catalog() -> Catalog:
    enum = Domain("public", "enum", SqlType("TEXT"), allowed_values=("", *TRICKY))
    tables = []
    for name in TRICKY:
        columns = [Column("id", SqlType("BIGINT"), False, identity=Identity("by_default", 65536)),
                   *(Column(c, SqlType("BIGINT"), True) for c in TRICKY if c != "id"),
                   Column("state", SqlType("enum", kind="user", schema="public"), False)]
        fks = (ForeignKey(naming.foreign_key_name(name, ("0",)), ("0",), "public", TRICKY[(TRICKY.index(name) + 1) % 5],
                          ("id",)),
               ForeignKey(naming.foreign_key_name(name, (":",)), (":",), "public", name, ("id",)))
        tables.append(Table("public", name, tuple(columns), PrimaryKey(naming.primary_key_name(name), ("id",)),
                            (Index(naming.unique_name(name, ("e-mail",)), (IndexColumn("e-mail"),), unique=True),),
                            fks))
    return Catalog(schemas=("public",), domains=(enum,), tables=tuple(tables))


def test_prisma_accepts_a_schema_pulled_from_names_it_cannot_use():
    from tests.support.prisma_oracle import prisma_accepts, prisma_validate_many

    text = pull(_tricky_catalog(), profile=dsql_profile()).text
    loaded = load_text(text)
    assert not [d.message for d in loaded.diagnostics if d.severity is Severity.ERROR], text
    assert sorted(m.db_name for m in loaded.schema.models) == sorted(TRICKY)
    verdict = prisma_validate_many([[("schema.prisma", text)]])[0]
    assert prisma_accepts(verdict), (text, verdict)


def test_a_table_without_columns_is_reported_not_pulled():
    catalog = Catalog(schemas=("public",), tables=(Table("public", "empty", ()),
                                                    Table("public", "kept", (Column("id", SqlType("INTEGER"), False),),
                                                          PrimaryKey("kept_pkey", ("id",)))))
    result = pull(catalog, profile=dsql_profile())
    assert [m.db_name for m in load_text(result.text).schema.models] == ["kept"]
    assert result.warnings == ("table empty has no columns: not pulled",)


def test_a_table_without_a_key_is_ignored_with_its_relations():
    from tests.support.prisma_oracle import prisma_accepts, prisma_validate_many

    catalog = Catalog(schemas=("public",), tables=(
        Table("public", "users", (Column("id", SqlType("INTEGER"), False),), PrimaryKey("users_pkey", ("id",))),
        Table("public", "log", (Column("user_id", SqlType("INTEGER"), False), Column("msg", SqlType("TEXT"), True)),
              None, (), (ForeignKey("log_user_id_fkey", ("user_id",), "public", "users", ("id",)),)),
    ))
    text = pull(catalog, profile=dsql_profile()).text
    flat = " ".join(text.split())
    assert "@@ignore }" in flat and "log log[] @ignore" in flat
    assert not [d.message for d in load_text(text).diagnostics if d.severity is Severity.ERROR], text
    assert prisma_accepts(prisma_validate_many([[("schema.prisma", text)]])[0]), text
