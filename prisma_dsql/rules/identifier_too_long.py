from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules import _fix
from prisma_dsql.rules._base import Context, Finding, rule, short_name
from prisma_dsql.rules._names import DbObject, cut, written_names
from prisma_dsql.sql import names

_HOW = {
    "@@map": 'Shorten it with `@@map("{short}")`.',
    "@map": 'Shorten it with `@map("{short}")`.',
    "map:": 'Give a shorter name: `map: "{short}"`.',
    '@relation("...")': 'Give the relation a shorter name on both sides: `@relation("{short}")`.',
}


@rule("DSQL406", "identifier-too-long", Severity.ERROR,
      "A table, column, enum or `map:` name longer than 63 bytes.",
      fix="maps the object to the name the database gives it (the name cut to 63 bytes) with `@@map`, `@map` or "
          "`map:`, so the schema says what the database holds; a relation's name needs a person.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports names the DDL would use as written that are longer than 63 bytes (UTF-8): table names
    (model name or `@@map`), column names (field name or `@map`), enum domain names, implicit
    many-to-many table names (`_<RelationName>`) and `map:` names of ids, uniques, indexes and foreign
    keys. Names Prisma makes itself (`User_email_key`, ...) are not reported: Prisma cuts them to 63
    bytes (see identifier-collision for what that can cause).

    ## Why
    PostgreSQL and DSQL identifiers hold 63 bytes. A longer name is cut by the database, so the name
    in the database differs from the one in the schema, and every later migration sees a difference
    it cannot resolve. Prisma itself rejects `map:` names over 63 bytes.

    ## Example
    ```prisma
    model CustomerSubscriptionBillingPeriodAdjustmentLineItemHistoryEntry {
      id BigInt @id @default(autoincrement())
    }
    ```

    ## Fix
    ```prisma
    model CustomerSubscriptionBillingPeriodAdjustmentLineItemHistoryEntry {
      id BigInt @id @default(autoincrement())
      @@map("subscription_adjustment_history")
    }
    ```
    """
    limit = ctx.profile.limit("identifier_bytes")
    if limit is None:
        return
    seen: set[tuple] = set()
    for o in written_names(ctx):
        if o.prisma_named or not o.renamed_by:
            continue
        if len(o.name) <= limit // 4:
            continue
        size = len(o.name.encode("utf-8"))
        if size <= limit or (o.name, o.span) in seen:
            continue
        seen.add((o.name, o.span))
        short = short_name(o.name)
        yield Finding(
            f"The {o.kind} name `{o.name}` is {size} bytes; DSQL identifiers hold at most {limit}, so the database "
            "would cut it.",
            o.span, o.subject, help=_HOW[o.renamed_by].format(short=short), fix=_as_cut(ctx, o))


def _as_cut(ctx: Context, o: DbObject):
    """The name the database keeps (the profile's `identifier_bytes`), written where the schema names it."""
    kept = cut(o.name, names.identifier_bytes(ctx.profile))
    name = _fix.prisma_string(kept)
    how = o.renamed_by
    edit = None
    if how == "map:":
        value = _fix.argument_span(ctx, o.span, "map")
        edit = _fix.replace(value, name) if value is not None else None
    elif how == "@map":
        model_name, _, field_name = o.subject.partition(".")
        m = ctx.schema.model(model_name)
        f = m.field(field_name) if m is not None else None
        if f is None:
            return None
        if "map" in f.attributes:
            edit = _fix.replace(f.attribute_span("map"), f"@map({name})")
        else:
            edit = _fix.insert_after(f.type_span, f" @map({name})")
    elif how == "@@map":
        if o.subject.startswith("enum "):
            block = ctx.schema.enum(o.subject[len("enum "):])
            if block is None or block.db_name != block.name:
                return None  # an enum's `@@map` has no span of its own to replace
            edit = _fix.insert_line_before_close(ctx, block.span, f"@@map({name})")
        else:
            block = ctx.schema.model(o.subject)
            if block is None:
                return None
            spans = dict(block.attribute_spans)
            edit = (_fix.replace(spans["map"], f"@@map({name})") if "map" in spans
                    else _fix.insert_line_before_close(ctx, block.span, f"@@map({name})"))
    return _fix.fix(f"map it to `{kept}`, the name the database gives it", [edit])
