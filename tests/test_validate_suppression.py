"""Inline `// prisma-dsql-ignore CODE` comments."""

from __future__ import annotations

from prisma_dsql import suppression
from prisma_dsql.capabilities import profile_for
from prisma_dsql.loader import load_text
from prisma_dsql.rules import check

DS = 'datasource db {\n  provider = "postgresql"\n}\n\n'


def run(body: str, **kw) -> list[tuple[str, int]]:
    loaded = load_text(DS + body)
    assert not loaded.diagnostics, loaded.diagnostics
    found = suppression.apply(check(loaded.schema, profile_for()), loaded.schema.comments, **kw)
    return [(d.code, d.span.line - 4) for d in found]  # lines counted from the model


def test_comment_on_the_line_before():
    assert run("model T {\n  id BigInt @id\n  // prisma-dsql-ignore DSQL106\n  tags String[]\n}\n") == []


def test_comment_at_the_end_of_the_line():
    assert run("model T {\n  id BigInt @id\n  tags String[] // prisma-dsql-ignore DSQL106\n}\n") == []


def test_rule_names_and_several_codes_and_a_reason():
    body = ("model T {\n  id BigInt @id\n  at DateTime\n  tags String[] // prisma-dsql-ignore scalar-list, DSQL202 -- "
            "later\n  @@index([at(sort: Desc)]) // prisma-dsql-ignore index-sort-order\n}\n")
    # DSQL202 on the tags line suppressed nothing.
    assert run(body) == [("DSQL901", 4)]


def test_stacked_comments_cover_the_next_code_line():
    body = ("model T {\n  id BigInt @id\n  // prisma-dsql-ignore DSQL106\n  /// The post's tags.\n"
            "  tags String[]\n}\n")
    assert run(body) == []


def test_only_the_covered_line():
    body = "model T {\n  id BigInt @id\n  // prisma-dsql-ignore DSQL106\n\n  tags String[]\n}\n"
    assert sorted(run(body)) == [("DSQL106", 5), ("DSQL901", 3)]


def test_only_the_named_code():
    body = "model T {\n  id BigInt @id\n  tags String[] // prisma-dsql-ignore DSQL202\n}\n"
    assert sorted(run(body)) == [("DSQL106", 3), ("DSQL901", 3)]


def test_block_level_findings():
    body = ("enum Role {\n  A\n}\n\n// prisma-dsql-ignore DSQL104\nenum Kind {\n  B\n}\n\n"
            "model T {\n  id BigInt @id\n  r Role\n  k Kind\n}\n")
    assert run(body) == [("DSQL104", 1)]


def test_unused_not_reported_for_codes_turned_off_or_when_asked():
    body = "model T {\n  id BigInt @id // prisma-dsql-ignore DSQL106\n}\n"
    assert run(body) == [("DSQL901", 2)]
    assert run(body, disabled={"DSQL106"}) == []
    assert run(body, report_unused=False) == []


def test_prisma_errors_cannot_be_suppressed():
    loaded = load_text(DS + "model T {\n  id BigInt @id\n  x Strin // prisma-dsql-ignore PSL102\n}\n")
    found = suppression.apply(list(loaded.diagnostics), loaded.schema.comments)
    assert sorted(d.code for d in found) == ["DSQL901", "PSL102"]


def test_doc_comments_and_block_comments_are_not_suppressions():
    assert suppression.parse_comments([]) == []
    body = "model T {\n  id BigInt @id\n  /// prisma-dsql-ignore DSQL106\n  tags String[]\n}\n"
    # The `///` marker does not suppress (it is documentation); it is reported instead of ignored silently.
    assert sorted(run(body)) == sorted([("DSQL106", 4), ("DSQL901", 3)])



URL_SCHEMA = ('generator client {\n  provider        = "prisma-client-js"\n  previewFeatures = ["metrics"]{c902}\n}\n\n'
              'datasource db {\n  provider = "postgresql"\n{c901}  url      = env("DATABASE_URL")\n}\n\n'
              'model T {\n  id BigInt @id\n}\n')


def _notices(c901: str = "", c902: str = "") -> list[tuple[str, int]]:
    loaded = load_text(URL_SCHEMA.replace("{c901}", c901).replace("{c902}", c902))
    found = suppression.apply(list(loaded.diagnostics), loaded.schema.comments)
    return sorted((d.code, d.span.line) for d in found)


def test_prisma_notices_can_be_suppressed_inline():
    assert _notices() == [("PSL901", 8), ("PSL902", 3)]
    # The notice, not an unused-suppression finding: PSL901/PSL902 are silenceable like DSQL rules.
    assert _notices(c901="  // prisma-dsql-ignore PSL901 -- still on Prisma 6\n") == [("PSL902", 3)]
    assert _notices(c902=" // prisma-dsql-ignore removed-preview-feature") == [("PSL901", 8)]


def test_unused_notice_suppression_is_reported():
    loaded = load_text(DS + "model T {\n  id BigInt @id // prisma-dsql-ignore PSL901\n}\n")
    found = suppression.apply(list(loaded.diagnostics), loaded.schema.comments)
    assert [(d.code, d.message) for d in found] == [
        ("DSQL901", "`// prisma-dsql-ignore PSL901` suppresses nothing: no PSL901 finding starts on line 6.")]
