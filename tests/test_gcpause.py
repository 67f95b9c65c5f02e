"""The collector pause: nothing frozen for library callers; frozen only for the length of a command."""

from __future__ import annotations

import gc

from prisma_dsql.gcpause import no_gc_pauses, one_command
from prisma_dsql.loader import load_text

SCHEMA = 'datasource db {\n  provider = "postgresql"\n}\n\nmodel A {\n  id Int @id\n  b  B[]\n}\n\nmodel B {\n  id Int @id\n  aId Int\n  a  A @relation(fields: [aId], references: [id])\n}\n'


def test_a_library_caller_freezes_nothing_and_gets_the_collector_back():
    gc.unfreeze()
    assert gc.isenabled()
    with no_gc_pauses():
        assert not gc.isenabled()
        load_text(SCHEMA)
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_command_freezes_what_its_pauses_built_until_it_ends():
    gc.unfreeze()
    with one_command():
        loaded = load_text(SCHEMA)
        assert gc.get_freeze_count() > 0  # the loaded graph is not rescanned by later collections
        assert gc.isenabled()
    assert gc.get_freeze_count() == 0  # a process that goes on collects as before
    assert loaded.schema is not None


def test_a_failing_command_unfreezes_too():
    gc.unfreeze()
    try:
        with one_command(), no_gc_pauses():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.get_freeze_count() == 0 and gc.isenabled()
