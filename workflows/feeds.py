"""The deadlines calendar, as the team uses it: export it (everyone who may read the
review), and give it a secret address calendar apps subscribe to (``feed``: admins).

A feed's address holds a token, a capability: whoever has the link reads the
deadlines, nothing else. The token is shown once, to the admin who made it; only its
SHA-256 is stored, and a token presented is checked against the stored hashes with
``hmac.compare_digest`` (every one of them, so the time taken does not depend on
where a guess stops matching). There is one feed at a time: a new one revokes the
one before.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from workflows.agenda import Entry, Scope, entries
from workflows.deadline_changes import clock_steps
from workflows.ics import Feed, write_ics
from workflows.review import Review

TOKEN_BYTES = 32
"""Random bytes in a token (256 bits; 43 characters of URL-safe base64)."""
NAME = "Compliance review deadlines"
EVERYTHING = Scope()


class FeedStore(Protocol):
    async def review_id(self) -> str:
        """This review's own stable id (made once, with the database)."""
        ...

    async def feed_hashes(self) -> list[str]:
        """The SHA-256 (hex) of every token not revoked."""
        ...

    async def replace_feed(self, token_hash: str, actor: str, at: datetime) -> int:
        """Revoke every feed and add this one, in one transaction; how many were revoked."""
        ...

    async def revoke_feeds(self, actor: str, at: datetime) -> int:
        """Revoke every feed; how many there were."""
        ...


class ChannelLinks(Protocol):
    async def links(self, channels: Sequence[str]) -> dict[str, str]:
        """An address that opens each channel (an ID or a #name) in Slack."""
        ...


@dataclass(frozen=True)
class Export:
    ics: bytes
    events: int


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Calendars:
    def __init__(self, review: Review, store: FeedStore, links: ChannelLinks) -> None:
        self.review = review
        self.store = store
        self.links = links

    async def export(self, scope: Scope = EVERYTHING, name: str = NAME) -> Export:
        """Every running deadline ``scope`` admits, as one iCalendar file."""
        default = self.review.config.default_channel
        async with self.review.repo.snapshot() as source:
            kinds = clock_steps(self.review.workflow.definition.steps)
            found: list[Entry] = [e async for e in entries(source, scope, default,
                                                            kinds=kinds)]
        links = await self.links.links(sorted({e.channel for e in found}))
        feed = Feed(name, await self.store.review_id(), lambda e: links[e.channel],
                    self.review.now())
        # About 0.25 ms an event: thousands would hold the event loop for seconds, so
        # the file is written in a worker thread while everyone else's commands go on.
        return Export(await asyncio.to_thread(write_ics, found, feed), len(found))

    async def create_feed(self, actor: str) -> str:
        """A new feed's token (shown once; only its hash is kept), for those the
        workflow lets manage the feed (``feed``). The feed before it stops working."""
        await self.review.require(actor, "feed")
        token = secrets.token_urlsafe(TOKEN_BYTES)
        await self.store.replace_feed(token_hash(token), actor, self.review.now())
        return token

    async def revoke_feed(self, actor: str) -> int:
        await self.review.require(actor, "feed")
        return await self.store.revoke_feeds(actor, self.review.now())

    async def feed(self, token: str) -> Export | None:
        """The whole calendar if ``token`` is a live feed's, else None (unknown and
        revoked tokens alike)."""
        if not await self.known(token):
            return None
        return await self.export()

    async def known(self, token: str) -> bool:
        presented = token_hash(token)
        matched = False
        for stored in await self.store.feed_hashes():
            matched |= hmac.compare_digest(stored, presented)
        return matched
