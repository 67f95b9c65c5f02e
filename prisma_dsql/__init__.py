"""prisma-dsql: Prisma schemas on Amazon Aurora DSQL.

Stages, with imports flowing one way:
source -> syntax (Lark grammar, AST) -> schema (resolved graph) -> rules ->
catalog -> introspection -> diff -> plan -> execution; the CLI sits on top.
"""

__version__ = "0.1.0"
