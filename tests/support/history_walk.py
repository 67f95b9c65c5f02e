"""Walk a real project's schema history on a live database, as a team using prisma-dsql would.

Contract: ``walk(url, versions, profile, options_for)`` takes the database at ``url`` (empty) through each
schema version in turn: plan from the live database (what `migrate diff --from-url --to-schema` runs),
write the plan as the next migration of one folder (what `migrate dev` writes), apply the folder with the
deploy engine (`migrate deploy`), put rows in every table, and check that the step kept the rows of every
table that survives (row counts and key values) and left no drift (planning again gives no step).
``options_for(nn)`` gives the (PlanOptions, RenameHints, tables to empty first) a version needs: a
version that adds a required column without a default to a table can only apply to that table empty, as
Prisma says of such a step (the project's own migration filled the column by hand). Raises ``AssertionError`` naming
the version on the first step that breaks; returns one ``Step`` per version.

Rows come from the catalog read back after each step: every column gets a value of its type (enums their
first value, foreign keys an existing row's key, uniques a per-row counter), identities and defaults fill
the rest, and tables are filled parents first.
"""

from __future__ import annotations

import datetime as _dt
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg
from psycopg import sql

from prisma_dsql.capabilities import Profile
from prisma_dsql.catalog.model import Catalog, Column, Table
from prisma_dsql.connect import Connector, resolve_spec
from prisma_dsql.deploy.engine import DeployOptions, deploy
from prisma_dsql.errors import PrismaDsqlError
from prisma_dsql.introspect.scope import declared_schemas
from prisma_dsql.loader import load_text
from prisma_dsql.migrations.evolve import plan_to_schema
from prisma_dsql.migrations.fingerprint import render as fingerprint_line
from prisma_dsql.migrations.folder import write_migration
from prisma_dsql.migrations.sources import read_database

ROWS_PER_STEP = 2
T0 = _dt.datetime(2026, 1, 1, tzinfo=_dt.timezone.utc)


@dataclass
class Step:
    version: str
    statements: int
    tables: int
    rows: int


def _read(url: str, profile: Profile, loaded) -> Catalog:
    return read_database(url, profile=profile, declared=declared_schemas(loaded)).catalog


def _keys(conn, table: Table) -> set[tuple] | None:
    """The table's primary-key values (None: the table has no key to compare by)."""
    if table.primary_key is None:
        return None
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in table.primary_key.columns)
    query = sql.SQL("SELECT {} FROM {}").format(cols, sql.Identifier(table.schema, table.name))
    return {tuple(str(v) for v in row) for row in conn.execute(query).fetchall()}


def snapshot(url: str, catalog: Catalog) -> dict[tuple[str, str], tuple[int, set | None]]:
    with psycopg.connect(url, autocommit=True) as conn:
        out = {}
        for t in catalog.tables:
            n = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t.schema, t.name))).fetchone()[0]
            out[(t.schema, t.name)] = (n, _keys(conn, t))
        return out


def _value(col: Column, n: int, catalog: Catalog):
    """A value of the column's type for row number ``n`` (distinct per row, for uniques)."""
    t = col.type
    name = t.name.upper()
    enum = next((e for e in catalog.enums if e.name == t.name), None) if t.kind != "builtin" else None
    dom = next((d for d in catalog.domains if d.name == t.name), None) if t.kind != "builtin" else None
    if col.enum_values:  # an enum as a check-less domain plus a CHECK on the column (DSQL's enum shape)
        value = col.enum_values[0]
    elif enum is not None:
        value = enum.values[0]
    elif dom is not None:  # an enum as a domain (DSQL): one of its values, else a value of its base type
        if not dom.allowed_values:
            return _value(Column(col.name, replace(dom.type, array=t.array), col.nullable), n, catalog)
        value = dom.allowed_values[0]
    elif name in ("INTEGER", "INT", "INT4", "SMALLINT", "INT2", "BIGINT", "INT8", "SERIAL", "BIGSERIAL"):
        value = n
    elif name in ("DOUBLE PRECISION", "REAL", "FLOAT8", "FLOAT4", "NUMERIC", "DECIMAL", "MONEY"):
        value = n + 0.5 if name not in ("NUMERIC", "DECIMAL") or not t.args[1:] or t.args[1] > 0 else n
    elif name in ("BOOLEAN", "BOOL"):
        value = n % 2 == 0
    elif name == "UUID":
        value = str(uuid.UUID(int=n))
    elif name.startswith("TIMESTAMP"):
        value = (T0 + _dt.timedelta(seconds=n)).isoformat()
    elif name == "DATE":
        value = (T0 + _dt.timedelta(days=n)).date().isoformat()
    elif name.startswith("TIME"):
        value = f"00:00:{n % 60:02d}"
    elif name in ("JSON", "JSONB"):
        value = f'{{"n": {n}}}'
    elif name == "BYTEA":
        value = n.to_bytes(4, "big")
    else:  # text, varchar(n), char(n), citext, inet ...: a short distinct string
        value = f"v{n}"
        if t.args:
            value = value[: t.args[0]]
        if name == "INET":
            value = f"10.0.{n // 250}.{n % 250}"
    return [value] if t.array else value


