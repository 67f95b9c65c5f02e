from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules._base import Context, Finding, rule
from prisma_dsql.rules._names import DbObject, cut, database_objects

_NAMESPACE = {
    "relation": "tables and indexes of schema `{1}`",
    "type": "types of schema `{1}` (every table also defines a type of its name)",
    "column": "columns of table `{2}`",
    "constraint": "constraints of table `{2}`",
}

_ADVICE = {
    "@@map": '`@@map("...")`',
    "@map": '`@map("...")`',
    "map:": '`map: "..."`',
    '@relation("...")': '`@relation("...")` on both sides',
    "": "shorter model and field names",
}


def _position(o: DbObject) -> tuple:
    return (o.span.file, o.span.line, o.span.column)


def _reported_by_prisma(a: DbObject, b: DbObject) -> bool:
    """Exact duplicates Prisma's own checks (PSL101) already report: two fields on one column, and
    equal names among the primary keys, uniques and indexes of a schema or the foreign keys of a table."""
    if a.namespace[0] == "column":
        return True
    if a.renamed_by != "map:" or b.renamed_by != "map:":
        return False
    return a.namespace[0] == "relation" or (a.kind == b.kind == "foreign key")


@rule("DSQL407", "identifier-collision", Severity.ERROR,
      "Two database objects whose names are equal once cut to 63 bytes.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Builds the names of everything the DDL creates (tables, columns, enum domains, primary keys,
    unique indexes, indexes, foreign keys, implicit many-to-many tables), cut to 63 bytes the way
    Prisma and the database cut them, and reports two objects that end up with the same name where
    names must be unique: tables, views and indexes within a schema; tables, views and domains
    (types) within a schema; columns and constraints within a table.

    ## Why
    Prisma cuts a long default name to `63 - len(suffix)` bytes and appends the suffix (`_key`,
    `_idx`, `_fkey`, `_pkey`), so two indexes on long, similar column lists can get the same name,
    and the second `CREATE INDEX` fails. Names the database cuts (tables, columns) collide the same
    way.

    ## Example
    ```prisma
    model OrganizationMembershipInvitation {
      id                                 BigInt @id @default(autoincrement())
      invitedByAccountIdentifierPrimary  String
      invitedByAccountIdentifierSecondary String
      @@index([invitedByAccountIdentifierPrimary])
      @@index([invitedByAccountIdentifierSecondary])
    }
    ```
    Both indexes are named `OrganizationMembershipInvitation_invitedByAccountIdentifier_idx`.

    ## Fix
    Name one of them:
    ```prisma
      @@index([invitedByAccountIdentifierSecondary], map: "invitation_invited_by_secondary_idx")
    ```
    """
    limit = ctx.profile.limit("identifier_bytes")
    if limit is None:
        return
    first: dict[tuple, DbObject] = {}
    for o in database_objects(ctx):
        key = (o.namespace, cut(o.name, limit))
        prev = first.get(key)
        if prev is None:
            first[key] = o
            continue
        if prev.name == o.name and prev.kind == o.kind and prev.subject == o.subject:
            continue  # one object listed once per namespace it lives in
        if prev.name == o.name and _reported_by_prisma(prev, o):
            continue
        if o.span is not None and prev.span is not None and _position(o) < _position(prev):
            prev, o = o, prev  # report the one written later
        where = _NAMESPACE[o.namespace[0]].format(*o.namespace)
        once_cut = "" if prev.name == o.name else f" once cut to {limit} bytes"
        loc = f"{prev.span.file}:{prev.span.line}" if prev.span else "elsewhere"
        advice = _ADVICE[o.renamed_by]
        yield Finding(
            f"The {o.kind} `{o.name}` and the {prev.kind} `{prev.name}` ({prev.subject}, {loc}) have the same name"
            f"{once_cut} among the {where}.",
            o.span, o.subject,
            help=f"Give one of them a distinct name of at most {limit} bytes with {advice}.")
