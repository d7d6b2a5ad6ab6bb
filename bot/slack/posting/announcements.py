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
from collections import deque
from collections.abc import Iterable, Sequence
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
BATCH = 200
"""Notices one relay takes at a time, over every channel: under twenty analysts' steps
in a dozen channels, a fifth of a second's worth, so that each channel's go in one
message (50 at a time made three or four small messages a channel)."""
LEASE = timedelta(minutes=2)
"""How long a relay may hold notices it is posting before another relay may take them."""
ANNOUNCEMENT = "review_announcement"
"""The metadata event type of announcements; the payload is ``{"id": outbox id}``, or
``{"ids": [...]}`` for a message of several."""
GATHER_SECONDS = 0.2
"""Under a stream of steps (more were written while the last message was being posted,
and what was taken was not a whole batch of a backlog), how long the relay waits before
taking the next ones, so that each message holds more of them: at most a fifth of a
second on an announcement, and a fraction of the posts (at 500 steps a second in 13
channels, under half the posts of a tenth of a second and 50 at a time). Slack takes
about one message a second a channel, so a person sees no difference."""
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

    async def announce(self, notice_ids: Sequence[int], channel: str, reply: Reply) -> str:
        """Post a message of one announcement or several, carrying their outbox ids
        (``{"id": n}`` for one, as every announcement did before several went together;
        ``{"ids": [...]}`` for several)."""
        payload = ({"id": notice_ids[0]} if len(notice_ids) == 1
                   else {"ids": list(notice_ids)})
        return await self.post(channel, reply, {"event_type": ANNOUNCEMENT,
                                                "event_payload": payload})

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
        for notice_id in announced_ids(message.get("metadata") or {}):
            if notice_id in wanted:
                found[notice_id] = str(message.get("ts", ""))
    return found


def _ids(messages: Iterable[list[tuple[PendingNotice, Reply]]]) -> list[int]:
    """The notices of messages not posted (yet), in order."""
    return [notice.id for message in messages for notice, _ in message]


