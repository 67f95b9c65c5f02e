"""Plan one fixture case without a database (tests/test_plan_cases.py)."""

from __future__ import annotations

from dataclasses import replace

from prisma_dsql.capabilities import dsql_profile, profile_for
from prisma_dsql.loader import load_text
from prisma_dsql.migrations.evolve import Evolution, RenameHints, plan_to_schema
from prisma_dsql.migrations.generate import generate_from_empty
from prisma_dsql.plan import PlanOptions
from tests.plan_cases.cases import HEAD, Case


def profile_of(case: Case):
    return dsql_profile() if case.target == "dsql" else profile_for("postgres")


def old_catalog(case: Case):
    """The catalog the old schema creates, changed where the case says the database differs."""
    generated = generate_from_empty(load_text(HEAD + case.old), profile_of(case))
    assert generated.ok, generated.refusal
    catalog = generated.catalog
    for table_name, column, attr, value in case.old_columns:
        table = catalog.table(catalog.default_schema, table_name)
        if column == "@index":  # an index read back without its (default) operator classes
            idx = tuple(replace(i, columns=tuple(replace(k, opclass=value) for k in i.columns))
                        if i.name == attr else i for i in table.indexes)
            table = replace(table, indexes=idx)
        else:
            table = replace(table, columns=tuple(replace(c, **{attr: value}) if c.name == column else c
                                                 for c in table.columns))
        catalog = replace(catalog, tables=tuple(table if t.key == table.key else t for t in catalog.tables))
    if case.old_enum_in_domain:
        catalog = enum_in_domain(catalog)
    return catalog


def enum_in_domain(catalog):
    """`catalog` with its DSQL enums in the old shape: values in the domain's CHECK, none on the columns."""
    values = {}
    for t in catalog.tables:
        for c in t.columns:
            if c.enum_values is not None:
                values[(c.type.schema or catalog.default_schema, c.type.name)] = c.enum_values
    domains = tuple(replace(d, allowed_values=values.get(d.key, d.allowed_values)) for d in catalog.domains)
    tables = tuple(replace(t, columns=tuple(replace(c, enum_values=None) for c in t.columns)) for t in catalog.tables)
    return replace(catalog, domains=domains, tables=tables)


def plan_case(case: Case) -> Evolution:
    options = PlanOptions(accept_data_loss=case.accept_data_loss, allow_rebuild=case.allow_rebuild)
    hints = RenameHints.parse(case.rename_tables, case.rename_columns)
    return plan_to_schema(old_catalog(case), load_text(HEAD + case.new), profile_of(case), plan_options=options,
                          hints=hints)
