"""Channels as Slack shows them to the bot, and the start-up check of the default one.

A channel is given as an ID (``C0123``, what Slack sends when someone picks one) or as a
``#name`` (``REVIEW_CHANNEL``'s default). ``conversations.info`` tells about an ID;
a name is looked up in ``conversations.list`` (public channels, and the private ones the
bot is in). Both need the ``channels:read`` and ``groups:read`` scopes. Whether the bot
can post to a public channel it is not in depends on ``chat:write.public``, which Slack
names in each answer's ``X-OAuth-Scopes`` header.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)
LIST_PAGE = 1000
"""Channels a page of conversations.list (Slack's most)."""
LIST_PAGES = 100
"""Pages read looking for a name before giving up (100,000 channels)."""


@dataclass(frozen=True)
class Conversation:
    id: str
    name: str
    private: bool
    archived: bool
    member: bool


class ChannelCheckFailed(Exception):
    """Slack would not say (a scope missing, an outage); the message says why, ``code``
    is Slack's error code (or ``unreachable``)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class Channels:
    """Finds channels; remembers the IDs of names it found, for the life of the process
    (a channel keeps its ID when renamed; a name is only looked up again if unknown)."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self.scopes: frozenset[str] | None = None
        """The token's scopes as Slack last named them (None until it did)."""
        self._ids: dict[str, str] = {}

    async def find(self, channel: str) -> Conversation | None:
        """The channel, or None if the bot cannot see it (no such channel, or a private
        one it is not in). Raises ``ChannelCheckFailed``."""
        if channel.startswith("#") or not _looks_like_id(channel):
            name = channel.removeprefix("#")
            if name not in self._ids:
                found = await self._by_name(name)
                if found is None:
                    return None
                self._ids[name] = found.id
                return found
            channel = self._ids[name]
        answer = await self._call("conversations_info", channel=channel)
        return None if answer is None else _conversation(answer["channel"])

    async def id_of(self, channel: str) -> str | None:
        """The ID to read ``channel``'s history by (an ID is its own)."""
        if _looks_like_id(channel):
            return channel
        found = await self.find(channel)
        return found.id if found else None

    async def _by_name(self, name: str) -> Conversation | None:
        cursor = ""
        for _ in range(LIST_PAGES):
            answer = await self._call("conversations_list", types="public_channel,private_channel",
                                      limit=LIST_PAGE, cursor=cursor or None)
            if answer is None:
                return None
            for item in answer.get("channels", []):
                if item.get("name") == name:
                    return _conversation(item)
            cursor = (answer.get("response_metadata") or {}).get("next_cursor", "")
            if not cursor:
                return None
        raise ChannelCheckFailed(f"no channel named #{name} among the first "
                                 f"{LIST_PAGE * LIST_PAGES} the bot can see", "too_many")

    async def _call(self, method: str, **args: Any) -> dict[str, Any] | None:
        """One Web API call: its answer, or None when Slack says channel_not_found."""
        try:
            response = await getattr(self.client, method)(**args)
        except SlackApiError as error:
            data = error.response.data if isinstance(error.response.data, dict) else {}
            code = str(data.get("error") or f"HTTP {error.response.status_code}")
            if code == "channel_not_found":
                return None
            if code == "missing_scope":
                raise ChannelCheckFailed(f"the bot's token lacks the {data.get('needed')} "
                                         "scope (add it as manifest.yml does, and reinstall "
                                         "the app)", code) from None
            raise ChannelCheckFailed(f"Slack answered {code}", code) from None
        except (TimeoutError, OSError, aiohttp.ClientError) as error:
            raise ChannelCheckFailed(f"Slack could not be reached ({error!r})",
                                     "unreachable") from None
        self._note_scopes(response.headers)
        return dict(response.data) if isinstance(response.data, dict) else {}

    def _note_scopes(self, headers: Any) -> None:
        scopes = headers.get("x-oauth-scopes") if hasattr(headers, "get") else None
        if scopes is not None:
            self.scopes = frozenset(s.strip() for s in str(scopes).split(",") if s.strip())


def _looks_like_id(channel: str) -> bool:
    return channel[:1] in ("C", "G", "D") and channel[1:].isalnum() and channel.isupper()


def _conversation(item: dict[str, Any]) -> Conversation:
    return Conversation(str(item.get("id", "")), str(item.get("name", "")),
                        bool(item.get("is_private")), bool(item.get("is_archived")),
                        bool(item.get("is_member")))


async def check_default_channel(channels: Channels, channel: str) -> bool:
    """Say in one log line whether the bot can post to ``channel`` (REVIEW_CHANNEL);
    True if it can. Nothing stops: announcements wait in the outbox meanwhile."""
    try:
        found = await channels.find(channel)
    except ChannelCheckFailed as why:
        log.warning("REVIEW_CHANNEL %s: cannot check it: %s. The bot keeps running.",
                    channel, why)
        return False
    problem = _problem(found, channels.scopes)
    if problem is None:
        assert found is not None
        log.info("REVIEW_CHANNEL %s: the bot can post there (%s).", channel, found.id)
        return True
    log.warning("REVIEW_CHANNEL %s: %s; announcements of jurisdictions without a channel "
                "of their own wait in the outbox until it does. The bot keeps running.",
                channel, problem)
    return False


def _problem(found: Conversation | None, scopes: frozenset[str] | None) -> str | None:
    """Why the bot cannot post to ``found``, or None if it can."""
    if found is None:
        return ("no such channel the bot can see (create it, invite the bot to it if it "
                "is private, or set REVIEW_CHANNEL to one)")
    if found.archived:
        return "the channel is archived (unarchive it, or set REVIEW_CHANNEL to another)"
    if not found.member and (found.private or (
            scopes is not None and "chat:write.public" not in scopes)):
        return ("the bot is not in the channel and may not post to channels it is not in "
                "(invite it: /invite @review-bot)")
    return None
