"""Plans: `model` (Plan, Step, Hazard: data), `planner` (typed changes -> ordered, rendered steps)."""

from prisma_dsql.plan.model import Hazard, Plan, Step
from prisma_dsql.plan.planner import Blocked, PlanOptions, PlanRefused, plan_changes, plan_from_empty

__all__ = ["Blocked", "Hazard", "Plan", "PlanOptions", "PlanRefused", "Step", "plan_changes", "plan_from_empty"]
