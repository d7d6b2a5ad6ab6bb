"""PostgreSQL, for several bot replicas sharing one database, through asyncpg.

A pool of connections; each change is one transaction on one of them (READ COMMITTED:
the optimistic ``WHERE version = ?`` re-checks a row another replica just changed, so
one of two racing changes gets ``Conflict``). Claims pick rows ``FOR UPDATE SKIP
LOCKED``: replicas sweeping at the same moment each get different reminders.
Migrations run under an advisory lock, so replicas starting together migrate once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from functools import lru_cache
from typing import Any, TypeVar

import asyncpg

from storage.database import DuplicateKey, Ledger, Row, Transaction, numbered
from storage.migrations import after, available
from storage.store import Store
from storage.timing import Timing

T = TypeVar("T")

POOL_SIZE = 10
MIGRATION_LOCK = 0x7265766965  # any number; the same for every replica
CLAIMS_LOCK = 0x636C61696D  # reminder claims, taken in turn (``claims_in_turn``)
_sql = lru_cache(maxsize=512)(numbered)


SETTINGS = {"plan_cache_mode": "force_custom_plan"}
"""Every statement planned for the values it is given: asyncpg prepares each statement
once, and from its sixth run PostgreSQL would otherwise settle on a plan made blind to
them (a deadline tier's first page: 0.1 ms planned for its dates, 25 ms blind)."""
_RESTORE_PLANS = f"SET LOCAL plan_cache_mode = {SETTINGS['plan_cache_mode']}"
GENERIC_FROM = 20
"""Rows from which ``Connection.executemany`` lets PostgreSQL keep one plan for all."""


@contextmanager
def _unique() -> Iterator[None]:
    try:
        yield
    except asyncpg.UniqueViolationError as error:
        raise DuplicateKey(str(error)) from error


class Connection:
    """An asyncpg connection as the stores' ``Transaction`` and ``Reader``."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def execute(self, sql: str, *args: Any) -> int:
        with _unique():
            status: str = await self._conn.execute(_sql(sql), *args)
        return int(status.rsplit(" ", 1)[-1]) if status[-1:].isdigit() else 0

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """``sql`` once for each of ``rows``, in one round trip. From ``GENERIC_FROM``
        rows, with a plan made once for any values (``plan_cache_mode = auto`` for
        this statement only): these are writes by key, whose plan does not depend on
        the values, and planning each row anew (``SETTINGS``) took half the time of
        writing it (20,000 reminders: 2.0 s, 1.0 s with one plan)."""
        batch = [tuple(row) for row in rows]
        if not batch:
            return
        with _unique():
            if len(batch) < GENERIC_FROM:
                await self._conn.executemany(_sql(sql), batch)
                return
            # LOCAL: should the statement fail, the transaction's end undoes it too.
            await self._conn.execute("SET LOCAL plan_cache_mode = auto")
            await self._conn.executemany(_sql(sql), batch)
            await self._conn.execute(_RESTORE_PLANS)

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        with _unique():
            return list(await self._conn.fetch(_sql(sql), *args))




class PostgresDatabase:
    skip_locked = " FOR UPDATE SKIP LOCKED"
    claims_in_turn = f"SELECT pg_advisory_xact_lock({CLAIMS_LOCK})"
    writes_in_with = True
    for_update = " FOR UPDATE"
    unindexed = "{}"
    json_pages = False

    def __init__(self, pool: Any, schema_version: int) -> None:
        self._pool = pool
        self.schema_version = schema_version
        self.timing = Timing()

    @classmethod
    async def open(cls, url: str, pool_size: int = POOL_SIZE) -> PostgresDatabase:
        pool = await asyncpg.create_pool(url, min_size=1, max_size=pool_size,
                                         server_settings=SETTINGS)
        try:
            async with pool.acquire() as conn:
                version = await migrate(conn)
        except BaseException:
            await pool.close()
            raise
        return cls(pool, version)

    async def close(self) -> None:
        await self._pool.close()

    def transaction(self) -> AbstractAsyncContextManager[Connection]:
        return self.timing.around("transaction", self._transaction())

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Connection]:
        async with self._pool.acquire() as conn, conn.transaction():
            yield Connection(conn)

    async def grouped(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        """``work`` in a transaction of its own: PostgreSQL's writers wait only for
        the rows they share, so there is nothing to gain by grouping them."""
        async with self.transaction() as db:
            return await work(db)

    def staging(self) -> None:
        """Big writes go row by row, in one transaction: PostgreSQL's writers lock only
        the rows they change, and its readers never wait."""
        return None

    async def read(self, sql: str, *args: Any) -> list[Row]:
        with self.timing.measure("read"):
            return list(await self._pool.fetch(_sql(sql), *args))

    async def remember(self, ledger: Ledger, seen: Sequence[tuple[str, float]],
                       prune_before: float | None) -> set[str]:
        """One statement whatever the number of keys (arrays, ``unnest``), in a
        transaction that does not wait for the WAL flush; the primary key makes one of
        two replicas inserting a key at once wait for the other, then see it."""
        with self.timing.measure("remember"):
            return await self._remember(ledger, seen, prune_before)

    async def _remember(self, ledger: Ledger, seen: Sequence[tuple[str, float]],
                        prune_before: float | None) -> set[str]:
        table, column = ledger.table, ledger.column
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("SET LOCAL synchronous_commit = off")
            rows = await conn.fetch(
                f"INSERT INTO {table} ({column}, seen_at) SELECT * FROM"
                " unnest($1::text[], $2::float8[]) ON CONFLICT"
                f" ({column}) DO UPDATE SET seen_at = excluded.seen_at"
                f" WHERE {table}.seen_at < excluded.seen_at - $3 RETURNING {column}",
                [key for key, _ in seen], [at for _, at in seen], ledger.window)
            if prune_before is not None:
                await conn.execute(f"DELETE FROM {table} WHERE seen_at < $1", prune_before)
        return {str(row[column]) for row in rows}

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Connection]:
        """A REPEATABLE READ, read-only transaction: every page sees the same moment."""
        async with self._pool.acquire() as conn, conn.transaction(
                isolation="repeatable_read", readonly=True):
            yield Connection(conn)


async def migrate(conn: Any) -> int:
    """Apply the PostgreSQL migrations newer than the database, in one transaction, under
    an advisory lock (a second replica waits, then finds nothing left to do). Returns the
    schema version afterwards."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_version ("
                           " version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL"
                           " DEFAULT now())")
        current = int(await conn.fetchval("SELECT coalesce(max(version), 0)"
                                          " FROM schema_version"))
        for number, sql in available("postgres"):
            if number > current:
                await conn.execute(sql)
                await after(number, Connection(conn))
                await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", number)
                current = number
    return current


class PostgresStore(Store):
    """The store on a PostgreSQL database: ``await PostgresStore.open(url)``."""

    @classmethod
    async def open(cls, url: str) -> PostgresStore:
        return cls(await PostgresDatabase.open(url))
