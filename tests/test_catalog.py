"""The catalog: a database model independent of Prisma, built from the schema graph per profile."""

from __future__ import annotations

import ast
import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from prisma_dsql.capabilities import dsql_profile, profile_for
from prisma_dsql.catalog import Catalog, Column, ColumnDefault, Index, IndexColumn, SqlType, Table
from prisma_dsql.loader import load_text
from prisma_dsql.source import Span
from prisma_dsql.translate import from_schema
from prisma_dsql.translate_options import TranslateOptions

ROOT = Path(__file__).resolve().parent.parent

SCHEMA = '''
datasource db {
  provider = "postgresql"
}
enum Role {
  USER
  ADMIN @map("admin")
  @@map("role_type")
}
model User {
  id      Int     @id @default(autoincrement())
  email   String  @unique
  role    Role    @default(ADMIN)
  data    Json?
  posts   Post[]
  groups  Group[]
  @@map("users")
}
model Post {
  id       BigInt @id @default(autoincrement())
  authorId Int    @map("author_id")
  author   User   @relation(fields: [authorId], references: [id], onDelete: Cascade)
  notes    Note[]
}
model Note {
  id       Int    @id
  postId   BigInt
  post     Post   @relation(fields: [postId], references: [id])
  authorId Int?
  @@index([postId, authorId])
}
model Group {
  id    String @id
  users User[]
}
'''


def build(text: str = SCHEMA, profile=None, options: TranslateOptions = TranslateOptions()) -> Catalog:
    loaded = load_text(text)
    assert not [d for d in loaded.diagnostics if d.severity.value == "error"], loaded.diagnostics
    return from_schema(loaded.schema, profile or profile_for("postgres"), options)


def table(cat: Catalog, name: str) -> Table:
    t = cat.table("public", name)
    assert t is not None, [x.name for x in cat.tables]
    return t


def test_postgres_catalog_follows_prisma():
    cat = build()
    assert [t.name for t in cat.tables] == ["users", "Post", "Note", "Group", "_GroupToUser"]
    users = table(cat, "users")
    assert users.column("id").type == SqlType("INTEGER") and users.column("id").identity.style == "serial"
    assert users.column("role").type == SqlType("role_type", kind="user", schema="public")
    assert users.column("role").default == ColumnDefault("enum", "admin")
    assert users.column("data").type == SqlType("JSONB") and users.column("data").nullable
    assert [e.values for e in cat.enums] == [("USER", "admin")] and cat.domains == ()
    assert users.primary_key.name == "users_pkey"
    assert [i.name for i in users.indexes] == ["users_email_key"]
    post = table(cat, "Post")
    (fk,) = post.foreign_keys
    assert (fk.name, fk.columns, fk.referenced_table, fk.on_delete, fk.on_update) == (
        "Post_author_id_fkey", ("author_id",), "users", "CASCADE", "CASCADE")
    note = table(cat, "Note")
    assert note.foreign_keys[0].on_delete == "RESTRICT"
    join = table(cat, "_GroupToUser")
    assert [(c.name, c.type.name) for c in join.columns] == [("A", "TEXT"), ("B", "INTEGER")]
    assert join.primary_key.name == "_GroupToUser_AB_pkey" and join.primary_key.columns == ("A", "B")
    assert [i.name for i in join.indexes] == ["_GroupToUser_B_index"]
    assert [(f.name, f.referenced_table, f.on_delete) for f in join.foreign_keys] == [
        ("_GroupToUser_A_fkey", "Group", "CASCADE"), ("_GroupToUser_B_fkey", "users", "CASCADE")]
    assert cat.schemas == ("public",)


def test_dsql_catalog_identity_domains_and_widening():
    cat = build(profile=dsql_profile())
    users = table(cat, "users")
    ident = users.column("id")
    assert ident.type == SqlType("BIGINT") and ident.identity.style == "by_default"
    assert ident.identity.cache == 65536 and ident.default is None
    # Columns referencing a widened identity become BIGINT too, also through the join table.
    assert table(cat, "Post").column("author_id").type == SqlType("BIGINT")
    assert table(cat, "_GroupToUser").column("B").type == SqlType("BIGINT")
    # Nullable, non-referencing Int columns stay INTEGER; BigInt ids stay BIGINT.
    assert table(cat, "Note").column("authorId").type == SqlType("INTEGER")
    assert table(cat, "Note").column("id").type == SqlType("INTEGER")
    assert cat.enums == ()
    (domain,) = cat.domains
    # The domain has no CHECK of its own (one cannot be changed on DSQL): each column holds the values.
    assert (domain.name, domain.type, domain.allowed_values) == ("role_type", SqlType("TEXT"), None)
    assert users.column("role").type == SqlType("role_type", kind="user", schema="public")
    assert users.column("role").enum_values == ("USER", "admin")


def test_identity_cache_option_and_enum_strategy_none():
    cat = build(profile=dsql_profile(), options=TranslateOptions(identity_cache=1))
    assert table(cat, "users").column("id").identity.cache == 1
    cat = build(profile=dsql_profile(), options=TranslateOptions(enum_strategy="none"))
    assert cat.domains == () and [e.name for e in cat.enums] == ["role_type"]


def test_older_dsql_profile_has_no_foreign_keys_and_keeps_serial():
    cat = build(profile=dsql_profile("2025-06-01"))
    assert all(not t.foreign_keys for t in cat.tables)
    # No identity columns yet: autoincrement stays SERIAL (the rules refuse it), no widening.
    assert table(cat, "users").column("id").identity.style == "serial"
    assert table(cat, "Post").column("author_id").type == SqlType("INTEGER")


