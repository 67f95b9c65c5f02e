"""Accept/reject parity with Prisma's own validator (@prisma/prisma-schema-wasm, offline).

For every sample, corpus schema and error fixture, prisma-dsql must call the
schema broken exactly when Prisma does. Our PSL901 notice (a Prisma 7 `url`
in the datasource) is not an error for us on purpose, and the oracle blanks
those lines before asking Prisma, so both sides agree there too; likewise
preview features Prisma 7 removed (PSL902) are not counted (prisma_accepts).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prisma_dsql.diagnostics import Severity
from prisma_dsql.loader import load
from tests.support.prisma_oracle import prisma_accepts, prisma_validate_each

ROOT = Path(__file__).parent.parent
CASES = [
    ROOT / "samples" / "blog" / "schema.prisma",
    ROOT / "samples" / "saas" / "schema.prisma",
    ROOT / "samples" / "multifile",
    *sorted((ROOT / "tests" / "fixtures" / "corpus").glob("*.prisma")),
    *sorted((ROOT / "tests" / "fixtures" / "errors").glob("*.prisma")),
]

#: Where we knowingly differ from Prisma, and why.
KNOWN_DIFFERENCES = {
    "PSL104_empty_map.prisma": "Prisma accepts @map(\"\") and emits \"\", which PostgreSQL rejects "
                               "(zero-length identifier); prisma-dsql reports it instead.",
}


@pytest.fixture(scope="module")
def prismas_verdicts() -> dict[str, dict]:
    """Prisma's verdict on every case, asked once (one node process) for all the tests below."""
    return prisma_validate_each(CASES)


@pytest.mark.node
@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem if p.is_file() else p.name)
def test_same_verdict_as_prisma(path, prismas_verdicts):
    ours = load(path)
    our_errors = [d for d in ours.diagnostics if d.severity is Severity.ERROR]
    theirs = prismas_verdicts[str(path)]
    if path.name in KNOWN_DIFFERENCES:
        # A deliberate difference: it must still be one (we reject, Prisma accepts).
        assert our_errors and theirs["ok"], KNOWN_DIFFERENCES[path.name]
        return
    assert (not our_errors) == prisma_accepts(theirs), (
        f"prisma-dsql: {[f'{d.code}@{d.span.line}: {d.message}' for d in our_errors]}\n"
        f"prisma: {theirs['errors'] or theirs.get('validateMessage')}"
    )
