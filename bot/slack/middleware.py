"""What runs before every listener: each request and each event handled once.

The HTTP edge refuses a request signed more than five minutes ago
(``bot/slack/http_edge.py``); a copy of one signed since is refused here, whichever
replica got the first (the signatures are in the database). Slack retries an event it
thinks was missed; each ``event_id`` is handled once, across restarts and replicas.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.slack import stopwatch
from bot.slack.deps import Deps

log = logging.getLogger(__name__)


def register(app: AsyncApp, deps: Deps) -> None:
    """One middleware, ahead of every listener: it stamps the request's arrival
    (``stopwatch``), then checks its signature, then its event id (each skips what the
    other checks). One rather than three, and a class rather than a function: Bolt
    works out the arguments of each function middleware it calls (every payload and
    helper a listener could ask for, built each time), a cost every ack paid three
    times; a class's ``async_process`` it calls as it is."""
    app.middleware(HandledOnce(deps))


class HandledOnce(AsyncMiddleware):
    """Events are left to the event id's check, which answers a copy (or one of
    Slack's retries) with a 200 and does nothing, so Slack stops retrying."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def async_process(self, *, req: AsyncBoltRequest, resp: BoltResponse,
                            next: Callable[[], Awaitable[BoltResponse]]) -> BoltResponse | None:
        stopwatch.stamp(req.context)
        event_id = req.body.get("event_id")
        signature = (req.headers.get("x-slack-signature") or [""])[0]
        if signature and not event_id and not await self.deps.requests.first_time(
                signature, time.time()):
            log.warning("refused a replayed request")
            return BoltResponse(status=401, body="")
        if event_id and not await self.deps.events.first_time(str(event_id), time.time()):
            return BoltResponse(status=200, body="")
        await next()
        return None
