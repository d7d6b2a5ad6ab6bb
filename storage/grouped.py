"""Group commit on SQLite: the writes waiting at one moment share one transaction.

SQLite has one writer at a time, and each commit waits for the disk (``synchronous =
FULL``: a step the bot has answered as recorded is on the disk). One transaction per
step made every step wait for everyone's fsync in turn. Here each write is a piece of
work (a function of the transaction) put in a queue; one task takes all the work
waiting (``MOST`` at most), opens one ``BEGIN IMMEDIATE``, runs each piece inside a
savepoint of its own, and commits once. Each piece keeps everything it would have
done alone: its own version checks, its own events and its own block of the hash
chain (it reads the end of the chain as the pieces before it left it), so the record
is the same as if each had been written alone.

A piece that raises (a ``Conflict``, a key taken) is rolled back to its savepoint and
gets its exception, after the commit like the others (so that what it reads next
includes the write it lost to); the others go on. If the transaction itself fails (SQLite undid it,
the commit failed, the task was cancelled), nothing of the batch is written: the piece
that failed gets its error and the others are queued again (after a failed commit,
each gets the error). A caller is answered only after the commit: a write is never
reported done before it is on the disk. A caller that stops waiting before its piece
is taken is left out; once taken, its piece is committed with the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from storage.database import Transaction

log = logging.getLogger(__name__)
T = TypeVar("T")
Work = Callable[[Transaction], Awaitable[Any]]
MOST = 64
"""Pieces of work in one transaction, at most: the others wait for the next one (and
other writers of this process, queued on the same lock, get their turn between)."""

_Piece = tuple[Work, "asyncio.Future[Any]"]


class GroupCommit:
    """Runs pieces of work in shared transactions on ``db`` under ``lock``."""

    def __init__(self, db: Transaction, lock: asyncio.Lock, most: int = MOST) -> None:
        self._db = db
        self._lock = lock
        self._most = most
        self._queue: deque[_Piece] = deque()
        self._leader: asyncio.Task[None] | None = None

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
        outcomes: list[tuple[asyncio.Future[Any], bool, Any]] = []
        current: _Piece | None = None  # None: beginning or committing
        async with self._lock:
            try:
                await self._db.execute("BEGIN IMMEDIATE")
                for current in batch:
                    outcomes.append((current[1], *await self._piece(current[0])))
                current = None
                await self._db.execute("COMMIT")
            except BaseException as error:
                await self._undo()
                self._failed(batch, current, error)
                if not isinstance(error, Exception):
                    raise
                return
        for future, ok, value in outcomes:  # refusals too: after the commit, so that
            if future.done():               # what a refused caller reads next is there
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    async def _piece(self, work: Work) -> tuple[bool, Any]:
        """One piece in a savepoint of its own: (True, its value), or (False, the
        exception it raised), it alone undone."""
        await self._db.execute("SAVEPOINT piece")
        try:
            value = await work(self._db)
        except Exception as error:
            await self._db.execute("ROLLBACK TO piece")  # raises if SQLite undid it all
            await self._db.execute("RELEASE piece")
            return False, error
        await self._db.execute("RELEASE piece")
        return True, value

    async def _undo(self) -> None:
        try:
            await self._db.execute("ROLLBACK")
        except Exception:  # SQLite undid the transaction itself already
            log.debug("nothing to roll back", exc_info=True)

    def _failed(self, batch: list[_Piece], current: _Piece | None,
                error: BaseException) -> None:
        """The transaction is undone: the piece it failed in gets the error; the others
        are queued again, ahead of later ones (if it failed to begin or to commit, all
        get it)."""
        if current is None:
            for _, future in batch:
                _fail(future, error)
            return
        _fail(current[1], error)
        again = [piece for piece in batch if piece is not current]
        if not isinstance(error, Exception):  # cancelled: no one will run them
            for _, future in again:
                _fail(future, error)
            return
        self._queue.extendleft(reversed(again))


def _fail(future: asyncio.Future[Any], error: BaseException) -> None:
    if future.done():
        return
    if isinstance(error, Exception):
        future.set_exception(error)
    else:
        future.cancel()
