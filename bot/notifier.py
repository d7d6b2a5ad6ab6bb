"""Posts to Slack: the one place that calls chat.postMessage.

The outbox relay reads notices that committed changes left in the store and posts
them in order; a notice is marked sent only after Slack accepted it, so a crash or an
outage delays an announcement but never loses it.
"""

from __future__ import annotations

import asyncio
import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import render
from bot.render import Reply
from storage.sqlite import SqliteStore
from workflows.ports import Clock

log = logging.getLogger(__name__)
BATCH = 50
PERMANENT = frozenset({"channel_not_found", "not_in_channel", "is_archived", "invalid_blocks",
                       "msg_too_long", "no_text", "restricted_action"})
"""Slack errors that a retry cannot fix: the notice is dropped (and logged)."""


class Notifier:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def post(self, channel: str, reply: Reply) -> None:
        await self.client.chat_postMessage(channel=channel, text=reply.text, blocks=reply.blocks,
                                           unfurl_links=False)


class OutboxRelay:
    """Drains the outbox. ``flush`` is safe to call from many tasks at once."""

    def __init__(self, store: SqliteStore, notifier: Notifier, clock: Clock) -> None:
        self.store = store
        self.notifier = notifier
        self.clock = clock
        self._lock = asyncio.Lock()

    async def flush(self) -> int:
        """Post every pending notice; returns how many went out. Stops at the first
        failure so that a channel's messages keep their order."""
        sent = 0
        async with self._lock:
            while pending := await self.store.pending_notices(BATCH):
                for notice in pending:
                    try:
                        await self.notifier.post(notice.channel, render.announcement(notice.event))
                    except SlackApiError as error:
                        code = str(error.response.get("error", ""))
                        if code not in PERMANENT:
                            log.warning("notice %s to %s not posted yet: %s", notice.id,
                                        notice.channel, code)
                            await self.store.mark_failed(notice.id, code, None)
                            return sent
                        log.error("notice %s to %s dropped: %s", notice.id, notice.channel, code)
                        await self.store.mark_failed(notice.id, code, self.clock.now())
                        continue
                    except (TimeoutError, OSError) as error:
                        log.warning("notice %s not posted yet: %r", notice.id, error)
                        await self.store.mark_failed(notice.id, repr(error), None)
                        return sent
                    await self.store.mark_sent(notice.id, self.clock.now())
                    sent += 1
        return sent
