"""Fewer cycle collections while a big file is read, checked and written.

An import keeps every line, jurisdiction, event and change it made until it is done
(100,000 jurisdictions, or a group of an events file's), and those outlive many young
collections: Python's collector (thresholds 700, 10, 10) scanned them again and again,
in the older generations too. That was a third of the time of checking a million event
lines and a fifth of importing 100,000 jurisdictions (profiled on the worker threads
that make the rows). Short-lived cycles are still collected young; older ones (rare
here) are found once the import is done.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

COLLECTING = (10_000, 1_000, 1_000)
"""The cycle collector's thresholds while an import runs."""
_running: list[tuple[int, int, int]] = []
"""The thresholds before the first import now running set them (one entry per import)."""


@contextmanager
def fewer_collections() -> Iterator[None]:
    """``COLLECTING`` as the collector's thresholds for as long as the block runs (and
    any other import's that overlaps it), then what they were before."""
    before = gc.get_threshold()
    _running.append(_running[0] if _running else before)
    if before[0]:  # 0: collection is off, and stays so
        gc.set_threshold(*(max(now, kept) for now, kept in zip(before, COLLECTING,
                                                                strict=True)))
    try:
        yield
    finally:
        first = _running.pop()
        if not _running:
            gc.set_threshold(*first)
