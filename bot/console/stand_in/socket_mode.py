"""Socket Mode: apps.connections.open hands out the stand-in's websocket, which delivers
envelopes to the bot and receives its acks."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from bot.console.stand_in.workspace import Workspace


class SocketModeMethods(Workspace):
    """The websocket end of Socket Mode, and delivery of envelopes over it."""

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
