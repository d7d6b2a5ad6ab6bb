"""Names, notes, links and court orders have lengths past which they are refused, by
every use case that takes them; and refusals keep the people they name apart from
their words."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import pytest

from tests.workflows.conftest import FakeRepository
from workflows.batches import Batch, Batches
from workflows.deadlines import DueSpec
from workflows.errors import BadInput, Channel, Person, StepRefused
from workflows.lengths import MAX_CASE, MAX_LINK, MAX_NAME, MAX_NOTE
from workflows.model import CourtOrder, OrderKind, Role
from workflows.review import Review, new_jurisdiction
from workflows.transfer import import_csv

ADMIN, LEAD = "U-ADMIN", "U-LEAD"
DUE = DueSpec(on=date(2018, 2, 23))


class Filed:
    """A BatchStore that keeps what it is given."""

    def __init__(self) -> None:
        self.batches: list[Batch] = []

    async def add_batch(self, batch: Batch, at: datetime) -> Batch:
        self.batches.append(batch)
        return batch

    async def batch(self, batch_id: int) -> Batch | None:
        return None

    async def decide_batch(self, batch_id: int, by: str, status: str, at: datetime) -> bool:
        return False

    async def finish_batch(self, batch_id: int,
                           results: Sequence[tuple[str, bool, str]]) -> None:
        return None


@pytest.fixture
async def two(review: Review) -> Review:
    await review.grant(ADMIN, LEAD, Role.LEAD)
    await review.add(ADMIN, "chicago", "Chicago, IL", "city", "IL")
    await review.add(ADMIN, "denver", "Denver, CO", "city", "CO")
    return review


def test_a_name_may_have_200_characters_and_no_more() -> None:
    assert new_jurisdiction("x", "N" * MAX_NAME).name == "N" * 200
    with pytest.raises(BadInput, match=r"^The name is 201 characters long; it may have at "
                                        r"most 200\.$"):
        new_jurisdiction("x", "N" * (MAX_NAME + 1))


@pytest.mark.parametrize(("note", "link", "what"), [
    ("x" * (MAX_NOTE + 1), "", "The note is 3,001 characters"),
    ("", "https://example.org/" + "x" * MAX_LINK, "The link is 2,020 characters"),
])
async def test_a_step_with_a_note_or_link_too_long_is_refused_and_changes_nothing(
        two: Review, repo: FakeRepository, note: str, link: str, what: str) -> None:
    before = repo.snapshot()
    with pytest.raises(BadInput, match=what):
        await two.take(ADMIN, "chicago", "letter", due=DUE, note=note, link=link)
    assert repo.snapshot() == before
    change = await two.take(ADMIN, "chicago", "letter", due=DUE, note="x" * MAX_NOTE)
    assert change.event.detail["note"] == "x" * 3000


@pytest.mark.parametrize(("field", "value", "what"), [
    ("case", "1" * (MAX_CASE + 1), "The case number is 201"),
    ("court", "C" * (MAX_CASE + 1), "The court is 201"),
    ("scope", "s" * (MAX_NOTE + 1), "The scope is 3,001"),
])
async def test_a_court_order_with_a_field_too_long_is_refused_and_changes_nothing(
        two: Review, repo: FakeRepository, field: str, value: str, what: str) -> None:
    fields: dict[str, Any] = {"case": "1:17-cv-05720", "court": "N.D. Ill.", "scope": "",
                              field: value}
    before = repo.snapshot()
    with pytest.raises(BadInput, match=what):
        await two.attach_order(ADMIN, "chicago", CourtOrder(
            OrderKind.LAWSUIT, date(2017, 8, 7), fields["case"], fields["court"],
            fields["scope"]))
    assert repo.snapshot() == before


async def test_a_batch_with_a_note_too_long_is_not_filed(two: Review,
                                                         repo: FakeRepository) -> None:
    store = Filed()
    batches = Batches(two, store)
    before = repo.snapshot()
    for ids in (["chicago", "denver"], ["chicago"]):
        with pytest.raises(BadInput, match="The note is 3,001 characters"):
            await batches.propose(LEAD, "letter", ids, "C-TEAM", None, DUE, "x" * 3001)
    assert store.batches == [] and repo.snapshot() == before


async def test_imported_lines_with_text_too_long_are_bad_lines(two: Review,
                                                               repo: FakeRepository) -> None:
    before = repo.snapshot()
    named = await import_csv(two, ADMIN, f"id,name\nlong,{'N' * 201}\n", dry_run=False)
    assert named.errors == ["line 2: The name is 201 characters long; it may have at most 200."]
    events = await import_csv(two, ADMIN, (
        "date,jurisdiction,event,due,detail\n"
        f"2018-01-02,chicago,letter_sent,2018-02-23,{'x' * 3001}\n"
        f"2018-01-03,denver,injunction,,{'s' * 3001}\n"), dry_run=False)
    assert [error.split(" characters")[0] for error in events.errors] == [
        "line 2: letter_sent on 2018-01-02 for chicago: The note is 3,001",
        "line 3: injunction on 2018-01-03 for denver: The scope is 3,001"]
    assert repo.snapshot() == before


def test_a_refusal_keeps_the_people_and_channels_it_names_apart_from_its_words() -> None:
    refusal = StepRefused((Person("U0ANA"), " already snoozed this reminder about "
                           "<!here>, in ", Channel("C0TEAM"), "."))
    assert refusal.message == "U0ANA already snoozed this reminder about <!here>, in C0TEAM."
    assert refusal.parts[0] == Person("U0ANA") and refusal.parts[2] == Channel("C0TEAM")
    assert BadInput("plain").parts == ("plain",)
