"""Stable codes of the Prisma-level checks (syntax and schema resolution).

DSQL compatibility rules live in `prisma_dsql.rules` with their own registry;
this table covers what Prisma itself would reject or remark on. Codes never
change meaning once released; new checks get new codes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CheckCode:
    code: str
    name: str
    summary: str


_TABLE = [
    # Syntax
    CheckCode("PSL001", "invalid-syntax", "A line the Prisma grammar does not accept."),
    CheckCode("PSL002", "invalid-top-level", "Text outside any block that is not a block header."),
    CheckCode("PSL003", "unclosed-block", "A block without its closing brace."),
    CheckCode("PSL004", "block-layout", "Braces not where Prisma's line rules require them."),
    CheckCode("PSL005", "legacy-syntax", "Prisma 1 syntax (`Type!`, `[Type]`, `name: Type`, `Type[]?`)."),
    CheckCode("PSL006", "trailing-comma", "A trailing comma in an argument or array list."),
    CheckCode("PSL007", "invalid-string", "A string with an escape Prisma does not accept."),
    CheckCode("PSL008", "missing-field-type", "A field declaration without a type."),
    # Schema resolution
    CheckCode("PSL101", "duplicate-definition", "Two models, enums, types, fields or values with one name."),
    CheckCode("PSL102", "unknown-type", "A field type that is neither built in nor defined."),
    CheckCode("PSL103", "unknown-attribute", "An attribute Prisma does not define in that place."),
    CheckCode("PSL104", "invalid-argument", "An attribute argument that is missing, unknown or of the wrong kind."),
    CheckCode("PSL105", "duplicate-attribute", "An attribute given twice where it may appear once."),
    CheckCode("PSL106", "invalid-id", "A primary key Prisma rejects."),
    CheckCode("PSL107", "missing-opposite-relation", "A relation field without a field on the other side."),
    CheckCode("PSL108", "ambiguous-relation", "Relations between two models that need names to tell them apart."),
    CheckCode("PSL109", "invalid-relation", "`fields`/`references` that are missing, unknown, or do not match."),
    CheckCode("PSL110", "invalid-default", "A default value that does not fit the field."),
    CheckCode("PSL111", "invalid-datasource", "A datasource block Prisma rejects."),
    CheckCode("PSL112", "invalid-generator", "A generator block Prisma rejects."),
    CheckCode("PSL113", "unknown-field-reference", "An index, unique or id naming a field the model lacks."),
    CheckCode("PSL114", "invalid-native-type", "A native type attribute that does not exist or fit the field."),
    CheckCode("PSL115", "invalid-updated-at", "`@updatedAt` on a field that is not DateTime."),
    CheckCode("PSL116", "invalid-schema-attribute", "`@@schema` use that does not match the datasource's `schemas`."),
    CheckCode("PSL117", "unsupported-composite-type", "Composite types on a provider other than MongoDB."),
    CheckCode("PSL118", "missing-unique-criteria", "A model without an id or unique over required fields."),
    CheckCode("PSL119", "invalid-field-modifier", "A field arity Prisma rejects (optional lists, lists of relations as owners, ...)."),
    CheckCode("PSL120", "reserved-name", "A model, enum or type named like a Prisma scalar or a JavaScript keyword."),
    CheckCode("PSL122", "invalid-name", "A model, field or enum name with a character Prisma does not allow there."),
    CheckCode("PSL121", "preview-feature-required", "A feature used without the preview flag that enables it."),
    CheckCode("PSL123", "unsupported-by-connector", "A type or feature the datasource's connector does not have."),
    # Notices
    # Notices: never errors, and silenceable like DSQL findings (`ignore`, `[severity]`, inline comments).
    CheckCode("PSL901", "datasource-url", "A datasource `url` that Prisma 7 rejects (it moved to prisma.config.ts)."),
    CheckCode("PSL902", "removed-preview-feature", "A preview feature Prisma 6 knows and Prisma 7 removed."),
]

CODES: dict[str, CheckCode] = {c.code: c for c in _TABLE}


def name_of(code: str) -> str:
    return CODES[code].name
