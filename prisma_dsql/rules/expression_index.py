from __future__ import annotations

import re
from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules._base import Context, Finding, rule
from prisma_dsql.schema.model import IndexField


def field_name_for(expression: str) -> str:
    """A camelCase field name for the value of an SQL expression: `lower(email)` -> `lowerEmail`."""
    words = re.findall(r"[A-Za-z][A-Za-z0-9]*", expression.removeprefix("raw"))
    if not words:
        return "indexedValue"
    return words[0].lower() + "".join(w[:1].upper() + w[1:] for w in words[1:])


def is_expression(f: IndexField) -> bool:
    """An index element given as an SQL expression, `raw("lower(email)")`, rather than a field name."""
    return f.name == "raw" or f.name.startswith("raw(")


@rule("DSQL205", "expression-index", Severity.ERROR,
      "An index on an expression (`raw(\"...\")`) on a DSQL version without expression indexes.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports index elements written as SQL expressions with `raw("...")`, e.g.
    `@@index([raw("lower(email)")])`, when the selected DSQL version has no expression indexes.

    ## Why
    DSQL indexes expressions only since 2026-08-13; before that an index element must be a column.
    (Prisma 7 itself does not accept `raw()` index elements yet and reports them as unknown fields,
    PSL113; this rule covers schema graphs that carry them, e.g. from future Prisma versions.)

    ## Example
    ```prisma
    model User {
      id    BigInt @id @default(autoincrement())
      email String
      @@index([raw("lower(email)")])
    }
    ```

    ## Fix
    Store the expression's value in its own field and index that:
    ```prisma
    model User {
      id         BigInt @id @default(autoincrement())
      email      String
      emailLower String // lower(email), kept by the application
      @@index([emailLower])
    }
    ```
    or validate for `--dsql-version 2026-08-13` or later.
    """
    if ctx.profile.supports("expression_indexes"):
        return
    for ix, f in ctx.index_fields():
        if is_expression(f):
            yield Finding(
                f"{ix.describe()} indexes the expression `{f.name}`, which {ctx.target} does not "
                f"support (expression indexes are {ctx.since('expression_indexes')}).",
                f.span, ix.model.name,
                help="Keep the value in a field of its own (set by the application) and index that: "
                     f"`@@index([{field_name_for(f.name)}])`, or select "
                     f"`--dsql-version {ctx.first_version('expression_indexes')}`.")
