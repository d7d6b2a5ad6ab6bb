"""The record of what the bot was already sent (request signatures, event ids), on both
engines: a key is new once within its window, the table is pruned, and two stores on one
database (two replicas) asking about the same key at the same instant get one yes."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from storage import open_store
from storage.database import Ledger
from storage.seen import PRUNE_SECONDS, REQUESTS, Seen
from storage.store import Store
from tests.storage.conftest import BOTH, Query

SHORT = Ledger("seen_requests", "signature", 300)


@BOTH
async def test_a_key_is_new_once_within_its_window(store: Store) -> None:
    seen = Seen(store.db, SHORT)
    assert await seen.first_time("v0=a", 1000) and not await seen.first_time("v0=a", 1299)
    assert await seen.first_time("v0=b", 1299)
    assert await seen.first_time("v0=a", 1301)  # forgotten: Bolt refuses it as stale by now
    assert not await seen.first_time("v0=a", 1302)


@BOTH
async def test_a_restarted_store_still_knows_the_keys(store: Store, database_url: str) -> None:
    assert await Seen(store.db, REQUESTS).first_time("v0=before-restart", 1000)
    again = await open_store(database_url)
    try:
        assert not await Seen(again.db, REQUESTS).first_time("v0=before-restart", 1001)
    finally:
        await again.close()


@BOTH
async def test_what_outlived_the_window_is_pruned(store: Store, query: Query) -> None:
    seen = Seen(store.db, SHORT)
    assert await seen.first_time("v0=old", 1000)
    assert await seen.first_time("v0=recent", 1000 + PRUNE_SECONDS + 10)
    assert query("SELECT count(*) FROM seen_requests") == [(2,)]
    later = 1000 + SHORT.window + PRUNE_SECONDS + 1
    assert await seen.first_time("v0=new", later)
    left = {row[0] for row in query("SELECT signature FROM seen_requests")}
    assert left == {"v0=recent", "v0=new"}


@BOTH
async def test_many_at_once_each_get_their_own_answer(store: Store, query: Query) -> None:
    """More than one batch holds, arriving together, copies among them: each key is new
    exactly once, and every one of them was written."""
    seen = Seen(store.db, REQUESTS)
    keys = [f"v0={n:04d}" for n in range(700)]
    answers = await asyncio.gather(*(seen.first_time(k, 5000) for k in keys + keys[::7]))
    assert sum(answers) == len(keys)
    assert answers[:len(keys)] == [True] * len(keys)
    assert query("SELECT count(*) FROM seen_requests") == [(len(keys),)]


@BOTH
async def test_two_replicas_asking_at_the_same_instant_get_one_yes(
        store: Store, database_url: str) -> None:
    other = await open_store(database_url)
    try:
        first, second = Seen(store.db, REQUESTS), Seen(other.db, REQUESTS)
        keys = [f"v0=race-{n}" for n in range(60)]
        answers = await asyncio.gather(*(s.first_time(k, 7000) for k in keys
                                         for s in (first, second)))
    finally:
        await other.close()
    pairs = list(zip(answers[::2], answers[1::2], strict=True))
    assert all(a != b for a, b in pairs), pairs


async def test_a_failed_write_reaches_every_waiter_and_the_next_batch_works(
        store: Store) -> None:
    broken = Seen(store.db, Ledger("no_such_table", "signature", 300))
    results = await asyncio.gather(broken.first_time("v0=x", 1), broken.first_time("v0=y", 1),
                                   return_exceptions=True)
    assert all(isinstance(r, Exception) for r in results), results
    assert await Seen(store.db, REQUESTS).first_time("v0=x", 2)


async def test_a_batch_waits_for_another_process_holding_the_file(
        store: Store, db_path: Path) -> None:
    """Written on the event loop when the file is free, a batch that finds another
    process writing waits for it in a worker thread, the loop free meanwhile."""
    other = sqlite3.connect(db_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        waiting = asyncio.create_task(Seen(store.db, REQUESTS).first_time("v0=later", 9000))
        await asyncio.sleep(0.3)
        assert not waiting.done()
        assert (await store.read("SELECT count(*) AS n FROM seen_requests"))[0]["n"] == 0
        other.execute("COMMIT")
        assert await asyncio.wait_for(waiting, 10)
    finally:
        other.close()
    assert not await Seen(store.db, REQUESTS).first_time("v0=later", 9001)
