"""Every DSQL fact declared in prisma_dsql/capabilities.py is read somewhere in prisma_dsql/: a capability,
a limit, a job statement or a SQLSTATE that nothing reads is a fact the tool only pretends to honour (while a
literal elsewhere says the same thing). Reads are string constants naming the key (`profile.supports("x")`,
`profile.limit("x")`, `DSQL_SQLSTATES["x"]`, or a value of capabilities.py's own tables that the rules read,
such as COLUMN_TYPES), found with the ast module; the declarations themselves do not count."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

from prisma_dsql import capabilities as caps

PACKAGE = Path(caps.__file__).parent
#: Tables of capabilities.py whose keys are declarations.
DECLARING_TABLES = ("DSQL_LIMITS", "POSTGRES_LIMITS", "DSQL_CAPABILITY_LIMITS", "DSQL_SQLSTATES", "DSQL_JOB_STATEMENTS")

#: Keys read by nothing yet, with who is to read them (a test below keeps the list to keys still unread).
NOT_READ_YET: dict[str, str] = {}


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


@functools.cache  # one parse of the package for the three tests that read it (they only read the result)
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


def test_the_allow_list_holds_only_keys_still_unread():
    """A key that became read leaves the allow-list, so the list says what is really left to do."""
    reads = _read_strings()
    stale = sorted(k for k in NOT_READ_YET if k in reads)
    assert not stale, f"read now, remove from NOT_READ_YET: {stale}"


def test_the_scan_sees_reads_and_not_declarations():
    reads = _read_strings()
    assert "deploy/batching.py" in reads["bytes_per_transaction"]
    assert "deploy/engine.py" in reads["mixed_ddl_dml_transaction"]
    assert "connect.py" in reads["connection_minutes"]
    assert "capabilities.py" not in reads.get("transaction_seconds", set())
