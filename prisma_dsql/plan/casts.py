"""Type changes: which casts PostgreSQL 16 has between the column types Prisma maps to, and what each
does to the values.

Contract: `classify(old, new)` -> a `Cast`: its `safety` (LOSSLESS, MAY_FAIL, LOSSY or NONE) and a
sentence saying what happens to the values. Pure data and one function; nothing here renders SQL (the
target writes `USING (col::type)`, through text for enums) or reads a profile.

- LOSSLESS: every value converts and reads back the same (INTEGER -> BIGINT, anything -> TEXT, JSONB
  -> JSON: the text is jsonb's canonical printing).
- MAY_FAIL: the cast exists; some values do not convert and then the statement fails, changing nothing
  (BIGINT -> INTEGER over 2^31, JSONB -> INTEGER on a non-number).
- LOSSY: the cast exists and never fails, but values change (DOUBLE PRECISION -> INTEGER rounds,
  VARCHAR(10) -> VARCHAR(5) cuts, INTEGER -> BOOLEAN folds every non-zero to true). Data loss.
- NONE: PostgreSQL has no cast (`cannot cast type integer to uuid`, also on an empty table): the column
  is dropped and added again, as Prisma does. Data loss.

The table follows `pg_cast` plus PostgreSQL's I/O conversions: a cast TO a string type always exists
(an assignment cast); a cast FROM a string type (TEXT -> INTEGER) is explicit-only and not in
`pg_cast`, so Prisma treats it as no cast, and so do we. Enums (kind "user") behave as strings that only
hold their labels: to text always, between enums and from text through text (may fail on values).
Arrays follow their elements; a scalar and an array never cast into one another except to text.
"""

from __future__ import annotations

from dataclasses import dataclass

from prisma_dsql.catalog.model import SqlType

LOSSLESS, MAY_FAIL, LOSSY, NONE = "lossless", "may-fail", "lossy", "none"

STRINGS = frozenset({"TEXT", "VARCHAR", "CHAR", "CITEXT"})
INTEGERS = ("SMALLINT", "INTEGER", "BIGINT")
#: Digits of the largest value each integer type holds (for DECIMAL(p,s) targets).
_INT_DIGITS = {"SMALLINT": 5, "INTEGER": 10, "BIGINT": 19, "OID": 10}
NUMBERS = frozenset({*INTEGERS, "REAL", "DOUBLE PRECISION", "DECIMAL", "MONEY", "OID"})
#: Significant decimal digits a float type keeps: an integer of more digits may be rounded.
_FLOAT_DIGITS = {"REAL": 6, "DOUBLE PRECISION": 15}

#: Casts outside the numeric family, from pg_cast: (from, to) -> safety.
_PAIRS: dict[tuple[str, str], str] = {
    ("INTEGER", "BOOLEAN"): LOSSY, ("BOOLEAN", "INTEGER"): LOSSLESS,
    ("JSON", "JSONB"): MAY_FAIL,  # \u0000 in a json text is refused by jsonb; duplicate keys collapse
    ("JSONB", "JSON"): LOSSLESS,
    **{("JSONB", n): MAY_FAIL for n in ("BOOLEAN", "SMALLINT", "INTEGER", "BIGINT", "REAL", "DOUBLE PRECISION",
                                        "DECIMAL")},
    ("TIMESTAMP", "TIMESTAMPTZ"): LOSSLESS, ("TIMESTAMPTZ", "TIMESTAMP"): LOSSLESS,
    ("TIMESTAMP", "DATE"): LOSSY, ("TIMESTAMPTZ", "DATE"): LOSSY,
    ("TIMESTAMP", "TIME"): LOSSY, ("TIMESTAMPTZ", "TIME"): LOSSY, ("TIMESTAMPTZ", "TIMETZ"): LOSSY,
    ("DATE", "TIMESTAMP"): LOSSLESS, ("DATE", "TIMESTAMPTZ"): LOSSLESS,
    ("TIME", "TIMETZ"): LOSSLESS, ("TIMETZ", "TIME"): LOSSY,
    ("INTEGER", "BIT"): LOSSY, ("BIGINT", "BIT"): LOSSY, ("BIT", "INTEGER"): MAY_FAIL, ("BIT", "BIGINT"): MAY_FAIL,
    ("BIT", "VARBIT"): LOSSLESS, ("VARBIT", "BIT"): LOSSY,
    ("INET", "CIDR"): MAY_FAIL, ("CIDR", "INET"): LOSSLESS,
    ("XML", "TEXT"): LOSSLESS,
}

_SAYS = {
    LOSSLESS: "every value converts and keeps its meaning",
    MAY_FAIL: "values that do not convert make the statement fail (nothing is changed then)",
    LOSSY: "values are converted with loss (rounded, cut or folded)",
    NONE: "PostgreSQL has no cast between these types: the column is dropped and added again, empty",
}


@dataclass(frozen=True)
class Cast:
    safety: str
    says: str

    @property
    def exists(self) -> bool:
        return self.safety != NONE


def type_text(t: SqlType) -> str:
    base = t.name + (f"({','.join(map(str, t.args))})" if t.args else "")
    return base + ("[]" if t.array else "")


def classify(old: SqlType, new: SqlType) -> Cast:
    """What converting a column from `old` to `new` does to its values (see the module docstring)."""
    safety, note = _classify(old, new)
    return Cast(safety, f"{type_text(old)} -> {type_text(new)}: {note or _SAYS[safety]}")


