"""What a read costs: on SQLite, no trip to the reader connection's thread when it is
quick (each trip is a wake-up of the event loop, slow on a busy machine) and one when
it is not; a page of history with its total in one query; a person's role read once
for all the checks of one command."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from storage.quick_reads import BUDGET_SECONDS, QuickReads
from storage.roles_once import roles_read_once
from storage.sqlite import SqliteDatabase
from storage.store import Store
from tests.storage.conftest import BOTH
from workflows.deadlines import DueSpec
from workflows.model import Role
from workflows.review import Review

AT = datetime(2018, 2, 1, 15, 0, tzinfo=UTC)


def counting(store: Store) -> list[str]:
    """Every query the store runs from now on (its SQL)."""
    ran: list[str] = []
    read = store.db.read

    async def counted(sql: str, *args: Any) -> Any:
        ran.append(sql)
        return await read(sql, *args)

    store.db.read = counted  # type: ignore[method-assign]
    return ran


def trips_of(store: Store) -> list[Callable[..., Any]]:
    """Every trip to the reader connection's thread from now on."""
    assert isinstance(store.db, SqliteDatabase)
    reader = store.db._reader_db
    trips: list[Callable[..., Any]] = []
    go = reader._execute

    async def counted(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        trips.append(fn)
        return await go(fn, *args, **kwargs)

    reader._execute = counted  # type: ignore[method-assign]
    return trips


async def test_a_quick_read_is_answered_on_the_loop(store: Store) -> None:
    trips = trips_of(store)
    rows = await store.read("SELECT 1 AS one UNION ALL SELECT 2")
    assert [r["one"] for r in rows] == [1, 2]
    assert trips == []  # was three trips to the thread: execute, fetchall, close


async def test_a_long_read_goes_to_the_thread_in_one_trip_and_comes_back_whole(
        store: Store) -> None:
    trips = trips_of(store)
    started = time.perf_counter()
    rows = await store.read("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
                            " WHERE i < 300000) SELECT count(*) AS c, sum(i) AS s FROM n")
    assert (rows[0]["c"], rows[0]["s"]) == (300_000, 300_000 * 300_001 // 2)
    assert len(trips) == 1
    assert time.perf_counter() - started > 5 * BUDGET_SECONDS  # it was long indeed


async def test_a_statement_that_writes_still_runs_on_the_thread(store: Store) -> None:
    await store.set_role("UANA", Role.ANALYST, "UADMIN", AT)
    trips = trips_of(store)
    rows = await store.read("DELETE FROM roles WHERE user_id = ? RETURNING user_id", "UANA")
    assert [r["user_id"] for r in rows] == ["UANA"] and len(trips) == 1
    assert await store.role("UANA") is None


class CompilesCounted(QuickReads):
    """Quick reads whose connections count the statements they compile (SQLite asks
    the authorizer while compiling, never when it runs a statement it has cached)."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.asked = 0

    def _open(self) -> sqlite3.Connection:
        conn = super()._open()
        conn.set_authorizer(self._asked)
        return conn

    def _asked(self, *action: object) -> int:
        self.asked += 1
        return sqlite3.SQLITE_OK


def test_a_read_cut_short_does_not_leave_its_sql_compiled_on_every_read(
        tmp_path: Path) -> None:
    """Cut short while its rows are fetched, a statement stayed in the connection's
    cache marked in use (Python 3.11), and the same SQL was compiled anew on every read
    after (2.5 times the cost of a card's reads)."""
    sqlite3.connect(tmp_path / "quick.db").close()
    quick = CompilesCounted(str(tmp_path / "quick.db"))
    upto = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
            " SELECT i FROM n")
    assert quick.fetch(upto, (10**9,)) is None  # over budget: left to the reader thread
    assert [r["i"] for r in quick.fetch(upto, (3,)) or []] == [1, 2, 3]
    once = quick.asked
    for _ in range(5):
        assert len(quick.fetch(upto, (3,)) or []) == 3
    assert quick.asked == once  # compiled once, then taken from the cache
    quick.close()


@BOTH
async def test_a_page_of_history_and_its_total_come_in_one_query(review: Review,
                                                                 store: Store) -> None:
    await review.add("UADMIN", "chicago", "City of Chicago", us_state="IL")
    await review.take("UADMIN", "chicago", "letter", due=DueSpec(days=30))
    await review.take("UADMIN", "chicago", "response")
    ran = counting(store)
    events, total = await store.history("chicago", 0, 2)
    assert (len(events), total, len(ran)) == (2, 3, 1)
    assert [e.kind for e in events] == ["response", "letter"]  # newest first
    last, total = await store.history("chicago", 2, 2)
    assert ([e.kind for e in last], total) == (["added"], 3)
    past, total = await store.history("chicago", 4, 2)  # a page past the last
    assert (past, total) == ([], 3)
    none, total = await store.history("nowhere", 0, 2)
    assert (none, total) == ([], 0)


@BOTH
async def test_a_role_is_read_once_in_a_scope_and_afresh_once_set(store: Store) -> None:
    await store.set_role("UANA", Role.ANALYST, "UADMIN", AT)
    ran = counting(store)
    with roles_read_once():
        assert [await store.role("UANA") for _ in range(3)] == [Role.ANALYST] * 3
        assert await store.role("UNOBODY") is None
        assert await store.role("UNOBODY") is None
        assert len(ran) == 2
        await store.set_role("UANA", Role.LEAD, "UADMIN", AT)
        assert await store.role("UANA") is Role.LEAD  # set in the scope: read afresh
    assert await store.role("UANA") is Role.LEAD
    assert await store.role("UANA") is Role.LEAD  # outside a scope, every ask reads
    assert len(ran) == 5


@pytest.mark.parametrize("engine", ["sqlite"])
async def test_scopes_are_each_tasks_own(store: Store) -> None:
    await store.set_role("UANA", Role.ANALYST, "UADMIN", AT)

    async def in_scope() -> Role | None:
        with roles_read_once():
            return await store.role("UANA")

    with roles_read_once():
        assert await store.role("UANA") is Role.ANALYST
        await store.set_role("UANA", Role.LEAD, "UADMIN", AT)
        assert await asyncio.gather(in_scope(), in_scope()) == [Role.LEAD] * 2
