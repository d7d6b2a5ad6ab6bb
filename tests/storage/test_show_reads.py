"""What ``show`` reads: the jurisdiction a person names exactly comes whole in two
queries (its row with the look-up, then its aliases, rounds and court orders in one),
where it took five (the look-up, then the row, aliases, rounds and orders each); its
card's events in one, where it took three."""

from __future__ import annotations

from datetime import date

import pytest

from storage.store import Store
from tests.storage.conftest import BOTH
from tests.storage.test_read_trips import counting
from workflows.deadlines import DueSpec
from workflows.errors import Ambiguous, NotFound
from workflows.evidence import Evidence
from workflows.glance import glance
from workflows.model import CourtOrder, OrderKind
from workflows.muting import Mutes
from workflows.review import Review

pytestmark = BOTH
LEAD = "UADMIN"
ORDER = CourtOrder(OrderKind.INJUNCTION, date(2018, 1, 31), "17-cv-5720", "N.D. Ill.",
                   "the city", frozenset({"subpoena", "escalate"}))


async def _chicago(review: Review) -> None:
    await review.add(LEAD, "chicago", "City of Chicago", "city", "IL",
                     aliases=("windy", "chi-town"))
    await review.take(LEAD, "chicago", "letter", date(2018, 1, 2), DueSpec(days=30))
    await review.take(LEAD, "chicago", "response", date(2018, 1, 20))
    await review.take(LEAD, "chicago", "insufficient", date(2018, 1, 22))
    await review.take(LEAD, "chicago", "letter", date(2018, 1, 25), DueSpec(days=10,
                                                                            business=True))
    await review.attach_order(LEAD, "chicago", ORDER)
    await review.attach_order(LEAD, "chicago", CourtOrder(OrderKind.LAWSUIT,
                                                          date(2018, 1, 30), "18-1"))
    await review.add(LEAD, "cook", "Cook County", "county", "IL")


async def test_a_jurisdiction_named_exactly_comes_whole_in_two_queries(
        review: Review, store: Store) -> None:
    await _chicago(review)
    for text in ("chicago", "City of Chicago", "WINDY", " chi-town "):
        ran = counting(store)
        j = await review.resolve(text)
        assert len(ran) == 2, (text, ran)  # was 5
        assert j.id == "chicago" and j.aliases == ("chi-town", "windy")
        assert [(r.number, r.kind, r.sent_on, r.outcome is not None, r.business_days)
                for r in j.rounds] == [(1, "letter", date(2018, 1, 2), True, False),
                                       (2, "letter", date(2018, 1, 25), False, True)]
        assert j.rounds[0].due_on == date(2018, 2, 1) and j.rounds[0].closed_on is not None
        assert [(o.id, o.kind, o.case) for o in j.orders] == [
            (1, OrderKind.INJUNCTION, "17-cv-5720"), (2, OrderKind.LAWSUIT, "18-1")]
        first = j.orders[0]
        assert (first.court, first.scope, first.blocks, first.lifted_on) == (
            "N.D. Ill.", "the city", frozenset({"subpoena", "escalate"}), None)
        assert j == await store.get("chicago")
        assert j.version == 7 and j.state == "awaiting_response"


async def test_prefixes_ambiguity_and_absence_are_answered_as_before(
        review: Review, store: Store) -> None:
    await _chicago(review)
    assert (await review.resolve("chic")).id == "chicago"  # a unique prefix
    with pytest.raises(Ambiguous):
        await review.resolve("c")
    with pytest.raises(NotFound):
        await review.resolve("nowhere")
    plain = await review.resolve("cook")
    assert (plain.aliases, plain.rounds, plain.orders) == ((), [], [])
    await review.add(LEAD, "cook-il", "Cook")  # its name is the other's id
    with pytest.raises(Ambiguous) as both:
        await review.resolve("cook")
    assert both.value.candidates == [("cook", "Cook County"), ("cook-il", "Cook")]
    many = await store.get_many(["cook", "chicago", "gone"])
    assert sorted(many) == ["chicago", "cook"] and many["chicago"].orders[1].id == 2


async def test_a_cards_events_are_one_query_and_the_same_as_read_apart(
        review: Review, store: Store) -> None:
    await _chicago(review)
    mutes = Mutes(review, store)
    for n in range(7):
        await review.attach_evidence(LEAD, "chicago", Evidence(
            f"{n:064x}", 10 + n, f"file {n}.pdf", "application/pdf", f"F{n}", ""))
    await mutes.mute(LEAD, "chicago", "talks", None)
    await mutes.unmute(LEAD, "chicago")
    await mutes.mute(LEAD, "chicago", "talks again", date(2018, 3, 1))
    j = await review.resolve("chicago")
    ran = counting(store)
    seen = await glance(review, j, 5, 3)
    assert len(ran) == 1  # was three: a page of history, the evidence, the mutes
    history, _ = await review.history(j, 1, 5)
    assert seen.recent == history and [e.kind for e in seen.recent][:2] == ["mute", "unmute"]
    assert (seen.evidence, seen.evidence_total) == await review.evidence_of(j, 3)
    assert [e.name for e in seen.evidence] == ["file 0.pdf", "file 1.pdf", "file 2.pdf"]
    assert seen.evidence_total == 7
    assert seen.mute == await mutes.current("chicago") and seen.mute is not None
    assert seen.mute.reason == "talks again"
    plain = await glance(review, await review.resolve("cook"), 5, 3)
    assert ([e.kind for e in plain.recent], plain.evidence, plain.evidence_total,
            plain.mute) == (["added"], [], 0, None)


async def test_jurisdictions_read_together_have_parts_of_their_own(review: Review,
                                                                   store: Store) -> None:
    """Read whole in one go, two jurisdictions with no aliases, rounds or court orders
    yet must not share their empty lists: an import plays its lines on what it read,
    and a letter to one gave the other its round (its deadline) too."""
    await review.add(LEAD, "albany", "Albany", "city", "NY")
    await review.add(LEAD, "boston", "Boston", "city", "MA")
    found = await store.get_many(["albany", "boston"])
    albany, boston = found["albany"], found["boston"]
    assert albany.rounds is not boston.rounds and albany.orders is not boston.orders
