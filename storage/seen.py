"""What the bot was already sent (request signatures, event ids), kept in the database.

Slack signs every request, and Bolt refuses one signed more than five minutes ago; within
those minutes a copy is refused here. The record is a table, so a copy is refused after a
restart and by any replica sharing the database, and the table's primary key decides:
of two replicas writing the same signature at the same instant exactly one gets it back
from ``RETURNING`` (there is no read before the write).

Each request waits for its signature to be written before it is acked, so the writes are
grouped: what arrives while one batch is being written goes into the next one, in one
transaction (one commit however many it holds), and each request waits for its own
batch. Under no load a batch is one signature written at once; under load, one commit
serves many requests. Each engine writes a batch as is cheap on it
(``Database.remember``): on SQLite one trip to a worker thread and a commit without
fsync, which the next durable commit (whatever change the request goes on to make)
takes to disk; on PostgreSQL one statement, committed without waiting for the WAL flush.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from storage.database import Database, Ledger
from storage.grouped import fail

BATCH = 256
"""Most keys one transaction writes."""
PRUNE_SECONDS = 60.0
"""How often a process deletes what has outlived the window."""
REQUESTS = Ledger("seen_requests", "signature", 10 * 60)
"""Bolt's five minutes, twice: a replica whose clock is up to five minutes ahead of the
others' still prunes no signature that another might accept."""
EVENTS = Ledger("seen_events", "event_id", 60 * 60)
"""Slack retries an event for minutes (at once, a minute later, five minutes later)."""


class Seen:
    """``first_time(key, now)``: whether ``key`` is new within the ledger's window."""

    def __init__(self, db: Database, ledger: Ledger) -> None:
        self.db = db
        self.ledger = ledger
        self._waiting: dict[str, tuple[asyncio.Future[bool], float]] = {}
        self._writer: asyncio.Task[None] | None = None
        self._pruned_at = float("-inf")

    async def first_time(self, key: str, now: float) -> bool:
        """True if nobody (no process on this database) saw ``key`` in the window
        before ``now`` (Unix seconds); it is then remembered from ``now``."""
        if key in self._waiting:
            return False  # a copy, come while the first waits for its batch
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting[key] = (future, now)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_all())
        return await future

    async def _write_all(self) -> None:
        """Write batches until nothing waits; each waiter gets its own answer."""
        try:
            while self._waiting:
                keys = list(self._waiting)[:BATCH]
                batch = {key: self._waiting.pop(key) for key in keys}
                try:
                    fresh = await self._write({k: at for k, (_, at) in batch.items()})
                except BaseException as error:  # every waiter of this batch hears it
                    _fail(batch.values(), error)
                    if not isinstance(error, Exception):
                        raise
                    continue
                for key, (future, _) in batch.items():
                    if not future.done():
                        future.set_result(key in fresh)
        finally:
            self._writer = None

    async def _write(self, batch: dict[str, float]) -> set[str]:
        """Write the batch in one transaction (pruning now and then); returns the keys
        that were new."""
        now = max(batch.values())
        prune = now - self.ledger.window if now - self._pruned_at >= PRUNE_SECONDS else None
        fresh = await self.db.remember(self.ledger, list(batch.items()), prune)
        if prune is not None:
            self._pruned_at = now
        return fresh


def _fail(waiters: Iterable[tuple[asyncio.Future[bool], float]], error: BaseException) -> None:
    for future, _ in waiters:
        fail(future, error)
