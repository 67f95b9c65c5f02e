"""`prisma-dsql rules` lists the DSQL rules; `prisma-dsql explain CODE` prints one."""

from __future__ import annotations

import json

import click

from prisma_dsql.errors import UsageError


@click.command()
@click.option("--json", "as_json", is_flag=True, help="As JSON: code, name, severity, summary, url.")
def rules(as_json: bool) -> None:
    """List every DSQL rule: code, name, default severity and summary."""
    from prisma_dsql.rules import REGISTRY

    if as_json:
        data = [{"code": r.code, "name": r.name, "severity": r.severity.value, "summary": r.summary, "url": r.url}
                for r in REGISTRY.values()]
        click.echo(json.dumps({"version": 1, "rules": data}, indent=2))
        return
    width = max(len(r.name) for r in REGISTRY.values())
    for r in REGISTRY.values():
        click.echo(f"{r.code}  {r.name:<{width}}  {r.severity.value:<7}  {r.summary}")


@click.command()
@click.argument("code")
def explain(code: str) -> None:
    """Print the documentation of one rule, by code (DSQL202) or name (index-sort-order)."""
    from prisma_dsql.codes import CODES
    from prisma_dsql.rules import lookup

    r = lookup(code)
    if r is not None:
        click.echo(f"{r.code} {r.name} ({r.severity.value} by default)\n\n{r.summary}\n\n{r.doc}")
        return
    check = CODES.get(code.upper())
    if check is not None:
        click.echo(f"{check.code} {check.name} (error: a Prisma-level check)\n\n{check.summary}")
        return
    raise UsageError(f"no rule or check is called {code!r}; `prisma-dsql rules` lists the DSQL rules")
