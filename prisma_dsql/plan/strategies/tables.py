"""New tables: CREATE TABLE with their indexes and foreign keys (inline, referenced tables first, on DSQL;
after every table and index, as Prisma, on PostgreSQL).
"""

from __future__ import annotations

import heapq

from prisma_dsql.catalog.model import Table
from prisma_dsql.diff import CatalogDiff
from prisma_dsql.plan import operations as ops
from prisma_dsql.plan.builder import P_ADD_FK, P_CREATE_TABLE, Builder
from prisma_dsql.plan.strategies.constraint import add_foreign_key
from prisma_dsql.plan.strategies.index import create_index
from prisma_dsql.targets.base import Target


def create_tables(b: Builder, diff: CatalogDiff, target: Target) -> None:
    tables = list(diff.tables_added)
    if not tables:
        return
    if target.FOREIGN_KEYS != "inline":
        for t in tables:
            b.add(P_CREATE_TABLE, ops.CreateTable(t), f"table {t.name} is new")
        for t in tables:
            for i in t.indexes:
                create_index(b, t, i, existing=False)
        for t in tables:
            for fk in t.foreign_keys:
                b.add(P_ADD_FK, ops.AddForeignKey(t.key, fk), f"foreign key {fk.name} of new table {t.name}")
        return
    order = creation_order(tables)
    new_keys = {t.key for t in tables}
    position = {t.key: i for i, t in enumerate(order)}
    position.update({t.key: -1 for t in diff.desired.tables if t.key not in new_keys})
    pks = {t.key: t.primary_key.columns if t.primary_key else None for t in diff.desired.tables}
    deferred = []
    for t in order:
        inline = []
        for fk in t.foreign_keys:
            target_key = fk.referenced_key
            if position.get(target_key, len(order)) <= position[t.key] and pks.get(target_key) == fk.referenced_columns:
                inline.append(fk)
            else:
                deferred.append((t, fk))
        b.add(P_CREATE_TABLE, ops.CreateTable(t, tuple(inline)), f"table {t.name} is new")
    for t in order:
        for i in t.indexes:
            create_index(b, t, i, existing=False)
    for t, fk in deferred:
        add_foreign_key(b, t, fk, existing=False)


def creation_order(tables: list[Table]) -> list[Table]:
    """Tables ordered so that each comes after the tables its foreign keys reference,
    keeping declaration order wherever the references allow it. A reference cycle is
    broken at its earliest-declared table (its foreign keys into the cycle become
    deferred)."""
    index = {t.key: i for i, t in enumerate(tables)}
    deps: list[set[int]] = []
    dependents: list[list[int]] = [[] for _ in tables]
    for i, t in enumerate(tables):
        d = {index[fk.referenced_key] for fk in t.foreign_keys if fk.referenced_key in index} - {i}
        deps.append(d)
        for j in d:
            dependents[j].append(i)
    ready = [i for i, d in enumerate(deps) if not d]
    heapq.heapify(ready)
    done = [False] * len(tables)
    order: list[Table] = []
    remaining = len(tables)
    next_forced = 0
    while remaining:
        if ready:
            i = heapq.heappop(ready)
            if done[i]:
                continue
        else:
            while done[next_forced]:
                next_forced += 1
            i = next_forced
        done[i] = True
        remaining -= 1
        order.append(tables[i])
        for j in dependents[i]:
            if not done[j]:
                deps[j].discard(i)
                if not deps[j]:
                    heapq.heappush(ready, j)
    return order
