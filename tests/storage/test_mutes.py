"""What the store tells a firing reminder (the running deadline, the mute read from the
history, the follow-ups and escalation sent), and a drop that plans the nudge again, on
both engines."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from storage.store import Store
from tests.storage.test_claims import letters
from tests.storage.test_reminder_chains import OVERDUE_AT, follow_up, overdue_sent, waiting
from workflows.deadlines import DueSpec
from workflows.mutes import Mute
from workflows.muting import Mutes
from workflows.review import Review, new_jurisdiction

pytestmark = pytest.mark.parametrize("engine", ["sqlite", "postgres"])
DEADLINE = (1, date(2018, 2, 23))


async def test_a_standing_tells_the_deadline_the_mute_and_what_was_sent(
        review: Review, store: Store) -> None:
    await overdue_sent(review, store)
    await letters_more(review)
    review.clock.current = datetime(2018, 2, 27, 15, tzinfo=UTC)  # type: ignore[attr-defined]
    mutes = Mutes(review, store)
    await mutes.mute("UADMIN", "town-000", "in litigation", date(2018, 3, 9))
    standings = await store.standings(["town-000", "town-001", "gone"])
    assert set(standings) == {"town-000", "town-001"}
    first = standings["town-000"]
    assert first.deadline == DEADLINE and first.follow_ups == {} and not first.escalated
    assert first.mute == Mute(review.clock.current, "in litigation", "UADMIN",  # type: ignore[attr-defined]
                              date(2018, 3, 9))
    assert standings["town-001"].mute is None
    assert set(await mutes.of(["town-000", "town-001"])) == {"town-000"}
    await mutes.unmute("UADMIN", "town-000")
    assert await mutes.of(["town-000"]) == {}
    assert (await store.mutes(["town-000"]))["town-000"].ended is not None


async def letters_more(review: Review) -> None:
    """A second town, town-001, lettered like the first."""
    await review.import_jurisdictions("UADMIN", [new_jurisdiction("town-001", "Town 001",
                                                                   "city", "CA")])
    await review.take("UADMIN", "town-001", "letter", date(2018, 2, 1),
                      DueSpec(on=date(2018, 2, 23)))


async def test_a_dropped_reminder_is_cancelled_and_its_nudge_planned_again(
        review: Review, store: Store) -> None:
    await overdue_sent(review, store)
    [waiting_one] = [r for r in await store.pending_reminders("town-000")
                     if r.kind.value == "follow_up"]
    assert waiting_one.id is not None
    await store.drop_reminders([waiting_one.id], OVERDUE_AT, [follow_up(9)])
    stored = await store.reminder(waiting_one.id)
    assert stored is not None and stored.status == "cancelled"
    assert await waiting(store) == ["2018-03-09"]
    assert len(await store.claim_reminders(OVERDUE_AT, "again", "#review", 100)) == 0


async def test_follow_ups_and_an_escalation_sent_are_counted(review: Review,
                                                             store: Store) -> None:
    await letters(review, 1)
    late = datetime(2018, 4, 30, 15, tzinfo=UTC)
    due = await store.claim_reminders(late, "sweep", "#review", 100)
    await store.mark_reminders_sent([d.reminder.id for d in due if d.reminder.id], "1.1",
                                    late, [follow_up(5)])
    standing = (await store.standings(["town-000"]))["town-000"]
    assert standing.escalated == frozenset({DEADLINE}) and standing.follow_ups == {}
