"""Pause the cyclic garbage collector around bulk work on a schema.

Parsing, checking and rendering allocate hundreds of thousands of small,
acyclic objects next to a large live graph; the collector would rescan that
graph again and again (time then grows faster than the schema). Nothing these
stages build needs collecting mid-run, so collection waits until they finish.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def no_gc_pauses():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
