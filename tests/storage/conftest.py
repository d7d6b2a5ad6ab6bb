"""Fixtures for the SQLite store: a real database file in ``tmp_path`` per test."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from storage.sqlite import SqliteStore
from workflows.review import Review, ReviewConfig

NOW = datetime(2018, 2, 1, 15, 0, tzinfo=UTC)
ADMINS = frozenset({"UADMIN", "UALICE", "UBOB"})
CHANNEL = "#compliance-review"

Query = Callable[..., list[tuple[Any, ...]]]


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
async def store(db_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(db_path)
    yield opened
    await opened.close()


@pytest.fixture
def config() -> ReviewConfig:
    """Notices go to CHANNEL unless a jurisdiction has its own; the ADMINS may do anything."""
    return ReviewConfig(CHANNEL, admins=ADMINS)


@pytest.fixture
def review(store: SqliteStore, clock: Clock, config: ReviewConfig) -> Review:
    return Review(store, clock, config)


@pytest.fixture
def query(db_path: Path) -> Query:
    """Run one statement on a fresh plain ``sqlite3`` connection and return its rows:
    what another process would see, independent of the store's own connections."""

    def run(sql: str, *args: Any) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(db_path)
        try:
            return list(conn.execute(sql, args).fetchall())
        finally:
            conn.close()

    return run
