"""Claims that let several replicas share one database: reminders, notices and scheduled
summaries are each taken by one claimer at a time, on both engines."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import asyncpg
import pytest

from storage import open_store
from storage.store import Store
from storage.summaries import SummaryStore
from tests.storage.conftest import BOTH, NOW
from tests.storage.test_repository import add, event, jurisdiction
from workflows.deadlines import DueSpec
from workflows.model import Notice
from workflows.reminders import Due
from workflows.review import Review, new_jurisdiction
from workflows.summary import Cadence, Schedule, Subscription

pytestmark = BOTH
LEASE = timedelta(minutes=2)
SWEEP_AT = datetime(2018, 2, 20, 15, tzinfo=UTC)  # after every "before" reminder is due


async def letters(review: Review, count: int) -> None:
    """``count`` jurisdictions with a letter due 2018-02-23: reminders due by SWEEP_AT."""
    towns = [new_jurisdiction(f"town-{n:03d}", f"Town {n:03d}", "city", "CA")
             for n in range(count)]
    await review.import_jurisdictions("UADMIN", towns)
    for town in towns:
        await review.take("UADMIN", town.id, "letter", date(2018, 2, 1),
                          DueSpec(on=date(2018, 2, 23)))


async def test_claimers_racing_on_their_own_connections_split_the_reminders(
        review: Review, database_url: str) -> None:
    await letters(review, 60)
    stores = [await open_store(database_url) for _ in range(3)]
    try:
        async def sweep(store: Store, n: int) -> list[int]:
            taken: list[int] = []
            while due := await store.claim_reminders(SWEEP_AT, f"claim-{n}-{len(taken)}",
                                                     "#review", 7):
                taken += [d.reminder.id for d in due if d.reminder.id is not None]
            return taken

        claims = await asyncio.gather(*(sweep(s, n) for n, s in enumerate(stores)))
        every = await stores[0].read("SELECT id FROM reminders WHERE due_at <= ?",
                                     SWEEP_AT.isoformat())
    finally:
        for store in stores:
            await store.close()
    taken = [i for claim in claims for i in claim]
    assert len(taken) == len(set(taken)), "a reminder was claimed twice"
    assert sorted(taken) == sorted(r["id"] for r in every) and len(taken) >= 60


async def test_a_claimed_notice_is_not_taken_again_until_its_lease_runs_out(
        store: Store) -> None:
    j = jurisdiction("chicago", "Chicago, IL")
    await add(store, j, channel="#a")
    letter = event("chicago", "letter", at=NOW, after="awaiting_response")
    await store.save(j, 1, [letter], [Notice("#b", letter), Notice("#c", letter)])

    first = await store.claim_notices(NOW, LEASE, 2)
    second = await store.claim_notices(NOW, LEASE, 10)
    assert [n.channel for n in first] == ["#a", "#b"]
    assert [n.channel for n in second] == ["#c"]
    assert await store.claim_notices(NOW + LEASE / 2, LEASE, 10) == []

    await store.mark_sent(first[0].id, NOW)
    await store.release_notices(second[0].claim, [second[0].id])
    assert [n.channel for n in await store.claim_notices(NOW, LEASE, 10)] == ["#c"]
    later = await store.claim_notices(NOW + LEASE, LEASE, 10)  # the first relay died
    assert [n.channel for n in later] == ["#b", "#c"]


async def test_a_relay_whose_lease_ran_out_gives_back_nothing_another_took(
        store: Store) -> None:
    """Relay A's lease runs out mid-batch and relay B takes the notices; A, late, gives
    back what it did not post: they stay B's (A cleared B's claim, and a third relay
    took them while B was posting them)."""
    j = jurisdiction("chicago", "Chicago, IL")
    await add(store, j, channel="#a")
    [held_by_a] = await store.claim_notices(NOW, LEASE, 10)
    [held_by_b] = await store.claim_notices(NOW + LEASE, LEASE, 10)
    assert held_by_b.id == held_by_a.id and held_by_b.claim != held_by_a.claim
    await store.release_notices(held_by_a.claim, [held_by_a.id])
    assert await store.claim_notices(NOW + LEASE, LEASE, 10) == []
    await store.release_notices(held_by_b.claim, [held_by_b.id])
    assert [n.id for n in await store.claim_notices(NOW + LEASE, LEASE, 10)] == [held_by_b.id]


async def test_a_failed_notice_is_given_back_for_the_next_flush(store: Store) -> None:
    j = jurisdiction("chicago", "Chicago, IL")
    await add(store, j, channel="#a")
    [notice] = await store.claim_notices(NOW, LEASE, 10)
    await store.mark_failed(notice.id, "ratelimited", None)
    assert [n.id for n in await store.claim_notices(NOW, LEASE, 10)] == [notice.id]


async def test_one_replica_at_a_time_sends_a_channel_summary(store: Store) -> None:
    summaries = SummaryStore(store)
    schedule = Schedule(Cadence.DAILY, time(9), "America/New_York")
    await summaries.subscribe(Subscription("CLEAD", schedule, "UANA", NOW))

    assert await summaries.claim_sending("CLEAD", NOW, LEASE)
    assert not await summaries.claim_sending("CLEAD", NOW + LEASE / 2, LEASE)
    assert await summaries.mark_sent("CLEAD", NOW)  # ends the lease
    assert await summaries.claim_sending("CLEAD", NOW, LEASE)
    await summaries.release_sending("CLEAD")
    assert await summaries.claim_sending("CLEAD", NOW, LEASE)
    assert await summaries.claim_sending("CLEAD", NOW + LEASE, LEASE)  # holder died
    assert not await summaries.claim_sending("CNONE", NOW, LEASE)


async def test_on_postgres_a_claim_waits_for_one_in_flight_and_takes_the_next_reminders(
        engine: str, review: Review, store: Store, database_url: str) -> None:
    """Claims are taken in turn (an advisory lock, no row written): a sweep waits for
    another replica's claim still being written, then takes the reminders after it,
    none of the other's."""
    if engine != "postgres":
        pytest.skip("PostgreSQL's locks (SQLite serialises whole transactions)")
    await letters(review, 4)
    other = await asyncpg.connect(database_url)
    try:
        async with other.transaction():
            await other.execute(store.db.claims_in_turn)
            held = await other.fetch(
                "INSERT INTO reminder_claims (reminder_id, claim_id, claimed_at, channel)"
                " SELECT id, 'other', '2018-02-20T15:00:00+00:00', '#review' FROM reminders"
                " ORDER BY due_at, id LIMIT 3 RETURNING reminder_id AS id")
            mine = asyncio.create_task(store.claim_reminders(SWEEP_AT, "mine", "#review", 100))
            await asyncio.sleep(0.3)
            assert not mine.done(), "a claim went ahead of one still being written"
        due = await asyncio.wait_for(mine, timeout=5)
    finally:
        await other.close()
    taken = {d.reminder.id for d in due}
    assert taken and not taken & {r["id"] for r in held}


