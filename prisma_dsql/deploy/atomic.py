"""How a migration is cut into transactions on plain PostgreSQL (the postgres target, or a DSQL folder
deployed onto PostgreSQL without ``sys.jobs``).

Contract
--------
:func:`segments(steps, start, server_version)` -> ``[(begin, end, alone)]``: consecutive 0-based statement
ranges ``steps[begin:end]`` from ``start`` to the end. Each range with ``alone=False`` runs as ONE transaction (as
PostgreSQL runs Prisma's migration.sql, so a failure there changes nothing); ``BEGIN; ... COMMIT;`` blocks
(:func:`prisma_dsql.deploy.steps.unwrap_transactions`) are part of it. A statement PostgreSQL refuses inside a
transaction block (:data:`OUTSIDE_TRANSACTION`: ``CREATE/DROP INDEX CONCURRENTLY``, ``REINDEX ...
CONCURRENTLY``, ``VACUUM``, ``CREATE/DROP DATABASE``, ``ALTER SYSTEM``, ``CREATE/DROP TABLESPACE``, and before
PostgreSQL 12 ``ALTER TYPE ... ADD VALUE``) is its own range with ``alone=True``, run between the transactions
before and after it: Prisma's own deploy fails on such a file ("cannot run inside a transaction block"); here
it runs in file order, and only the statements up to it are atomic with each other.

The patterns are data: (words the statement starts with, a word it must contain, the server version from which
PostgreSQL allows it inside a transaction, or None).
"""

from __future__ import annotations

from prisma_dsql.deploy.steps import Step, _tokens

OUTSIDE_TRANSACTION: tuple[tuple[tuple[str, ...], str | None, int | None], ...] = (
    (("create", "index"), "concurrently", None),
    (("create", "unique", "index"), "concurrently", None),
    (("drop", "index"), "concurrently", None),
    (("reindex",), "concurrently", None),
    (("vacuum",), None, None),
    (("create", "database"), None, None),
    (("drop", "database"), None, None),
    (("alter", "system"), None, None),
    (("create", "tablespace"), None, None),
    (("drop", "tablespace"), None, None),
    (("alter", "type"), "value", 120000),  # ADD VALUE: allowed in a transaction from PostgreSQL 12
)


def outside_transaction(step: Step, server_version: int) -> bool:
    """True when PostgreSQL ``server_version`` (e.g. 160004) refuses the statement inside a transaction block."""
    words = [t.word for t in _tokens(step.text)[:64]]
    for head, needs, allowed_from in OUTSIDE_TRANSACTION:
        if tuple(words[:len(head)]) != head:
            continue
        if needs is not None and needs not in words:
            continue
        if allowed_from is not None and server_version >= allowed_from:
            continue
        return True
    return False


def segments(steps: list[Step], start: int, server_version: int) -> list[tuple[int, int, bool]]:
    out: list[tuple[int, int, bool]] = []
    begin = start
    for i in range(start, len(steps)):
        if outside_transaction(steps[i], server_version):
            if begin < i:
                out.append((begin, i, False))
            out.append((i, i + 1, True))
            begin = i + 1
    if begin < len(steps):
        out.append((begin, len(steps), False))
    return out
