"""Choices a user can make about how Prisma constructs become DSQL DDL.

Read by the rules (to know what will be generated) and by the translator (to
generate it); filled from `prisma-dsql.toml` / CLI flags. Defaults are what
Prisma Client needs to keep working on DSQL.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TranslateOptions:
    #: "domain": each Prisma enum becomes `CREATE DOMAIN "<enum>" AS TEXT CHECK (VALUE IN (...))`,
    #: which keeps Prisma Client's `CAST($1::text AS "<enum>")` working.
    #: "none": no translation (enums are then an error on DSQL).
    enum_strategy: str = "domain"
    #: CACHE of identity columns made from autoincrement(): 65536 (fast, ids not
    #: dense) or 1 (dense, slow). DSQL accepts only 1 or >= 65536.
    identity_cache: int = 65536

    def __post_init__(self) -> None:
        if self.enum_strategy not in ("domain", "none"):
            # Named as users write them (--enum-strategy / [translate] enum-strategy), not as Python fields.
            raise ValueError(f"enum-strategy must be \"domain\" or \"none\", not {self.enum_strategy!r}")
        if not (self.identity_cache == 1 or 65536 <= self.identity_cache <= 2 ** 63 - 1):
            raise ValueError(f"identity-cache must be 1 or from 65536 to 2^63-1 (the CACHE values DSQL accepts), "
                             f"not {self.identity_cache}")
