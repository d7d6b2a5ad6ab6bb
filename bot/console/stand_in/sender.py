"""Slack's side of a request: form bodies and payloads as Slack sends them, signed with
the signing secret (v0 HMAC-SHA256), POSTed to the bot."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import ClientSession

from bot.console.stand_in.records import Posted
from bot.console.stand_in.server import LocalSlack
from bot.console.stand_in.workspace import TEAM


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
                    message: Posted | None = None, wait: bool = True) -> tuple[int, str]:
        """Send a block_actions payload for ``action``, with a response_url to answer on;
        ``wait`` for the answer there (a click that opens a form gets none)."""
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
        if status == 200 and wait:
            await self.slack.wait_for(lambda p: p.response_key.split(":")[0] == key)
        return status, key

    async def message_shortcut(self, session: ClientSession, user: str, channel: str,
                               text: str, file_ids: tuple[str, ...] = (),
                               callback_id: str = "record_response") -> tuple[int, str]:
        """Use a message shortcut on a message in ``channel`` (its ``text`` and the shared
        files ``file_ids``), as Slack sends it: a signed ``message_action`` payload with
        the message, a trigger_id and a response_url. Returns the status and the key of
        its response_url."""
        key = f"m{next(self._keys)}-{time.monotonic_ns()}"
        self.slack.response_channels[key] = channel
        files = [self.slack.file_object(file_id) for file_id in file_ids]
        payload: dict[str, Any] = {
            "type": "message_action", "callback_id": callback_id, "team": {"id": TEAM},
            "api_app_id": "A0REVIEW", "token": "legacy-verification-token",
            "user": {"id": user, "name": self.slack.users.get(user, user)},
            "channel": {"id": channel, "name": self.slack.channels.get(channel, channel)},
            "trigger_id": f"{key}.trigger", "response_url": self.slack.response_url(key),
            "action_ts": f"{time.time():.6f}", "message_ts": f"{time.time():.6f}",
            "message": {"type": "message", "user": user, "text": text,
                        "ts": f"{time.time():.6f}", **({"files": files} if files else {})},
        }
        status, _ = await self.post(session, urlencode({"payload": json.dumps(payload)}))
        return status, key

    async def suggest(self, session: ClientSession, user: str, view: dict[str, Any],
                      block_id: str, typed: str) -> list[dict[str, Any]]:
        """Type ``typed`` into the form's menu ``block_id`` (an external_select), as
        Slack asks for its options: a signed block_suggestion payload to the options
        load URL (the bot's own). Returns the options the bot answered with."""
        element = next(b["element"] for b in view["blocks"] if b.get("block_id") == block_id)
        payload = {"type": "block_suggestion", "team": {"id": TEAM}, "api_app_id": "A0REVIEW",
                   "token": "legacy-verification-token",
                   "user": {"id": user, "name": self.slack.users.get(user, user)},
                   "container": {"type": "view", "view_id": "V0FORM"},
                   "action_id": element["action_id"], "block_id": block_id, "value": typed,
                   "view": {**view, "id": "V0FORM"}}
        status, text = await self.post(session, urlencode({"payload": json.dumps(payload)}))
        if status != 200:
            raise RuntimeError(f"the bot answered HTTP {status}: {text[:200]}")
        options: list[dict[str, Any]] = json.loads(text).get("options", [])
        return options

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

    async def command_only(self, session: ClientSession, user: str, text: str,
                           channel: str = "CREVIEW") -> str:
        """Send one command; return the key of its response_url, without waiting for
        the answer there (a command that opens a form answers nothing)."""
        key = f"r{next(self._keys)}-{time.monotonic_ns()}"
        status, body = await self.post(session, self.form(user, text, channel, key))
        if status != 200:
            raise RuntimeError(f"the bot answered HTTP {status}: {body[:200]}")
        return key

    async def run(self, session: ClientSession, user: str, text: str,
                  channel: str = "CREVIEW", timeout: float = 10.0) -> list[Posted]:
        """Send one command and wait for the bot's answer to its response_url.

        Returns everything the bot posted meanwhile: channel messages first, the
        answer last."""
        start = len(self.slack.posted)
        key = await self.command_only(session, user, text, channel)
        await self.slack.wait_for(lambda p: p.response_key == key, timeout)
        posted = self.slack.posted[start:]  # announcements may come after the answer
        return ([p for p in posted if p.response_key != key]
                + [p for p in posted if p.response_key == key])


def _typed(kind: str, value: Any) -> dict[str, Any]:
    if kind == "datepicker":
        return {"type": kind, "selected_date": value}
    if kind in ("static_select", "external_select"):
        return {"type": kind, "selected_option": {"value": value} if value else None}
    if kind == "multi_static_select":
        return {"type": kind, "selected_options": [{"value": v} for v in value or []]}
    return {"type": kind, "value": value}
