"""How a round's moves are read from the history: any event whose detail carries a
``due_on`` (or, for a deadline moved by a closure or an extension, a ``to``) other than
the one before it for the same round (an event that names no ``round`` speaks of the
last one named)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from workflows.agenda import Entry, moves
from workflows.model import Event

START = datetime(2018, 1, 10, 15, 0, tzinfo=UTC)


def event(kind: str, day: int, **detail: object) -> Event:
    return Event("chicago", kind, "UANA", date(2018, 1, day), START + timedelta(days=day),
                 detail=dict(detail))


def test_only_changes_of_the_rounds_due_date_count() -> None:
    history = [
        event("letter", 10, round=1, due_on="2018-02-23"),
        event("evidence", 11, round=1),  # says nothing of the date
        event("clarify", 12, round=1, due_on=None),  # paused: no date running
        event("resume", 20, round=1, due_on="2018-03-05"),
        # A closure day moved it (its new date is "to"); it was then "extended" to the
        # date it had, which is no move.
        event("deadline_moved", 21, round=1, **{"from": "2018-03-05", "to": "2018-03-06"}),
        event("extended", 22, round=1, **{"from": "2018-03-06", "to": "2018-03-06"}),
        event("note", 22, due_on="2018-03-09"),  # no round named: still round 1's
        event("finding", 23, round=2, due_on="2018-04-02"),
    ]
    assert moves(history, 1) == (3, START + timedelta(days=22))
    assert moves(history, 2) == (0, START + timedelta(days=23))
    assert moves(history, 3) == (0, None)


def test_the_rule_says_how_the_deadline_was_set_and_that_it_moved() -> None:
    entry = Entry("albany", "Albany, NY", 2, "demand", date(2018, 1, 24), date(2018, 3, 1),
                  "20 business days", 0, None, "#east", None)
    assert entry.rule == "20 business days from the demand of 2018-01-24"
    moved = Entry(**{**entry.__dict__, "sequence": 2, "due_rule": "2018-02-23"})
    assert moved.rule == ("2018-02-23, given with the demand of 2018-01-24; moved 2 times "
                          "since (now 2018-03-01)")
