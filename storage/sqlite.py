"""SQLite, the default: everything in one file, through aiosqlite.

Two connections: one writer, whose transactions are serialised by a lock (one
``BEGIN IMMEDIATE`` per change, busy timeout for other processes), and one reader that
only ever sees committed data (WAL). Claims need no row locks here: a write
transaction holds the whole file.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from storage.database import DuplicateKey, Row
from storage.migrations import migrate
from storage.store import Store

BUSY_TIMEOUT_MS = 10_000


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


@contextmanager
def _unique() -> Iterator[None]:
    try:
        yield
    except sqlite3.IntegrityError as error:
        if "UNIQUE" not in str(error):
            raise
        raise DuplicateKey(str(error)) from error


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
        async with self._db.execute(sql, args) as cursor:
            return list(await cursor.fetchall())


class SqliteDatabase:
    skip_locked = ""
    for_update = ""

    def __init__(self, path: str, writer: aiosqlite.Connection, reader: aiosqlite.Connection,
                 schema_version: int) -> None:
        self.path = path
        self.schema_version = schema_version
        self._writer = writer
        self._reader = Connection(reader)
        self._reader_db = reader
        self._lock = asyncio.Lock()

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
        await self._reader_db.close()
        await self._writer.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """BEGIN IMMEDIATE … COMMIT on the writer connection, one at a time."""
        async with self._lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield Connection(self._writer)
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            await self._writer.execute("COMMIT")

    async def read(self, sql: str, *args: Any) -> list[Row]:
        return await self._reader.fetch(sql, *args)

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

    @classmethod
    async def open(cls, path: str | Path) -> SqliteStore:
        return cls(await SqliteDatabase.open(path))

    @property
    def path(self) -> str:
        return self.db.path
