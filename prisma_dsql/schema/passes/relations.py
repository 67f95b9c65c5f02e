"""Relations: pair relation fields across models, classify them (1-1, 1-n,
implicit m-n), check `fields`/`references`, and fill in Prisma's default
referential actions."""

from __future__ import annotations

from dataclasses import dataclass

from prisma_dsql.schema import model as m
from prisma_dsql.schema.passes.context import ALLOWED_ACTIONS, REFERENTIAL_ACTIONS, Args, Ctx, suggest
from prisma_dsql.schema.passes.models import DraftModel
from prisma_dsql.syntax import ast



@dataclass
class _RelSide:
    model: str
    field: m.Field
    attr: ast.Attribute | None
    name: str | None
    fields: list[str] | None = None
    references: list[str] | None = None
    on_delete: m.ReferentialAction | None = None
    on_update: m.ReferentialAction | None = None
    map: str | None = None


def default_relation_name(a: str, b: str) -> str:
    x, y = sorted((a, b))
    return f"{x}To{y}"


def resolve_relations(ctx: Ctx, drafts: list[DraftModel]) -> tuple[list[m.Model], list[m.Relation]]:
    models = {d.model.name: d.model for d in drafts}
    sides: list[_RelSide] = []
    for d in drafts:
        for f in d.model.fields:
            if f.kind is not m.FieldKind.RELATION:
                continue
            subject = f"{d.model.name}.{f.name}"
            attr = d.relation_attrs.get(f.name)
            side = _RelSide(d.model.name, f, attr, None)
            if attr is not None:
                args = Args(ctx, attr, ("name", "fields", "references", "onDelete", "onUpdate", "map"),
                             subject=subject)
                side.name = args.string(ctx, "name", subject)
                fl = args.name_list(ctx, "fields", subject)
                rl = args.name_list(ctx, "references", subject)
                side.fields = [n for n, _, _ in fl] if fl is not None else None
                side.references = [n for n, _, _ in rl] if rl is not None else None
                od = args.constant(ctx, "onDelete", REFERENTIAL_ACTIONS, subject)
                ou = args.constant(ctx, "onUpdate", REFERENTIAL_ACTIONS, subject)
                side.on_delete = REFERENTIAL_ACTIONS[od] if od else None
                side.on_update = REFERENTIAL_ACTIONS[ou] if ou else None
                side.map = args.string(ctx, "map", subject)
            sides.append(side)

    # Group by unordered model pair and relation name.
    groups: dict[tuple, list[_RelSide]] = {}
    for s in sides:
        pair = tuple(sorted((s.model, s.field.type_name)))
        groups.setdefault((pair, s.name), []).append(s)

    relations: list[m.Relation] = []
    infos: dict[tuple[str, str], m.RelationInfo] = {}

    for (pair, name), members in groups.items():
        is_self = pair[0] == pair[1]
        rel_name = name or default_relation_name(*pair)
        if is_self:
            if len(members) == 1:
                s = members[0]
                ctx.error("PSL107", f"The relation field `{s.field.name}` on model `{s.model}` is missing an opposite "
                          f"relation field on the model `{s.model}`. Either run `prisma format` or add it manually.",
                          s.field.span, subject=f"{s.model}.{s.field.name}")
                _emit_unpaired(infos, s, rel_name)
                continue
            if len(members) > 2 or name is None:
                _ambiguous(ctx, members, pair)
                for s in members:
                    _emit_unpaired(infos, s, rel_name)
                continue
            a, b = members
        else:
            left = [s for s in members if s.model == pair[0]]
            right = [s for s in members if s.model == pair[1]]
            if len(left) > 1 or len(right) > 1:
                _ambiguous(ctx, members, pair)
                for s in members:
                    _emit_unpaired(infos, s, rel_name)
                continue
            if not left or not right:
                s = (left or right)[0]
                ctx.error("PSL107", f"The relation field `{s.field.name}` on model `{s.model}` is missing an opposite "
                          f"relation field on the model `{s.field.type_name}`. Either run `prisma format` or add it "
                          "manually.", s.field.span, subject=f"{s.model}.{s.field.name}",
                          help=f"Add a field of type `{s.model}` or `{s.model}[]` to model `{s.field.type_name}`.")
                _emit_unpaired(infos, s, rel_name)
                continue
            a, b = left[0], right[0]
        rel = _pair(ctx, a, b, rel_name, name is not None, models)
        if rel is not None:
            relations.append(rel)
        for s, o in ((a, b), (b, a)):
            infos[(s.model, s.field.name)] = m.RelationInfo(
                name=rel_name, explicit_name=name is not None, related_model=o.model, opposite_field=o.field.name,
                fields=tuple(s.fields or ()), references=tuple(s.references or ()), on_delete=s.on_delete,
                on_update=s.on_update, map=s.map, span=s.attr.span if s.attr else s.field.span)

    out_models = []
    for d in drafts:
        mdl = d.model
        # One pass over the fields (a model with no relation field is kept as it is).
        keys = [(mdl.name, f.name) for f in mdl.fields]
        if not infos.keys().isdisjoint(keys):
            new_fields = tuple([m.evolve(f, relation=infos[key]) if key in infos else f
                                for f, key in zip(mdl.fields, keys)])
            mdl = m.evolve(mdl, fields=new_fields)
        out_models.append(mdl)
    relations.sort(key=lambda r: (r.span.file, r.span.line, r.span.column))
    return out_models, relations


