"""users.info and conversations.*: who is in the workspace, and the channels as Slack
shows them to the bot (what it may see, whose members, which messages)."""

from __future__ import annotations

import re
from typing import Any

from bot.console.stand_in.workspace import Workspace

_NEEDS = {"public_channel": "channels:read", "private_channel": "groups:read"}


class DirectoryMethods(Workspace):
    """What the bot may learn of people and channels, as Slack tells it."""

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

    async def _m_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        """Any user ID is someone of the workspace (named after its ID when nobody named
        them); those in ``guests`` are guests, as Slack flags them."""
        uid = str(params.get("user", ""))
        if not re.fullmatch(r"[UW][A-Z0-9]+", uid):
            return {"ok": False, "error": "user_not_found"}
        guest = uid in self.guests
        return {"ok": True, "user": {"id": uid, "name": self.users.get(uid, uid.lower()),
                                     "is_restricted": guest, "is_ultra_restricted": False}}
