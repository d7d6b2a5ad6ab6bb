"""SQLite, the default: everything in one file, through aiosqlite.

A writer, whose transactions are serialised by a lock (``BEGIN IMMEDIATE``, busy
timeout for other processes), and one reader that only ever sees committed data (WAL).
The steps' writes, and the relay's marks, go through ``grouped``: those waiting at one
moment share one transaction and one fsync (``storage.grouped``), on a plain
connection of their own under the same lock. A read is first tried on the event loop,
on a read-only connection of its own, and goes to the reader's thread if it takes more
than a millisecond (``storage.quick_reads``). Claims need no row locks here: a write
transaction holds the whole file.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from storage import runs
from storage.database import Ledger, Row, Transaction
from storage.grouped import GroupCommit
from storage.grouped import unique as _unique
from storage.migrations import migrate
from storage.quick_reads import QuickReads
from storage.store import Store
from storage.timing import Timing
from workflows.ports import StagedChange

T = TypeVar("T")
BUSY_TIMEOUT_MS = 10_000
STAGING_CACHE_KIB = -65_536
"""Page cache of a staging connection: 64 MiB (SQLite's default is 2 MiB), so that
moving 100,000 rows in spills few pages to the log to read them back while the file is
locked. Freed when the write ends, but it is the biggest part of an import's peak
memory once the rows are staged a run at a time: an import of 100,000 jurisdictions
peaks at 265 MB with it, 244 MB at 40 MiB, 224 MB at 24 MiB; but each step down reads
more pages back (0.3 s more of the import at 40 MiB) and holds the lock longer (a role
change waited 1.3 to 1.6 s at 24 MiB instead of 0.9 to 1.1 on a busy machine). An
events file's runs take a smaller cache of their own (``storage.runs.RUN_CACHE_KIB``)."""


async def _connect(path: str) -> aiosqlite.Connection:
    opening = aiosqlite.connect(path, isolation_level=None)
    try:
        db = await opening
    except BaseException:
        # aiosqlite stops its worker thread after a failed open, and the thread reports
        # back to this loop: wait for it, or it finds the loop closed as the process ends.
        await asyncio.to_thread(opening._thread.join, 5)
        raise
    try:
        db.row_factory = sqlite3.Row
        await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await _wal(db)
        await db.execute("PRAGMA synchronous = FULL")
        await db.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        await db.close()
        raise
    return db


def _direct(path: str) -> sqlite3.Connection:
    """The plain connection grouped writes run on, one thread at a time
    (``storage.grouped``), set as the writer is; the file is in WAL mode already."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    for pragma in (f"busy_timeout = {BUSY_TIMEOUT_MS}", "synchronous = FULL",
                   "foreign_keys = ON"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


async def _wal(db: aiosqlite.Connection) -> None:
    """Switch to WAL. Changing the journal mode does not wait on the busy timeout, so
    while another process creates the file, try again for as long as that timeout."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            await db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or loop.time() > give_up:
                raise
            await asyncio.sleep(0.05)


class Connection:
    """An aiosqlite connection as the stores' ``Transaction`` and ``Reader``."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def execute(self, sql: str, *args: Any) -> int:
        with _unique():
            cursor = await self._db.execute(sql, args)
        return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with _unique():
            await self._db.executemany(sql, rows)

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        # One trip to the connection's thread (execute, fetch and close there), not
        # three: each trip is a wake-up of the loop that a busy machine makes slow.
        return list(await self._db.execute_fetchall(sql, args))


class _Ledgers:
    """A plain sqlite3 connection of its own for the tables of keys seen, used under the
    writer's lock (so no transaction of this process is in its way). A batch is written
    right on the event loop: one small transaction committed without fsync (synchronous
    NORMAL, in WAL mode), about 0.1 ms, cheaper than a trip to a thread, whose wake-up
    alone can take milliseconds on a busy machine (the GIL). It never waits there: if
    another process holds the file (busy timeout 0) the batch goes to a worker thread
    that waits, as it does for pruning and checkpointing the log, which this connection
    leaves to that thread (so no commit on the loop ever does one)."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA busy_timeout = 0")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        self.conn.execute("PRAGMA wal_autocheckpoint = 0")

    def write(self, ledger: Ledger, seen: Sequence[tuple[str, float]]) -> set[str] | None:
        """The batch written now, or None if another process holds the file."""
        try:
            return self._transaction(ledger, seen, None)
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            return None

    def write_patiently(self, ledger: Ledger, seen: Sequence[tuple[str, float]],
                        prune_before: float | None) -> set[str]:
        """In a worker thread: wait for the file, write, prune, checkpoint the log."""
        self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        try:
            fresh = self._transaction(ledger, seen, prune_before)
            if prune_before is not None:
                self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            return fresh
        finally:
            self.conn.execute("PRAGMA busy_timeout = 0")

    def _transaction(self, ledger: Ledger, seen: Sequence[tuple[str, float]],
                     prune_before: float | None) -> set[str]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            rows = self.conn.execute(_upsert(ledger, len(seen)),
                                     [value for pair in seen for value in pair]).fetchall()
            if prune_before is not None:
                self.conn.execute(f"DELETE FROM {ledger.table} WHERE seen_at < ?",
                                  (prune_before,))
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        return {str(row[0]) for row in rows}


