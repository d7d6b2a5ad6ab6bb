"""Channel announcements: the outbox relay, and the notifier it posts them with.

The outbox relay reads notices that committed changes left in the store and posts
them in order; a notice is marked sent only after Slack accepted it, so a crash or an
outage delays an announcement but never loses it (what went of a claimed batch is
marked in one write, before anything else about the batch is written). A channel that
refuses them (gone, archived, the bot not in it) keeps its notices waiting, tried again
later each time, and whoever took those steps is told once, in a direct message. Each
announcement carries its outbox id in its message metadata: a relay that takes over
notices a stopped one may have posted looks for them in the channel before posting them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.channels import ChannelCheckFailed, Channels
from bot.slack.posting.delivery import HISTORY_PAGE, PERMANENT, delivery
from bot.slack.posting.pacing import Pacer
from bot.ui import changes
from bot.ui.render import Reply
from storage.notices import PendingNotice
from storage.outbox import Deliveries
from storage.store import Store
from workflows.definition import Definition
from workflows.errors import DeliveryFailed
from workflows.ports import Clock

log = logging.getLogger(__name__)
BATCH = 50
LEASE = timedelta(minutes=2)
"""How long a relay may hold notices it is posting before another relay may take them."""
ANNOUNCEMENT = "review_announcement"
"""The metadata event type of announcements; the payload is ``{"id": outbox id}``."""
HISTORY_PAGES = 25
"""Pages of history read, at most, looking for announcements a stopped relay posted."""
RETRY_FIRST = timedelta(minutes=1)
RETRY_MOST = timedelta(hours=1)
MESSAGE_ERRORS = frozenset({"invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text",
                            "invalid_attachments", "too_many_attachments",
                            "invalid_metadata_format", "invalid_metadata_schema",
                            "metadata_too_large"})
"""Slack refusing the message itself: the channel's other notices still go."""
TRANSIENT_ERRORS = frozenset({"ratelimited", "rate_limited", "internal_error", "fatal_error",
                              "service_unavailable", "request_timeout",
                              "unreachable"})  # (ChannelCheckFailed's own code)
"""Slack not answering properly (like an HTTP 5xx or a lost connection): what was sent
may have been posted, so it is looked for before it is posted again."""


class Refusal(Enum):
    MESSAGE = "message"
    CHANNEL = "channel"
    TRANSIENT = "transient"


def refusal(reason: str) -> Refusal:
    """What a failure (``str(DeliveryFailed)``: Slack's error code, ``HTTP 503`` or a
    network error) says about retrying: any other Slack error code is the channel's."""
    if reason in MESSAGE_ERRORS:
        return Refusal.MESSAGE
    if reason in TRANSIENT_ERRORS or not re.fullmatch(r"[a-z_]+", reason):
        return Refusal.TRANSIENT
    return Refusal.CHANNEL


def retry_delay(failures: int) -> timedelta:
    """How long to wait after ``failures`` refusals in a row: 1, 2, 4 … minutes, then
    an hour at most."""
    return min(RETRY_FIRST * (1 << min(max(failures, 1) - 1, 12)), RETRY_MOST)


class Notifier:
    def __init__(self, client: AsyncWebClient, pacer: Pacer,
                 channels: Channels | None = None) -> None:
        self.client = client
        self.pacer = pacer
        self.channels = channels or Channels(client)

    async def post(self, channel: str, reply: Reply,
                   metadata: dict[str, Any] | None = None) -> str:
        """Post ``reply`` (to a channel, or to a user ID: a direct message); returns
        Slack's ts of the message. Raises ``DeliveryFailed``."""
        await self.pacer.wait(channel)
        async with delivery():  # the SDK leaves out arguments that are None
            response = await self.client.chat_postMessage(
                channel=channel, text=reply.text, blocks=reply.blocks, unfurl_links=False,
                metadata=metadata or None)
        return str(response.get("ts", ""))

    async def announce(self, notice_id: int, channel: str, reply: Reply) -> str:
        """Post an announcement carrying its outbox id."""
        return await self.post(channel, reply, {"event_type": ANNOUNCEMENT,
                                                "event_payload": {"id": notice_id}})

    async def announced(self, channel: str, wanted: set[int],
                        after_ts: str | None) -> dict[int, str]:
        """Which of the notices ``wanted`` are in ``channel`` already (id -> ts):
        among the messages after ``after_ts`` (Slack's ts of a message posted before
        they were first claimed, so Slack's clock against Slack's), or without one,
        the newest ``HISTORY_PAGES`` pages. The bot's own clock is never compared."""
        history = await self._history_id(channel)
        found: dict[int, str] = {}
        cursor = ""
        for _ in range(HISTORY_PAGES):
            async with delivery():
                response = await self.client.conversations_history(
                    channel=history, oldest=after_ts, include_all_metadata=True,
                    limit=HISTORY_PAGE, cursor=cursor or None)
            found.update(_announcements(response.get("messages", []), wanted))
            cursor = (response.get("response_metadata") or {}).get("next_cursor", "")
            if not cursor or found.keys() >= wanted:
                break
        return found

    async def _history_id(self, channel: str) -> str:
        """conversations.history takes IDs only: a #name is looked up."""
        try:
            found = await self.channels.id_of(channel)
        except ChannelCheckFailed as why:
            raise DeliveryFailed(why.code, permanent=why.code in PERMANENT) from None
        if found is None:
            raise DeliveryFailed("channel_not_found", permanent=True)
        return found


