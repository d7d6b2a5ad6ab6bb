"""One follow-up chain per deadline, kept by the store in the transaction that marks
reminders sent, and by the database itself (a partial unique index), on both engines."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest

from storage import open_store
from storage.database import DuplicateKey
from storage.store import Store
from storage.writes import utc_text
from tests.storage.test_claims import letters
from workflows.reminders import Kind, Reminder
from workflows.review import Review

pytestmark = pytest.mark.parametrize("engine", ["sqlite", "postgres"])
DEADLINE = date(2018, 2, 23)
OVERDUE_AT = datetime(2018, 2, 26, 15, tzinfo=UTC)


def follow_up(day: int) -> Reminder:
    """A follow-up of town-000's deadline, due on March ``day``."""
    return Reminder("town-000", 1, DEADLINE, Kind.FOLLOW_UP, datetime(2018, 3, day, 14, tzinfo=UTC))


async def waiting(store: Store) -> list[str]:
    """The days of town-000's follow-ups not yet sent."""
    rows = await store.read("SELECT due_at FROM reminder_status"
                            " WHERE jurisdiction_id = 'town-000'"
                            " AND kind = 'follow_up' AND status IN ('pending', 'sending')"
                            " ORDER BY due_at")
    return [r["due_at"][:10] for r in rows]


async def overdue_sent(review: Review, store: Store) -> None:
    """town-000's overdue reminder went out on 2-26 and chained its follow-up (3-5)."""
    await letters(review, 1)
    due = await store.claim_reminders(OVERDUE_AT, "sweep", "#review", 100)
    await store.mark_reminders_sent([d.reminder.id for d in due if d.reminder.id], "1.000001",
                                    OVERDUE_AT, [follow_up(5)])
    assert await waiting(store) == ["2018-03-05"]


async def test_a_later_follow_up_takes_the_place_of_the_one_waiting(review: Review,
                                                                   store: Store) -> None:
    """The escalation went out after the overdue chain had a follow-up waiting: the chain
    goes on from the escalation, and a follow-up computed late from an earlier nudge (a
    check after a crash) starts no second chain."""
    await overdue_sent(review, store)
    await store.mark_reminders_sent([], "2.000001", OVERDUE_AT, [follow_up(7)])
    assert await waiting(store) == ["2018-03-07"]
    await store.mark_reminders_sent([], "3.000001", OVERDUE_AT, [follow_up(5), follow_up(6)])
    assert await waiting(store) == ["2018-03-07"]
    cancelled = await store.read("SELECT due_at FROM reminders WHERE kind = 'follow_up'"
                                 " AND status = 'cancelled'")
    assert [r["due_at"][:10] for r in cancelled] == ["2018-03-05"]


async def test_the_database_refuses_a_second_waiting_follow_up(review: Review,
                                                               store: Store) -> None:
    await overdue_sent(review, store)
    with pytest.raises(DuplicateKey):
        async with store.transaction() as db:
            await db.execute("INSERT INTO reminders (jurisdiction_id, round, deadline, kind,"
                             " due_at) VALUES ('town-000', 1, ?, 'follow_up', ?)",
                             DEADLINE.isoformat(), utc_text(follow_up(9).due_at))
    assert await waiting(store) == ["2018-03-05"]


async def test_sweeps_marking_at_once_leave_one_follow_up_waiting(
        review: Review, store: Store, database_url: str) -> None:
    """Two replicas record nudges of the same deadline at the same moment (a check after
    a crash and a fresh sweep), each with the follow-up it computed."""
    await overdue_sent(review, store)
    others = [await open_store(database_url) for _ in range(4)]
    try:
        await asyncio.gather(*(s.mark_reminders_sent([], f"{n}.000009", OVERDUE_AT,
                                                     [follow_up(6 + n)])
                               for n, s in enumerate(others)))
    finally:
        for other in others:
            await other.close()
    assert len(await waiting(store)) == 1
