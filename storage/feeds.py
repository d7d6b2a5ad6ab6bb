"""The calendar feed's tokens (their SHA-256 only) and the review's own id: the
domain's ``FeedStore``, a sibling of ``Store`` over its ``read`` and ``transaction``."""

from __future__ import annotations

from datetime import datetime

from storage.store import Store
from storage.writes import utc_text


class CalendarFeeds:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def review_id(self) -> str:
        rows = await self.store.read("SELECT id FROM review_identity")
        return str(rows[0]["id"])

    async def feed_hashes(self) -> list[str]:
        rows = await self.store.read(
            "SELECT token_hash FROM calendar_feeds WHERE revoked_at IS NULL")
        return [str(row["token_hash"]) for row in rows]

    async def replace_feed(self, token_hash: str, actor: str, at: datetime) -> int:
        async with self.store.transaction() as db:
            revoked = await db.execute(_REVOKE, actor, utc_text(at))
            await db.execute("INSERT INTO calendar_feeds (token_hash, created_by, created_at)"
                             " VALUES (?, ?, ?)", token_hash, actor, utc_text(at))
        return revoked

    async def revoke_feeds(self, actor: str, at: datetime) -> int:
        async with self.store.transaction() as db:
            return await db.execute(_REVOKE, actor, utc_text(at))


_REVOKE = ("UPDATE calendar_feeds SET revoked_by = ?, revoked_at = ?"
           " WHERE revoked_at IS NULL")
