"""Bulk work (imports, checks, cross-check chunks) without Python's cycle collector.

A roster import or a cross-check chunk makes about a million small objects (rows, cells,
records, blocks) and no reference cycles: they go by reference counting as the work moves on.
The cycle collector would walk all of the live ones again every few thousand allocations.
Measured on 71,000 proposals x 1,000,000 roster rows: the cross-check took 60 s with it and
47 s without; saving 70,000 proposal rows 16.6 s and 12.6 s.

    @without_cycle_collection
    def save_upload(upload_id): ...
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Pause the cycle collector for the block (or the decorated function); nesting is safe."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