def test_relation_mode_prisma_has_no_foreign_keys():
    text = SCHEMA.replace('provider = "postgresql"', 'provider = "postgresql"\n  relationMode = "prisma"')
    for profile in (profile_for("postgres"), dsql_profile()):
        cat = build(text, profile)
        assert all(not t.foreign_keys for t in cat.tables)
        assert table(cat, "_GroupToUser").indexes  # the join table and its index remain


def test_spans_point_at_the_prisma_source_and_do_not_count_for_equality():
    cat = build()
    users = table(cat, "users")
    assert users.span.line == SCHEMA.splitlines().index("model User {") + 1
    email = users.column("email")
    assert email.span.line == users.span.line + 2
    assert users.indexes[0].span is not None and users.primary_key.span is not None
    assert table(cat, "Post").foreign_keys[0].span is not None
    moved = dataclasses.replace(email, span=Span("elsewhere.prisma", 99, 1, 99, 2))
    assert moved == email and hash(moved) == hash(email)


def test_fingerprint_ignores_order_and_spans_but_not_content():
    cat = build()
    shuffled = dataclasses.replace(cat, tables=tuple(reversed(cat.tables)))
    assert shuffled.fingerprint() == cat.fingerprint()
    assert shuffled.normalized() == cat.normalized()
    changed = dataclasses.replace(cat, tables=cat.tables[1:])
    assert changed.fingerprint() != cat.fingerprint()
    data = cat.to_data()
    assert "span" not in str(data)


_PRISMA_SIDE = ("prisma_dsql.schema", "prisma_dsql.syntax", "prisma_dsql.loader", "prisma_dsql.rules",
                "prisma_dsql.translate")


def test_catalog_package_imports_nothing_of_prisma():
    """Every module of prisma_dsql/catalog/, read statically (also imports inside functions)."""
    modules = sorted((ROOT / "prisma_dsql" / "catalog").glob("*.py"))
    assert {p.name for p in modules} >= {"__init__.py", "model.py"}
    for path in modules:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
        imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in imported if m.startswith(_PRISMA_SIDE)], (path.name, imported)


def test_importing_the_catalog_loads_nothing_of_prisma():
    """The same at run time, in a fresh interpreter: what `import prisma_dsql.catalog` pulls in."""
    code = ("import sys, prisma_dsql.catalog, prisma_dsql.catalog.model\n"
            "print('\\n'.join(sorted(m for m in sys.modules if m.startswith('prisma_dsql'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    loaded = out.stdout.split()
    assert "prisma_dsql.catalog.model" in loaded
    assert not [m for m in loaded if m.startswith(_PRISMA_SIDE)], loaded


def test_hand_built_catalog_objects_are_hashable_values():
    idx = Index("t_a_idx", (IndexColumn("a"),))
    t = Table("public", "t", (Column("a", SqlType("TEXT"), False),), indexes=(idx,))
    assert {t: 1}[Table("public", "t", (Column("a", SqlType("TEXT"), False),), indexes=(idx,))] == 1
    assert idx.column_names == ("a",)


@pytest.mark.parametrize("text, expected", [
    ('@default("2020-01-02T03:04:05Z")', "2020-01-02 03:04:05 +00:00"),
    ('@default("2020-01-02T03:04:05.5+02:00")', "2020-01-02 03:04:05.500 +02:00"),
    ('@default("2020-01-02T03:04:05.000001Z")', "2020-01-02 03:04:05.000001 +00:00"),
])
def test_datetime_defaults_are_written_like_prisma(text, expected):
    cat = build(f'datasource db {{\n  provider = "postgresql"\n}}\nmodel T {{\n  id Int @id\n  at DateTime {text}\n}}\n')
    assert table(cat, "T").column("at").default == ColumnDefault("datetime", expected)


def test_fields_outside_equality_stay_out_of_the_fingerprint_text():
    """`fingerprint()` hashes the repr: a field that equality ignores must not be in the repr either."""
    import dataclasses

    from prisma_dsql.catalog import model

    classes = [obj for obj in vars(model).values() if dataclasses.is_dataclass(obj) and isinstance(obj, type)]
    assert len(classes) >= 10
    for cls in classes:
        for f in dataclasses.fields(cls):
            if (cls, f.name) == (model.Column, "enum_values"):  # compared; hashed apart by fingerprint()
                continue
            assert f.compare == f.repr, (cls.__name__, f.name)


def test_column_enum_values_change_the_fingerprint_and_leave_others_as_they_were():
    from dataclasses import replace

    from prisma_dsql.catalog.model import Catalog, Column, SqlType, Table

    col = Column("role", SqlType("Role", kind="user", schema="public"), True)
    cat = Catalog(schemas=("public",), default_schema="public", tables=(Table("public", "T", (col,)),))
    held = replace(cat, tables=(Table("public", "T", (replace(col, enum_values=("A",)),)),))
    other = replace(cat, tables=(Table("public", "T", (replace(col, enum_values=("A", "B")),)),))
    assert len({cat.fingerprint(), held.fingerprint(), other.fingerprint()}) == 3
    # A catalog without them hashes its repr alone, as before enum values moved onto columns.
    import hashlib
    assert cat.fingerprint() == hashlib.sha256(repr(cat.normalized()).encode()).hexdigest()