def _upsert(ledger: Ledger, size: int) -> str:
    """Insert ``size`` (key, seen_at) rows; a key already there comes back only if it
    was seen longer than the window ago (pruning is housekeeping, not what decides)."""
    table, column = ledger.table, ledger.column
    return (f"INSERT INTO {table} ({column}, seen_at) VALUES {', '.join(['(?, ?)'] * size)}"
            f" ON CONFLICT ({column}) DO UPDATE SET seen_at = excluded.seen_at"
            f" WHERE {table}.seen_at < excluded.seen_at - {ledger.window!r}"
            f" RETURNING {column}")


@asynccontextmanager
async def _transaction(conn: aiosqlite.Connection, lock: asyncio.Lock
                       ) -> AsyncIterator[Connection]:
    """BEGIN IMMEDIATE … COMMIT on ``conn``, under the lock of this process's writers."""
    async with lock:
        await conn.execute("BEGIN IMMEDIATE")
        try:
            yield Connection(conn)
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        await conn.execute("COMMIT")


class _Staging:
    """A big write staged on a connection of its own (``storage.writes``): its rows go
    into that connection's temporary tables, which live outside the file, so filling
    them takes none of the file's locks however long it takes; then one transaction of
    that connection moves them. It runs under the writer's lock, so this process's
    other writes wait their turn in it rather than on the file's busy timeout. Its
    commit leaves the log to be copied into the file after the lock is let go (a
    commit of 100,000 changes that did it took 0.9 s instead of 0.4). Closing the
    connection drops the tables."""

    def __init__(self, conn: aiosqlite.Connection, writer_lock: asyncio.Lock) -> None:
        self._conn = conn
        self._writer_lock = writer_lock
        self._tables = 0

    async def table(self, rows: Sequence[Sequence[Any]], into: str | None = None) -> str:
        width = len(rows[0])
        name = into
        if name is None:
            self._tables += 1
            name = f"temp.staged_{self._tables}"
            await self._conn.execute(
                f"CREATE TABLE {name} ({', '.join(f'p{n}' for n in range(1, width + 1))})")
        await self._conn.execute("BEGIN")  # touches only the temporary database
        try:
            await self._conn.executemany(
                f"INSERT INTO {name} VALUES ({', '.join('?' * width)})", rows)
        except BaseException:
            await self._conn.execute("ROLLBACK")
            raise
        await self._conn.execute("COMMIT")
        return name

    def transaction(self) -> AbstractAsyncContextManager[Connection]:
        return _transaction(self._conn, self._writer_lock)

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        """A read of the file's committed rows, outside any transaction."""
        return list(await self._conn.execute_fetchall(sql, args))

    async def run(self, sql: str, *args: Any) -> None:
        """One statement outside any transaction, taking no lock of the file: making
        or dropping a temporary table (from a read of the file's committed rows)."""
        await self._conn.execute(sql, args)


