"""When each request reached the bot, so that its ack and its answer can be timed.

The HTTP edge stamps a request as it arrives (``bot/slack/http_edge.py``); in Socket
Mode the first middleware does, as Bolt hands it over.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext

from bot.slack.deps import Deps

RECEIVED = "received_at"
"""The context's key for when the request arrived (``time.monotonic()``)."""


def register(app: AsyncApp, deps: Deps) -> None:
    @app.middleware
    async def stamp(context: AsyncBoltContext, next: Callable[[], Awaitable[None]]) -> None:
        context.setdefault(RECEIVED, time.monotonic())
        await next()


def received(context: AsyncBoltContext) -> float:
    """When the request ``context`` belongs to arrived (now, if it was never stamped)."""
    return float(context.get(RECEIVED) or time.monotonic())