async def test_a_renewed_claim_is_not_stale(review: Review, store: Store) -> None:
    await letters(review, 2)
    due = await store.claim_reminders(SWEEP_AT, "slow-sweep", "#review", 100)
    later = SWEEP_AT + timedelta(minutes=3)
    assert [list(c.ids) for c in await store.stale_claims(later - LEASE)] == [
        sorted(d.reminder.id for d in due)]
    await store.renew_claim("slow-sweep", later)
    assert await store.stale_claims(later - LEASE) == []


async def test_a_claim_takes_a_jurisdictions_whole_backlog(review: Review, store: Store) -> None:
    """After a long outage a town has several reminders due; a claim cut at its limit
    still takes all of them, so the catch-up line speaks of the town once."""
    await letters(review, 3)
    late = datetime(2018, 2, 27, 16, tzinfo=UTC)  # before-3, before-1 and overdue are due
    due = await store.claim_reminders(late, "small", "#review", 2)
    towns = {d.reminder.jurisdiction_id for d in due}
    every = await store.read("SELECT jurisdiction_id, id FROM reminders WHERE due_at <= ?",
                             late.isoformat())
    backlog = {r["id"] for r in every if r["jurisdiction_id"] in towns}
    assert {d.reminder.id for d in due} == backlog and len(backlog) > 2
    rest = await store.claim_reminders(late, "next", "#review", 100)
    assert towns.isdisjoint(d.reminder.jurisdiction_id for d in rest) and rest


