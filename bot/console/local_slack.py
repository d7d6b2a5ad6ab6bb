"""A Slack stand-in on loopback, and a client that sends what Slack sends.

``LocalSlack`` answers the Web API methods the bot calls (auth.test, chat.postMessage,
users.info, …) at ``api_url`` and receives what the bot sends to ``response_url``s; it
records everything so the console can show it and tests can assert on it. It can be
told to answer the next calls with 429 (with Retry-After) or 500.

``SlackSender`` plays Slack's side of a slash command: it builds the same form body,
signs it with the signing secret (v0 HMAC-SHA256) and POSTs it to the bot. In Socket
Mode the stand-in is also the websocket end (``apps.connections.open`` hands out its
URL) and ``send_over_socket`` delivers the same command as a Socket Mode envelope.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import re
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import ClientSession, web

TEAM = "T0LOCAL"


@dataclass
class Posted:
    """One message the bot sent: to a channel (chat.postMessage) or a response_url."""

    channel: str
    text: str
    blocks: list[dict[str, Any]]
    ephemeral: bool = False
    ts: str = ""
    response_key: str = ""
    metadata: dict[str, Any] | None = None


@dataclass
class Uploaded:
    """A file the bot shared (files_upload_v2)."""

    id: str
    title: str
    channel: str
    data: bytes
    comment: str = ""
    alt: str = ""  # the alt text, for images


@dataclass
class SharedFile:
    """A file someone shared in the stand-in's workspace, as files.info describes it."""

    id: str
    name: str
    data: bytes
    user: str = ""
    """Who uploaded it."""
    conversations: tuple[str, ...] = ()
    """Where it is shared: channels (C…), private channels (G…), direct messages (D…)."""
    external_url: str = ""
    """A remote file (files.remote.add): url_private is this, wherever it points."""
    url: str = ""
    """What files.info gives as url_private instead of the stand-in's own address."""
    redirect: str = ""
    """The stand-in answers the download with a 302 to this address."""


@dataclass
class Failure:
    """The next Web API call fails: with HTTP ``status`` (429 with Retry-After, 500), or,
    given ``error``, with Slack's own refusal of it (HTTP 200, ``ok: false``)."""

    status: int
    retry_after: int = 0
    error: str = ""


BOT_USER = "UREVIEWBOT"
SCOPES = frozenset({"commands", "chat:write", "chat:write.public", "files:write", "files:read",
                    "channels:history", "groups:history", "channels:read", "groups:read",
                    "im:read", "mpim:read", "users:read"})
"""The bot scopes manifest.yml asks for; a test takes some away to see the bot cope."""
_NEEDS = {"public_channel": "channels:read", "private_channel": "groups:read"}


