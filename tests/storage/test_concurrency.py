"""Concurrent changes to one jurisdiction: optimistic versions make exactly one win, and
a write waits for another connection's write instead of failing."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from storage.sqlite import SqliteStore
from tests.packaged import packaged_workflow
from workflows.deadlines import DueSpec
from workflows.definition import default_definition
from workflows.errors import AlreadyExists, Conflict
from workflows.review import Change, Review, ReviewConfig

Query = Callable[..., list[tuple[Any, ...]]]
NOW = datetime(2018, 2, 1, 15, 0, tzinfo=UTC)


class GateClock:
    """The fixed clock, noting which tasks asked for the time.

    ``Review.take`` asks for the time only once it has read the jurisdiction and judged
    the step, just before it saves; so once every party has asked, all of them have
    read the same version."""

    def __init__(self, parties: int) -> None:
        self.parties = parties
        self.askers: set[asyncio.Task[Any] | None] = set()
        self.everyone_asked = asyncio.Event()

    def now(self) -> datetime:
        self.askers.add(asyncio.current_task())
        if len(self.askers) >= self.parties:
            self.everyone_asked.set()
        return NOW


@pytest.fixture
async def chicago(review: Review) -> Review:
    """Chicago with a letter out: both "response" and "clarify" are possible."""
    await review.add("UADMIN", "chicago", "Chicago, IL", "city", "IL")
    await review.take("UADMIN", "chicago", "letter", due=DueSpec(days=30))
    return review


@pytest.fixture(params=["two stores", "one store"])
async def other_store(request: pytest.FixtureRequest, store: SqliteStore,
                      db_path: Path) -> AsyncIterator[SqliteStore]:
    """A second store on the same file (what a second process would open), or the same
    store again (two tasks in one process)."""
    if request.param == "one store":
        yield store
        return
    second = await SqliteStore.open(db_path)
    yield second
    await second.close()


def hold_writes(db_path: Path, until: asyncio.Event) -> Coroutine[Any, Any, None]:
    """Open another connection's write transaction now, and return what ends it once
    ``until`` is set: no change can commit before every party has read."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")

    async def release() -> None:
        try:
            await asyncio.wait_for(until.wait(), timeout=5)
        finally:
            conn.execute("ROLLBACK")
            conn.close()

    return release()


async def test_conflicting_steps_at_the_same_time_one_wins_one_conflicts(
        chicago: Review, store: SqliteStore, other_store: SqliteStore, db_path: Path,
        config: ReviewConfig, query: Query) -> None:
    events_before = query("SELECT count(*) FROM events")[0][0]
    outbox_before = query("SELECT count(*) FROM outbox")[0][0]
    clock = GateClock(parties=2)
    alice = Review(store, clock, config, packaged_workflow())
    bob = Review(other_store, clock, config, packaged_workflow())

    release = hold_writes(db_path, until=clock.everyone_asked)
    *results, released = await asyncio.gather(
        alice.take("UALICE", "chicago", "response"),
        bob.take("UBOB", "chicago", "clarify"),
        release,
        return_exceptions=True,
    )
    assert released is None  # every party read before the lock was let go

    wins = [r for r in results if isinstance(r, Change)]
    losses = [r for r in results if isinstance(r, BaseException)]
    assert len(wins) == 1, results
    assert len(losses) == 1 and isinstance(losses[0], Conflict), results

    stored = await store.get("chicago")
    assert stored is not None
    winner = wins[0]
    assert stored.state == winner.jurisdiction.state
    assert stored.state in ("response_received", "clarification_requested")
    assert stored.version == winner.jurisdiction.version == 3
    message = losses[0].message
    assert "Chicago, IL" in message
    assert default_definition().label_of(stored.state) in message
    assert "Nothing was changed" in message

    assert query("SELECT count(*) FROM events")[0][0] == events_before + 1
    assert query("SELECT count(*) FROM outbox")[0][0] == outbox_before + 1
    assert query("SELECT seq, kind, actor FROM events ORDER BY seq DESC LIMIT 1") == [
        (3, winner.event.kind, winner.event.actor)]


async def test_a_write_waits_for_another_connections_write_transaction(
        chicago: Review, db_path: Path, query: Query) -> None:
    locked = threading.Event()

    def other_process() -> None:
        conn = sqlite3.connect(db_path, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO roles VALUES ('UOTHER', 'lead', 'UADMIN', '2018-02-01')")
            locked.set()
            time.sleep(0.5)
            conn.execute("COMMIT")
        finally:
            conn.close()

    thread = threading.Thread(target=other_process)
    thread.start()
    try:
        assert await asyncio.to_thread(locked.wait, 5)
        started = time.monotonic()
        change = await chicago.take("UADMIN", "chicago", "response")
        waited = time.monotonic() - started
    finally:
        await asyncio.to_thread(thread.join, 5)

    assert waited >= 0.3  # it waited for the other transaction, not failed at once
    assert change.jurisdiction.state == "response_received"
    assert query("SELECT user_id FROM roles") == [("UOTHER",)]
    assert query("SELECT seq, kind FROM events ORDER BY seq DESC LIMIT 1") == [(3, "response")]
    stored = await chicago.repo.get("chicago")
    assert stored is not None and (stored.state, stored.version) == ("response_received", 3)


async def test_processes_opening_a_new_file_at_once_migrate_it_once(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    stores = await asyncio.gather(*(SqliteStore.open(path) for _ in range(4)))
    try:
        assert {store.schema_version for store in stores} == {stores[0].schema_version}
        assert stores[0].schema_version >= 1
    finally:
        for store in stores:
            await store.close()


async def test_adding_the_same_id_at_once_tells_the_loser_who_has_it(tmp_path: Path) -> None:
    path = tmp_path / "race.db"
    first, second = await SqliteStore.open(path), await SqliteStore.open(path)
    config = ReviewConfig("#review", frozenset({"UADMIN"}))
    reviews = [Review(store, GateClock(1), config, packaged_workflow())
               for store in (first, second)]
    try:
        results = await asyncio.gather(
            *(review.add("UADMIN", "chicago", name, "city", "IL")
              for review, name in zip(reviews, ("Chicago, IL", "Chicago (again)"), strict=True)),
            return_exceptions=True)
    finally:
        await first.close()
        await second.close()
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1
    for error in errors:
        assert isinstance(error, AlreadyExists) and "“chicago” is already taken" in error.message
