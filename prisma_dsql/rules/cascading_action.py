from __future__ import annotations

from typing import Iterator

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules._base import Context, Finding, is_unique, rule
from prisma_dsql.schema.model import Model, ReferentialAction, Relation, RelationInfo

WRITING_ACTIONS = (ReferentialAction.CASCADE, ReferentialAction.SET_NULL, ReferentialAction.SET_DEFAULT)
_VERB = {
    ReferentialAction.CASCADE: "deletes",
    ReferentialAction.SET_NULL: "sets the foreign key to NULL in",
    ReferentialAction.SET_DEFAULT: "sets the foreign key to its default in",
}


def _a(model: str) -> str:
    return f"{'an' if model[:1].lower() in 'aeio' else 'a'} `{model}`"


def _relation_info(owner: Model, rel: Relation) -> RelationInfo | None:
    """The owner side's `@relation` as written (actions None where Prisma's default applies)."""
    fld = owner.field(rel.from_field)
    return fld.relation if fld is not None else None


def _references_primary_key(target: Model, rel: Relation) -> bool:
    pk = target.primary_key
    if pk is None:
        return False
    if len(pk.fields) == 1 == len(rel.references):
        return pk.fields[0].name == rel.references[0]
    return {f.name for f in pk.fields} == set(rel.references)


@rule("DSQL302", "cascading-action", Severity.WARNING,
      "Cascade / SetNull actions modify rows in the same transaction, toward DSQL's 3000-row limit.")
def check(ctx: Context) -> Iterator[Finding]:
    """
    ## What it does
    Reports relations whose referential actions write to other rows: `onDelete` or `onUpdate` set to
    `Cascade`, `SetNull` or `SetDefault`, and implicit many-to-many relations (their join rows are
    deleted by cascade). One-to-one relations are not reported: their relation fields are unique
    (an `@id` or `@unique` lies within them), so an action changes at most one row.

    Prisma's defaults count too, with one exception:
    - `onDelete: SetNull` is Prisma's default for an optional relation: reported, because every
      delete of the referenced row updates the referencing rows;
    - `onUpdate: Cascade` is Prisma's default for every relation: reported only when the relation
      references fields other than the referenced model's id, because ids are rarely changed while
      other unique fields (an email, a slug) are.

    ## Why
    A DSQL transaction may modify at most 3000 rows. Rows changed by referential actions count, in
    the database (foreign keys) as in Prisma Client (`relationMode = "prisma"` emulates the actions
    in the same transaction). Deleting a parent with more dependent rows than that fails as a whole.

    ## Example
    ```prisma
    model Post {
      id       BigInt    @id @default(autoincrement())
      comments Comment[]
    }
    model Comment {
      id     BigInt @id @default(autoincrement())
      postId BigInt
      post   Post   @relation(fields: [postId], references: [id], onDelete: Cascade)
    }
    ```

    ## Fix
    Keep the action if parents never have that many dependents. Otherwise delete dependents in
    batches first and make the database refuse to delete a parent that still has some:
    ```prisma
    model Comment {
      id     BigInt @id @default(autoincrement())
      postId BigInt
      post   Post   @relation(fields: [postId], references: [id], onDelete: Restrict)
    }
    ```
    """
    limit = ctx.profile.limit("rows_per_transaction")
    if limit is None:
        return
    emulated = ctx.schema.relation_mode == "prisma"
    where = "in the same transaction (Prisma Client emulates it)" if emulated else "in the same transaction"
    for rel, owner, target in ctx.relations:
        subj = f"{rel.from_model}.{rel.from_field}"
        if rel.kind == "m-n":
            deleted = _a(rel.from_model) if rel.is_self_relation else f"{_a(rel.from_model)} or {_a(rel.to_model)}"
            yield Finding(
                f"Deleting {deleted} deletes its rows in `{rel.join_table}` {where}; "
                f"DSQL modifies at most {limit:,} rows per transaction.",
                rel.span, subj,
                help="Remove links in batches before deleting, or use an explicit join model with "
                     "`onDelete: Restrict`.")
            continue
        if is_unique(owner, rel.fields):
            continue  # one-to-one: an action changes at most one row
        info = _relation_info(owner, rel)
        explicit_delete = info.on_delete if info else None
        explicit_update = info.on_update if info else None
        parts = []
        if rel.on_delete in WRITING_ACTIONS:
            default = "" if explicit_delete else ", Prisma's default for an optional relation"
            parts.append(f"deleting {_a(rel.to_model)} {_VERB[rel.on_delete]} its `{rel.from_model}` rows "
                         f"(`onDelete: {rel.on_delete.value}`{default})")
        update_reported = rel.on_update in WRITING_ACTIONS and (
            explicit_update is not None or not _references_primary_key(target, rel))
        if update_reported:
            default = "" if explicit_update else ", Prisma's default"
            verb = "updates" if rel.on_update is ReferentialAction.CASCADE else _VERB[rel.on_update]
            parts.append(f"changing `{rel.to_model}.{', '.join(rel.references)}` {verb} its `{rel.from_model}` rows "
                         f"(`onUpdate: {rel.on_update.value}`{default})")
        if not parts:
            continue
        args = [f'"{rel.name}"'] if info is not None and info.explicit_name else []
        args += [f"fields: [{', '.join(rel.fields)}]", f"references: [{', '.join(rel.references)}]",
                 "onDelete: Restrict"]
        if update_reported:
            args.append("onUpdate: Restrict")
        if rel.map:
            args.append(f'map: "{rel.map}"')
        message = "; ".join(parts)
        yield Finding(
            f"{message[:1].upper()}{message[1:]} {where}; DSQL modifies at most {limit:,} rows per transaction.",
            rel.span, subj,
            help=f"If {_a(rel.to_model)} can have more dependents, change them in batches first and write "
                 f"`@relation({', '.join(args)})`.")
