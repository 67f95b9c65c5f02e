"""Every DSQL fact declared in prisma_dsql/capabilities.py is read somewhere in prisma_dsql/: a capability,
a limit, a job statement or a SQLSTATE that nothing reads is a fact the tool only pretends to honour (while a
literal elsewhere says the same thing). Reads are string constants naming the key (`profile.supports("x")`,
`profile.limit("x")`, `DSQL_SQLSTATES["x"]`, or a value of capabilities.py's own tables that the rules read,
such as COLUMN_TYPES), found with the ast module; the declarations themselves do not count."""

from __future__ import annotations

import ast
from pathlib import Path

from prisma_dsql import capabilities as caps

PACKAGE = Path(caps.__file__).parent
#: Tables of capabilities.py whose keys are declarations.
DECLARING_TABLES = ("DSQL_LIMITS", "POSTGRES_LIMITS", "DSQL_CAPABILITY_LIMITS", "DSQL_SQLSTATES", "DSQL_JOB_STATEMENTS")

#: Keys read by nothing in this branch, with who is to read them. Capabilities the refused statement forms of
#: the local DSQL are to check (helper "localdsql": rehearsal/, whose statement-form section of capabilities.py
#: maps forms to these keys), and the planner's (helper "planner": plan/, targets/, ops.py).
NOT_READ_YET: dict[str, str] = {
    "advisory_locks": "localdsql (rehearsal/: pg_advisory_lock refused); deploy/lock.py is the lease lock instead",
    "collations": "localdsql (rehearsal/: COLLATE refused)",
    "composite_types": "localdsql (rehearsal/: CREATE TYPE ... AS (...) refused)",
    "savepoints": "localdsql (rehearsal/: SAVEPOINT refused)",
    "triggers": "localdsql (rehearsal/: CREATE TRIGGER refused)",
    "multiple_ddl_per_transaction": "localdsql (rehearsal/: one DDL per transaction)",
    "add_unique_constraint": "planner (targets/: unique constraints as unique indexes); localdsql (refusal)",
    "unique_using_index": "planner (plan/: ADD CONSTRAINT ... UNIQUE USING INDEX)",
    "unique_indexes": "planner (targets/: CREATE UNIQUE INDEX ASYNC)",
    "add_identity": "planner (plan/: ALTER COLUMN ADD GENERATED ... AS IDENTITY)",
    "expression_indexes": "folders (introspect/: expression indexes) and the differ",
}


def _declared_keys() -> set[str]:
    keys = set(caps.CAPABILITY_KEYS)
    for table in DECLARING_TABLES:
        keys |= set(getattr(caps, table))
    return keys


def _declaration_nodes(tree: ast.Module) -> set[int]:
    """ids of the string constants in capabilities.py that declare a key (not read it)."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Capability" and node.args:
            skip.add(id(node.args[0]))
        target = None
        if isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        if isinstance(target, ast.Name) and target.id in DECLARING_TABLES and isinstance(value, ast.Dict):
            skip.update(id(k) for k in value.keys if k is not None)
    return skip


def _read_strings() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _declaration_nodes(tree) if path.name == "capabilities.py" else set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
                found.setdefault(node.value, set()).add(str(path.relative_to(PACKAGE)))
    return found


def test_every_declared_dsql_fact_is_read():
    reads = _read_strings()
    unread = sorted(k for k in _declared_keys() if k not in reads and k not in NOT_READ_YET)
    assert not unread, (f"declared in capabilities.py and read nowhere in prisma_dsql/: {unread}. Read them where "
                        "the fact matters (profile.supports / profile.limit), or remove them")


def test_the_allow_list_names_only_declared_keys():
    assert set(NOT_READ_YET) <= _declared_keys()


def test_the_scan_sees_reads_and_not_declarations():
    reads = _read_strings()
    assert "deploy/batching.py" in reads["bytes_per_transaction"]
    assert "deploy/engine.py" in reads["mixed_ddl_dml_transaction"]
    assert "connect.py" in reads["connection_minutes"]
    assert "capabilities.py" not in reads.get("transaction_seconds", set())
