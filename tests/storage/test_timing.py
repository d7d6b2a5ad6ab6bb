"""The database's timing hook and the outbox's depth, on both engines: every read,
write transaction and ledger write is reported with its duration; the depth counts
the notices not yet posted nor dropped."""

from __future__ import annotations

import pytest

from storage.seen import REQUESTS, Seen
from storage.store import Store
from tests.storage.conftest import BOTH, NOW
from workflows.review import Review


@BOTH
async def test_reads_transactions_and_the_ledger_are_timed(store: Store) -> None:
    seen: list[tuple[str, float]] = []
    store.db.timing.observe = lambda operation, seconds: seen.append((operation, seconds))
    await store.read("SELECT 1 AS one")
    async with store.transaction() as db:
        await db.execute("DELETE FROM roles WHERE user_id = ?", "UNOBODY")
    await Seen(store.db, REQUESTS).first_time("v0=timed", NOW.timestamp())
    assert [operation for operation, _ in seen] == ["read", "transaction", "remember"]
    assert all(0 <= seconds < 10 for _, seconds in seen)


@BOTH
async def test_a_failed_transaction_is_timed_too(store: Store) -> None:
    seen: list[str] = []
    store.db.timing.observe = lambda operation, seconds: seen.append(operation)
    with pytest.raises(RuntimeError):
        async with store.transaction():
            raise RuntimeError("rolled back")
    assert seen == ["transaction"]


@BOTH
async def test_the_outbox_depth_counts_what_waits_to_be_posted(store: Store,
                                                               review: Review) -> None:
    assert await store.outbox_depth() == 0
    await review.add("UADMIN", "chicago", "Chicago, IL", "city", "IL")
    await review.add("UADMIN", "denver", "Denver, CO", "city", "CO")
    assert await store.outbox_depth() == 2
    [first, *_] = await store.pending_notices(10)
    await store.mark_sent(first.id, NOW)
    assert await store.outbox_depth() == 1
