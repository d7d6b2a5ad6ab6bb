"""Slack's side of a request in Socket Mode: the same commands, clicks, forms, menus,
shortcuts and events as ``sender.SlackSender`` builds, delivered as envelopes over the
stand-in's websocket (``socket_mode``) instead of signed POSTs.

Every helper of ``SlackSender`` (``run``, ``click``, ``submit``, ``suggest``,
``message_shortcut``, ``app_home_opened``) goes through ``post`` or ``send_json``; here
those deliver the envelope and wait for the bot's ack, and answer as the HTTP end
would: status 200 and the ack's payload as the body, or 504 when no ack came within
Slack's 3 seconds (Slack then shows the person an error).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import ClientSession

from bot.console.stand_in.sender import SlackSender
from bot.console.stand_in.server import LocalSlack

ACK_SECONDS = 3.0
NO_ACK = 504


@dataclass
class SocketSender(SlackSender):
    """Sends what Slack sends, over Socket Mode; ``bot_url`` and ``signing_secret`` are
    unused (nothing is signed: the connection is the bot's own, opened with its token)."""

    @classmethod
    def to(cls, slack: LocalSlack) -> SocketSender:
        return cls("socket mode", "", slack)

    async def post(self, session: ClientSession, body: str, timestamp: str | None = None,
                   signature: str | None = None) -> tuple[int, str]:
        """A form body as the HTTP end takes it: ``payload=`` is an interactive
        envelope, anything else a slash command's fields."""
        fields = dict(parse_qsl(body, keep_blank_values=True))
        if "payload" in fields:
            return await self.deliver("interactive", json.loads(fields["payload"]))
        return await self.deliver("slash_commands", fields)

    async def send_json(self, session: ClientSession, payload: dict[str, Any],
                        retry: int = 0) -> tuple[int, str]:
        """An Events API payload as an ``events_api`` envelope (``retry``: Slack's
        retry_attempt)."""
        return await self.deliver("events_api", payload, retry)

    async def deliver(self, kind: str, payload: dict[str, Any], retry: int = 0
                      ) -> tuple[int, str]:
        envelope = await self.slack.deliver(kind, payload, retry)
        ack = await self.slack.wait_for_ack(envelope.envelope_id, ACK_SECONDS)
        if ack is None:
            return NO_ACK, ""
        return 200, json.dumps(ack["payload"]) if ack.get("payload") else ""
