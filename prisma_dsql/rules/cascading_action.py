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


def _cascade_path(ctx: Context, rel: Relation) -> list[Relation] | None:
    """For a relation with `onDelete: Cascade`: the relations (each with `onDelete: Cascade`) that
    lead from its referencing model back to its referenced one, so that deletes cascade around a
    cycle without bound; [] for a self-relation, None when there is no such cycle."""
    if rel.is_self_relation:
        return []
    # Deleting a `to_model` row deletes `from_model` rows: edges to_model -> from_model.
    edges: dict[str, list[Relation]] = ctx.memo("cascading-action.delete-edges", lambda: _delete_edges(ctx))
    start, goal = rel.from_model, rel.to_model
    came: dict[str, Relation | None] = {start: None}
    queue = [start]
    for model in queue:
        for nxt in edges.get(model, ()):
            if nxt.from_model in came:
                continue
            came[nxt.from_model] = nxt
            if nxt.from_model == goal:
                path = []
                at = goal
                while came[at] is not None:
                    path.append(came[at])
                    at = came[at].to_model
                return path[::-1]
            queue.append(nxt.from_model)
    return None


def _delete_edges(ctx: Context) -> dict[str, list[Relation]]:
    edges: dict[str, list[Relation]] = {}
    for rel, _, _ in ctx.relations:
        if rel.kind != "m-n" and rel.on_delete is ReferentialAction.CASCADE:
            edges.setdefault(rel.to_model, []).append(rel)
    return edges


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
    (an `@id` or `@unique` lies within them), so an action changes at most one row. Except chains:
    a one-to-one relation with `onDelete: Cascade` is reported when it references its own model
    (a linked list: deleting one row deletes the next, which deletes the next, ...) or lies on a
    cycle of `onDelete: Cascade` relations back to its own model. `SetNull` and `SetDefault` on a
    one-to-one relation, self-referencing or not, still change one row: the changed foreign key is
    referenced by nothing, so nothing follows.

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
            # One-to-one: an action changes at most one row, unless deletes cascade along a chain.
            chain = _cascade_path(ctx, rel) if rel.on_delete is ReferentialAction.CASCADE else None
            if chain is not None:
                yield _chain_finding(ctx, rel, chain, where, limit)
            continue
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
        args = _restrict_args(info, rel, update_reported)
        message = "; ".join(parts)
        yield Finding(
            f"{message[:1].upper()}{message[1:]} {where}; DSQL modifies at most {limit:,} rows per transaction.",
            rel.span, subj,
            help=f"If {_a(rel.to_model)} can have more dependents, change them in batches first and write "
                 f"`@relation({', '.join(args)})`.")


def _restrict_args(info: RelationInfo | None, rel: Relation, update: bool) -> list[str]:
    """The `@relation(...)` arguments with `onDelete: Restrict` (and `onUpdate: Restrict`)."""
    args = [f'"{rel.name}"'] if info is not None and info.explicit_name else []
    args += [f"fields: [{', '.join(rel.fields)}]", f"references: [{', '.join(rel.references)}]",
             "onDelete: Restrict"]
    if update:
        args.append("onUpdate: Restrict")
    if rel.map:
        args.append(f'map: "{rel.map}"')
    return args


def _chain_finding(ctx: Context, rel: Relation, chain: list[Relation], where: str, limit: int) -> Finding:
    """A one-to-one `onDelete: Cascade` relation whose deletes go on without bound."""
    owner = ctx.schema.model(rel.from_model)
    info = _relation_info(owner, rel) if owner is not None else None
    if not chain:
        how = (f"deleting {_a(rel.to_model)} deletes the `{rel.from_model}` row linked to it by "
               f"`{rel.from_model}.{rel.from_field}` (`onDelete: Cascade`), which deletes the row linked to that "
               "one, and so on down the chain")
    else:
        back = ", ".join(f"`{r.from_model}.{r.from_field}`" for r in chain)
        relations = "relation" if len(chain) == 1 else "relations"
        lead = "leads" if len(chain) == 1 else "lead"
        how = (f"deleting {_a(rel.to_model)} deletes the `{rel.from_model}` row linked to it "
               f"(`onDelete: Cascade`), and the cascading {relations} {back} {lead} back to `{rel.to_model}`, so "
               "deletes go on around the cycle")
    return Finding(
        f"{how[:1].upper()}{how[1:]} {where}; DSQL modifies at most {limit:,} rows per transaction.",
        rel.span, f"{rel.from_model}.{rel.from_field}",
        help=f"If chains can be longer than that, delete them in batches from their end first and write "
             f"`@relation({', '.join(_restrict_args(info, rel, False))})`.")