class SqliteDatabase:
    skip_locked = ""
    claims_in_turn = ""
    writes_in_with = False
    for_update = ""
    unindexed = "+{}"
    json_pages = True

    def __init__(self, path: str, writer: aiosqlite.Connection, reader: aiosqlite.Connection,
                 schema_version: int) -> None:
        self.path = path
        self.schema_version = schema_version
        self._writer = writer
        self._reader = Connection(reader)
        self._reader_db = reader
        self._quick = QuickReads(path)
        self._lock = asyncio.Lock()
        self._group = GroupCommit(_direct(path), self._lock)
        self._staging_lock = asyncio.Lock()
        self._ledgers: _Ledgers | None = None
        self.timing = Timing()

    @classmethod
    async def open(cls, path: str | Path) -> SqliteDatabase:
        writer = await _connect(str(path))
        try:
            version = await migrate(writer)
            reader = await _connect(str(path))
        except BaseException:
            await writer.close()
            raise
        return cls(str(path), writer, reader, version)

    async def close(self) -> None:
        async with self._lock:
            if self._ledgers is not None:
                self._ledgers.conn.close()
            self._group.close()
        self._quick.close()
        await self._reader_db.close()
        await self._writer.close()

    def transaction(self) -> AbstractAsyncContextManager[Connection]:
        """BEGIN IMMEDIATE … COMMIT on the writer connection, one at a time."""
        return self.timing.around("transaction", _transaction(self._writer, self._lock))

    async def grouped(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        """``work`` in a write transaction shared with the others waiting
        (``storage.grouped``): one commit, one fsync, for all of them."""
        with self.timing.measure("transaction"):
            return await self._group.run(work)

    @asynccontextmanager
    async def staging(self, cache_kib: int = STAGING_CACHE_KIB) -> AsyncIterator[_Staging]:
        """A connection of its own for one big write at a time (``_Staging``), with a
        page cache of ``cache_kib`` (negative: KiB, as SQLite's ``cache_size``)."""
        async with self._staging_lock:
            conn = await _connect(self.path)
            try:
                await conn.execute(f"PRAGMA cache_size = {cache_kib}")
                await conn.execute("PRAGMA wal_autocheckpoint = 0")
                yield _Staging(conn, self._lock)
                # Copy the write from the log into the file now, outside the lock, not in
                # the commit (which the lock's next holders would wait for).
                await conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                await conn.close()

    async def read(self, sql: str, *args: Any) -> list[Row]:
        """On the loop if quick (``storage.quick_reads``), else on the reader's thread."""
        with self.timing.measure("read"):
            rows = self._quick.fetch(sql, args)
            return rows if rows is not None else await self._reader.fetch(sql, *args)

    async def remember(self, ledger: Ledger, seen: Sequence[tuple[str, float]],
                       prune_before: float | None) -> set[str]:
        with self.timing.measure("remember"):
            return await self._remember(ledger, seen, prune_before)

    async def _remember(self, ledger: Ledger, seen: Sequence[tuple[str, float]],
                        prune_before: float | None) -> set[str]:
        async with self._lock:
            ledgers = self._ledger_connection()
            if prune_before is None and (fresh := ledgers.write(ledger, seen)) is not None:
                return fresh
            return await asyncio.to_thread(ledgers.write_patiently, ledger, seen,
                                           prune_before)

    def _ledger_connection(self) -> _Ledgers:
        if self._ledgers is None:
            self._ledgers = _Ledgers(self.path)
        return self._ledgers

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Connection]:
        """A read transaction on a connection of its own (WAL: it holds up no one)."""
        db = await _connect(self.path)
        try:
            await db.execute("BEGIN")
            yield Connection(db)
        finally:
            await db.close()  # ends the read transaction


class SqliteStore(Store):
    """The store on one SQLite file: ``await SqliteStore.open(path)``."""

    db: SqliteDatabase
    runs_from = runs.RUNS_FROM
    run_size = runs.RUN

    @classmethod
    async def open(cls, path: str | Path) -> SqliteStore:
        """Open the file, and finish any big import a stopped process left part-written."""
        store = cls(await SqliteDatabase.open(path))
        try:
            await runs.finish_left(store.db)
        except BaseException:
            await store.close()
            raise
        return store

    async def save_many(self, changes: Sequence[StagedChange]) -> None:
        """As ``Store.save_many``; from ``runs.RUNS_FROM`` changes, written a run of
        jurisdictions at a time, all of them in the end (``storage.runs``)."""
        if len(changes) < self.runs_from:
            await super().save_many(changes)
            return
        await runs.write_in_runs(self.db, changes, self.run_size)
        if any(c.notices for c in changes):
            self.notices_added()

    async def save_stream(self, groups: AsyncIterator[Sequence[StagedChange]],
                          count: int) -> None:
        """As ``Repository.save_stream``. Under ``runs.RUNS_FROM`` changes, they are
        gathered and written as ``save_many`` writes them; from there on they go a run
        at a time into the import's tables as they come (``runs.write_stream``), so
        that only a group's worth is in memory."""
        if count < self.runs_from:
            await super().save_stream(groups, count)
            return
        await runs.write_stream(self.db, groups, self.run_size)
        self.notices_added()

    async def finish_imports(self, now: float | None = None) -> int:
        return await runs.finish_left(self.db, now)

    @property
    def path(self) -> str:
        return self.db.path