def announced_ids(metadata: dict[str, Any]) -> list[int]:
    """The outbox ids a message's metadata says it announces (none if it is not an
    announcement): ``{"id": n}`` or ``{"ids": [...]}``."""
    if metadata.get("event_type") != ANNOUNCEMENT:
        return []
    payload = metadata.get("event_payload") or {}
    several = payload.get("ids")
    ids: list[Any] = several if isinstance(several, list) else [payload.get("id")]
    return [i for i in ids if isinstance(i, int) and not isinstance(i, bool)]


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
        self._nudges = 0
        """Changes that announced something so far (a stream, if some came during a
        post)."""

    def nudge(self) -> None:
        """Drain the outbox in the background, now: whoever's change announced something
        is answered without waiting for Slack's pace. A nudge while a drain runs makes
        it go round once more, so nothing written meanwhile waits for the next tick."""
        self._nudges += 1
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
            nudges = self._nudges
            while pending := await self.store.claim_notices(self.clock.now(), LEASE, BATCH):
                posted, stopped = await self._deliver(pending, self.clock.now() + LEASE / 2)
                sent += posted
                if stopped:
                    break
                if self._nudges != nudges and len(pending) < BATCH:
                    await asyncio.sleep(GATHER_SECONDS)  # a stream: let a few more come
                nudges = self._nudges
            await self._tell()
        return sent

    async def _deliver(self, pending: list[PendingNotice],
                       renew_at: datetime) -> tuple[int, bool]:
        """Post the claimed notices, each channel's in order, several to a message
        (``changes.together``); (how many went, whether to stop). Past ``renew_at`` the
        rest go back, for the flush to take again under a new lease: a batch paced out
        into many messages is not still posting once another relay may take it."""
        claim = pending[0].claim  # one claim_notices took them all
        try:
            pending = await self._skip_posted(pending)
        except DeliveryFailed:
            await self.store.release_notices(claim, [p.id for p in pending])
            return 0, True
        sent, refusing, held_back = 0, set(), []
        went: list[tuple[int, str, datetime]] = []  # posted, marked sent by ``_mark``
        queue = deque(self._messages(pending))
        try:
            while queue:
                message = queue.popleft()
                channel = message[0][0].channel
                if channel in refusing:
                    held_back += _ids([message])
                    continue
                kind = await self._post(message, went)
                if kind is None:
                    sent += len(message)
                elif kind is Refusal.MESSAGE and len(message) > 1:
                    queue.extendleft([one] for one in reversed(message))  # find which
                elif kind is Refusal.TRANSIENT:
                    await self.store.release_notices(claim, held_back + _ids(queue))
                    return sent, True
                elif kind is Refusal.CHANNEL:
                    refusing.add(channel)
                if queue and self.clock.now() >= renew_at:  # one message went, at least
                    held_back += _ids(queue)
                    break
        finally:  # also when a post fails unexpectedly: those that went are sent
            await self._mark(went)
        await self.store.release_notices(claim, held_back)
        return sent, False

    def _messages(self, pending: list[PendingNotice]) -> list[list[tuple[PendingNotice, Reply]]]:
        """The notices, each with what it says, as the messages to post: each channel's
        in order, as many to a message as ``changes.together`` puts in one."""
        by_channel: dict[str, list[tuple[PendingNotice, Reply]]] = {}
        for notice in pending:
            reply = changes.announcement(notice.event, definition=self.definition)
            by_channel.setdefault(notice.channel, []).append((notice, reply))
        return [[notices[n] for n in message] for notices in by_channel.values()
                for message in changes.together([reply for _, reply in notices])]

    async def _post(self, message: list[tuple[PendingNotice, Reply]],
                    went: list[tuple[int, str, datetime]]) -> Refusal | None:
        """Post one message: None if it went (its notices join ``went``); else its
        refusal, recorded once those that went before it are marked sent (so in their
        order). A message of several that Slack refuses for itself is left unrecorded,
        for its notices to be tried alone."""
        notices = [notice for notice, _ in message]
        try:
            ts = await self.notifier.announce([n.id for n in notices], notices[0].channel,
                                              changes.joined([reply for _, reply in message]))
        except DeliveryFailed as failure:
            await self._mark(went)
            if refusal(str(failure)) is Refusal.MESSAGE and len(notices) > 1:
                return Refusal.MESSAGE
            return await self._failed(notices, str(failure))
        now = self.clock.now()
        went.extend((notice.id, ts, now) for notice in notices)
        return None

    async def _mark(self, went: list[tuple[int, str, datetime]]) -> None:
        """Mark ``went`` (posted, not yet marked sent) sent, in one write, and empty it:
        before anything else is written (a refusal, a release) and at a batch's end."""
        if went:
            await self.deliveries.posted_many(went)
            went.clear()

    async def _failed(self, notices: list[PendingNotice], reason: str) -> Refusal:
        """Record the refusal of one channel's message of ``notices`` (one, if Slack
        refused the message itself)."""
        kind, now, channel = refusal(reason), self.clock.now(), notices[0].channel
        ids = [notice.id for notice in notices]
        if kind is Refusal.MESSAGE:
            until = await self.deliveries.held(notices[0].claim, ids[0], reason, now,
                                               retry_delay)
        else:
            until = await self.deliveries.refused(notices[0].claim, ids, reason, now,
                                                  retry_delay, kind is Refusal.TRANSIENT)
        waits = "it waits" if len(ids) == 1 else "they wait"
        if kind is not Refusal.MESSAGE:
            waits += ", with the channel's others,"
        log.log(logging.WARNING if kind is Refusal.TRANSIENT else logging.ERROR,
                "notice %s to %s not posted (%s): %s until %s", ", ".join(map(str, ids)),
                channel, reason, waits, until.isoformat(timespec="seconds"))
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
