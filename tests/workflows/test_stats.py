"""The numbers' rules on facts made by hand: what counts as on time, how old an open
round is, nearest-rank percentiles, and the refusals of bad filters."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from workflows.errors import BadInput
from workflows.stats import RoundFact, Tallies, age_bracket, on_time, parse_query, percentile

TODAY = date(2018, 2, 1)
DUE = date(2018, 1, 10)


def fact(first: date | None = None, closed: date | None = None, due: date | None = DUE,
         paused: bool = False, sent: date = date(2017, 12, 1)) -> RoundFact:
    return RoundFact("city", "IL", sent, due, closed, closed is None and first is None, paused,
                     first)


@pytest.mark.parametrize(("round_", "verdict"), [
    (fact(first=DUE), True),                            # on the due date: in time
    (fact(first=DUE + timedelta(days=1)), False),       # a day late
    (fact(), False),                                    # open, past due
    (fact(due=TODAY), None),                            # open, due today: not yet decided
    (fact(paused=True), None),                          # clock stopped
    (fact(due=None), None),                             # no deadline
    (fact(closed=DUE), None),                           # closed on the due day, unanswered
    (fact(closed=DUE + timedelta(days=1)), False),      # closed after it, unanswered
])
def test_what_counts_as_answered_by_the_deadline(round_: RoundFact, verdict: bool | None
                                                 ) -> None:
    assert on_time(round_, TODAY) is verdict


def test_ages_and_percentiles() -> None:
    assert [age_bracket(d) for d in (0, 30, 31, 60, 61, 90, 91, 400)] == [0, 0, 1, 1, 2, 2, 3, 3]
    assert percentile(Counter(), 50) is None
    values = Counter([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    assert (percentile(values, 50), percentile(values, 90)) == (5, 9)
    assert percentile(Counter({3: 1, 70: 9}), 50) == 70


def test_groups_are_tallied_apart() -> None:
    tallies = Tallies()
    tallies.add([fact(first=DUE), RoundFact("county", "CA", TODAY, None, None, True, False,
                                            None)], TODAY)
    stats = tallies.stats(TODAY, parse_query({}, TODAY, ()), ())
    assert stats.total.rounds == 2 and stats.total.ages == (1, 0, 0, 0)
    assert [k for k, _ in stats.groups["kind"]] == ["city", "county"]
    assert dict(stats.groups["state"])["IL"].on_time == 1


@pytest.mark.parametrize(("options", "says"), [
    ({"kind": "parish"}, "not a kind of jurisdiction in the review; the kinds are: city"),
    ({"state": "ZZ"}, "not a US state code"),
    ({"since": "last week"}, "not a date"),
    ({"since": "2018-02-02"}, "in the future"),
])
def test_bad_filters_are_refused(options: dict[str, str], says: str) -> None:
    with pytest.raises(BadInput, match=says):
        parse_query(options, TODAY, ["city", "county"])
