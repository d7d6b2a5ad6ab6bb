"""``snapshot``: everything stored, page by page, as of one moment, for exports."""

from __future__ import annotations

from dataclasses import replace

import pytest

from storage.snapshot import Snapshot, events_of_kinds
from storage.store import Store
from tests.storage.conftest import BOTH
from tests.storage.test_repository import event, full_jurisdiction, jurisdiction
from workflows.model import Event, Jurisdiction
from workflows.ports import ExportSource
from workflows.state_items import StateItem

pytestmark = BOTH  # every check here holds on SQLite and on PostgreSQL


async def many(store: Store, count: int) -> None:
    await store.add_many([(jurisdiction(f"town-{n:03d}", f"Town {n:03d}",
                                        aliases=(f"t{n:03d}",)),
                           [event(f"town-{n:03d}")], []) for n in range(count)])


async def every_jurisdiction(source: ExportSource, page: int) -> list[Jurisdiction]:
    found: list[Jurisdiction] = []
    after = ""
    while batch := await source.jurisdictions_after(after, page):
        assert len(batch) <= page
        found += batch
        after = batch[-1].id
    return found


async def test_pages_hold_whole_jurisdictions_in_id_order(store: Store) -> None:
    await many(store, 7)
    await store.add(full_jurisdiction(), [event("chicago")], [])
    async with store.snapshot() as source:
        found = await every_jurisdiction(source, 3)
    assert [j.id for j in found] == ["chicago"] + [f"town-{n:03d}" for n in range(7)]
    assert found[0] == replace(full_jurisdiction(), version=1)  # rounds, orders, aliases
    assert found[1] == await store.get("town-000")


async def test_events_page_by_jurisdiction_then_sequence(store: Store) -> None:
    await many(store, 3)
    town = await store.get("town-001")
    assert town is not None
    await store.save(town, 1, [event("town-001", "letter"), event("town-001", "response")], [])
    seen: list[Event] = []
    async with store.snapshot() as source:
        after = ("", 0)
        while batch := await source.events_after(after, 2):
            seen += batch
            after = (batch[-1].jurisdiction_id, batch[-1].seq)
    assert [(e.jurisdiction_id, e.seq, e.kind) for e in seen] == [
        ("town-000", 1, "added"), ("town-001", 1, "added"), ("town-001", 2, "letter"),
        ("town-001", 3, "response"), ("town-002", 1, "added")]
    assert seen[2].detail == {"name": "town-001"}


async def test_a_snapshot_does_not_see_later_changes_nor_hold_them_up(
        store: Store) -> None:
    await many(store, 4)
    async with store.snapshot() as source:
        first = await source.jurisdictions_after("", 2)
        town = await store.get("town-003")
        assert town is not None
        town.state = "closed"
        await store.save(town, 1, [event("town-003", "close", after="closed")], [])
        await many_more(store)
        rest = await source.jurisdictions_after(first[-1].id, 10)
        events = await source.events_after(("", 0), 100)
    assert [j.id for j in first + rest] == [f"town-{n:03d}" for n in range(4)]
    assert rest[-1].state == "new" and len(events) == 4
    saved = await store.get("town-003")
    assert saved is not None and saved.state == "closed"
    async with store.snapshot() as later:
        assert len(await later.jurisdictions_after("", 10)) == 5


async def many_more(store: Store) -> None:
    await store.add(jurisdiction("zeta", "Zeta"), [event("zeta")], [])


async def test_the_clock_events_of_a_page_are_read_through_the_kind_index(
        engine: str, store: Store) -> None:
    """The state export asks each page of jurisdictions for its events of a few kinds
    (pauses, resumptions, extensions): at 1,000,000 events, reading every event of the
    page to keep those took most of the export's time in the database."""
    if engine != "sqlite":
        pytest.skip("query plans: SQLite's (PostgreSQL plans by table statistics)")
    plan = [row["detail"] for row in await store.read(
        "EXPLAIN QUERY PLAN " + events_of_kinds(3), "a", "z", "clarify", "extended",
        "resume")]
    assert any("INDEX events_kind (kind=?" in step for step in plan), plan


async def test_a_state_page_is_each_jurisdiction_with_its_current_round_only(
        store: Store) -> None:
    """What the state export reads (one query a page for the jurisdictions and their
    last round, then the page's aliases and orders) is the whole jurisdiction's current
    round, aliases and orders, on every page and for jurisdictions without a round."""
    await many(store, 5)
    await store.add(full_jurisdiction(), [event("chicago")], [])
    async with store.snapshot() as source:
        whole = await every_jurisdiction(source, 100)
        light: list[StateItem] = []
        after = ""
        while batch := await source.state_after(after, 2):
            assert len(batch) <= 2
            light += batch
            after = batch[-1].id
    assert [item.id for item in light] == [j.id for j in whole]
    for item, j in zip(light, whole, strict=True):
        assert item.jurisdiction() == replace(j, version=0, rounds=j.rounds[-1:],
                                              held_from=None, held_by=None,
                                              last_step_on=None)
    chicago = light[0]
    assert chicago.current is not None and chicago.current.number == 2
    assert (chicago.current.sent_on, chicago.current.paused_on) == ("2017-06-02",
                                                                   "2017-06-10")
    assert light[1].current is None and light[1].aliases == ("t000",)


async def test_a_state_page_read_as_json_is_the_page_read_as_rows(store: Store) -> None:
    """SQLite reads a state page as one JSON text (``Database.json_pages``): every text
    comes back as it was stored, numbers as numbers, nothing as None, in id order."""
    names = ['Quote " and, comma', "Line\r\nbreak\ttab", "Ünïcödé 東京 🏛", "\\ back \\n"]
    await store.add_many([(jurisdiction(f"odd-{n}", name, "city", "IL",
                                        aliases=(f"o{n}",) if n % 2 else ()),
                           [event(f"odd-{n}")], []) for n, name in enumerate(names)])
    await store.add(full_jurisdiction(), [event("chicago")], [])
    pages: dict[bool, list[StateItem]] = {}
    for as_json in (False, store.db.json_pages):  # PostgreSQL reads rows either way
        async with store.db.snapshot() as reader:
            pages[as_json] = await Snapshot(reader, as_json).state_after("", 100)
    read = pages[store.db.json_pages]
    assert read == pages[False]
    assert [item.name for item in read[1:]] == names
    assert read[0].current is not None and read[0].current.number == 2
    assert read[2].aliases == ("o1",) and read[1].current is None
