"""A state export's derivations, worked out once for many jurisdictions, read exactly as
each jurisdiction's own full derivation (``current_derivation``): on every state's
calendar, every start day around the holidays, every kind of rule, and with pauses,
resumptions, extensions, closures and court orders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest

from workflows.closures import Closure
from workflows.deadline_changes import DEFAULT_KINDS, current_derivation
from workflows.deadlines import calendar_for
from workflows.exports import StateRows
from workflows.model import CourtOrder, Event, OrderKind
from workflows.state_items import RoundText, StateItem

TODAY = date(2018, 2, 1)
STATES = ("", "ZZ", "IL", "MA", "TX", "CA", "VT", "LA", "HI", "GA", "KY", "DC", "NY", "MD")
"""No state, an unknown code, and states with many holidays of their own (Patriots'
Day, Mardi Gras, the day after Thanksgiving, Lincoln's Birthday, Christmas Eve …)."""
RULES = ("20 business days", "30 calendar days", "3 business days", "45 calendar days", "")
AT = datetime(2018, 1, 2, 12, 0, tzinfo=UTC)


def item(us_state: str, sent_on: date, rule: str, kind: str = "letter",
         due_on: date | None = None, outcome: str | None = None,
         closed_on: date | None = None, jid: str = "j") -> StateItem:
    rnd = RoundText(1, kind, sent_on.isoformat(), due_on.isoformat() if due_on else None,
                    rule, rule.endswith("business days"), outcome,
                    closed_on.isoformat() if closed_on else None, None, None)
    return StateItem(jid, f"Town {jid}", "city", us_state, "sent", None, None, current=rnd)


def full(j: StateItem, events: Sequence[Event] = (),
         closures: Sequence[Closure] = ()) -> str:
    """The derivation as the card shows it, worked out for this jurisdiction alone."""
    return "; ".join(current_derivation(j.jurisdiction(), events, closures,
                                        DEFAULT_KINDS).lines())


def derived(rows: StateRows, j: StateItem, events: Sequence[Event] = ()) -> str:
    assert j.current is not None
    return rows.derivation(j, j.current, events)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@pytest.mark.parametrize("rule", RULES)
def test_every_state_and_start_day_reads_as_its_own_derivation(rule: str) -> None:
    rows = StateRows(TODAY)
    for sent_on in days(date(2017, 8, 20), date(2018, 1, 10)):
        for us_state in STATES:
            due = sent_on + timedelta(days=40) if not rule else None  # a date set
            j = item(us_state, sent_on, rule, due_on=due)
            assert derived(rows, j) == full(j), (us_state, sent_on, rule)


def test_a_state_holiday_in_the_count_is_named_with_its_state() -> None:
    rows = StateRows(TODAY)
    # 2017-11-24, the day after Thanksgiving, is a holiday in Texas, not federally.
    federal = item("", date(2017, 11, 20), "20 business days")
    texas = item("TX", date(2017, 11, 20), "20 business days")
    assert derived(rows, federal) == full(federal)
    assert derived(rows, texas) == full(texas) != full(federal)
    assert "(TX)" in derived(rows, texas)


def test_kinds_and_date_set_rounds_are_not_mixed_up() -> None:
    rows = StateRows(TODAY)
    for kind in ("letter", "finding", "demand"):
        for due in (date(2017, 12, 25), date(2017, 12, 30), None):
            j = item("IL", date(2017, 12, 1), "" if due else "30 calendar days", kind, due)
            assert derived(rows, j) == full(j)


def round_event(kind: str, on: date, seq: int, **detail: object) -> Event:
    return Event("j", kind, "U1", on, AT, None, None, {"round": 1, **detail}, seq=seq)


def test_paused_resumed_and_extended_rounds_are_worked_out_with_their_events() -> None:
    rows = StateRows(TODAY)
    j = item("MA", date(2017, 11, 1), "20 business days")
    plain = derived(rows, j)  # remembered for an untouched round of the same key
    cases = [
        [round_event("clarify", date(2017, 11, 10), 2)],
        [round_event("clarify", date(2017, 11, 10), 2),
         round_event("resume", date(2017, 12, 4), 3)],
        [round_event("extended", date(2017, 11, 20), 2, by="10 business days",
                     reason="asked", to="")],
        [round_event("extended", date(2017, 11, 20), 2, by="", to="2018-01-15",
                     reason="court")],
    ]
    for events in cases:
        assert derived(rows, j, events) == full(j, events) != plain
    other_round = [Event("j", "clarify", "U1", date(2017, 11, 10), AT, None, None,
                         {"round": 2}, seq=2)]
    assert derived(rows, j, other_round) == full(j, other_round) == plain


def closure(first: date, last: date, us_state: str = "", ident: int = 1,
            withdrawn: datetime | None = None) -> Closure:
    return Closure(first, last, "snow", us_state, ident, "U1",
                   datetime(2017, 10, 1, tzinfo=UTC), "U1" if withdrawn else None, withdrawn)


def test_closures_count_for_open_rounds_and_as_in_force_for_settled_ones() -> None:
    closures = [closure(date(2017, 11, 6), date(2017, 11, 8)),
                closure(date(2017, 11, 13), date(2017, 11, 13), "IL", 2),
                closure(date(2017, 11, 14), date(2017, 11, 14), "", 3,
                        datetime(2017, 12, 1, tzinfo=UTC))]
    rows = StateRows(TODAY, closures)
    for us_state in ("IL", "TX", ""):
        for outcome, closed_on in ((None, None), ("answered", date(2017, 11, 20)),
                                   ("answered", date(2017, 12, 20))):
            j = item(us_state, date(2017, 11, 1), "20 business days", outcome=outcome,
                     closed_on=closed_on)
            assert derived(rows, j) == full(j, closures=closures), (us_state, closed_on)


def test_a_row_names_the_active_court_orders_and_the_tier() -> None:
    orders = (CourtOrder(OrderKind.INJUNCTION, date(2018, 1, 5), "17-cv-1", "N.D. Ill.",
                         blocks=frozenset({"escalate"}), id=1),
              CourtOrder(OrderKind.INJUNCTION, date(2017, 12, 1), "17-cv-2",
                         lifted_on=date(2018, 1, 2), id=2))
    due = calendar_for("IL").add_business_days(date(2018, 1, 2), 20)  # 2018-01-31
    base = item("IL", date(2018, 1, 2), "20 business days", due_on=due)
    j = StateItem(base.id, base.name, base.kind, "IL", "sent", "U1", "C1", ("chi",),
                  base.current, orders)
    row = StateRows(TODAY).row(j)
    assert row[:12] == ["j", "Town j", "city", "IL", "chi", "sent", "1", "letter",
                        "2018-01-31", "overdue", "U1", "C1"]
    assert row[12] == "injunction #1 (17-cv-1, N.D. Ill., 2018-01-05) blocks escalate"
    assert row[13] == full(j)
