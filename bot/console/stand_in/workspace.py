"""The stand-in's workspace: its people and channels, what was posted, and how to wait
for it.

Every family of Web API methods (``chat``, ``views``, ``files``, ``directory``,
``socket_mode``) is a mixin over ``Workspace``, and ``server.LocalSlack`` is all of them.
A method ``_m_<family>_<name>`` answers Slack's ``<family>.<name>``.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.console.stand_in.records import Failure, Posted, SharedFile, Uploaded

TEAM = "T0LOCAL"
BOT_USER = "UREVIEWBOT"
SCOPES = frozenset({"commands", "chat:write", "chat:write.public", "files:write", "files:read",
                    "channels:history", "groups:history", "channels:read", "groups:read",
                    "im:read", "mpim:read", "users:read"})
"""The bot scopes manifest.yml asks for; a test takes some away to see the bot cope."""


@dataclass
class Workspace:
    """What Slack holds of the workspace and of the bot's calls; a test sets it up
    through these fields and the methods below, and reads them back."""

    token: str = "xoxb-local-stand-in"
    app_token: str = "xapp-local-stand-in"
    users: dict[str, str] = field(default_factory=dict)  # id -> name
    channels: dict[str, str] = field(default_factory=dict)  # id -> name
    posted: list[Posted] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    failures: deque[Failure] = field(default_factory=deque)
    files: list[Uploaded] = field(default_factory=list)
    post_delay: float = 0.0  # seconds chat.postMessage takes, to catch a sweep mid-way
    respond_delay: float = 0.0  # seconds a response_url takes to post an answer
    deleted: list[str] = field(default_factory=list)  # response keys told delete_original
    views: dict[str, dict[str, Any]] = field(default_factory=dict)  # user -> App Home view
    response_channels: dict[str, str] = field(default_factory=dict)  # response key -> channel
    modals: list[dict[str, Any]] = field(default_factory=list)  # views.open / views.update
    shared: dict[str, SharedFile] = field(default_factory=dict)  # file id -> the file
    downloads: list[tuple[str, str]] = field(default_factory=list)  # file id, Authorization
    members: dict[str, set[str]] = field(default_factory=dict)  # channel id -> its user ids
    guests: set[str] = field(default_factory=set)  # user ids Slack flags as guests
    channels_on_demand: bool = True
    """Any channel the bot names exists, made on the spot (the console, most tests). False:
    only those in ``channels`` exist, as in a real workspace (see ``add_channel``)."""
    private: set[str] = field(default_factory=set)  # channel ids of private channels
    archived: set[str] = field(default_factory=set)
    outside: set[str] = field(default_factory=set)  # channels the bot is not a member of
    scopes: set[str] = field(default_factory=lambda: set(SCOPES))
    clock_offset: float = 0.0
    """Seconds Slack's clock is ahead of this machine's (negative: behind): message
    timestamps are Slack's own time, whatever the bot's clock says."""

    def __post_init__(self) -> None:
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._ts = itertools.count(1)
        self._envelopes = itertools.count(1)
        self._pending_uploads: dict[str, bytes] = {}
        self._alt_texts: dict[str, str] = {}
        self._names: dict[str, str] = {}
        self.sockets: list[web.WebSocketResponse] = []
        self.acks: dict[str, dict[str, Any]] = {}
        self.base_url = ""

    # -- directory -----------------------------------------------------------------------

    def user(self, name: str) -> str:
        """The ID of the user called ``name``, made up on first use (UANA for ana)."""
        return _directory_id(self.users, "U", name)

    def channel(self, name: str) -> str:
        """The ID of channel ``#name``, made up on first use (CMIDWEST for #midwest)."""
        return _directory_id(self.channels, "C", name.lstrip("#"))

    def escape(self, text: str) -> str:
        """What Slack sends for text typed after a command declared with should_escape:
        ``&``, ``<`` and ``>`` as entities, ``@channel``, ``@here`` and ``@everyone``
        as pings (``<!channel>``), @name and #name as escaped mentions."""
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        text = re.sub(r"(?<![<\w])@(channel|here|everyone)\b", r"<!\1>", text)
        text = re.sub(r"(?<![<\w])@([a-z][a-z0-9._-]*)",
                      lambda m: f"<@{self.user(m[1])}|{m[1]}>", text)
        return re.sub(r"(?<![<\w])#([a-z0-9][a-z0-9_-]*)",
                      lambda m: f"<#{self.channel(m[1])}|{m[1]}>", text)

    def add_channel(self, name: str, private: bool = False, bot_in: bool = True,
                    archived: bool = False) -> str:
        """A channel of the workspace; returns its ID."""
        channel = self.channel(name)
        for flag, where in ((private, self.private), (not bot_in, self.outside),
                            (archived, self.archived)):
            if flag:
                where.add(channel)
        return channel

    @staticmethod
    def dm(user: str) -> str:
        """The ID of the bot's direct-message conversation with ``user``."""
        return "D" + user[1:]

    def join(self, channel: str, *users: str) -> None:
        """Make ``users`` members of ``channel`` (an ID), as conversations.members tells."""
        self.members.setdefault(channel, set()).update(users)

    # -- waiting -------------------------------------------------------------------------

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> list[Posted]:
        """Wait until some posted messages satisfy ``predicate``; return them."""
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: [p for p in self.posted if predicate(p)]),
                timeout)
            return [p for p in self.posted if predicate(p)]

    async def until(self, condition: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Wait until ``condition`` holds of the workspace (a message posted, a form
        opened, a view published); False when ``timeout`` seconds passed first."""
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(condition), timeout)
            except TimeoutError:
                return False
            return True

    async def _record(self, posted: Posted) -> None:
        async with self._changed:
            self.posted.append(posted)
            self._changed.notify_all()

    def _stamp(self) -> str:
        """A new message timestamp by Slack's clock: seconds, then a sequence number, so
        that timestamps sort in the order the messages came."""
        return f"{int(time.time() + self.clock_offset)}.{next(self._ts):06d}"

    # -- channels as Slack shows them to the bot -----------------------------------------

    def _lookup(self, channel: str, names: bool) -> str | None:
        """The ID of ``channel`` (an ID, or a #name where ``names``), or None where Slack
        answers the bot channel_not_found: no such channel, or a private one it is not in."""
        if channel.startswith("#"):
            if not names:
                return None
            name = channel[1:]
            found = self.channel(name) if self.channels_on_demand else next(
                (cid for cid, known in self.channels.items() if known == name), None)
        else:
            found = channel if channel and (
                self.channels_on_demand or channel in self.channels) else None
        if found is None or (found in self.private and found in self.outside):
            return None
        return found

    def _postable(self, channel: str) -> tuple[str, str]:
        """Where chat.postMessage to ``channel`` lands, or the error Slack gives."""
        if channel[:1] in ("U", "W"):
            return self.dm(channel), ""
        found = self._lookup(channel, names=True)
        if found is None:
            return channel, "channel_not_found"
        if found in self.archived:
            return found, "is_archived"
        if found in self.outside and "chat:write.public" not in self.scopes:
            return found, "not_in_channel"
        return found, ""


def _directory_id(book: dict[str, str], prefix: str, name: str) -> str:
    for known_id, known in book.items():
        if known == name:
            return known_id
    new_id = prefix + (re.sub(r"[^A-Z0-9]", "", name.upper()) or "X")[:10]
    while new_id in book:
        new_id += "X"
    book[new_id] = name
    return new_id