def fill(url: str, catalog: Catalog, seed: int) -> int:
    """Insert ``ROWS_PER_STEP`` rows into every table (parents first); the number of rows inserted."""
    tables = {(t.schema, t.name): t for t in catalog.tables}
    order: list[Table] = []
    seen: set = set()

    def visit(t: Table, path=()) -> None:
        key = (t.schema, t.name)
        if key in seen or key in path:
            return
        for fk in t.foreign_keys:
            parent = tables.get((fk.referenced_schema, fk.referenced_table))
            if parent is not None:
                visit(parent, path + (key,))
        seen.add(key)
        order.append(t)

    for t in catalog.tables:
        visit(t)
    inserted = 0
    with psycopg.connect(url, autocommit=True) as conn:
        for t in order:
            for i in range(ROWS_PER_STEP):
                n = seed * 100 + i + 1
                names, values = [], []
                fk_cols = {c: fk for fk in t.foreign_keys for c in fk.columns}
                for col in t.columns:
                    if col.identity is not None:
                        continue
                    fk = fk_cols.get(col.name)
                    if fk is not None:
                        continue
                    names.append(col.name)
                    values.append(_value(col, n, catalog))
                for fk in t.foreign_keys:  # a parent row's key; NULL for a nullable self-reference
                    if (fk.referenced_schema, fk.referenced_table) == (t.schema, t.name) and all(
                            next(c for c in t.columns if c.name == x).nullable for x in fk.columns):
                        continue
                    # A parent row no row of this table points at yet (a one-to-one relation's key is unique).
                    pcols = sql.SQL(", ").join(sql.SQL("p.{}").format(sql.Identifier(c)) for c in fk.referenced_columns)
                    same = sql.SQL(" AND ").join(sql.SQL("c.{} = p.{}").format(sql.Identifier(a), sql.Identifier(b))
                                                 for a, b in zip(fk.columns, fk.referenced_columns))
                    ref = sql.SQL("SELECT {} FROM {} p WHERE NOT EXISTS (SELECT 1 FROM {} c WHERE {}) "
                                  "ORDER BY 1 LIMIT 1").format(
                        pcols, sql.Identifier(fk.referenced_schema, fk.referenced_table),
                        sql.Identifier(t.schema, t.name), same)
                    row = conn.execute(ref).fetchone()
                    for c, v in zip(fk.columns, row or [None] * len(fk.columns)):
                        if c not in names:
                            names.append(c)
                            values.append(v)
                stmt = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                    sql.Identifier(t.schema, t.name), sql.SQL(", ").join(sql.Identifier(c) for c in names),
                    sql.SQL(", ").join(sql.Placeholder() for _ in names))
                try:
                    conn.execute(stmt, values)
                except psycopg.Error as exc:
                    raise AssertionError(f"cannot insert a row into {t.name}: {exc}") from None
                inserted += 1
    return inserted


def walk(url: str, versions: list[tuple[str, str]], profile: Profile, folder: Path, options_for) -> list[Step]:
    steps: list[Step] = []
    carried = None  # (declared schemas, catalog) read after the previous step
    for i, (nn, text) in enumerate(versions):
        loaded = load_text(text, f"{nn}.prisma")
        plan_options, hints, empty = options_for(nn)
        declared = declared_schemas(loaded)
        if carried is not None and carried[0] == declared:  # rows were added since, the catalog is the same
            before_catalog, estimates = carried[1], {}
        else:
            read = read_database(url, profile=profile, declared=declared)
            before_catalog, estimates = read.catalog, read.row_estimates
        if empty:
            with psycopg.connect(url, autocommit=True) as conn:
                for t in before_catalog.tables:
                    if t.name in empty:
                        conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(t.schema, t.name)))
        before = snapshot(url, before_catalog)
        evo = plan_to_schema(before_catalog, loaded, profile, plan_options=plan_options, hints=hints,
                             row_estimates=estimates)
        assert evo.ok, (nn, evo.refusal, evo.refused, [p.message for p in evo.problems],
                        [d.message for d in evo.diagnostics if d.severity == "error"])
        if evo.plan.steps:
            head = fingerprint_line(evo.plan.fingerprint) if evo.plan.fingerprint else ""
            write_migration(folder, f"v{nn}", head + evo.plan.text(), initial=False,
                            now=T0 + _dt.timedelta(minutes=i))
            with Connector(resolve_spec(url=url, env={})) as connector:
                try:
                    deploy(connector, folder, DeployOptions(profile=profile if profile.target == "dsql" else
                                                            DeployOptions().profile))
                except (PrismaDsqlError, psycopg.Error) as exc:
                    raise AssertionError(f"{nn}: the migration does not apply: {exc}\n{evo.plan.text()}") from None
        after_catalog = _read(url, profile, loaded)
        after = snapshot(url, after_catalog)
        renamed = {old: new for old, new in getattr(hints, "tables", ())}
        for (schema, name), (count, keys) in before.items():
            now = after.get((schema, renamed.get(name, name)))
            if now is None:
                continue  # the table was dropped (with --accept-data-loss, which the README names)
            assert now[0] == count, f"{nn}: {name} had {count} rows, now {now[0]}\n{evo.plan.text()}"
            if keys is not None and now[1] is not None and len(next(iter(keys), ())) == len(next(iter(now[1]), ())):
                assert now[1] == keys, f"{nn}: {name} lost or changed key values\n{evo.plan.text()}"
        again = plan_to_schema(after_catalog, loaded, profile)
        assert again.ok and again.plan.steps == (), (nn, "drift after the step",
                                                     again.plan.text() if again.ok else again.refused)
        rows = fill(url, after_catalog, i + 1)
        carried = (declared, after_catalog)
        steps.append(Step(nn, len(evo.plan.steps), len(after_catalog.tables), rows))
    return steps
