"""Test-wide set-up: shared fixtures, and a private cache directory per run."""

import os
import tempfile

pytest_plugins = ["tests.support.fixtures"]


def pytest_configure(config):
    # Keep the schema cache (prisma_dsql.cache) out of the user's home, and fresh for each run;
    # subprocesses started by tests inherit it.
    os.environ["PRISMA_DSQL_CACHE_DIR"] = tempfile.mkdtemp(prefix="prisma-dsql-cache-")
