"""Group commit (``storage.grouped``): steps taken at the same moment share a commit on
SQLite, yet each keeps its own version check, events and block of the chain, a refused
one is undone alone, and a transaction that fails part-way leaves nothing written."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from storage.grouped import GroupCommit
from storage.store import Store
from tests.storage.conftest import BOTH, Query
from tests.storage.test_chain import LEAD, LETTER, checked
from workflows.errors import Conflict
from workflows.review import Change, Review


async def test_writes_waiting_at_one_moment_share_one_transaction(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "g.db", isolation_level=None, check_same_thread=False)
    conn.execute("CREATE TABLE t (name TEXT)")
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    group = GroupCommit(conn, asyncio.Lock())

    def piece(name: str) -> Any:
        async def work(tx: Any) -> str:
            await tx.execute("INSERT INTO t VALUES (?)", name)
            return name
        return work

    try:
        results = await asyncio.gather(*(group.run(piece(n)) for n in "abc"))
        assert results == ["a", "b", "c"]
        assert statements.count("BEGIN IMMEDIATE") == 1
        assert statements.count("COMMIT") == 1
        assert statements.count("SAVEPOINT piece") == 3
        assert conn.execute("SELECT name FROM t").fetchall() == [("a",), ("b",), ("c",)]
    finally:
        group.close()


async def test_a_write_that_waits_on_anything_but_its_transaction_is_refused(
        store: Store) -> None:
    async def sleeps(db: Any) -> None:
        await asyncio.sleep(0)

    with pytest.raises(RuntimeError, match="besides its transaction"):
        await store.db.grouped(sleeps)


@BOTH
async def test_steps_at_once_each_keep_their_block_and_a_conflict_is_undone_alone(
        store: Store, review: Review, query: Query) -> None:
    for n in range(12):
        await review.add(LEAD, f"j{n:02d}", f"Town {n}", "city")
    await review.take(LEAD, "j00", "letter", date(2018, 1, 24), LETTER)
    events_before = query("SELECT count(*) FROM events")[0][0]
    outbox_before = query("SELECT count(*) FROM outbox")[0][0]
    results = await asyncio.gather(
        review.take(LEAD, "j00", "response", date(2018, 1, 30)),
        review.take(LEAD, "j00", "clarify", date(2018, 1, 30)),
        *(review.take(LEAD, f"j{n:02d}", "letter", date(2018, 1, 24), LETTER)
          for n in range(1, 12)), return_exceptions=True)
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(conflicts) == 1, results
    assert sum(isinstance(r, Change) for r in results) == 12
    assert query("SELECT count(*) FROM events")[0][0] == events_before + 12
    assert query("SELECT count(*) FROM outbox")[0][0] == outbox_before + 12
    report = await checked(store)
    assert report.intact, report.problems
    assert report.blocks == report.events  # one block per change, as if written alone
    assert "Nothing was changed" in conflicts[0].message


async def test_a_transaction_failing_part_way_writes_nothing_and_the_rest_go_again(
        store: Store, query: Query) -> None:
    async def grant(db: Any) -> None:
        await db.execute("INSERT INTO role_grants (user_id, role, granted_by, granted_at)"
                         " VALUES ('UGRANTED', 'lead', 'UADMIN', 'now')")

    async def breaks_the_transaction(db: Any) -> None:
        await db.execute("INSERT INTO role_grants (user_id, role, granted_by, granted_at)"
                         " VALUES ('UHALF', 'lead', 'UADMIN', 'now')")
        await db.execute("ROLLBACK")  # as SQLite does itself on some errors

    outcome = await asyncio.gather(store.db.grouped(grant),
                                   store.db.grouped(breaks_the_transaction),
                                   store.db.grouped(grant), return_exceptions=True)
    assert outcome[0] is None and outcome[2] is None
    assert isinstance(outcome[1], Exception)
    assert query("SELECT user_id, count(*) FROM role_grants GROUP BY user_id") == [
        ("UGRANTED", 2)]  # each once, none of the broken one


@pytest.mark.parametrize("engine", ["sqlite"])
async def test_a_refused_write_is_answered_after_the_commit_of_its_batch(
        store: Store, engine: str) -> None:
    """The winner's write is visible to whoever lost to it as soon as they hear."""
    seen: list[int] = []

    async def wins(db: Any) -> None:
        await db.execute("INSERT INTO role_grants (user_id, role, granted_by, granted_at)"
                         " VALUES ('UWIN', 'lead', 'UADMIN', 'now')")

    async def loses(db: Any) -> None:
        raise Conflict("lost")

    async def loser() -> None:
        try:
            await store.db.grouped(loses)
        except Conflict:
            rows = await store.read("SELECT count(*) AS n FROM role_grants")
            seen.append(int(rows[0]["n"]))

    await asyncio.gather(store.db.grouped(wins), loser())
    assert seen == [1]
