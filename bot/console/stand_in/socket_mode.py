"""Socket Mode as Slack speaks it: ``apps.connections.open`` (with the app-level token)
hands out the stand-in's websocket; each connection is greeted with ``hello`` and then
carries envelopes to the bot, and the bot's acks back.

What Slack does, and so what this does:

- An envelope goes to one open connection (the newest). While none is open (after a
  ``disconnect``, before the bot's new connection says hello) envelopes wait, and go out
  on the next connection.
- The bot acks an envelope with its ``envelope_id``, and with a ``payload`` only where
  the envelope ``accepts_response_payload``: a command's answer, a modal's errors, a
  menu's options. A payload on any other ack is ignored (kept in ``ignored_payloads``).
- ``disconnect(reason)`` sends ``{"type": "disconnect", "reason": ...}``
  (``refresh_requested``: Slack recycles connections now and then; ``warning``: this one
  closes soon); ``refresh`` then waits for the bot's new connection and closes the old.
  ``drop`` closes every connection without a word.
- An ``events_api`` envelope not acked on a connection that closed is sent again on the
  next, as a new envelope with ``retry_attempt`` one higher and a ``retry_reason``.
  Slash commands and interactive envelopes are never sent again: the person sees
  Slack's timeout error instead (they are kept in ``unanswered``).
- ``lose_acks(n)`` makes the next ``n`` acks vanish on the way, as on a connection that
  breaks between the bot's send and Slack's receive.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from bot.console.stand_in.workspace import Workspace

ACCEPTS_PAYLOAD = frozenset({"view_submission", "block_suggestion"})
"""The interactive payloads whose ack may carry an answer (commands' acks always may)."""
RETRY_REASON = "timeout"


@dataclass(frozen=True)
class Envelope:
    """One delivery over a connection; a retry is a new envelope of the same payload."""

    envelope_id: str
    type: str  # slash_commands, interactive or events_api
    payload: dict[str, Any]
    retry_attempt: int = 0
    retry_reason: str = ""

    @property
    def accepts_response_payload(self) -> bool:
        return self.type == "slash_commands" or (
            self.type == "interactive" and self.payload.get("type") in ACCEPTS_PAYLOAD)

    def message(self) -> dict[str, Any]:
        sent: dict[str, Any] = {"envelope_id": self.envelope_id, "type": self.type,
                                "payload": self.payload,
                                "accepts_response_payload": self.accepts_response_payload}
        if self.type == "events_api":
            sent.update(retry_attempt=self.retry_attempt, retry_reason=self.retry_reason)
        return sent


class SocketModeMethods(Workspace):
    """The websocket end of Socket Mode, and delivery of envelopes over it."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.connections = 0  # connections opened so far (each greeted with hello)
        self.delivered: list[Envelope] = []  # every envelope sent, retries too, in order
        self.unanswered: list[Envelope] = []  # commands and clicks whose ack never came
        self.ignored_payloads: list[dict[str, Any]] = []
        self.lost_acks: list[dict[str, Any]] = []
        self.sent_on: dict[str, int] = {}  # envelope id -> the connection (1, 2, …) it went on
        self._numbers: dict[web.WebSocketResponse, int] = {}
        self._to_lose = 0
        self._waiting: list[Envelope] = []  # for the next connection
        self._in_flight: dict[str, tuple[Envelope, web.WebSocketResponse]] = {}
        self._draining: list[web.WebSocketResponse] = []  # told to disconnect
        self._tickets = itertools.count(1)

    async def _m_apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        ticket = next(self._tickets)
        return {"ok": True,
                "url": self.base_url.replace("http://", "ws://") + f"/socket?ticket={ticket}"}

    # -- a connection --------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        async with self._changed:
            self.sockets.append(socket)
            self.connections += 1
            self._numbers[socket] = self.connections
            await socket.send_json({
                "type": "hello", "num_connections": len(self.sockets),
                "debug_info": {"host": "stand-in", "approximate_connection_time": 18060},
                "connection_info": {"app_id": "A0REVIEW"}})
            waiting, self._waiting = self._waiting, []
            for envelope in waiting:
                await self._send(envelope)
            self._changed.notify_all()
        try:
            async for message in socket:
                if message.type == WSMsgType.TEXT:
                    await self._acked(json.loads(message.data))
        finally:
            await self._closed(socket)
        return socket

    async def _acked(self, ack: dict[str, Any]) -> None:
        async with self._changed:
            if self._to_lose:
                self._to_lose -= 1
                self.lost_acks.append(ack)
                return
            envelope_id = str(ack.get("envelope_id"))
            envelope = self._in_flight.pop(envelope_id, (None, None))[0] or next(
                (e for e in self.unanswered if e.envelope_id == envelope_id), None)
            if envelope in self.unanswered:  # late, on the next connection: taken all the same
                self.unanswered.remove(envelope)
            if "payload" in ack and (envelope is None or not envelope.accepts_response_payload):
                self.ignored_payloads.append(ack)
            self.acks[envelope_id] = ack
            self._changed.notify_all()

    async def _closed(self, socket: web.WebSocketResponse) -> None:
        """What was in flight on ``socket``: events are sent again, the rest is lost."""
        async with self._changed:
            self.sockets.remove(socket)
            if socket in self._draining:
                self._draining.remove(socket)
            orphans = [e for e, on in self._in_flight.values() if on is socket]
            for envelope in orphans:
                del self._in_flight[envelope.envelope_id]
                if envelope.type != "events_api":
                    self.unanswered.append(envelope)
                    continue
                await self._send(Envelope(
                    f"{envelope.envelope_id}-r{envelope.retry_attempt + 1}", envelope.type,
                    envelope.payload, envelope.retry_attempt + 1, RETRY_REASON))
            self._changed.notify_all()

    async def _send(self, envelope: Envelope) -> None:
        """Send on the newest connection not told to go (with the lock held)."""
        open_ = [s for s in self.sockets if s not in self._draining and not s.closed]
        if not open_:
            self._waiting.append(envelope)
            return
        self._in_flight[envelope.envelope_id] = (envelope, open_[-1])
        self.delivered.append(envelope)
        self.sent_on[envelope.envelope_id] = self._numbers[open_[-1]]
        # A connection closing under our feet: its close sends the envelope again.
        with contextlib.suppress(ConnectionError):
            await open_[-1].send_json(envelope.message())

    # -- what a test does ----------------------------------------------------------------

    async def deliver(self, kind: str, payload: dict[str, Any], retry_attempt: int = 0
                      ) -> Envelope:
        """Send ``payload`` as an envelope of ``kind`` (now, or on the next connection)."""
        envelope = Envelope(f"env-{next(self._envelopes)}", kind, payload, retry_attempt,
                            RETRY_REASON if retry_attempt else "")
        async with self._changed:
            await self._send(envelope)
        return envelope

    async def wait_for_ack(self, envelope_id: str, timeout: float = 3.0
                           ) -> dict[str, Any] | None:
        """The bot's ack of ``envelope_id``; None when none came within ``timeout``
        (Slack's own wait is 3 seconds)."""
        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: envelope_id in self.acks), timeout)
            return self.acks.get(envelope_id)

    def lose_acks(self, count: int = 1) -> None:
        self._to_lose += count

    async def wait_for_socket(self, timeout: float = 10.0, connections: int = 1) -> None:
        """Wait until ``connections`` have been opened so far and one is open to send on."""
        def ready() -> bool:
            return self.connections >= connections and any(
                s not in self._draining and not s.closed for s in self.sockets)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(ready), timeout)

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """Tell the open connections to go; nothing more is sent on them."""
        async with self._changed:
            for socket in [s for s in self.sockets if s not in self._draining]:
                self._draining.append(socket)
                await socket.send_json({"type": "disconnect", "reason": reason,
                                        "debug_info": {"host": "stand-in"}})

    async def refresh(self, reason: str = "refresh_requested", timeout: float = 5.0) -> None:
        """``disconnect``, then, once the bot has opened its new connection, close the
        old ones it left open."""
        opened = self.connections
        await self.disconnect(reason)
        await self.wait_for_socket(timeout, opened + 1)
        await self.close_draining()

    async def close_draining(self) -> None:
        """Close the connections told to go that the bot has not closed itself."""
        for socket in list(self._draining):
            await socket.close()

    async def drop(self) -> None:
        """Close every connection without a disconnect first."""
        for socket in list(self.sockets):
            await socket.close()

    async def send_over_socket(self, payload: dict[str, str], timeout: float = 10.0
                               ) -> dict[str, Any]:
        """Deliver a slash command as a Socket Mode envelope; return the bot's ack."""
        envelope = await self.deliver("slash_commands", payload)
        ack = await self.wait_for_ack(envelope.envelope_id, timeout)
        if ack is None:
            raise TimeoutError(f"no ack of {envelope.envelope_id}")
        return ack
