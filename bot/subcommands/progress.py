"""Telling someone how far a slow import has got, every few seconds, while it runs.

The import keeps a ``Tally``; ``shown`` reads it every few seconds and says it
to the person (on Slack through ``bot.slack.progress``, which keeps to Slack's limit
on answers; on the command line, ``bot.cli.progress``)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from slack_sdk.errors import SlackClientError

from bot.subcommands.subcommand import Progress
from workflows.event_lines import Tally

INTERIM = ":hourglass_flowing_sand:"
"""How a line of progress begins (the console waits on past it)."""


@contextlib.asynccontextmanager
async def shown(tally: Tally, progress: Progress | None, what: str) -> AsyncIterator[None]:
    """While the block runs, say ``what`` (already escaped) and the tally's line every
    ``progress.every`` seconds; a line that cannot be shown is skipped (the answer
    still comes)."""
    if progress is None:
        yield
        return

    async def tick() -> None:
        while True:
            await asyncio.sleep(progress.every)
            with contextlib.suppress(SlackClientError, OSError):
                await progress.say(f"{INTERIM} {what}: {tally.line()}")

    task = asyncio.create_task(tick())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
