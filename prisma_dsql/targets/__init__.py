"""SQL renderers, one per target: `target_for(profile).render(operation)` -> `Rendered`.

Targets differ only in data on their classes (see `prisma_dsql.targets.base`); which operations a
migration needs and their order is the planner's (`prisma_dsql.plan`).
"""

from __future__ import annotations

from prisma_dsql.capabilities import Profile
from prisma_dsql.targets.base import Problem, Rendered, RenderError, Target
from prisma_dsql.targets.dsql import DsqlTarget
from prisma_dsql.targets.postgres import PostgresTarget

#: Renderer class by `Profile.target`.
TARGETS: dict[str, type[Target]] = {cls.name: cls for cls in (PostgresTarget, DsqlTarget)}


def target_for(profile: Profile) -> Target:
    try:
        return TARGETS[profile.target](profile)
    except KeyError:
        raise ValueError(f"no renderer for target {profile.target!r}") from None


__all__ = ["TARGETS", "DsqlTarget", "PostgresTarget", "Problem", "RenderError", "Rendered", "Target", "target_for"]
