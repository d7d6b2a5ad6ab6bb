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
serves many requests. The transaction is not durable (``Database.transaction``): it
outlives the bot dying at once, and the next durable commit (whatever change the request
goes on to make) takes it to disk.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from storage.database import Database, Transaction

BATCH = 256
"""Most keys one transaction writes."""
PRUNE_SECONDS = 60.0
"""How often a process deletes what has outlived the window."""


@dataclass(frozen=True)
class Ledger:
    """One table of keys seen: ``column`` is its key, ``window`` (seconds) how long a
    key is remembered."""

    table: str
    column: str
    window: float


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
        """Insert the keys (or renew those older than the window) in one transaction;
        returns the keys that were new."""
        now = max(batch.values())
        fresh: set[str] = set()
        items = list(batch.items())
        async with self.db.transaction(durable=False) as db:
            for size in _chunks(len(items)):
                chunk, items = items[:size], items[size:]
                rows = await db.fetch(_upsert(self.ledger, size),
                                      *[value for pair in chunk for value in pair])
                fresh.update(str(row[self.ledger.column]) for row in rows)
            await self._prune(db, now)
        return fresh

    async def _prune(self, db: Transaction, now: float) -> None:
        if now - self._pruned_at < PRUNE_SECONDS:
            return
        await db.execute(f"DELETE FROM {self.ledger.table} WHERE seen_at < ?",
                         now - self.ledger.window)
        self._pruned_at = now


def _fail(waiters: Iterable[tuple[asyncio.Future[bool], float]], error: BaseException) -> None:
    for future, _ in waiters:
        if future.done():
            continue
        if isinstance(error, Exception):
            future.set_exception(error)
        else:
            future.cancel()


def _chunks(count: int) -> list[int]:
    """``count`` as a sum of powers of two, largest first: a batch of any size is
    written by statements of a few fixed shapes (PostgreSQL prepares each shape once
    per connection)."""
    return [1 << bit for bit in range(count.bit_length() - 1, -1, -1) if count >> bit & 1]


@cache
def _upsert(ledger: Ledger, size: int) -> str:
    """Insert ``size`` (key, seen_at) rows; a key already there comes back only if it
    was older than the window (pruning is housekeeping, not what decides)."""
    table, column = ledger.table, ledger.column
    values = ", ".join(f"(?{2 * n + 1}, ?{2 * n + 2})" for n in range(size))
    return (f"INSERT INTO {table} ({column}, seen_at) VALUES {values}"
            f" ON CONFLICT ({column}) DO UPDATE SET seen_at = excluded.seen_at"
            f" WHERE {table}.seen_at < excluded.seen_at - {ledger.window!r}"
            f" RETURNING {column}")