def _emit_unpaired(infos, s: _RelSide, rel_name: str) -> None:
    infos[(s.model, s.field.name)] = m.RelationInfo(
        name=rel_name, explicit_name=s.name is not None, related_model=s.field.type_name, opposite_field=None,
        fields=tuple(s.fields or ()), references=tuple(s.references or ()), on_delete=s.on_delete,
        on_update=s.on_update, map=s.map, span=s.attr.span if s.attr else s.field.span)


def _ambiguous(ctx: Ctx, members: list[_RelSide], pair: tuple[str, str]) -> None:
    by_model: dict[str, list[_RelSide]] = {}
    for s in members:
        by_model.setdefault(s.model, []).append(s)
    for model_name, ss in by_model.items():
        if len(ss) < 2 and pair[0] != pair[1]:
            continue
        names = ", ".join(f"`{s.field.name}`" for s in ss)
        if pair[0] == pair[1]:
            for s in ss:
                ctx.error("PSL108", f"Ambiguous self relation detected. The fields {names} in model `{model_name}` "
                          f"all refer to `{model_name}`. If they are part of the same relation add the same relation "
                          "name for them with `@relation(<name>)`.", s.field.span,
                          subject=f"{s.model}.{s.field.name}",
                          help=f'e.g. `@relation("{model_name}Tree")` on both fields of the pair.')
            continue
        for s in ss:
            ctx.error("PSL108", f"Ambiguous relation detected. The fields {names} in model `{model_name}` all refer "
                      f"to `{s.field.type_name}`. Please provide different relation names for them by adding "
                      f"`@relation(<name>)`.", s.field.span, subject=f"{s.model}.{s.field.name}",
                      help=f'e.g. `@relation("{s.field.name}")` here and the same name on the opposite field.')


