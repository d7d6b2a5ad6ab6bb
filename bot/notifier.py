"""Posts to Slack: the one place that calls chat.postMessage.

The outbox relay reads notices that committed changes left in the store and posts
them in order; a notice is marked sent only after Slack accepted it, so a crash or an
outage delays an announcement but never loses it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta, tzinfo
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import render
from bot.render import Reply
from storage.store import Store
from workflows.errors import DeliveryFailed
from workflows.ports import Clock
from workflows.reminders import Due

log = logging.getLogger(__name__)
BATCH = 50
HISTORY_PAGE = 200
"""Messages a page when a sweep reads back a channel (Slack's advice: 200 or fewer)."""
HISTORY_PAGES = 50
"""At most this many pages (10,000 messages) are read back to find what a dead sweep
posted: a generous bound for a channel with no earlier reminder message to stop at, or
one that has been very busy since."""
MEMBER_PAGE = 1000
MEMBER_PAGES = 100
"""A channel's members are read at most 100,000 deep to tell whether someone is in it."""
LEASE = timedelta(minutes=2)
"""How long a relay may hold notices it is posting before another relay may take them."""
PERMANENT = frozenset({"channel_not_found", "not_in_channel", "is_archived", "invalid_blocks",
                       "msg_too_long", "no_text", "restricted_action"})
"""Slack errors that a retry cannot fix: the notice is dropped (and logged)."""


class Notifier:
    def __init__(self, client: AsyncWebClient, pacer: Pacer) -> None:
        self.client = client
        self.pacer = pacer

    async def post(self, channel: str, reply: Reply) -> None:
        """Post ``reply``; raises ``DeliveryFailed``."""
        await self.pacer.wait(channel)
        async with _delivery():
            await self.client.chat_postMessage(channel=channel, text=reply.text,
                                               blocks=reply.blocks, unfurl_links=False)


class Pacer:
    """A token bucket per channel: short bursts go out at once, a flood at about one
    message per ``interval`` seconds (Slack's rate for chat.postMessage)."""

    def __init__(self, interval: float = 1.0, burst: int = 4) -> None:
        self.interval = interval
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}  # channel -> (tokens, when)

    async def wait(self, channel: str) -> None:
        if self.interval <= 0:
            return
        now = asyncio.get_running_loop().time()
        tokens, then = self._buckets.get(channel, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - then) / self.interval) - 1
        self._buckets[channel] = (tokens, now)
        if tokens < 0:
            await asyncio.sleep(-tokens * self.interval)


class SlackReminders:
    """The reminder notifier over Slack: each message carries its reminder ids in
    message metadata, which is how a later sweep knows what a crashed one posted."""

    EVENT_TYPE = "review_reminders"

    def __init__(self, client: AsyncWebClient, clock: Clock, timezone: tzinfo,
                 pacer: Pacer, label: render.Labels) -> None:
        self.label = label
        self.client = client
        self.clock = clock
        self.timezone = timezone
        self.pacer = pacer

    async def remind(self, channel: str, lines: Sequence[tuple[Due, Sequence[int]]],
                     leads: Sequence[str]) -> str:
        today = self.clock.now().astimezone(self.timezone).date()
        reply = render.reminders(lines, leads, today, label=self.label)
        ids = [i for _, line_ids in lines for i in line_ids]
        await self.pacer.wait(channel)
        async with _delivery():
            response = await self.client.chat_postMessage(
                channel=channel, text=reply.text, blocks=reply.blocks, unfurl_links=False,
                metadata={"event_type": self.EVENT_TYPE, "event_payload": {"ids": ids}})
        return str(response.get("ts", ""))

    async def delivered(self, channel: str, after: str | None,
                        wanted: Collection[int]) -> dict[int, str]:
        """Read the channel back from its newest message to the one stamped ``after``
        (Slack's ``oldest`` leaves that one out), at most ``HISTORY_PAGES`` pages, and
        stop as soon as every wanted id is found."""
        found: dict[int, str] = {}
        cursor = ""
        for _ in range(HISTORY_PAGES):
            async with _delivery():
                response = await self.client.conversations_history(
                    channel=channel, oldest=after or None, include_all_metadata=True,
                    limit=HISTORY_PAGE, cursor=cursor or None)
            for message in response.get("messages", []):
                found.update(dict.fromkeys(self._ids(message) & set(wanted),
                                           str(message.get("ts", ""))))
            cursor = (response.get("response_metadata") or {}).get("next_cursor", "")
            if not cursor or len(found) == len(set(wanted)):
                return found
        log.warning("read %d pages of %s back without reaching the last recorded reminder;"
                    " %d claimed reminder(s) not found there are taken as not posted",
                    HISTORY_PAGES, channel, len(set(wanted)) - len(found))
        return found

    def _ids(self, message: dict[str, Any]) -> set[int]:
        """The reminder ids a message of ours carries in its metadata (none for others)."""
        metadata = message.get("metadata") or {}
        if not isinstance(metadata, dict) or metadata.get("event_type") != self.EVENT_TYPE:
            return set()
        ids = (metadata.get("event_payload") or {}).get("ids")
        return {int(i) for i in ids if str(i).isdecimal()} if isinstance(ids, list) else set()


