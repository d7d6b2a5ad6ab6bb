"""Who people are, as Slack's users.info tells: the domain's ``Directory`` port.

A person's answer is kept for ``TTL`` so that a burst of their commands asks Slack
once. Whoever Slack cannot vouch for as a full member (a guest, someone from another
organisation, an unknown ID, or an answer that did not come) counts as a guest: the
review is shown to too few rather than to too many.
"""

from __future__ import annotations

import logging
import time

from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)
TTL = 600.0
"""Seconds a person's answer is kept."""


class SlackDirectory:
    def __init__(self, client: AsyncWebClient, ttl: float = TTL) -> None:
        self.client = client
        self.ttl = ttl
        self._known: dict[str, tuple[bool, float]] = {}  # user -> (guest, until)

    async def is_guest(self, user: str) -> bool:
        now = time.monotonic()
        known = self._known.get(user)
        if known is not None and known[1] > now:
            return known[0]
        guest = await self._ask(user)
        self._known[user] = (guest, now + self.ttl)
        return guest

    async def _ask(self, user: str) -> bool:
        try:
            response = await self.client.users_info(user=user)
        except SlackClientError as error:
            log.warning("users.info for %s failed (%s): counted as a guest", user,
                        type(error).__name__)
            return True
        found = response.get("user") or {}
        return bool(found.get("is_restricted") or found.get("is_ultra_restricted")
                    or found.get("is_stranger") or found.get("deleted") or not found)
