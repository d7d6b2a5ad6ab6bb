"""chat.*: messages posted, ephemeral and updated, and the answers the bot sends to a
``response_url``."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from bot.console.stand_in.records import Posted
from bot.console.stand_in.workspace import Workspace


class ChatMethods(Workspace):
    """Messages the bot posts, and what it answers on response_urls."""

    async def _respond(self, request: web.Request) -> web.Response:
        """A response_url: a new message, or (replace_original) the clicked one redrawn."""
        body = await request.json()
        key = request.match_info["key"]
        if body.get("delete_original"):  # what it replaced goes; nothing new is posted
            self.deleted.append(key)
            return web.Response(text="ok")
        ephemeral = body.get("response_type", "ephemeral") == "ephemeral"
        channel, ts = "", ""
        if not ephemeral and key in self.response_channels:  # a message all the channel sees
            channel, ts = self.response_channels[key], self._stamp()
        if body.get("replace_original"):
            key = f"{key}:replaced"
        if self.respond_delay:  # a slow answer: the channel may hear of the change first
            await asyncio.sleep(self.respond_delay)
        await self._record(Posted(
            channel=channel, text=body.get("text", ""), blocks=_blocks(body.get("blocks")),
            ephemeral=ephemeral, ts=ts, response_key=key))
        return web.Response(text="ok")

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


def _blocks(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        return list(json.loads(value)) if value else []
    return list(value or [])
