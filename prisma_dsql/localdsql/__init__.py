"""The local Aurora DSQL: an embedded PostgreSQL 16 behind a wire-protocol proxy that enforces DSQL's rules
for every client (``prisma-dsql dev``; also the rehearsal's and the shadow database's server).

``server`` starts and stops the whole (:class:`~.server.LocalDsql`), ``proxy`` speaks the protocol,
``session`` holds one connection's rules, ``server_objects`` what is installed in each database.
Importing this package loads neither psycopg nor pgserver.
"""
