"""Schema migrations (numbered .sql files per engine: PRAGMA user_version on SQLite, a
schema_version table on PostgreSQL) and the settings every SQLite connection gets."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from storage.migrations import available, migrate
from storage.postgres import PostgresStore
from storage.sqlite import BUSY_TIMEOUT_MS, SqliteStore
from storage.store import Store
from tests.postgres import fresh_database
from workflows.model import Event, Jurisdiction

Query = Callable[..., list[tuple[Any, ...]]]
AT = datetime(2018, 2, 1, 15, 0, tzinfo=UTC)


def latest() -> int:
    return max(number for number, _ in available())


def schema(query: Query) -> list[tuple[Any, ...]]:
    return query("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")


async def add_one(store: Store, jid: str = "chicago") -> None:
    event = Event(jid, "added", "UADMIN", date(2018, 2, 1), AT, None, "new", {"name": "Chicago"})
    await store.add(Jurisdiction(jid, "Chicago, IL", "city", "IL"), [event], [])


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_shipped_migrations_are_numbered_from_one_without_gaps(dialect: str) -> None:
    numbers = [number for number, _ in available(dialect)]
    assert numbers == list(range(1, len(numbers) + 1))
    assert all(sql.strip() for _, sql in available(dialect))
    assert numbers == [number for number, _ in available("sqlite")]


async def test_both_engines_make_the_same_tables_views_columns_and_indexes(db_path: Path) -> None:
    sqlite_store = await SqliteStore.open(db_path)
    try:
        tables = await sqlite_store.read(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name")
        on_sqlite = {(t["name"], c["name"]) for t in tables
                     for c in await sqlite_store.read(f"PRAGMA table_info({t['name']})")}
        sqlite_indexes = {r["name"] for r in await sqlite_store.read(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
    finally:
        await sqlite_store.close()
    async with fresh_database() as url:
        pg_store = await PostgresStore.open(url)
        try:
            assert pg_store.schema_version == latest()
            on_postgres = {(r["table_name"], r["column_name"]) for r in await pg_store.read(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = 'public' AND table_name <> 'schema_version'")}
            pg_indexes = {r["indexname"] for r in await pg_store.read(
                "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"
                " AND indexname NOT IN (SELECT conname FROM pg_constraint)")}
        finally:
            await pg_store.close()
    assert on_postgres == on_sqlite
    assert pg_indexes == sqlite_indexes


async def test_postgres_replicas_starting_together_migrate_once() -> None:
    async with fresh_database() as url:
        stores = await asyncio.gather(*(PostgresStore.open(url) for _ in range(3)))
        try:
            assert {s.schema_version for s in stores} == {latest()}
            applied = await stores[0].read("SELECT version FROM schema_version ORDER BY 1")
            assert [r["version"] for r in applied] == list(range(1, latest() + 1))
            await add_one(stores[1])
            assert (await stores[2].get("chicago")) is not None
        finally:
            for store in stores:
                await store.close()


async def test_a_fresh_file_is_migrated_to_the_highest_migration_number(
        db_path: Path, query: Query) -> None:
    assert not db_path.exists()
    store = await SqliteStore.open(db_path)
    try:
        assert store.schema_version == latest()
    finally:
        await store.close()
    assert query("PRAGMA user_version") == [(latest(),)]
    tables = {row[1] for row in schema(query) if row[0] == "table"}
    assert {"jurisdictions", "aliases", "rounds", "court_orders", "events", "roles",
            "role_grants", "outbox"} <= tables


async def test_opening_again_applies_nothing_and_keeps_the_data(
        db_path: Path, query: Query) -> None:
    store = await SqliteStore.open(db_path)
    await add_one(store)
    await store.close()
    before = schema(query)

    again = await SqliteStore.open(db_path)
    try:
        assert again.schema_version == latest()
        kept = await again.get("chicago")
        assert kept is not None
        assert (kept.name, kept.version) == ("Chicago, IL", 1)
        assert (await again.history("chicago", 0, 10))[1] == 1
    finally:
        await again.close()
    assert schema(query) == before
    assert query("PRAGMA user_version") == [(latest(),)]


async def test_migrate_on_an_up_to_date_database_writes_nothing(db_path: Path) -> None:
    store = await SqliteStore.open(db_path)
    await add_one(store)
    await store.close()

    db = await aiosqlite.connect(db_path, isolation_level=None)
    try:
        assert await migrate(db) == latest()
        assert db.total_changes == 0
    finally:
        await db.close()


async def test_both_connections_use_wal_and_a_busy_timeout(store: SqliteStore,
                                                           query: Query) -> None:
    assert query("PRAGMA journal_mode") == [("wal",)]  # persistent: in the file itself
    # busy_timeout is per connection, so ask the store's own writer and reader. (A
    # quick read on the event loop never waits: a locked file sends it to the reader,
    # storage.quick_reads.)
    async with store.transaction() as writer:
        for conn in (writer, store.db):
            read = conn.fetch if conn is writer else store.db._reader.fetch
            assert [tuple(r) for r in await read("PRAGMA busy_timeout")] == [(BUSY_TIMEOUT_MS,)]
            assert [tuple(r) for r in await read("PRAGMA journal_mode")] == [("wal",)]
    assert BUSY_TIMEOUT_MS >= 1000


async def test_events_are_append_only(store: SqliteStore, db_path: Path, query: Query) -> None:
    await add_one(store)
    before = query("SELECT * FROM events")
    assert len(before) == 1

    conn = sqlite3.connect(db_path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE events SET actor = 'UMALLORY'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM events")
        conn.commit()
    finally:
        conn.close()
    assert query("SELECT * FROM events") == before
