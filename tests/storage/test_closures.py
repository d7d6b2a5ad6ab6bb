"""Closure days as stored, on every engine: a declaration or withdrawal is kept with the
deadlines it moved in one transaction, or not at all; and a step counts around them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from storage.store import Store
from tests.storage.conftest import EVERY_WAY, Query
from workflows.closures import Closure
from workflows.deadline_changes import Deadlines
from workflows.deadlines import DueSpec
from workflows.errors import Conflict
from workflows.review import Review

pytestmark = EVERY_WAY
AT = datetime(2018, 2, 1, 15, 0, tzinfo=UTC)
LEAD = "UADMIN"


async def demanded(review: Review, *ids: str) -> None:
    for jid in ids:
        await review.add(LEAD, jid, jid.title(), "city", "NY")
        await review.take(LEAD, jid, "letter", date(2018, 1, 24), DueSpec(on=date(2018, 2, 23)))


async def test_a_closure_and_the_deadlines_it_moved_are_kept_together(
        store: Store, review: Review, query: Query) -> None:
    await demanded(review, "albany", "buffalo")
    deadlines = Deadlines(review, store)
    change = await deadlines.declare(LEAD, "2018-02-23", "snow day", "NY")
    assert [m.after for m in change.moved] == [date(2018, 2, 26)] * 2
    assert query("SELECT due_on FROM jurisdictions ORDER BY id") == [("2018-02-26",)] * 2
    assert query("SELECT count(*) FROM outbox o JOIN events e ON e.id = o.event_id"
                 " WHERE e.kind = 'deadline_moved'") == [(1,)]  # one per channel
    assert await store.closed_days("NY") == {date(2018, 2, 23): "snow day (closure #1)"}
    assert await store.closed_days("CA") == {}

    await deadlines.withdraw(LEAD, 1)
    assert query("SELECT due_on FROM jurisdictions ORDER BY id") == [("2018-02-23",)] * 2
    [kept] = await store.closures()
    assert kept.withdrawn_by == LEAD and not kept.active
    with pytest.raises(Conflict):  # withdrawn by someone else a moment ago
        await store.withdraw_closure(kept, [])


async def test_a_stale_version_keeps_neither_the_closure_nor_any_move(
        store: Store, review: Review, query: Query) -> None:
    await demanded(review, "albany")
    j = await store.get("albany")
    assert j is not None
    deadlines = Deadlines(review, store)
    staged, _ = await deadlines._recount(LEAD, Closure(date(2018, 2, 23), date(2018, 2, 23),
                                                        "snow day", "", 1, LEAD, AT), [
        Closure(date(2018, 2, 23), date(2018, 2, 23), "snow day", "", 1, LEAD, AT)])
    await review.take(LEAD, "albany", "response", date(2018, 2, 1))  # meanwhile
    with pytest.raises(Conflict):
        await store.declare_closure(Closure(date(2018, 2, 23), date(2018, 2, 23), "snow day",
                                            "", 1, LEAD, AT), staged)
    assert await store.closures() == []
    assert query("SELECT count(*) FROM events WHERE kind = 'deadline_moved'") == [(0,)]


async def test_two_declarations_with_one_id_keep_one(store: Store, review: Review) -> None:
    first = Closure(date(2018, 1, 20), date(2018, 1, 22), "shutdown", "", 1, LEAD, AT)
    await store.declare_closure(first, [])
    with pytest.raises(Conflict):
        await store.declare_closure(Closure(date(2018, 3, 1), date(2018, 3, 1), "x", "", 1,
                                            LEAD, AT), [])
    assert [c.reason for c in await store.closures()] == ["shutdown"]
    assert await store.next_closure_id() == 2


async def test_a_step_counts_its_business_days_around_a_closure(
        store: Store, review: Review) -> None:
    await Deadlines(review, store).declare(LEAD, "2018-01-29..2018-01-30", "shutdown")
    await review.add(LEAD, "albany", "Albany", "city", "NY")
    change = await review.take(LEAD, "albany", "letter", date(2018, 1, 26),
                               DueSpec(days=3, business=True))
    assert change.jurisdiction.due_on == date(2018, 2, 2)  # 1-31, 2-1, 2-2 (not 1-31)
