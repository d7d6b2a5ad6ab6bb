"""Big imports on the real store: written in one transaction, all or nothing, without
holding up another person's write for long, and without holding up the event loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from datetime import date, timedelta

import pytest

from storage.store import Store
from tests.storage.conftest import BOTH
from tests.storage.test_repository import AT, Query, event, jurisdiction
from workflows.errors import AlreadyExists
from workflows.imports import ImportReport
from workflows.model import Event, Jurisdiction, Notice, Role
from workflows.review import Review
from workflows.transfer import import_csv

pytestmark = BOTH  # every check here holds on SQLite and on PostgreSQL

ROWS = 10_000
"""Written one round trip a row, this held the write lock for some 30 seconds."""


def towns(rows: int, first: int = 0) -> list[tuple[Jurisdiction, list[Event], list[Notice]]]:
    return [(jurisdiction(f"town-{n:06d}", f"Town {n}", aliases=(f"t{n}",)),
             [event(f"town-{n:06d}")], []) for n in range(first, first + rows)]


async def waits(store: Store, work: Awaitable[object]) -> tuple[float, int]:
    """Run ``work`` while another person's writes (role grants) go on one after the
    other; return the longest any of them waited, and how many ran meanwhile."""
    done = asyncio.Event()
    longest, count = 0.0, 0

    async def another_person() -> None:
        nonlocal longest, count
        while not done.is_set():
            started = time.perf_counter()
            await store.set_role(f"U{count}", Role.ANALYST, "UADMIN", AT)
            longest, count = max(longest, time.perf_counter() - started), count + 1
            await asyncio.sleep(0.01)

    meanwhile = asyncio.create_task(another_person())
    try:
        await work
    finally:
        done.set()
        await meanwhile
    return longest, count


async def test_a_big_import_holds_up_another_persons_write_briefly(store: Store,
                                                                  query: Query) -> None:
    """50,000 rows handed over inside one transaction held SQLite's write lock for
    1.05 s; staged, their move holds it about half as long (``storage.writes``).

    The 0.8 s bound is this machine kind's; on a machine three times slower (seen: a
    role change waited 2.1 s of an import of 7.1 s) the wait is held to its share of
    the import's time instead: under two fifths of it, where a lock held through the
    whole write would make it most of it."""
    rows = 5 * ROWS
    started = time.perf_counter()
    longest, count = await waits(store, store.add_many(towns(rows)))
    took = time.perf_counter() - started
    assert query("SELECT count(*) FROM jurisdictions") == [(rows,)]
    assert query("SELECT count(*) FROM aliases") == [(rows,)]
    assert query("SELECT min(seq), max(seq), count(*) FROM events") == [(1, 1, rows)]
    assert count >= 1
    assert longest < max(0.8, 0.4 * took), (
        f"a role change waited {longest:.2f} s for the import of {took:.2f} s")


async def test_a_big_import_with_one_taken_id_at_its_end_writes_nothing(
        store: Store, query: Query) -> None:
    await store.add_many(towns(1, first=ROWS - 1))
    with pytest.raises(AlreadyExists):
        await store.add_many(towns(ROWS))
    assert query("SELECT count(*) FROM jurisdictions") == [(1,)]
    assert query("SELECT count(*) FROM events") == [(1,)]
    assert query("SELECT count(*) FROM aliases") == [(1,)]


async def test_checking_and_writing_a_big_file_leaves_the_event_loop_free(
        review: Review, query: Query) -> None:
    """Reading, checking and writing 30,000 lines is seconds of processor work: done on
    the event loop, it kept every other answer waiting that long."""
    text = "id,name,kind,state\n" + "".join(f"town-{n:06d},Town {n},city,CA\n"
                                           for n in range(30_000))
    lags = await _lags(import_csv(review, "UADMIN", text, dry_run=False))
    assert query("SELECT count(*) FROM jurisdictions") == [(30_000,)]
    assert max(lags) < 0.5, f"the event loop was held for {max(lags):.2f} s"


async def test_checking_a_big_events_file_leaves_the_event_loop_free(review: Review,
                                                                     query: Query) -> None:
    """Playing 12,000 steps on the jurisdictions' copies kept the event loop that long."""
    towns_csv = "id,name\n" + "".join(f"town-{n:03d},Town {n}\n" for n in range(300))
    assert (await import_csv(review, "UADMIN", towns_csv, dry_run=False)).applied
    first = date(2017, 1, 2)
    text = "date,jurisdiction,event,due\n" + "".join(
        f"{first + timedelta(days=d)},town-{n:03d},letter_sent,"
        f"{first + timedelta(days=d + 30)}\n" for n in range(300) for d in range(40))
    lags = await _lags(import_csv(review, "UADMIN", text, dry_run=True))
    assert max(lags) < 0.5, f"the event loop was held for {max(lags):.2f} s"
    assert query("SELECT count(*) FROM events") == [(300,)]  # a dry run writes nothing


async def test_checking_an_events_file_reads_many_jurisdictions_to_a_query(
        review: Review, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Seven reads a line (lookup, get, history) took 100,000 lines some ten minutes."""
    towns_csv = "id,name\n" + "".join(f"town-{n:04d},Town {n}\n" for n in range(1000))
    assert (await import_csv(review, "UADMIN", towns_csv, dry_run=False)).applied
    reads = 0
    read = store.read

    async def counted(sql: str, *args: object) -> list[object]:
        nonlocal reads
        reads += 1
        return await read(sql, *args)

    monkeypatch.setattr(store, "read", counted)  # the real reads, counted
    text = "date,jurisdiction,event,due\n" + "".join(
        f"2017-06-01,{ref},letter_sent,2017-07-14\n"
        for ref in (*(f"town-{n:04d}" for n in range(999)), "Town 999"))
    report = await import_csv(review, "UADMIN", text, dry_run=True)
    assert not report.errors, report.errors[:3]
    assert reads <= 40, f"{reads} reads for 1,000 lines"


async def _lags(work: Awaitable[ImportReport]) -> list[float]:
    """How late a ticker woke, every 10 ms, while ``work`` ran (it must succeed)."""
    lags: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            started = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append(time.perf_counter() - started - 0.01)

    ticking = asyncio.create_task(ticker())
    try:
        report = await work
    finally:
        done.set()
        await ticking
    assert not report.errors, report.errors[:3]
    return lags
