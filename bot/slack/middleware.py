"""What runs before every listener: each request and each event handled once.

Bolt refuses a request signed more than five minutes ago; a copy of one signed since is
refused here, whichever replica got the first (the signatures are in the database).
Slack retries an event it thinks was missed; each ``event_id`` is handled once, across
restarts and replicas.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.slack.deps import Deps

log = logging.getLogger(__name__)
Next = Callable[[], Awaitable[None]]


def register(app: AsyncApp, deps: Deps) -> None:
    """A request's signature is checked, then its event id (each skips what the other
    checks)."""

    @app.middleware
    async def once_per_signature(req: AsyncBoltRequest, next: Next) -> BoltResponse | None:
        """Events are left to ``once_per_event``, which answers a copy (or one of
        Slack's retries) with a 200 and does nothing, so Slack stops retrying."""
        signature = (req.headers.get("x-slack-signature") or [""])[0]
        event = bool(req.body.get("event_id"))
        if signature and not event and not await deps.requests.first_time(signature,
                                                                          time.time()):
            log.warning("refused a replayed request")
            return BoltResponse(status=401, body="")
        await next()
        return None

    @app.middleware
    async def once_per_event(body: dict[str, Any], next: Next) -> BoltResponse | None:
        event_id = body.get("event_id")
        if event_id and not await deps.events.first_time(str(event_id), time.time()):
            return BoltResponse(status=200, body="")
        await next()
        return None