@dataclass
class LocalSlack:
    token: str = "xoxb-local-stand-in"
    app_token: str = "xapp-local-stand-in"
    users: dict[str, str] = field(default_factory=dict)  # id -> name
    channels: dict[str, str] = field(default_factory=dict)  # id -> name
    posted: list[Posted] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    failures: deque[Failure] = field(default_factory=deque)
    files: list[Uploaded] = field(default_factory=list)
    post_delay: float = 0.0  # seconds chat.postMessage takes, to catch a sweep mid-way
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
        self.sockets: list[web.WebSocketResponse] = []
        self.acks: dict[str, dict[str, Any]] = {}
        self.base_url = ""

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        application = web.Application()
        application.router.add_post("/api/{method}", self._api)
        application.router.add_get("/api/{method}", self._api)
        application.router.add_post("/respond/{key}", self._respond)
        application.router.add_get("/socket", self._socket)
        application.router.add_post("/upload/{file_id}", self._upload)
        application.router.add_get("/files-pri/{team}-{file_id}/{name}", self._download)
        self._runner = web.AppRunner(application, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = site._server.sockets  # type: ignore[union-attr]
        self.base_url = f"http://{host}:{sockets[0].getsockname()[1]}"
        return self.base_url

    async def stop(self) -> None:
        for socket in list(self.sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, key: str) -> str:
        return f"{self.base_url}/respond/{key}"

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

    # -- waiting -------------------------------------------------------------------------

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> list[Posted]:
        """Wait until some posted messages satisfy ``predicate``; return them."""
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: [p for p in self.posted if predicate(p)]),
                timeout)
            return [p for p in self.posted if predicate(p)]

    async def _record(self, posted: Posted) -> None:
        async with self._changed:
            self.posted.append(posted)
            self._changed.notify_all()

    def _stamp(self) -> str:
        """A new message timestamp by Slack's clock: seconds, then a sequence number, so
        that timestamps sort in the order the messages came."""
        return f"{int(time.time() + self.clock_offset)}.{next(self._ts):06d}"

    # -- handlers ------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            params.update(parse_qsl(await request.text()))
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append((method, params))
        if self.failures:
            failure = self.failures.popleft()
            headers = {"Retry-After": str(failure.retry_after)} if failure.status == 429 else {}
            return web.json_response({"ok": False, "error": failure.error or (
                "ratelimited" if failure.status == 429 else "internal_error")},
                                     status=failure.status, headers=headers)
        auth = request.headers.get("Authorization", "")
        expected = self.app_token if method == "apps.connections.open" else self.token
        if auth != f"Bearer {expected}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        return web.json_response(await handler(params),  # Slack names the token's scopes
                                 headers={"X-OAuth-Scopes": ",".join(sorted(self.scopes))})

    async def _respond(self, request: web.Request) -> web.Response:
        """A response_url: a new message, or (replace_original) the clicked one redrawn."""
        body = await request.json()
        key = request.match_info["key"]
        ephemeral = body.get("response_type", "ephemeral") == "ephemeral"
        channel, ts = "", ""
        if not ephemeral and key in self.response_channels:  # a message all the channel sees
            channel, ts = self.response_channels[key], self._stamp()
        if body.get("replace_original"):
            key = f"{key}:replaced"
        await self._record(Posted(
            channel=channel, text=body.get("text", ""), blocks=_blocks(body.get("blocks")),
            ephemeral=ephemeral, ts=ts, response_key=key))
        return web.Response(text="ok")

    async def _m_apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": self.base_url.replace("http://", "ws://") + "/socket"}

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json({"type": "hello", "num_connections": len(self.sockets) + 1,
                                "connection_info": {"app_id": "A0REVIEW"}})
        async with self._changed:
            self.sockets.append(socket)
            self._changed.notify_all()
        try:
            async for message in socket:
                ack = json.loads(message.data)
                async with self._changed:
                    self.acks[str(ack.get("envelope_id"))] = ack
                    self._changed.notify_all()
        finally:
            self.sockets.remove(socket)
        return socket

    async def wait_for_socket(self, timeout: float = 10.0) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: bool(self.sockets)), timeout)

    async def send_over_socket(self, payload: dict[str, str], timeout: float = 10.0
                               ) -> dict[str, Any]:
        """Deliver a slash command as a Socket Mode envelope; return the bot's ack."""
        envelope = f"env-{next(self._envelopes)}"
        await self.sockets[0].send_json({"envelope_id": envelope, "type": "slash_commands",
                                         "payload": payload, "accepts_response_payload": True})
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: envelope in self.acks),
                                   timeout)
            return self.acks[envelope]

    async def _m_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "team_id": TEAM, "team": "Local", "user_id": "UREVIEWBOT",
                "bot_id": "BREVIEWBOT", "user": "review-bot", "url": self.base_url + "/"}

    async def _m_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, refused = self._postable(str(params.get("channel", "")))
        if refused:
            return {"ok": False, "error": refused}
        if self.post_delay:
            await asyncio.sleep(self.post_delay)
        ts = self._stamp()
        metadata = params.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata) if metadata else None
        await self._record(Posted(channel, str(params.get("text", "")),
                                  _blocks(params.get("blocks")), ts=ts, metadata=metadata))
        return {"ok": True, "channel": channel, "ts": ts}

    async def _m_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        await self._record(Posted(str(params.get("channel", "")), str(params.get("text", "")),
                                  _blocks(params.get("blocks")), ephemeral=True,
                                  response_key=f"ephemeral:{params.get('user', '')}"))
        return {"ok": True, "message_ts": self._stamp()}

    async def _m_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(params.get("channel", "")), str(params.get("ts", ""))
        for posted in self.posted:
            if posted.channel == channel and posted.ts == ts:
                async with self._changed:
                    posted.text = str(params.get("text", posted.text))
                    posted.blocks = _blocks(params.get("blocks")) or posted.blocks
                    self._changed.notify_all()
                return {"ok": True, "channel": channel, "ts": ts}
        return {"ok": False, "error": "message_not_found"}

    async def _m_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        view = _view(params)
        if view is None:
            return {"ok": False, "error": "invalid_arguments"}
        if not params.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        async with self._changed:
            self.modals.append(view)
            self._changed.notify_all()
        return {"ok": True, "view": {"id": f"V{len(self.modals):06d}", **view}}

    async def _m_views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._m_views_open({**params, "trigger_id": "update"})

    def share(self, name: str, data: bytes, user: str = "", channel: str = "",
              **more: Any) -> str:
        """A file ``user`` uploaded and shared in ``channel`` (an ID: C…, G… or D…, or
        none); returns its id. ``more`` sets the other fields of ``SharedFile``
        (``external_url``, ``url``, ``redirect``)."""
        file_id = f"F{next(self._ts):08d}"
        self.shared[file_id] = SharedFile(file_id, name, data, user,
                                          (channel,) if channel else (), **more)
        return file_id

    async def _m_files_info(self, params: dict[str, Any]) -> dict[str, Any]:
        """What Slack's files.info says of a file: who uploaded it, where it is shared
        (channels, groups, ims and shares), whether it is hosted or remote, and where
        to download it."""
        found = self.shared.get(str(params.get("file", "")))
        if found is None:
            return {"ok": False, "error": "file_not_found"}
        own = f"{self.base_url}/files-pri/{TEAM}-{found.id}/{found.name}"
        url = found.external_url or found.url or own
        kinds = {"C": "channels", "G": "groups", "D": "ims"}
        where: dict[str, list[str]] = {kind: [] for kind in kinds.values()}
        for conversation in found.conversations:
            where[kinds.get(conversation[:1], "channels")].append(conversation)
        shares: dict[str, dict[str, list[dict[str, str]]]] = {}
        for conversation in found.conversations:
            kind = "public" if conversation.startswith("C") else "private"
            shares.setdefault(kind, {})[conversation] = [{"ts": "1.000001"}]
        return {"ok": True, "file": {
            "id": found.id, "name": found.name, "title": found.name, "user": found.user,
            "size": 0 if found.external_url else len(found.data),
            "mode": "external" if found.external_url else "hosted",
            "is_external": bool(found.external_url),
            "external_type": "gdrive" if found.external_url else "",
            "url_private": url, "url_private_download": url, **where, "shares": shares}}

    async def _download(self, request: web.Request) -> web.StreamResponse:
        """url_private: the file's bytes for the bot's token, a sign-in page (as Slack
        answers) for anyone else; every request is recorded."""
        file_id = request.match_info["file_id"]
        self.downloads.append((file_id, request.headers.get("Authorization", "")))
        found = self.shared.get(file_id)
        if found is None:
            return web.Response(status=404)
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.Response(text="<html>Sign in</html>", content_type="text/html")
        if found.redirect:
            raise web.HTTPFound(found.redirect)
        return web.Response(body=found.data, content_type="text/csv")

    async def _m_conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._lookup(str(params.get("channel", "")), self.channels_on_demand)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if channel in self.outside:
            return {"ok": False, "error": "not_in_channel"}
        oldest = float(params.get("oldest") or 0)
        inclusive = str(params.get("inclusive", "")).lower() in ("1", "true")
        found = [{"type": "message", "ts": p.ts, "text": p.text,
                  **({"metadata": p.metadata} if p.metadata else {})}
                 for p in reversed(self.posted) if p.channel == channel and p.ts
                 and (float(p.ts) > oldest or (inclusive and float(p.ts) == oldest))]
        start = int(params.get("cursor") or 0)  # pages newest first, as Slack does
        end = start + min(int(params.get("limit") or 100), 999)
        more = end < len(found)
        return {"ok": True, "messages": found[start:end], "has_more": more,
                "response_metadata": {"next_cursor": str(end) if more else ""}}

    # -- channels as Slack shows them to the bot -----------------------------------------

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

    def _conversation(self, channel: str) -> dict[str, Any]:
        private = channel in self.private
        return {"id": channel, "name": self.channels.get(channel, channel.lower()),
                "is_channel": not private, "is_group": private, "is_im": False,
                "is_mpim": False, "is_private": private, "is_archived": channel in self.archived,
                "is_member": channel not in self.outside, "is_general": False}

    def _missing(self, needed: str) -> dict[str, Any] | None:
        if needed in self.scopes:
            return None
        return {"ok": False, "error": "missing_scope", "needed": needed,
                "provided": ",".join(sorted(self.scopes))}

    async def _m_conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        """One channel by ID, as conversations.info answers (names are not IDs)."""
        channel = self._lookup(str(params.get("channel", "")), names=False)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        needed = _NEEDS["private_channel" if channel in self.private else "public_channel"]
        return self._missing(needed) or {"ok": True, "channel": self._conversation(channel)}

    async def _m_conversations_list(self, params: dict[str, Any]) -> dict[str, Any]:
        """The channels the bot can see (private ones only where it is a member), paged
        by cursor; ``types`` defaults to public_channel, as Slack's does."""
        types = str(params.get("types") or "public_channel").split(",")
        for kind in types:
            if kind not in _NEEDS:
                return {"ok": False, "error": "invalid_types"}
            if refusal := self._missing(_NEEDS[kind]):
                return refusal
        skip_archived = str(params.get("exclude_archived", "")).lower() in ("true", "1")
        found = [self._conversation(cid) for cid in sorted(self.channels)
                 if ("private_channel" if cid in self.private else "public_channel") in types
                 and self._lookup(cid, names=False) and not (skip_archived
                                                             and cid in self.archived)]
        start = int(params.get("cursor") or 0)
        end = start + min(int(params.get("limit") or 100), 1000)
        more = end < len(found)
        return {"ok": True, "channels": found[start:end],
                "response_metadata": {"next_cursor": str(end) if more else ""}}

    def join(self, channel: str, *users: str) -> None:
        """Make ``users`` members of ``channel`` (an ID), as conversations.members tells."""
        self.members.setdefault(channel, set()).update(users)

    async def _m_conversations_members(self, params: dict[str, Any]) -> dict[str, Any]:
        """A channel's members, paged by cursor as Slack pages them; a channel nobody
        joined is one Slack does not know."""
        channel = str(params.get("channel", ""))
        if channel not in self.members:
            return {"ok": False, "error": "channel_not_found"}
        found = sorted(self.members[channel])
        start = int(params.get("cursor") or 0)
        end = start + min(int(params.get("limit") or 100), 1000)
        more = end < len(found)
        return {"ok": True, "members": found[start:end],
                "response_metadata": {"next_cursor": str(end) if more else ""}}

    async def _m_views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        view = _view(params)
        if view is None:
            return {"ok": False, "error": "invalid_arguments"}
        async with self._changed:
            self.views[str(params.get("user_id"))] = view
            self._changed.notify_all()
        return {"ok": True, "view": {"id": "VHOME", **view}}

    async def _m_files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._ts):08d}"
        self._pending_uploads[file_id] = b""
        self._alt_texts[file_id] = str(params.get("alt_txt") or "")
        return {"ok": True, "file_id": file_id, "upload_url": f"{self.base_url}/upload/{file_id}"}

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if file_id not in self._pending_uploads:
            return web.Response(status=404)
        self._pending_uploads[file_id] = await request.read()
        return web.Response(text=f"OK - {len(self._pending_uploads[file_id])}")

    async def _m_files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        files = params.get("files")
        files = json.loads(files) if isinstance(files, str) else files or []
        channel = str(params.get("channel_id") or "")
        done = []
        for item in files:
            data = self._pending_uploads.pop(item["id"], None)
            if data is None:
                return {"ok": False, "error": "file_not_found"}
            done.append(Uploaded(item["id"], item.get("title", ""), channel, data,
                                 str(params.get("initial_comment") or ""),
                                 self._alt_texts.pop(item["id"], "")))
        async with self._changed:
            self.files.extend(done)
            self._changed.notify_all()
        return {"ok": True, "files": [{"id": f.id, "title": f.title} for f in done]}

    async def _m_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        """Any user ID is someone of the workspace (named after its ID when nobody named
        them); those in ``guests`` are guests, as Slack flags them."""
        uid = str(params.get("user", ""))
        if not re.fullmatch(r"[UW][A-Z0-9]+", uid):
            return {"ok": False, "error": "user_not_found"}
        guest = uid in self.guests
        return {"ok": True, "user": {"id": uid, "name": self.users.get(uid, uid.lower()),
                                     "is_restricted": guest, "is_ultra_restricted": False}}


