"""A progress bar for ``review-bot import`` on a terminal.

Drawn on stderr, and only when stderr is a terminal: the report on stdout, and what a
script or a test reads from a pipe, stay as they are."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TextIO

from workflows.event_lines import Tally

EVERY = 0.25
"""Seconds between two redraws."""
WIDTH = 30


def bar(tally: Tally) -> str:
    """``[##########--------------------] checked 400,000 of 1,000,000 lines…``"""
    share = tally.done / tally.total if tally.stage == "checking" and tally.total else (
        1.0 if tally.stage in ("writing", "done") else 0.0)
    filled = round(WIDTH * min(share, 1.0))
    return f"[{'#' * filled}{'-' * (WIDTH - filled)}] {tally.line()}"


@contextlib.asynccontextmanager
async def drawn(stream: TextIO, every: float = EVERY) -> AsyncIterator[Tally]:
    """A tally for the import the block runs, whose bar is redrawn on ``stream`` while
    it runs if that is a terminal, and wiped at the end."""
    tally = Tally()
    if not stream.isatty():
        yield tally
        return

    async def draw() -> None:
        while True:
            await asyncio.sleep(every)
            stream.write(f"\r\033[K{bar(tally)}")
            stream.flush()

    task = asyncio.create_task(draw())
    try:
        yield tally
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        stream.write("\r\033[K")
        stream.flush()
