"""Deploying a Prisma migrations folder to Aurora DSQL (or PostgreSQL): the engine behind
``prisma-dsql migrate deploy|status|resolve``. Library functions; the click commands in
prisma_dsql/cli/deploy_cmd.py only parse options and print.

Modules, in the order a deploy uses them: ``folder`` (read migrations, checksums), ``steps`` (what a statement
is, directives), ``history`` (``_prisma_migrations``), ``lock`` (lease lock), ``runner`` (retries), ``probe``
(did a DDL commit?), ``jobs`` (sys.jobs), ``schedule`` (when to wait), ``engine`` (the deploy), ``status``
(status/resolve), ``dryrun``, ``progress``, ``rehearse`` (the embedded emulation).
"""
