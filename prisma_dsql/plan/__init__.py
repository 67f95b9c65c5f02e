"""Plans, by stage: `operations` (one frozen value per statement kind), `strategies` (one module per kind of
change), `builder` (what strategies share), `casts` (the type-change table), `planner` (order and render),
`model` (Plan, Step, Hazard, Precondition: data), `report` (a plan for people).

The planner's names are loaded on first use, so that the targets can import `operations` without the
planner (which imports the targets) being loaded first.
"""

from prisma_dsql.plan.model import Hazard, Plan, Precondition, Step

_PLANNER = ("Blocked", "PlanOptions", "PlanRefused", "plan_changes", "plan_from_empty")


def __getattr__(name: str):
    if name in _PLANNER:
        from prisma_dsql.plan import planner

        return getattr(planner, name)
    raise AttributeError(f"module 'prisma_dsql.plan' has no attribute {name!r}")


__all__ = ["Blocked", "Hazard", "Plan", "PlanOptions", "PlanRefused", "Precondition", "Step", "plan_changes",
           "plan_from_empty"]
