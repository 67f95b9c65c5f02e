"""dsql-lint (AWS's DSQL SQL linter) finds nothing in any DSQL script we generate.

Covers the samples, every corpus schema that passes DSQL validation, and feature schemas that
exercise each DSQL-specific shape (domains, identity columns, inline and deferred foreign keys,
partial indexes, several schemas). Findings that dsql-lint releases older than DSQL's 2026
capabilities still report are filtered by tests/support/dsql_lint.py; anything else fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prisma_dsql.capabilities import dsql_profile
from prisma_dsql.loader import load, load_text
from prisma_dsql.migrations.generate import generate_from_empty
from tests.support.dsql_lint import unexpected_findings

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
CORPUS = ROOT / "tests" / "fixtures" / "corpus"  # copies of ../shared/corpus, with their licences

#: Schemas written to use every DSQL shape the translator produces; all pass DSQL validation.
DSQL_FEATURES: dict[str, str] = {
    "shapes": '''
generator client {
  provider        = "prisma-client-js"
  previewFeatures = ["partialIndexes"]
}
datasource db {
  provider = "postgresql"
  schemas  = ["public", "billing"]
}
enum Role {
  USER
  ADMIN @map("admin")
  @@map("role")
  @@schema("public")
}
enum Currency {
  EUR
  USD
  @@schema("billing")
}
model Company {
  id      Int       @id @default(autoincrement())
  name    String    @db.VarChar(120)
  ceoId   Int?      @unique
  ceo     Person?   @relation("ceo", fields: [ceoId], references: [id], onDelete: SetNull)
  staff   Person[]  @relation("staff")
  invoice Invoice[]
  @@map("companies")
  @@schema("public")
}
model Person {
  id        Int      @id @default(autoincrement())
  companyId Int      @map("company_id")
  company   Company  @relation("staff", fields: [companyId], references: [id], onDelete: Cascade)
  leads     Company? @relation("ceo")
  email     String   @unique
  role      Role     @default(USER)
  bossId    Int?
  boss      Person?  @relation("boss", fields: [bossId], references: [id])
  reports   Person[] @relation("boss")
  profile   Json?
  active    Boolean  @default(true)
  tags      Tag[]
  @@index([companyId, active], where: { active: true })
  @@map("people")
  @@schema("public")
}
model Tag {
  id     BigInt   @id @default(autoincrement())
  label  String   @unique
  people Person[]
  @@schema("public")
}
model Invoice {
  companyId Int      @map("company_id")
  number    Int
  currency  Currency @default(EUR)
  amount    Decimal  @db.Decimal(12, 2)
  issuedAt  DateTime @default(now()) @db.Timestamptz(6)
  company   Company  @relation(fields: [companyId], references: [id])
  lines     Line[]
  @@id([companyId, number])
  @@schema("billing")
}
model Line {
  id        String  @id @default(uuid()) @db.Uuid
  companyId Int
  number    Int
  invoice   Invoice @relation(fields: [companyId, number], references: [companyId, number], onDelete: Cascade)
  note      String? @default("n/a")
  @@index([companyId, number])
  @@schema("billing")
}
''',
    "unique_reference": '''
datasource db {
  provider = "postgresql"
}
model Account {
  id    BigInt @id @default(autoincrement())
  email String @unique
  subs  Sub[]
}
model Sub {
  id    BigInt  @id @default(autoincrement())
  email String
  acct  Account @relation(fields: [email], references: [email])
  @@index([email])
}
''',
}


#: Cases that are refused on purpose, by target, with the reason the refusal must give.
#: Everything else must generate; `test_refusals_are_exactly_the_expected_ones` holds both sides.
_BROKEN = "the schema has errors"
REFUSED: dict[str, dict[str, str]] = {
    "dsql": {
        "sample:saas": "cannot run this schema as it is",
        "corpus:epicweb-dev__epic-stack__prisma__schema.prisma": "cannot run this schema as it is",
    },
    "postgres": {
        "corpus:epicweb-dev__epic-stack__prisma__schema.prisma": 'the datasource provider is "sqlite"',
    },
}
for _target in REFUSED:
    for _name in ("catch_all_in_a_block_must_not_influence_table_layout", "object_expression_and_object_member",
                  "partial_index", "regression_add_relation_attribute_on_field_with_multi_byte_trailing_comment"):
        REFUSED[_target][f"corpus:psl__psl__tests__reformatter__{_name}.prisma"] = _BROKEN


def accepted(target: str) -> list[str]:
    """The case names that must generate for `target`."""
    return [n for n in CASES if n not in REFUSED[target]]


def dsql_cases() -> dict[str, Path | str]:
    """Every schema whose DSQL script the tests check: name -> path, or schema text."""
    cases: dict[str, Path | str] = {f"sample:{n}": SAMPLES / n for n in ("blog", "saas", "multifile")}
    if CORPUS.is_dir():
        cases.update({f"corpus:{p.name}": p for p in sorted(CORPUS.rglob("*.prisma"))})
    cases.update({f"feature:{n}": text for n, text in DSQL_FEATURES.items()})
    return cases


def dsql_script(case: Path | str, version: str | None = None):
    """The generated DSQL migration, or None when the schema does not pass DSQL validation."""
    if isinstance(case, Path) and not case.exists():
        pytest.skip(f"{case} is not in this checkout")
    loaded = load(case) if isinstance(case, Path) else load_text(case)
    generated = generate_from_empty(loaded, dsql_profile(version))
    return generated.script.text() if generated.ok else None


CASES = dsql_cases()


@pytest.mark.parametrize("target", ["dsql", "postgres"])
def test_refusals_are_exactly_the_expected_ones(target):
    from prisma_dsql.capabilities import profile_for

    refused = {}
    for name, case in CASES.items():
        loaded = load(case) if isinstance(case, Path) else load_text(case)
        generated = generate_from_empty(loaded, profile_for(target))
        if not generated.ok:
            refused[name] = generated.refusal
    assert sorted(refused) == sorted(REFUSED[target])
    for name, reason in REFUSED[target].items():
        assert reason in refused[name], (name, refused[name])


@pytest.mark.parametrize("name", accepted("dsql"))
def test_dsql_lint_finds_nothing(name, dsql_lint):
    script = dsql_script(CASES[name])
    assert script is not None, f"{name} must pass DSQL validation"
    result = dsql_lint(script)
    unexpected = unexpected_findings(result.findings)
    assert not unexpected, "\n".join(str(f) for f in unexpected)


def test_dsql_lint_also_clean_for_an_older_profile(dsql_lint):
    # Before foreign keys and partial indexes: the blog sample, with relationMode = "prisma".
    text = (SAMPLES / "blog" / "schema.prisma").read_text(encoding="utf-8").replace(
        'provider = "postgresql"', 'provider     = "postgresql"\n  relationMode = "prisma"')
    generated = generate_from_empty(load_text(text), dsql_profile("2026-07-01"))
    assert generated.ok, [d.message for d in generated.errors]
    assert "FOREIGN KEY" not in generated.script.text()
    assert not unexpected_findings(dsql_lint(generated.script.text()).findings)
