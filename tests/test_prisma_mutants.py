"""Differential test: single-edit mutants of real schemas, judged by prisma-dsql and by Prisma 7.10's
own validator (@prisma/prisma-schema-wasm, offline), must get the same accept/reject verdict.

The mutator (tests/support/mutants.py) edits the samples, the corpus copies in tests/fixtures/corpus
and ../shared/corpus when that checkout is present: deleted lines, duplicated fields, types turned
into enums/models/other scalars, `?`/`[]`, attributes that do not belong (native types of every
connector among them), block attributes, broken brackets, referential actions with relationMode
prisma, enum defaults, a vertical tab, no datasource; a third of the mutants also switch the
provider. All of Prisma's verdicts come from one node process (``prisma_validate_many``).

Where prisma-dsql knowingly differs, the oracle's input is adjusted the same way as in
test_prisma_validate_parity.py: datasource `url` lines are blanked (Prisma 7 rejects them; we
accept them with PSL901) and Prisma's "preview feature not known" errors for features Prisma 7
removed (`metrics`, ...; we warn with PSL902) are not counted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prisma_dsql.diagnostics import Severity
from prisma_dsql.loader import load_sources
from prisma_dsql.source import SourceFile
from tests.support.mutants import mutants
from tests.support.prisma_oracle import prisma_accepts, prisma_validate_many

ROOT = Path(__file__).parent.parent
MUTANT_COUNT = 400


def _bases() -> list[tuple[str, list[tuple[str, str]]]]:
    files = [ROOT / "samples" / "blog" / "schema.prisma", ROOT / "samples" / "saas" / "schema.prisma",
             *sorted((ROOT / "tests" / "fixtures" / "corpus").glob("*.prisma"))]
    shared = ROOT.parent / "shared" / "corpus"
    if shared.is_dir():
        files += sorted(shared.rglob("*.prisma"))
    out, seen = [], set()
    for f in files:
        text = f.read_text(encoding="utf-8")
        if text not in seen:
            seen.add(text)
            out.append((f"{f.parent.name}/{f.stem}"[-48:], [("schema.prisma", text)]))
    multi = sorted((ROOT / "samples" / "multifile").glob("*.prisma"))
    out.append(("multifile", [(p.name, p.read_text(encoding="utf-8")) for p in multi]))
    return out


def _our_errors(files) -> list:
    loaded = load_sources(Path("."), [SourceFile(name, text) for name, text in files])
    return [d for d in loaded.diagnostics if d.severity is Severity.ERROR]


@pytest.mark.node
def test_mutants_get_prismas_verdict():
    cases = mutants(_bases(), MUTANT_COUNT)
    assert len(cases) == MUTANT_COUNT
    theirs = prisma_validate_many([list(c.files) for c in cases])
    disagreements = []
    rejected = 0
    for case, result in zip(cases, theirs):
        ours = _our_errors(case.files)
        prisma_ok = prisma_accepts(result)
        rejected += not prisma_ok
        if (not ours) != prisma_ok:
            disagreements.append(
                f"{case.name}\n  prisma: {'accepts' if prisma_ok else result['errors'][:2]}\n"
                f"  prisma-dsql: {[f'{d.code}@{d.span.line if d.span else 0}: {d.message}' for d in ours[:2]] or 'accepts'}")
    # Both verdicts must be well represented, or the test proves little.
    assert 0.2 * MUTANT_COUNT < rejected < 0.9 * MUTANT_COUNT, rejected
    print(f"{len(cases)} mutants, {rejected} rejected by Prisma, {len(disagreements)} disagreements")
    for d in disagreements:
        print(d)
    assert not disagreements, f"{len(disagreements)} of {len(cases)} mutants disagree:\n" + "\n".join(disagreements)