class SlackMembers:
    """The ``ChannelMembers`` port over conversations.members, for one click: paged, and
    stopping at the user. Slack answers only for channel IDs; a channel stored by name
    (the default channel given as ``#name``) is the one the clicked message is in."""

    def __init__(self, client: AsyncWebClient, clicked_in: str) -> None:
        self.client = client
        self.clicked_in = clicked_in

    async def is_member(self, channel: str, user: str) -> bool:
        target = channel if channel and not channel.startswith("#") else self.clicked_in
        cursor = ""
        for _ in range(MEMBER_PAGES):
            async with _delivery():
                response = await self.client.conversations_members(
                    channel=target, limit=MEMBER_PAGE, cursor=cursor or None)
            if user in (response.get("members") or []):
                return True
            cursor = (response.get("response_metadata") or {}).get("next_cursor", "")
            if not cursor:
                return False
        return False


@asynccontextmanager
async def _delivery() -> AsyncIterator[None]:
    """Turn Slack and network failures into the domain's ``DeliveryFailed``."""
    try:
        yield
    except SlackApiError as error:
        data = error.response.data
        code = str(data.get("error", "")) if isinstance(data, dict) else ""
        code = code or f"HTTP {error.response.status_code}"
        raise DeliveryFailed(code, permanent=code in PERMANENT) from None
    except (TimeoutError, OSError, aiohttp.ClientError) as error:
        raise DeliveryFailed(repr(error)) from None


class OutboxRelay:
    """Drains the outbox. ``flush`` is safe to call from many tasks at once."""

    def __init__(self, store: Store, notifier: Notifier, clock: Clock,
                 label: render.Labels) -> None:
        self.label = label
        self.store = store
        self.notifier = notifier
        self.clock = clock
        self._lock = asyncio.Lock()

    async def settle(self) -> None:
        """Wait until no flush is in progress here."""
        async with self._lock:
            return

    async def flush(self) -> int:
        """Post every pending notice; returns how many went out. Stops at the first
        failure so that a channel's messages keep their order."""
        sent = 0
        async with self._lock:
            while pending := await self.store.claim_notices(self.clock.now(), LEASE, BATCH):
                for n, notice in enumerate(pending):
                    try:
                        reply = render.announcement(notice.event, label=self.label)
                        await self.notifier.post(notice.channel, reply)
                    except DeliveryFailed as failure:
                        dropped = self.clock.now() if failure.permanent else None
                        log.log(logging.ERROR if dropped else logging.WARNING,
                                "notice %s to %s %s: %s", notice.id, notice.channel,
                                "dropped" if dropped else "not posted yet", failure)
                        await self.store.mark_failed(notice.id, str(failure), dropped)
                        if dropped:
                            continue
                        await self.store.release_notices([p.id for p in pending[n + 1:]])
                        return sent
                    await self.store.mark_sent(notice.id, self.clock.now())
                    sent += 1
        return sent
