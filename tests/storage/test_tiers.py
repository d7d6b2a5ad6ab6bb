"""Listing by deadline tier: due-date ranges per state's calendar, on both engines."""

from __future__ import annotations

from datetime import UTC, date, datetime

from storage.store import Store
from tests.storage.conftest import BOTH
from workflows.deadlines import Tier
from workflows.model import Event, Jurisdiction, Round
from workflows.ports import DueRange, Filters
from workflows.tiers import in_tier

pytestmark = BOTH

TODAY = date(2018, 2, 1)  # a Thursday


async def add(store: Store, jid: str, us_state: str, due: date | None) -> None:
    j = Jurisdiction(jid, jid.title(), "city", us_state, (), "awaiting_response")
    if due is not None:
        j.rounds.append(Round(1, "letter", date(2017, 11, 1), due_on=due))
    at = datetime(2017, 11, 1, tzinfo=UTC)
    await store.add(j, [Event(jid, "added", "UADMIN", date(2017, 11, 1), at, None, j.state)], [])


async def ids(store: Store, filters: Filters) -> list[str]:
    rows, total = await store.page(filters, 0, 50)
    assert total == len(rows)
    return sorted(row.id for row in rows)


async def test_each_deadline_is_in_exactly_one_tier(store: Store) -> None:
    for jid, us_state, due in (("ahead", "IL", date(2018, 3, 1)),
                               ("soon", "IL", date(2018, 2, 5)),
                               ("today", "", TODAY),
                               ("late", "NY", date(2018, 1, 25)),
                               ("later", "NY", date(2017, 12, 8)),
                               ("none", "IL", None)):
        await add(store, jid, us_state, due)
    assert await store.due_states() == ["", "IL", "NY"]
    found = {tier: await ids(store, await in_tier(store, Filters(), tier, TODAY))
             for tier in (Tier.ON_TRACK, Tier.DUE_SOON, Tier.OVERDUE, Tier.VERY_OVERDUE)}
    assert found == {Tier.ON_TRACK: ["ahead"], Tier.DUE_SOON: ["soon", "today"],
                     Tier.OVERDUE: ["late"], Tier.VERY_OVERDUE: ["later"]}
    overdue_in_il = await in_tier(store, Filters(us_state="IL"), Tier.OVERDUE, TODAY)
    assert await ids(store, overdue_in_il) == []
    assert await ids(store, Filters(due=())) == []  # no state has a deadline: nothing
    assert await ids(store, Filters(due=(DueRange("NY", None, TODAY),))) == ["late", "later"]
