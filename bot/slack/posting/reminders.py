"""The reminder sweep's Slack end: the notifier that posts reminders (and reads a
channel back for what a dead sweep posted), and who is in a channel (for snoozing)."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from datetime import tzinfo
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.posting.delivery import HISTORY_PAGE, delivery
from bot.slack.posting.pacing import Pacer
from bot.ui import render
from workflows.ports import Clock
from workflows.reminders import Due

log = logging.getLogger(__name__)
HISTORY_PAGES = 50
"""At most this many pages (10,000 messages) are read back to find what a dead sweep
posted: a generous bound for a channel with no earlier reminder message to stop at, or
one that has been very busy since."""
MEMBER_PAGE = 1000
MEMBER_PAGES = 100
"""A channel's members are read at most 100,000 deep to tell whether someone is in it."""


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
        async with delivery():
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
            async with delivery():
                response = await self.client.conversations_history(
                    channel=channel, oldest=after or None, include_all_metadata=True,
                    limit=HISTORY_PAGE, cursor=cursor or None)
            messages: list[dict[str, Any]] = response.get("messages", [])
            for message in messages:
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
            async with delivery():
                response = await self.client.conversations_members(
                    channel=target, limit=MEMBER_PAGE, cursor=cursor or None)
            if user in (response.get("members") or []):
                return True
            cursor = (response.get("response_metadata") or {}).get("next_cursor", "")
            if not cursor:
                return False
        return False
