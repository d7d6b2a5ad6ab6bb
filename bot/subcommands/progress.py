"""Telling someone how far a slow import has got, every few seconds, while it runs.

The import keeps a ``Tally``; ``shown`` reads it every ``EVERY`` seconds and says it
to the person (on Slack through ``bot.slack.progress``, which keeps to Slack's limit
on answers; on the command line, ``bot.cli.progress``)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from slack_sdk.errors import SlackClientError

from bot.subcommands.subcommand import Say
from workflows.event_lines import Tally

EVERY = 5.0
"""Seconds between two lines of progress."""


@contextlib.asynccontextmanager
async def shown(tally: Tally, say: Say | None, what: str, every: float = EVERY
                ) -> AsyncIterator[None]:
    """While the block runs, say ``what`` (already escaped) and the tally's line every
    ``every`` seconds; a line that cannot be shown is skipped (the answer still comes)."""
    if say is None:
        yield
        return

    async def tick() -> None:
        while True:
            await asyncio.sleep(every)
            with contextlib.suppress(SlackClientError, OSError):
                await say(f":hourglass_flowing_sand: {what}: {tally.line()}")

    task = asyncio.create_task(tick())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