def _pair(ctx: Ctx, a: _RelSide, b: _RelSide, name: str, explicit: bool, models: dict[str, m.Model]) -> m.Relation | None:
    a_list, b_list = a.field.is_list, b.field.is_list
    # MongoDB's many-to-many keeps the ids in a list field on both sides (`fields: [bIds]`).
    embedded = ctx.provider == "mongodb" and all(s.fields and s.references for s in (a, b))
    if a_list and b_list:
        for s in (a, b):
            if (s.fields or s.references) and not embedded:
                ctx.error("PSL109", "Implicit many-to-many relations must not have `fields` or `references`.",
                          s.attr.span if s.attr else s.field.span, subject=f"{s.model}.{s.field.name}")
            if s.on_delete or s.on_update:
                ctx.error("PSL109", "Referential actions on implicit many-to-many relations are not supported.",
                          s.attr.span if s.attr else s.field.span, subject=f"{s.model}.{s.field.name}",
                          help="Remove `onDelete`/`onUpdate`; the join table's rows always cascade.")
        first, second = sorted((a, b), key=lambda s: (s.model, s.field.name))
        for s in (a, b):
            mdl = models[s.field.type_name]
            if mdl.primary_key is None or len(mdl.primary_key.fields) != 1:
                ctx.error("PSL109", f"The relation field `{s.field.name}` on model `{s.model}` references `"
                          f"{s.field.type_name}`, which does not have a single-field id. Implicit many-to-many "
                          "relations need a single-field id on both models.", s.field.span,
                          subject=f"{s.model}.{s.field.name}",
                          help="Use an explicit join model, or give the model a single-field @id.")
        return m.Relation(name, "m-n", first.model, first.field.name, second.model, second.field.name,
                          first.field.span, fields=tuple(first.fields) if embedded else (),
                          references=tuple(first.references) if embedded else (),
                          on_delete=m.ReferentialAction.CASCADE, on_update=m.ReferentialAction.CASCADE)
    owners = [s for s in (a, b) if s.fields or s.references]
    if len(owners) == 2:
        if a_list or b_list:
            s = a if a_list else b
            ctx.error("PSL109", f"The relation field `{s.field.name}` on model `{s.model}` is a list and must not "
                      "specify `fields` or `references`.", s.attr.span, subject=f"{s.model}.{s.field.name}")
        else:
            ctx.error("PSL109", "The relation fields on both sides of a one-to-one relation specify `fields` and "
                      "`references`; exactly one side must hold them.", b.attr.span, subject=f"{b.model}.{b.field.name}")
        return None
    if not owners:
        if a_list or b_list:
            s = b if a_list else a
        else:
            s = a
        ctx.error("PSL109", f"The relation field `{s.field.name}` on model `{s.model}` must specify the `fields` "
                  "and `references` arguments in the @relation attribute.", s.field.span,
                  subject=f"{s.model}.{s.field.name}",
                  help=f"e.g. `@relation(fields: [{s.field.name}Id], references: [id])`.")
        return None
    owner = owners[0]
    other = b if owner is a else a
    if owner.field.is_list:
        ctx.error("PSL109", f"The relation field `{owner.field.name}` on model `{owner.model}` is a list and must not "
                  "specify `fields` or `references`; put them on the other side.", owner.attr.span,
                  subject=f"{owner.model}.{owner.field.name}")
        return None
    subject = f"{owner.model}.{owner.field.name}"
    span = owner.attr.span if owner.attr else owner.field.span
    if owner.fields is None or owner.references is None:
        missing = "references" if owner.references is None else "fields"
        ctx.error("PSL109", f"The relation field `{owner.field.name}` on model `{owner.model}` must specify the "
                  f"`{missing}` argument in the @relation attribute.", span, subject=subject)
        return None
    if len(owner.fields) != len(owner.references):
        ctx.error("PSL109", "You must specify the same number of fields in `fields` and `references`.", span,
                  subject=subject)
        return None
    for label, names in (("fields", owner.fields), ("references", owner.references)):
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            ctx.error("PSL109", f"The `{label}` of the relation field `{owner.field.name}` name `{twice[0]}` more than "
                      "once.", span, subject=subject)
            return None
    own_model = models[owner.model]
    ref_model = models[owner.field.type_name]
    ok = True
    for fname, rname in zip(owner.fields, owner.references):
        f = own_model.field(fname)
        r = ref_model.field(rname)
        if f is None or f.is_relation:
            ctx.error("PSL109", f"The argument fields must refer only to existing scalar fields of model "
                      f"`{owner.model}`: `{fname}` is not one.", span, subject=subject,
                      help=suggest(fname, [x.name for x in own_model.scalar_fields]))
            ok = False
            continue
        if r is None or r.is_relation:
            ctx.error("PSL109", f"The argument `references` must refer only to existing scalar fields in the related "
                      f"model `{ref_model.name}`: `{rname}` is not one.", span, subject=subject,
                      help=suggest(rname, [x.name for x in ref_model.scalar_fields]))
            ok = False
            continue
        if f.type_name != r.type_name:
            ctx.error("PSL109", f"The type of the field `{fname}` in the model `{owner.model}` is not matching the type "
                      f"of the referenced field `{rname}` in model `{ref_model.name}`.", span, subject=subject,
                      help=f"Make `{owner.model}.{fname}` a `{r.type_name}`.")
            ok = False
    if not ok:
        return None
    # The referenced fields must be unique on the referenced model.
    refs = tuple(owner.references)
    unique_sets = [tuple(x.name for x in u.fields) for u in ref_model.uniques]
    if ref_model.primary_key:
        unique_sets.append(tuple(x.name for x in ref_model.primary_key.fields))
    if not any(set(s) == set(refs) for s in unique_sets):
        ctx.error("PSL109", f"The argument `references` must refer to a unique criterion in the related model "
                  f"`{ref_model.name}`. Consider adding an `@unique` attribute to the field "
                  f"`{', '.join(refs)}` in the model `{ref_model.name}`.", span, subject=subject)
    if not other.field.is_list:
        own_sets = [tuple(x.name for x in u.fields) for u in own_model.uniques]
        if own_model.primary_key:
            own_sets.append(tuple(x.name for x in own_model.primary_key.fields))
        if not any(set(s) == set(owner.fields) for s in own_sets):
            ctx.error("PSL109", f"A one-to-one relation must use unique fields on the defining side. Either add an "
                      f"`@unique` attribute to the field `{', '.join(owner.fields)}`, or change the relation to "
                      "one-to-many.", span, subject=subject)
    fk_optional = any(own_model.field(n).is_optional for n in owner.fields)
    if fk_optional and not owner.field.is_optional:
        ctx.error("PSL109", f"The relation field `{owner.field.name}` uses the scalar fields "
                  f"{', '.join(owner.fields)}. At least one of those fields is optional. Hence the relation field "
                  "must be optional as well.", owner.field.span, subject=subject,
                  help=f"Write `{owner.field.name} {owner.field.type_name}?`, or make the foreign key fields required.")
    allowed = ALLOWED_ACTIONS.get((ctx.relation_mode, ctx.provider or ""))
    for label, action in (("onDelete", owner.on_delete), ("onUpdate", owner.on_update)):
        if allowed is not None and action is not None and action not in allowed:
            names = ", ".join(f"`{a.value}`" for a in allowed)
            mode = ' with `relationMode = "prisma"`' if ctx.relation_mode == "prisma" else ""
            ctx.error("PSL109", f"Invalid referential action: `{action.value}`. Allowed values on {ctx.provider}"
                      f"{mode}: ({names}).", span, subject=subject,
                      help=f"Use `{label}: {'Restrict' if m.ReferentialAction.RESTRICT in allowed else 'NoAction'}`"
                           + (" (Prisma Client emulates the actions)." if ctx.relation_mode == "prisma" else "."))
    on_delete = owner.on_delete or (m.ReferentialAction.SET_NULL if fk_optional else m.ReferentialAction.RESTRICT)
    on_update = owner.on_update or m.ReferentialAction.CASCADE
    # Prisma asks whether a referencing field is *required* (a list is neither optional nor required).
    fk_required = any(own_model.field(n).arity is m.Arity.REQUIRED for n in owner.fields)
    for label, action in (("onDelete", owner.on_delete), ("onUpdate", owner.on_update)):
        if action is not m.ReferentialAction.SET_NULL or not fk_required:
            continue
        if ctx.provider in ("postgresql", "postgres") and ctx.relation_mode == "foreignKeys":
            # PostgreSQL with foreign keys: Prisma only warns (the database refuses the change when it happens).
            ctx.warning("PSL109", f"The `{label}` referential action of a relation should not be set to `SetNull` "
                        "when a referenced field is required. We recommend either to choose another referential "
                        "action, or to make the referenced fields optional.", span, subject=subject,
                        help="Make the foreign key fields optional, or pick another action.")
        else:
            ctx.error("PSL109", f"The `{label}` referential action of a relation must not be set to `SetNull` when "
                      "a referenced field is required. Either choose another referential action, or make the "
                      "referenced fields optional.", span, subject=subject,
                      help="Make the foreign key fields optional, or pick another action.")
    if not other.field.is_list and not other.field.is_optional:
        # A one-to-one whose side without `fields` is required: the database cannot enforce that, so the
        # side with `fields` must be optional and leave the actions to the other side (Prisma's rules).
        if not owner.field.is_optional:
            ctx.error("PSL109", f"The relation field `{owner.field.name}` on Model `{owner.model}` is required. This "
                      "is not valid because it's not possible to enforce this constraint on the database level. "
                      f"Please change the field type from `{owner.field.type_name}` to `{owner.field.type_name}?` "
                      "to fix this.", owner.field.span, subject=subject)
        elif owner.on_delete or owner.on_update:
            ctx.error("PSL109", f"The relation field `{owner.field.name}` on Model `{owner.model}` must not specify "
                      "the `onDelete` or `onUpdate` argument in the @relation attribute. You must only specify it "
                      f"on the opposite field `{other.field.name}` on model `{other.model}`.", span, subject=subject)
    kind = "1-1" if not other.field.is_list else "1-n"
    return m.Relation(name, kind, owner.model, owner.field.name, other.model, other.field.name, span,
                      tuple(owner.fields), tuple(owner.references), on_delete, on_update, owner.map)


