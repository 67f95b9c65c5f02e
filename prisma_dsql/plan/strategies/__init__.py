"""One module per kind of change; each adds operations with their dependencies to a `Builder`.

`STRATEGIES` names them with words their fixture cases use (tests/plan_cases), so the fast tier can check
that every strategy has a case. A new strategy is one module here, one call in `planner._alter_table` or
`planner._plan`, and its cases.
"""

STRATEGIES: dict[str, tuple[str, ...]] = {
    "add_column": ("column with default", "optional column", "without default"),
    "require": ("to required",),
    "relax": ("to optional",),
    "defaults": ("default changes", "default goes"),
    "type_change": ("no cast", "widening", "narrowing", "jsonb to json", "another enum"),
    "index": ("unique index", "index changed", "gin index"),
    "constraint": ("foreign key",),
    "enum": ("enum value",),
    "rename": ("renamed",),
    "rebuild": ("rebuild",),
    "drops": ("dropped",),
    "tables": ("table dropped last",),
}