async def test_a_claim_keeps_where_its_channel_history_stood(review: Review,
                                                             store: Store) -> None:
    """Each claimed reminder keeps the Slack timestamp of its channel's last reminder
    message recorded so far: a check after a crash reads that channel back to there,
    whatever the clocks say. A channel with none has nothing to stop at."""
    await letters(review, 4)
    for n, channel in enumerate(("CEAST", "CEAST", "CWEST", "CNORTH")):
        await review.assign("UADMIN", f"town-{n:03d}", channel=channel)
    first = {d.reminder.jurisdiction_id: d.reminder.id
             for d in await store.claim_reminders(SWEEP_AT, "first", "#review", 100)}
    for town, ts in (("town-000", "1517400009.000300"), ("town-001", "1517400000.000100"),
                     ("town-002", "1517400005.000200")):
        await store.mark_reminders_sent([first[town]], ts, SWEEP_AT, [])
    await store.release_reminders([first["town-003"]], "first")  # never posted
    await store.claim_reminders(SWEEP_AT + timedelta(days=2), "dead", "#review", 100)
    stale = await store.stale_claims(SWEEP_AT + timedelta(days=3))
    assert {c.channel: c.after for c in stale} == {
        "CEAST": "1517400009.000300", "CWEST": "1517400005.000200", "CNORTH": None}
    assert {c.claim for c in stale} == {"dead"}


async def test_a_late_put_back_does_not_undo_a_newer_claim(review: Review,
                                                           store: Store) -> None:
    """Two sweeps check the same dead claim; the first puts its reminders back and claims
    them again. The second one's put-back, coming late, must leave them to that claim
    (else they would be posted, then posted again by the next sweep)."""
    await letters(review, 2)
    dead = await store.claim_reminders(SWEEP_AT, "dead", "#review", 100)
    ids = [d.reminder.id for d in dead if d.reminder.id is not None]
    await store.release_reminders(ids, "dead")
    again = await store.claim_reminders(SWEEP_AT, "second", "#review", 100)
    assert sorted(d.reminder.id for d in again) == sorted(ids)
    await store.release_reminders(ids, "dead")
    rows = await store.read("SELECT DISTINCT status, claim_id FROM reminder_status"
                            " WHERE claim_id IS NOT NULL")
    assert [(r["status"], r["claim_id"]) for r in rows] == [("sending", "second")]


async def test_a_claim_reads_what_its_reminders_read_back_say(review: Review,
                                                              store: Store) -> None:
    """The claim reads what the sweep's messages need as it claims (one statement on
    PostgreSQL, one transaction on SQLite): the same as reading the claimed reminders
    back, in the order the sweep posts them (channel, then town by name)."""
    await letters(review, 4)
    for n, channel in ((1, "CWEST"), (2, "CEAST")):
        await review.assign("UADMIN", f"town-{n:03d}", channel=channel)
    late = datetime(2018, 2, 27, 16, tzinfo=UTC)
    due = await store.claim_reminders(late, "claim", "#review", 100)
    back = await store.dues([d.reminder.id for d in due if d.reminder.id is not None])
    assert len(due) > 4 and sorted(due, key=_id) == sorted(back, key=_id)
    assert [(d.channel, d.name.lower(), d.reminder.due_at) for d in due] == sorted(
        (d.channel, d.name.lower(), d.reminder.due_at) for d in due)
    assert {d.channel for d in due} == {"#review", "CWEST", "CEAST"}


async def test_a_rider_an_earlier_claim_holds_stays_its(review: Review, store: Store) -> None:
    """A town's reminder claimed by a sweep still at work, and another of its reminders
    due since: the next claim takes the new one, and leaves the held one to its claim."""
    await letters(review, 1)
    first = {d.reminder.id for d in await store.claim_reminders(SWEEP_AT, "first", "#review",
                                                                100)}
    late = datetime(2018, 2, 27, 16, tzinfo=UTC)
    second = {d.reminder.id for d in await store.claim_reminders(late, "second", "#review",
                                                                 100)}
    assert first and second and not first & second
    rows = await store.read("SELECT id, claim_id FROM reminder_status"
                            " WHERE claim_id IS NOT NULL")
    assert {r["id"]: r["claim_id"] for r in rows} == {
        **{i: "first" for i in first}, **{i: "second" for i in second}}


def _id(due: Due) -> int:
    assert due.reminder.id is not None
    return due.reminder.id
