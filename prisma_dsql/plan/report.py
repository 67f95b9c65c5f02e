"""A plan for people: what each step does, why, where in the schema, and what can go wrong.

Contract: `render_plan(plan, color=False)` returns text (control characters from names shown visibly,
secrets masked) that reads at a glance: one line per step
(number, Prisma's label, the object, the schema line it comes from), the reason indented below,
hazards marked `!`, a closing summary of hazards by kind and async jobs. `render_refusal(refused,
suggestions)` says why no plan was made and what to pass. Secrets never reach a plan (it holds
catalog names and SQL only).
"""

from __future__ import annotations

from collections import Counter

from prisma_dsql.plan.model import Plan
from prisma_dsql.plan.planner import PlanRefused
from prisma_dsql.render.safe import message

_BOLD, _RED, _YELLOW, _DIM, _RESET = "\x1b[1m", "\x1b[31m", "\x1b[33m", "\x1b[2m", "\x1b[0m"


def render_plan(plan: Plan, color: bool = False) -> str:
    def paint(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    if not plan.steps:
        return f"No changes: the database already matches ({plan.profile}).\n"
    width = len(str(len(plan.steps)))
    lines = [paint(_BOLD, f"Plan for {plan.profile}: {len(plan.steps)} step{'s' if len(plan.steps) != 1 else ''}")]
    for n, step in enumerate(plan.steps, 1):
        where = f"  {step.span.file}:{step.span.line}" if step.span is not None else ""
        kind = {"async-ddl": " [async job]", "dml": " [data]"}.get(step.kind, "")
        lines.append(f"{n:>{width}}. {step.label} {step.subject}{kind}{paint(_DIM, where)}")
        pad = " " * (width + 2)
        if step.reason:
            lines.append(f"{pad}{step.reason}")
        for d in step.directives:
            lines.append(f"{pad}{paint(_DIM, '(' + d + ')')}")
        for h in step.hazards:
            colour = _RED if h.kind == "data-loss" else _YELLOW
            lines.append(f"{pad}{paint(colour, '! ' + h.kind)}: {h.message}")
    hazards = Counter(h.kind for _, h in plan.hazards())
    jobs = sum(1 for s in plan.steps if s.async_job)
    summary = [f"{n} {kind}" for kind, n in sorted(hazards.items())]
    if jobs:
        summary.append(f"{jobs} async job{'s' if jobs != 1 else ''}")
    lines.append("")
    lines.append("Hazards: " + (", ".join(summary) if summary else "none"))
    # Names come from @map/@@map strings: what a terminal would obey is shown, never obeyed.
    return "\n".join(message(line) for line in lines) + "\n"


def render_refusal(refused: PlanRefused, suggestions: tuple[str, ...] = ()) -> str:
    lines = ["error: no migration planned: these changes need your say-so:"]
    for b in refused.blocked:
        where = f"{b.span.file}:{b.span.line}: " if b.span is not None else ""
        lines.append(f"  - {where}{b.message}")
        if b.options:
            lines.append(f"    {b.options}")
    if suggestions:
        lines.append("If these are renames rather than drops and adds, say so:")
        lines += [f"  {s}" for s in suggestions]
    return "\n".join(message(line) for line in lines) + "\n"