def _announcements(messages: Sequence[dict[str, Any]], wanted: set[int]) -> dict[int, str]:
    found = {}
    for message in messages:
        metadata = message.get("metadata") or {}
        if metadata.get("event_type") != ANNOUNCEMENT:
            continue
        notice_id = (metadata.get("event_payload") or {}).get("id")
        if isinstance(notice_id, int) and notice_id in wanted:
            found[notice_id] = str(message.get("ts", ""))
    return found

class OutboxRelay:
    """Drains the outbox. ``flush`` is safe to call from many tasks at once."""

    def __init__(self, store: Store, notifier: Notifier, clock: Clock,
                 definition: Definition) -> None:
        self.definition = definition
        self.store = store
        self.deliveries = Deliveries(store)
        self.notifier = notifier
        self.clock = clock
        self._lock = asyncio.Lock()
        self._draining: asyncio.Task[None] | None = None
        self._again = False

    def nudge(self) -> None:
        """Drain the outbox in the background, now: whoever's change announced something
        is answered without waiting for Slack's pace. A nudge while a drain runs makes
        it go round once more, so nothing written meanwhile waits for the next tick."""
        if self._draining is not None and not self._draining.done():
            self._again = True
            return
        self._draining = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        self._again = True
        while self._again:
            self._again = False
            try:
                await self.flush()
            except Exception:  # the scheduled drain tries again; nobody waits on this one
                log.exception("draining the outbox failed")
                return

    async def settle(self) -> None:
        """Wait until no flush or drain is in progress here."""
        if self._draining is not None:
            await asyncio.wait({self._draining})
        async with self._lock:
            return

    async def stop(self) -> None:
        """Stop a drain still running (at shutdown, once ``settle`` took too long): what
        it had claimed, a later relay looks for in the channel before posting it."""
        if self._draining is not None and not self._draining.done():
            self._draining.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._draining

    async def flush(self) -> int:
        """Post every pending notice that may go now; returns how many went out. A
        channel that refuses one keeps its others back (so they keep their order) while
        other channels' go on; Slack out of reach stops the flush. Then whoever's steps
        wait on a refusing channel is told, once."""
        sent = 0
        async with self._lock:
            while pending := await self.store.claim_notices(self.clock.now(), LEASE, BATCH):
                posted, stopped = await self._deliver(pending)
                sent += posted
                if stopped:
                    break
            await self._tell()
        return sent

    async def _deliver(self, pending: list[PendingNotice]) -> tuple[int, bool]:
        """Post the claimed notices, in order; (how many went, whether to stop)."""
        try:
            pending = await self._skip_posted(pending)
        except DeliveryFailed:
            await self.store.release_notices([p.id for p in pending])
            return 0, True
        sent, refusing, held_back = 0, set(), []
        went: list[tuple[int, str, datetime]] = []
        """Posted, not yet marked sent: marked in one write (``_mark``) before anything
        else is written (a refusal, a release) and at the end of the batch."""
        try:
            for n, notice in enumerate(pending):
                if notice.channel in refusing:
                    held_back.append(notice.id)
                    continue
                kind = await self._post(notice, went)
                if kind is Refusal.TRANSIENT:
                    await self.store.release_notices(held_back
                                                     + [p.id for p in pending[n + 1:]])
                    return sent, True
                sent += kind is None
                if kind is Refusal.CHANNEL:
                    refusing.add(notice.channel)
        finally:  # also when a post fails unexpectedly: those that went are sent
            await self._mark(went)
        await self.store.release_notices(held_back)
        return sent, False

    async def _post(self, notice: PendingNotice, went: list[tuple[int, str, datetime]]
                    ) -> Refusal | None:
        """Post one notice: None if it went (it joins ``went``); else its refusal,
        recorded once those that went before it are marked sent (so in their order)."""
        try:
            reply = changes.announcement(notice.event, definition=self.definition)
            ts = await self.notifier.announce(notice.id, notice.channel, reply)
        except DeliveryFailed as failure:
            await self._mark(went)
            return await self._failed(notice, str(failure))
        went.append((notice.id, ts, self.clock.now()))
        return None

    async def _mark(self, went: list[tuple[int, str, datetime]]) -> None:
        """Mark ``went`` sent, in one write, and empty it."""
        if went:
            await self.deliveries.posted_many(went)
            went.clear()

    async def _failed(self, notice: PendingNotice, reason: str) -> Refusal:
        kind, now = refusal(reason), self.clock.now()
        if kind is Refusal.MESSAGE:
            until = await self.deliveries.held(notice.id, reason, now, retry_delay)
        else:
            until = await self.deliveries.refused(notice.id, reason, now, retry_delay,
                                                  recheck=kind is Refusal.TRANSIENT)
        log.log(logging.WARNING if kind is Refusal.TRANSIENT else logging.ERROR,
                "notice %s to %s not posted (%s): it waits%s until %s", notice.id,
                notice.channel, reason, "" if kind is Refusal.MESSAGE else
                ", with the channel's others,", until.isoformat(timespec="seconds"))
        return kind

    async def _skip_posted(self, pending: list[PendingNotice]) -> list[PendingNotice]:
        """Mark sent, and leave out, the notices that may have been posted (``recheck``)
        and are in their channel. Raises ``DeliveryFailed`` if Slack cannot be asked
        now; a channel whose history it will not show is posted to all the same (a
        double there is better than a notice never posted)."""
        by_channel: dict[str, list[PendingNotice]] = {}
        for notice in pending:
            if notice.recheck:
                by_channel.setdefault(notice.channel, []).append(notice)
        done: dict[int, str] = {}
        for channel, notices in by_channel.items():
            done.update(await self._look(channel, notices))
        for notice_id in done:
            log.info("notice %s was in the channel already: marked sent, not posted again",
                     notice_id)
        now = self.clock.now()
        await self.deliveries.posted_many([(notice_id, ts, now) for notice_id, ts in done.items()])
        return [p for p in pending if p.id not in done]

    async def _look(self, channel: str, notices: list[PendingNotice]) -> dict[int, str]:
        anchors = [n.after_ts for n in notices]
        after = None if None in anchors else min(a for a in anchors if a is not None)
        try:
            return await self.notifier.announced(channel, {n.id for n in notices}, after)
        except DeliveryFailed as failure:
            if refusal(str(failure)) is Refusal.TRANSIENT:
                log.warning("cannot look in %s for notices a stopped relay may have "
                            "posted yet: %s", channel, failure)
                raise
            log.warning("cannot look in %s for notices a stopped relay may have posted "
                        "(%s): posting them", channel, failure)
            return {}

    async def _tell(self) -> None:
        """A direct message, once per channel and person (until the channel takes a
        message again), to whoever's announcements wait on a channel that refuses
        them."""
        for waiting in await self.deliveries.unwarned():
            if refusal(waiting.error) is not Refusal.CHANNEL:
                continue  # Slack out of reach: nothing to tell anyone yet
            if not await self.deliveries.warn(waiting.channel, waiting.user, self.clock.now()):
                continue
            reply = changes.undelivered(waiting.channel, waiting.error, waiting.count,
                                        waiting.name)
            try:
                await self.notifier.post(waiting.user, reply)
            except DeliveryFailed as failure:
                log.warning("could not tell %s that %s refuses their announcements: %s",
                            waiting.user, waiting.channel, failure)
                if refusal(str(failure)) is Refusal.TRANSIENT:
                    await self.deliveries.unwarn(waiting.channel, waiting.user)
