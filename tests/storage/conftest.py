"""Fixtures for the store: a real SQLite file in ``tmp_path`` per test or, where a
module parametrizes ``engine`` with "postgres", a PostgreSQL database of its own."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from storage import open_store
from storage.database import numbered
from storage.store import Store
from tests.packaged import packaged_workflow
from tests.postgres import fresh_database
from workflows.review import Review, ReviewConfig

NOW = datetime(2018, 2, 1, 15, 0, tzinfo=UTC)
ADMINS = frozenset({"UADMIN", "UALICE", "UBOB"})
CHANNEL = "#compliance-review"

Query = Callable[..., list[tuple[Any, ...]]]
BOTH = pytest.mark.parametrize("engine", ["sqlite", "postgres"])
"""For a module or test whose checks hold on both engines."""
EVERY_WAY = pytest.mark.parametrize("engine", ["sqlite", "staged", "postgres"])
"""For checks of writing many changes: on SQLite row by row and staged ("staged":
every write is, however small; ``storage.writes``), and on PostgreSQL."""


class Clock:
    """The injected clock: a fixed, timezone-aware instant."""

    def __init__(self, now: datetime = NOW) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "review.db"


@pytest.fixture
def engine() -> str:
    return "sqlite"


@pytest.fixture
async def database_url(engine: str, db_path: Path) -> AsyncIterator[str]:
    if engine in ("sqlite", "staged"):
        yield f"sqlite:///{db_path}"
        return
    async with fresh_database() as url:
        yield url


@pytest.fixture
async def store(database_url: str, engine: str) -> AsyncIterator[Store]:
    opened = await open_store(database_url)
    if engine == "staged":
        opened.staged_from = 1
    yield opened
    await opened.close()


@pytest.fixture
def config() -> ReviewConfig:
    """Notices go to CHANNEL unless a jurisdiction has its own; the ADMINS may do anything."""
    return ReviewConfig(CHANNEL, admins=ADMINS)


@pytest.fixture
def review(store: Store, clock: Clock, config: ReviewConfig) -> Review:
    return Review(store, clock, config, packaged_workflow())


@pytest.fixture
def query(engine: str, db_path: Path, database_url: str) -> Query:
    """Run one statement on a fresh connection of its own and return its rows: what
    another process would see, independent of the store's own connections."""

    def on_sqlite(sql: str, *args: Any) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(db_path)
        try:
            return list(conn.execute(sql, args).fetchall())
        finally:
            conn.close()

    def on_postgres(sql: str, *args: Any) -> list[tuple[Any, ...]]:
        import asyncpg

        async def fetch() -> list[tuple[Any, ...]]:
            conn = await asyncpg.connect(database_url)
            try:
                return [tuple(row) for row in await conn.fetch(numbered(sql), *args)]
            finally:
                await conn.close()

        with ThreadPoolExecutor(1) as thread:  # the test's own loop is busy running it
            return thread.submit(asyncio.run, fetch()).result()

    return on_postgres if engine == "postgres" else on_sqlite
