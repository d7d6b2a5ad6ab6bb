"""The calendar feed's tokens as stored, on both engines: only their SHA-256, one live
at a time, revoked for good; and the review's own id, the same however often it is
read or the database reopened."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from storage import open_store
from storage.feeds import CalendarFeeds
from storage.store import Store
from tests.storage.conftest import BOTH, NOW
from workflows.feeds import token_hash


@BOTH
async def test_one_live_feed_at_a_time_and_revoked_for_good(store: Store) -> None:
    feeds = CalendarFeeds(store)
    assert await feeds.feed_hashes() == []
    assert await feeds.replace_feed(token_hash("first"), "UADMIN", NOW) == 0
    assert await feeds.replace_feed(token_hash("second"), "UADMIN", NOW) == 1
    assert await feeds.feed_hashes() == [token_hash("second")]
    assert await feeds.revoke_feeds("UBOB", NOW + timedelta(hours=1)) == 1
    assert await feeds.revoke_feeds("UBOB", NOW + timedelta(hours=2)) == 0
    assert await feeds.feed_hashes() == []
    rows = await store.read("SELECT token_hash, created_by, revoked_by, revoked_at"
                            " FROM calendar_feeds ORDER BY created_at, token_hash")
    assert {r["token_hash"] for r in rows} == {token_hash("first"), token_hash("second")}
    assert sorted(r["revoked_by"] for r in rows) == ["UADMIN", "UBOB"]
    assert not {"first", "second"} & {r["token_hash"] for r in rows}


@BOTH
async def test_the_review_id_is_made_once(store: Store, database_url: str) -> None:
    made = await CalendarFeeds(store).review_id()
    assert len(made) == 32 and made == await CalendarFeeds(store).review_id()
    again = await open_store(database_url)
    try:
        assert await CalendarFeeds(again).review_id() == made
    finally:
        await again.close()


async def test_two_reviews_have_two_ids(store: Store, tmp_path: Path) -> None:
    other = await open_store(f"sqlite:///{tmp_path}/other.db")
    try:
        assert await CalendarFeeds(other).review_id() != await CalendarFeeds(store).review_id()
    finally:
        await other.close()