def _typed(kind: str, value: Any) -> dict[str, Any]:
    if kind == "datepicker":
        return {"type": kind, "selected_date": value}
    if kind == "static_select":
        return {"type": kind, "selected_option": {"value": value} if value else None}
    if kind == "multi_static_select":
        return {"type": kind, "selected_options": [{"value": v} for v in value or []]}
    return {"type": kind, "value": value}


def _directory_id(book: dict[str, str], prefix: str, name: str) -> str:
    for known_id, known in book.items():
        if known == name:
            return known_id
    new_id = prefix + (re.sub(r"[^A-Z0-9]", "", name.upper()) or "X")[:10]
    while new_id in book:
        new_id += "X"
    book[new_id] = name
    return new_id


def _view(params: dict[str, Any]) -> dict[str, Any] | None:
    """A view argument, sent as JSON text or as an object; None if there is none."""
    view = params.get("view")
    view = json.loads(view) if isinstance(view, str) else view
    return view if isinstance(view, dict) else None


def _blocks(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        return list(json.loads(value)) if value else []
    return list(value or [])


def sign(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class SlackSender:
    """Sends signed slash commands to the bot, as Slack does."""

    bot_url: str
    signing_secret: str
    slack: LocalSlack
    command: str = "/review"
    _keys: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def form(self, user: str, text: str, channel: str, key: str) -> str:
        return urlencode(self.fields(user, text, channel, key))

    def fields(self, user: str, text: str, channel: str, key: str) -> dict[str, str]:
        self.slack.response_channels[key] = channel
        return {
            "token": "legacy-verification-token", "team_id": TEAM, "team_domain": "local",
            "channel_id": channel,
            "channel_name": self.slack.channels.get(channel, "directmessage"),
            "user_id": user, "user_name": self.slack.users.get(user, user),
            "command": self.command, "text": text, "api_app_id": "A0REVIEW",
            "is_enterprise_install": "false", "response_url": self.slack.response_url(key),
            "trigger_id": f"{key}.local.trigger",
        }

    async def post(self, session: ClientSession, body: str, timestamp: str | None = None,
                   signature: str | None = None) -> tuple[int, str]:
        timestamp = timestamp or str(int(time.time()))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature or sign(self.signing_secret, timestamp, body),
        }
        async with session.post(self.bot_url, data=body.encode(), headers=headers) as resp:
            return resp.status, await resp.text()

    async def send_json(self, session: ClientSession, payload: dict[str, Any],
                        retry: int = 0) -> tuple[int, str]:
        """Deliver an Events API request (JSON), as Slack does, with retries numbered."""
        body = json.dumps(payload)
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": timestamp,
                   "X-Slack-Signature": sign(self.signing_secret, timestamp, body)}
        if retry:
            headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "timeout"})
        async with session.post(self.bot_url, data=body.encode(), headers=headers) as resp:
            return resp.status, await resp.text()

    async def app_home_opened(self, session: ClientSession, user: str, event_id: str,
                              retry: int = 0) -> tuple[int, str]:
        return await self.send_json(session, {
            "token": "legacy-verification-token", "team_id": TEAM, "api_app_id": "A0REVIEW",
            "type": "event_callback", "event_id": event_id, "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": user, "channel": "DHOME", "tab": "home"},
        }, retry)

    async def click(self, session: ClientSession, user: str, action: dict[str, Any],
                    message: Posted | None = None) -> tuple[int, str]:
        """Send a block_actions payload for ``action``, with a response_url to answer on."""
        key = f"a{next(self._keys)}-{time.monotonic_ns()}"
        payload: dict[str, Any] = {
            "type": "block_actions", "team": {"id": TEAM}, "api_app_id": "A0REVIEW",
            "user": {"id": user, "name": self.slack.users.get(user, user)},
            "channel": {"id": (message.channel if message else "") or "CREVIEW"},
            "response_url": self.slack.response_url(key), "trigger_id": f"{key}.trigger",
            "container": {"type": "message"}, "actions": [action],
        }
        if message is not None and message.ts:
            payload["message"] = {"ts": message.ts, "blocks": message.blocks}
            payload["container"]["message_ts"] = message.ts
        body = urlencode({"payload": json.dumps(payload)})
        status, _ = await self.post(session, body)
        if status == 200:
            await self.slack.wait_for(lambda p: p.response_key.split(":")[0] == key)
        return status, key

    async def submit(self, session: ClientSession, user: str, view: dict[str, Any],
                     values: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Submit a modal as Slack does (view_submission); ``values`` maps block_id to
        what was typed (a str), picked (a date string for datepickers) or chosen (a
        list for multi-selects). Returns the HTTP status and the ack's JSON body."""
        state: dict[str, Any] = {}
        for block in view.get("blocks", []):
            if block.get("type") != "input":
                continue
            element = block["element"]
            typed = values.get(block["block_id"])
            state[block["block_id"]] = {element["action_id"]: _typed(element["type"], typed)}
        payload = {"type": "view_submission", "team": {"id": TEAM}, "api_app_id": "A0REVIEW",
                   "user": {"id": user, "name": self.slack.users.get(user, user)},
                   "view": {**view, "id": "V0FORM", "state": {"values": state}}}
        body = urlencode({"payload": json.dumps(payload)})
        status, text = await self.post(session, body)
        return status, (json.loads(text) if text.strip() else {})

    async def run(self, session: ClientSession, user: str, text: str,
                  channel: str = "CREVIEW", timeout: float = 10.0) -> list[Posted]:
        """Send one command and wait for the bot's answer to its response_url.

        Returns everything the bot posted meanwhile: channel messages first, the
        answer last."""
        key = f"r{next(self._keys)}-{time.monotonic_ns()}"
        start = len(self.slack.posted)
        status, body = await self.post(session, self.form(user, text, channel, key))
        if status != 200:
            raise RuntimeError(f"the bot answered HTTP {status}: {body[:200]}")
        await self.slack.wait_for(lambda p: p.response_key == key, timeout)
        posted = self.slack.posted[start:]  # announcements may come after the answer
        return ([p for p in posted if p.response_key != key]
                + [p for p in posted if p.response_key == key])
