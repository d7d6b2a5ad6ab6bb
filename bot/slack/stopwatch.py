"""When each request reached the bot, so that its ack and its answer can be timed.

The HTTP edge stamps a request as it arrives (``bot/slack/http_edge.py``); in Socket
Mode the middleware does (``stamp``), as Bolt hands it over.
"""

from __future__ import annotations

import time

from slack_bolt.context.async_context import AsyncBoltContext

RECEIVED = "received_at"
"""The context's key for when the request arrived (``time.monotonic()``)."""


def stamp(context: AsyncBoltContext) -> None:
    """Stamp the request now, unless the edge did (``bot/slack/middleware.py`` calls
    this first for every request)."""
    context.setdefault(RECEIVED, time.monotonic())


def received(context: AsyncBoltContext) -> float:
    """When the request ``context`` belongs to arrived (now, if it was never stamped)."""
    return float(context.get(RECEIVED) or time.monotonic())
