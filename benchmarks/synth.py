"""Synthetic Prisma schemas for benchmarks: `generate(n_models) -> str`.

Each model is ~20 lines and looks like application code: an id, a dozen
scalar fields with native types and defaults, an enum field, a relation to
the previous model (1-n) with its foreign key, an index or two and a unique.
Every tenth model also joins an implicit many-to-many relation. One enum per
ten models. Deterministic: the same n gives the same text.

    python benchmarks/synth.py 200 > /tmp/s200.prisma
"""

from __future__ import annotations

import sys

HEADER = '''generator client {
  provider = "prisma-client"
  output   = "./generated"
}

datasource db {
  provider = "postgresql"
}
'''


def _enum(i: int) -> str:
    return f"""
enum Status{i} {{
  DRAFT
  ACTIVE
  ARCHIVED @map("archived")
}}
"""


def _model(i: int, n: int) -> str:
    enum = f"Status{i // 10}"
    lines = [
        "",
        f"/// Entity number {i}.",
        f"model Entity{i} {{",
        "  id          BigInt    @id @default(autoincrement())",
        "  code        String    @unique @db.VarChar(32)",
        "  title       String    @db.VarChar(200)",
        "  body        String?",
        f"  status      {enum}    @default(DRAFT)",
        "  amount      Decimal   @default(0) @db.Decimal(12, 2)",
        "  quantity    Int       @default(0)",
        "  ratio       Float?",
        "  active      Boolean   @default(true)",
        "  payload     Json?",
        "  createdAt   DateTime  @default(now()) @map(\"created_at\")",
        "  updatedAt   DateTime  @updatedAt @map(\"updated_at\")",
    ]
    if i > 0:
        lines += [
            "  parentId    BigInt?   @map(\"parent_id\")",
            f"  parent      Entity{i - 1}? @relation(fields: [parentId], references: [id])",
        ]
    if i + 1 < n:
        lines.append(f"  children    Entity{i + 1}[]")
    if i % 10 == 0:
        lines.append("  tags        Tag[]")
    lines += [
        "",
        "  @@index([status, createdAt])",
        "  @@index([title])",
        f"  @@map(\"entity_{i}\")",
        "}",
    ]
    return "\n".join(lines) + "\n"


def generate(n_models: int) -> str:
    parts = [HEADER]
    for e in range((n_models + 9) // 10):
        parts.append(_enum(e))
    for i in range(n_models):
        parts.append(_model(i, n_models))
    parts.append("""
model Tag {
  id       Int      @id @default(autoincrement())
  name     String   @unique
""" + "".join(f"  entities{i} Entity{i}[]\n" for i in range(0, n_models, 10)) + "}\n")
    return "".join(parts)


if __name__ == "__main__":
    sys.stdout.write(generate(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
