"""Group commit on SQLite: the writes waiting at one moment share one transaction.

SQLite has one writer at a time, and each commit waits for the disk (``synchronous =
FULL``: a step the bot has answered as recorded is on the disk). One transaction per
step made every step wait for everyone's fsync in turn, and each of its dozen
statements was a trip to the connection's thread and back. Here each write is a piece
of work (a function of the transaction) put in a queue; one task takes all the work
waiting (``MOST`` at most) to a worker thread, which opens one ``BEGIN IMMEDIATE``,
runs each piece inside a savepoint of its own on a plain sqlite3 connection (``Direct``:
its calls never suspend, so a piece runs to its end at once), and commits once. Each
piece keeps everything it would have done alone: its own version checks, its own
events and its own block of the hash chain (it reads the end of the chain as the
pieces before it left it), so the record is the same as if each had been written
alone.

A piece that raises (a ``Conflict``, a key taken) is rolled back to its savepoint and
gets its exception, after the commit like the others (so that what it reads next
includes the write it lost to); the others go on. If the transaction itself fails
(SQLite undid it, the commit failed), nothing of the batch is written: the piece that
failed gets its error and the others are queued again (if it failed to begin or to
commit, each gets the error). A caller is answered only after the commit: a write is
never reported done before it is on the disk. A caller that stops waiting before its
piece is taken is left out; once taken, its piece is committed with the others.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from storage.database import DuplicateKey, Row, Transaction

log = logging.getLogger(__name__)
T = TypeVar("T")
Work = Callable[[Transaction], Awaitable[Any]]
MOST = 64
"""Pieces of work in one transaction, at most: the others wait for the next one (and
other writers of this process, queued on the same lock, get their turn between)."""

_Piece = tuple[Work, "asyncio.Future[Any]"]
_Outcome = tuple["asyncio.Future[Any]", bool, Any]


@contextmanager
def unique() -> Iterator[None]:
    """A broken unique constraint as ``DuplicateKey``."""
    try:
        yield
    except sqlite3.IntegrityError as error:
        if "UNIQUE" not in str(error):
            raise
        raise DuplicateKey(str(error)) from error


class Direct:
    """A ``Transaction`` on a plain sqlite3 connection whose calls never suspend: a
    piece of work over it runs to its end in one go, in the thread the batch runs in
    (one hand-over to a thread per batch instead of one per statement)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    async def execute(self, sql: str, *args: Any) -> int:
        with unique():
            return self.conn.execute(sql, args).rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with unique():
            self.conn.executemany(sql, rows)

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        return list(self.conn.execute(sql, args).fetchall())


def _drive(work: Coroutine[Any, Any, T]) -> T:
    """Run a piece of work over ``Direct`` to its end, here and now."""
    try:
        work.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    work.close()
    raise RuntimeError("a grouped write waited on something besides its transaction")


class GroupCommit:
    """Runs pieces of work in shared transactions on ``conn`` (a plain sqlite3
    connection, used by one thread at a time), under ``lock``."""

    def __init__(self, conn: sqlite3.Connection, lock: asyncio.Lock, most: int = MOST) -> None:
        self._conn = conn
        self._db = Direct(conn)
        self._lock = lock
        self._most = most
        self._queue: deque[_Piece] = deque()
        self._leader: asyncio.Task[None] | None = None

    def close(self) -> None:
        """Close the connection (under the writers' lock: no batch is running)."""
        self._conn.close()

    async def run(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        """``work`` done in a transaction shared with whatever else waits; its result
        once that transaction is committed."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append((work, future))
        if self._leader is None or self._leader.done():
            self._leader = asyncio.create_task(self._lead())
        return await future

    async def _lead(self) -> None:
        try:
            while self._queue:
                batch: list[_Piece] = []
                while self._queue and len(batch) < self._most:
                    piece = self._queue.popleft()
                    if not piece[1].done():  # its caller stopped waiting
                        batch.append(piece)
                if batch:
                    await self._commit(batch)
        finally:  # cancelled (the store closing): what still waits is not written
            while self._queue:
                self._queue.popleft()[1].cancel()

    async def _commit(self, batch: list[_Piece]) -> None:
        async with self._lock:
            running = asyncio.ensure_future(asyncio.to_thread(self._batch, batch))
            try:
                outcomes, failure = await asyncio.shield(running)
            except asyncio.CancelledError:  # SQLite has the batch: let it end, then stop
                outcomes, failure = await running
                self._settle(batch, outcomes, failure)
                raise
        self._settle(batch, outcomes, failure)

    def _batch(self, batch: list[_Piece]
               ) -> tuple[list[_Outcome], tuple[int | None, Exception] | None]:
        """In a worker thread: the batch in one transaction. Returns each piece's
        outcome, or (the index of the piece it failed in, or None, and the error)."""
        outcomes: list[_Outcome] = []
        current: int | None = None  # None: beginning or committing
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            for n, (work, future) in enumerate(batch):
                current = n
                outcomes.append((future, *self._piece(work)))
            current = None
            self._conn.execute("COMMIT")
        except Exception as error:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            return [], (current, error)
        return outcomes, None

    def _piece(self, work: Work) -> tuple[bool, Any]:
        """One piece in a savepoint of its own: (True, its value), or (False, the
        exception it raised), it alone undone."""
        self._conn.execute("SAVEPOINT piece")
        try:
            value: Any = _drive(work(self._db))  # type: ignore[arg-type]
        except Exception as error:
            self._conn.execute("ROLLBACK TO piece")  # raises if SQLite undid it all
            self._conn.execute("RELEASE piece")
            return False, error
        self._conn.execute("RELEASE piece")
        return True, value

    def _settle(self, batch: list[_Piece], outcomes: list[_Outcome],
                failure: tuple[int | None, Exception] | None) -> None:
        """Answer the callers, refusals too: after the commit, so that what a refused
        caller reads next is there. If the transaction was undone, the piece it failed
        in gets the error and the others are queued again, ahead of later ones (if it
        failed to begin or to commit, all get it)."""
        if failure is not None:
            at, error = failure
            if at is None:
                for _, future in batch:
                    fail(future, error)
                return
            fail(batch[at][1], error)
            self._queue.extendleft(reversed([p for n, p in enumerate(batch) if n != at]))
            return
        for future, ok, value in outcomes:
            if future.done():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)


def fail(future: asyncio.Future[Any], error: BaseException) -> None:
    """Give a waiting caller ``error`` (cancel it, for what is not an ``Exception``),
    unless it has its answer already (the replay ledger's waiters too)."""
    if future.done():
        return
    if isinstance(error, Exception):
        future.set_exception(error)
    else:
        future.cancel()