def _classify(old: SqlType, new: SqlType) -> tuple[str, str]:
    if old == new:
        return LOSSLESS, ""
    if old.array != new.array:
        if new.kind == "builtin" and new.name in STRINGS and not new.array:
            return _to_string(new), "the list is written as text ({a,b})"
        return NONE, ""
    if new.kind == "user":
        # Into an enum, through text: a label the enum does not hold fails the statement.
        if old.kind == "user" or old.name in STRINGS:
            return MAY_FAIL, "values must be labels of the new enum; the statement fails otherwise"
        return NONE, ""
    if old.kind == "user":
        if new.name in STRINGS:
            return _to_string(new), "each label becomes its text"
        return NONE, ""
    if old.kind == "raw" or new.kind == "raw":
        return (_to_string(new), "") if new.name in STRINGS else (MAY_FAIL, "an Unsupported type: a cast is tried")
    a, b = old.name, new.name
    if a == b:
        return _same_type(old, new)
    if b in STRINGS:
        if a == "JSONB":
            return _to_string(new), "the text is jsonb's own printing (keys sorted, no duplicates, no spacing)"
        return _to_string(new), ""
    if a in STRINGS:
        if b in STRINGS:
            return _to_string(new), ""
        return NONE, ""
    if a in NUMBERS and b in NUMBERS:
        return _numeric(old, new)
    if (a, b) in _PAIRS:
        safety = _PAIRS[(a, b)]
        if (a, b) == ("JSONB", "JSON"):
            return safety, "values stay the same JSON; the text is jsonb's (keys sorted, no duplicates)"
        return safety, ""
    return NONE, ""


def _to_string(new: SqlType) -> str:
    # An explicit cast to VARCHAR(n)/CHAR(n) cuts longer values without an error.
    return LOSSY if new.name in ("VARCHAR", "CHAR") and new.args else LOSSLESS


def _same_type(old: SqlType, new: SqlType) -> tuple[str, str]:
    """The same type with other modifiers: a length, precision or scale that grows is lossless."""
    if not new.args:
        return LOSSLESS, ""
    if not old.args:
        if old.name in ("VARCHAR", "VARBIT", "BIT") or old.name in ("DECIMAL",):
            return LOSSY, "values longer or more precise than the new modifier are cut or rounded"
        return LOSSY, ""
    if old.name == "DECIMAL":
        p0, s0 = old.args[0], (old.args[1] if len(old.args) > 1 else 0)
        p1, s1 = new.args[0], (new.args[1] if len(new.args) > 1 else 0)
        if s1 < s0:
            return LOSSY, f"scale {s0} -> {s1}: digits are rounded away"
        if p1 - s1 < p0 - s0:
            return MAY_FAIL, "values with more integer digits than the new precision allows fail"
        return LOSSLESS, ""
    if old.name in ("TIMESTAMP", "TIMESTAMPTZ", "TIME", "TIMETZ"):
        return (LOSSLESS, "") if new.args[0] >= old.args[0] else (LOSSY, "fractional seconds are rounded")
    if new.args[0] >= old.args[0]:
        return LOSSLESS, ""
    if old.name == "BIT":
        return MAY_FAIL, "a BIT(n) value must have exactly n bits"
    return LOSSY, f"({old.args[0]}) narrows to ({new.args[0]}): longer values are cut"


def _numeric(old: SqlType, new: SqlType) -> tuple[str, str]:
    a, b = old.name, new.name
    if a == "MONEY" or b == "MONEY":
        if a == "MONEY" and b == "DECIMAL":
            return LOSSLESS if not new.args else MAY_FAIL, ""
        if b == "MONEY" and a in ("INTEGER", "BIGINT", "DECIMAL"):
            return (MAY_FAIL, "") if a == "DECIMAL" else (LOSSLESS, "")
        return NONE, ""
    if a == "OID" or b == "OID":
        if (a, b) in (("OID", "INTEGER"), ("OID", "BIGINT")):
            return (LOSSLESS, "") if b == "BIGINT" else (MAY_FAIL, "")
        if (a, b) in (("INTEGER", "OID"), ("BIGINT", "OID")):
            return MAY_FAIL, "negative values do not convert"
        return NONE, ""
    if a in _INT_DIGITS and b in _INT_DIGITS:
        return (LOSSLESS, "") if INTEGERS.index(a) < INTEGERS.index(b) else (MAY_FAIL, "values out of range fail")
    if a in _INT_DIGITS and b in _FLOAT_DIGITS:
        return (LOSSLESS, "") if _INT_DIGITS[a] <= _FLOAT_DIGITS[b] else (LOSSY, "large values lose precision")
    if a in _INT_DIGITS and b == "DECIMAL":
        if not new.args:
            return LOSSLESS, ""
        p, s = new.args[0], (new.args[1] if len(new.args) > 1 else 0)
        return (LOSSLESS, "") if p - s >= _INT_DIGITS[a] else (MAY_FAIL, "values with too many digits fail")
    if a in _FLOAT_DIGITS and b in _FLOAT_DIGITS:
        return (LOSSLESS, "") if b == "DOUBLE PRECISION" else (LOSSY, "precision is rounded; large values fail")
    if a in _FLOAT_DIGITS or a == "DECIMAL":
        if b in _INT_DIGITS:
            return LOSSY, "fractions are rounded; values out of range fail"
        if b == "DECIMAL":
            return MAY_FAIL, "NaN, infinities and values too large for the precision fail; digits may be rounded"
        return LOSSY, "digits beyond the float's precision are rounded"
    return NONE, ""
