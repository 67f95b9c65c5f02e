"""Pause the cyclic garbage collector around bulk work on a schema.

Parsing, checking and rendering allocate hundreds of thousands of small,
acyclic objects next to a large live graph; the collector would rescan that
graph again and again (time then grows faster than the schema). Nothing these
stages build needs collecting mid-run, so collection waits until they finish.

Inside `one_command()` (the CLI runs each command in it), what a pause built
is also frozen when the pause ends (`gc.freeze()`): the first collection after
a pause would otherwise scan every object the pause allocated (~70 ms for a
1,000-model schema) only to find them alive, as they stay until the command
ends. When `one_command()` ends, everything is unfrozen again, so a process
that goes on (a test calling the CLI's main) collects its cyclic garbage as
before. Library callers outside it freeze nothing.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager

_freeze = False


@contextmanager
def one_command():
    """Freeze what each pause builds until the command ends (see above)."""
    global _freeze
    _freeze = True
    try:
        yield
    finally:
        _freeze = False
        gc.unfreeze()


@contextmanager
def no_gc_pauses():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _freeze:
            gc.freeze()
        if enabled:
            gc.enable()
