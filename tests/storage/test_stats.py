"""The numbers' reads on both engines: first responses told to their round, pages of
any size, filters on kind, state and day, escalations counted by month."""

from __future__ import annotations

from datetime import date

import pytest

from storage.stats import StatsStore
from storage.store import Store
from tests.packaged import packaged_workflow
from workflows.deadlines import DueSpec
from workflows.model import Role
from workflows.review import Review
from workflows.stats import Month, StatsQuery, StatsService

pytestmark = pytest.mark.parametrize("engine", ["sqlite", "postgres"])
TODAY = date(2018, 2, 1)
ADMIN, LEAD = "UADMIN", "ULEAD"


async def story(review: Review) -> None:
    """Chicago answers its letter in time (68 days) and its finding late (20 days);
    Cook County never answers (open 286 days); Denver's letter is not due yet."""
    await review.grant(ADMIN, LEAD, Role.LEAD)
    await review.add(ADMIN, "chicago", "Chicago", "city", "IL")
    await review.add(ADMIN, "cook-county", "Cook County", "county", "IL")
    await review.add(ADMIN, "denver", "Denver", "city", "CO")
    for jid in ("chicago", "cook-county"):
        await review.take(ADMIN, jid, "letter", date(2017, 4, 21), DueSpec(on=date(2017, 6, 30)))
    await review.take(ADMIN, "chicago", "response", date(2017, 6, 28))
    await review.take(LEAD, "chicago", "finding", date(2017, 10, 12),
                      DueSpec(on=date(2017, 10, 27)))
    await review.take(ADMIN, "chicago", "response", date(2017, 11, 1))
    await review.take(ADMIN, "denver", "letter", date(2018, 1, 20), DueSpec(on=date(2018, 3, 1)))


@pytest.mark.parametrize("page", [1, 2, 5_000])
async def test_the_numbers_of_a_small_story(review: Review, store: Store, page: int) -> None:
    await story(review)
    service = StatsService(StatsStore(store, page), packaged_workflow().definition)
    stats = await service.compute(StatsQuery(), TODAY)
    total = stats.total
    assert (total.rounds, total.answered, total.median_days, total.p90_days) == (4, 2, 20, 68)
    assert (total.on_time, total.decided, total.ages) == (1, 3, (1, 0, 0, 1))
    assert [key for key, _ in stats.groups["batch"]] == ["2017-04-21", "2017-10-12",
                                                          "2018-01-20"]
    assert stats.months == (Month("2017-10", (1, 0, 0)),)


async def test_filters(review: Review, store: Store) -> None:
    await story(review)
    service = StatsService(StatsStore(store, 2), packaged_workflow().definition)

    async def rounds(**options: str) -> int:
        return (await service.compute(await service.query(options, TODAY), TODAY)).total.rounds

    assert await rounds(state="il") == 3
    assert await rounds(kind="county") == 1
    assert await rounds(since="2017-10-01") == 2
    assert await rounds(kind="city", state="CO") == 1
    later = await service.compute(await service.query({"since": "2017-11-01"}, TODAY), TODAY)
    assert later.months == ()
