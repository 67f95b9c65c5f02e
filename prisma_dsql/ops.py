"""The migration operations, where they were before they moved under the plan package.

Thin re-export of `prisma_dsql.plan.operations` (the targets and older imports say `from prisma_dsql import
ops`); nothing is defined here.
"""

from prisma_dsql.plan.operations import *  # noqa: F403
from prisma_dsql.plan.operations import Operation, TableRef  # noqa: F401 (not in __all__)
