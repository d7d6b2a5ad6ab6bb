"""A step or court order is dated between 1990-01-01 and today, the team's today: one
dated ahead would be announced as done and then freeze the jurisdiction, since every
later step would be "before the last one"."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.workflows.conftest import FakeRepository, FixedClock
from workflows.batches import Batch, Batches
from workflows.deadlines import DueSpec
from workflows.errors import BadInput
from workflows.model import CourtOrder, OrderKind, Role
from workflows.review import Review
from workflows.transfer import import_csv

TODAY = date(2018, 1, 24)
"""The fixtures' clock: 2018-01-24 15:00 UTC, 10:00 in New York."""
LEA = "U-LEA"
HEADER = "date,jurisdiction,event,due,detail,date_is_approximate\n"
AHEAD = [date(2018, 1, 25), date(2030, 1, 1), date(2099, 1, 1)]
LONG_AGO = [date(1989, 12, 31), date(1900, 1, 1)]


@pytest.fixture
async def chicago(review: Review) -> Review:
    await review.grant("U-ADMIN", LEA, Role.LEAD)
    await review.add(LEA, "chicago", "Chicago, IL", "city", "IL")
    await review.take(LEA, "chicago", "letter", date(2017, 11, 15), DueSpec(on=date(2017, 12, 8)))
    return review


@pytest.mark.parametrize("on", AHEAD)
async def test_a_step_dated_after_today_is_refused_naming_both_days(
        chicago: Review, repo: FakeRepository, on: date) -> None:
    before = repo.snapshot()
    with pytest.raises(BadInput) as refused:
        await chicago.take(LEA, "chicago", "response", on)
    assert refused.value.message == (f"{on} is after today ({TODAY}): only what has already "
                                     "happened can be recorded.")
    assert repo.snapshot() == before
    change = await chicago.take(LEA, "chicago", "response", TODAY)  # not frozen
    assert change.jurisdiction.state == "response_received"


@pytest.mark.parametrize("on", LONG_AGO)
async def test_a_step_dated_before_1990_is_refused(chicago: Review, repo: FakeRepository,
                                                   on: date) -> None:
    await chicago.add(LEA, "albany", "Albany, NY", "city", "NY")
    before = repo.snapshot()
    with pytest.raises(BadInput) as refused:
        await chicago.take(LEA, "albany", "letter", on, DueSpec(days=30))
    assert refused.value.message == (f"{on} is before 1990-01-01, earlier than anything this "
                                     f"review records (today is {TODAY}); check the year.")
    assert repo.snapshot() == before


async def test_today_is_the_teams_today_not_utcs(chicago: Review, clock: FixedClock) -> None:
    clock.at = datetime(2018, 1, 25, 3, 0, tzinfo=UTC)  # 22:00 on the 24th in New York
    with pytest.raises(BadInput, match=r"2018-01-25 is after today \(2018-01-24\)"):
        await chicago.take(LEA, "chicago", "response", date(2018, 1, 25))
    assert (await chicago.take(LEA, "chicago", "response")).event.on == TODAY


@pytest.mark.parametrize("on", [AHEAD[0], LONG_AGO[0]])
async def test_a_court_order_or_its_lifting_is_dated_no_later_than_today(
        chicago: Review, repo: FakeRepository, on: date) -> None:
    before = repo.snapshot()
    order = CourtOrder(OrderKind.INJUNCTION, on, "1:17-cv-05720", "N.D. Ill.", "",
                       frozenset({"threaten"}))
    with pytest.raises(BadInput, match=str(on)):
        await chicago.attach_order(LEA, "chicago", order)
    assert repo.snapshot() == before
    order = CourtOrder(OrderKind.INJUNCTION, date(2017, 9, 15), "1:17-cv-05720", "N.D. Ill.",
                       "", frozenset({"threaten"}))
    await chicago.attach_order(LEA, "chicago", order)
    before = repo.snapshot()
    with pytest.raises(BadInput, match=str(on)):
        await chicago.lift_order(LEA, "chicago", 1, on)
    assert repo.snapshot() == before


class Batched:
    """The BatchStore port in memory: what was filed."""

    def __init__(self) -> None:
        self.filed: list[Batch] = []

    async def add_batch(self, batch: Batch, at: datetime) -> Batch:
        self.filed.append(batch)
        return batch

    async def batch(self, batch_id: int) -> Batch | None:
        return None

    async def decide_batch(self, batch_id: int, by: str, status: str, at: datetime) -> bool:
        return False

    async def finish_batch(self, batch_id: int,
                           results: object) -> None:
        return None


@pytest.mark.parametrize("on", [AHEAD[1], LONG_AGO[1]])
async def test_a_batch_dated_out_of_range_is_refused_before_it_is_filed(
        chicago: Review, on: date) -> None:
    await chicago.add(LEA, "albany", "Albany, NY", "city", "NY")
    store = Batched()
    with pytest.raises(BadInput, match=str(on)):
        await Batches(chicago, store).propose(LEA, "letter", ["chicago", "albany"], "C-REVIEW",
                                              on, DueSpec(days=30), "")
    assert store.filed == []


async def test_an_imported_line_dated_after_today_is_a_bad_line(
        chicago: Review, repo: FakeRepository) -> None:
    before = repo.snapshot()
    text = HEADER + ("2018-01-02,chicago,response_received,,fine,\n"
                     "2099-01-01,chicago,found_insufficient,,from the future,\n"
                     "1989-06-01,chicago,lawsuit_filed,,\"Chicago v. Sessions, 1:17-cv-05720\",\n")
    report = await import_csv(chicago, LEA, text, dry_run=False)
    assert report.errors == [
        "line 3: found_insufficient on 2099-01-01 for chicago: 2099-01-01 is after today "
        f"({TODAY}): only what has already happened can be recorded. (judged without "
        "line 4, which is bad too)",
        "line 4: lawsuit_filed on 1989-06-01 for chicago: 1989-06-01 is before 1990-01-01, "
        f"earlier than anything this review records (today is {TODAY}); check the year."]
    assert repo.snapshot() == before
