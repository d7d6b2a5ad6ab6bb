"""Which reminders a deadline implies, and when they may go out (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from tests.packaged import packaged_workflow
from workflows.deadlines import DueSpec
from workflows.machine import StepContext
from workflows.model import Jurisdiction, Role
from workflows.reminders import (
    Due,
    Kind,
    Policy,
    Reminder,
    collapse,
    follow_up,
    follow_ups,
    plan,
)

NY = ZoneInfo("America/New_York")
POLICY = Policy(timezone=NY)


def lettered(due: date, on: date = date(2018, 2, 1), us_state: str = "CA") -> Jurisdiction:
    j = Jurisdiction("x", "X", "city", us_state)
    packaged_workflow().take(j, "letter", StepContext("u", Role.ANALYST, on, DueSpec(on=due),
                                                      today=on))
    return j


def days(reminders: list[Reminder]) -> list[tuple[Kind, date]]:
    return [(r.kind, r.due_at.astimezone(NY).date()) for r in reminders]


def test_a_deadline_plans_before_after_and_escalation() -> None:
    planned = plan(lettered(date(2018, 2, 23)), POLICY, date(2018, 2, 1))
    assert days(planned) == [(Kind.BEFORE, date(2018, 2, 20)), (Kind.BEFORE, date(2018, 2, 22)),
                             (Kind.OVERDUE, date(2018, 2, 26)),
                             (Kind.ESCALATION, date(2018, 3, 23))]
    assert all(r.due_at.astimezone(NY).time() == time(9, 0) for r in planned)


def test_reminder_days_skip_holidays() -> None:
    # Due Tuesday 2018-02-20: counting back skips Presidents' Day (2-19) everywhere, and
    # Susan B. Anthony Day (2-15) in California's calendar.
    federal = plan(lettered(date(2018, 2, 20), us_state=""), POLICY, date(2018, 2, 1))
    assert days(federal)[:2] == [(Kind.BEFORE, date(2018, 2, 14)), (Kind.BEFORE, date(2018, 2, 16))]
    california = plan(lettered(date(2018, 2, 20)), POLICY, date(2018, 2, 1))
    assert days(california)[0] == (Kind.BEFORE, date(2018, 2, 13))


def test_a_deadline_recorded_late_gets_one_catch_up_not_a_backlog() -> None:
    j = lettered(date(2018, 2, 23))
    assert days(plan(j, POLICY, date(2018, 3, 1))) == [(Kind.OVERDUE, date(2018, 3, 1)),
                                                       (Kind.ESCALATION, date(2018, 3, 23))]
    assert days(plan(j, POLICY, date(2018, 6, 2))) == [(Kind.ESCALATION, date(2018, 6, 4))]


def test_no_running_deadline_plans_nothing() -> None:
    j = lettered(date(2018, 2, 23))
    packaged_workflow().take(j, "clarify", StepContext("u", Role.ANALYST, date(2018, 2, 5),
                                              today=date(2018, 2, 5)))
    assert plan(j, POLICY, date(2018, 2, 5)) == []
    assert plan(Jurisdiction("y", "Y"), POLICY, date(2018, 2, 5)) == []


def test_follow_ups_chain_every_n_business_days_for_late_reminders_only() -> None:
    sent = Reminder("x", 1, date(2018, 2, 23), Kind.OVERDUE, POLICY.opening(date(2018, 2, 26)))
    nxt = follow_up(sent, POLICY, "CA", sent.due_at)
    assert nxt is not None and nxt.kind is Kind.FOLLOW_UP
    assert nxt.due_at.astimezone(NY).date() == date(2018, 3, 5)
    early = Reminder("x", 1, date(2018, 2, 23), Kind.BEFORE, POLICY.opening(date(2018, 2, 20)))
    assert follow_up(early, POLICY, "CA", early.due_at) is None


def posted(kind: Kind, day: date, jid: str = "x", n: int = 1) -> Due:
    return Due(Reminder(jid, 1, date(2017, 12, 8), kind, POLICY.opening(day), id=n), jid,
               None, "#c", "awaiting_response", "CA")


def test_the_next_follow_up_counts_from_the_day_a_nudge_went_out() -> None:
    """After downtime, an overdue reminder due weeks ago goes out today: the next nudge
    is in five business days from today, not at once (nor one a minute after)."""
    [nxt] = follow_ups([posted(Kind.OVERDUE, date(2017, 12, 11))], POLICY,
                       POLICY.opening(date(2018, 1, 3)))
    assert days([nxt]) == [(Kind.FOLLOW_UP, date(2018, 1, 10))]


def test_one_chain_per_deadline_the_escalation_included() -> None:
    """The escalation is a nudge of the one chain: a follow-up due with it rides along,
    and one follow-up comes five business days after it (MLK Day skipped), never one
    for each; a snooze or a reminder before the deadline starts no chain."""
    escalation_day = date(2018, 1, 9)
    lines = follow_ups([posted(Kind.ESCALATION, escalation_day, n=1),
                        posted(Kind.FOLLOW_UP, escalation_day, n=2),
                        posted(Kind.SNOOZED, escalation_day, n=3),
                        posted(Kind.OVERDUE, escalation_day, "y", n=4)],
                       POLICY, POLICY.opening(escalation_day))
    assert [(r.jurisdiction_id, *days([r])[0]) for r in lines] == [
        ("x", Kind.FOLLOW_UP, date(2018, 1, 17)), ("y", Kind.FOLLOW_UP, date(2018, 1, 17))]
    assert follow_ups([posted(Kind.SNOOZED, escalation_day), posted(Kind.BEFORE, escalation_day,
                                                                   "y")],
                      POLICY, POLICY.opening(escalation_day)) == []


def test_business_hours_are_weekdays_between_opening_and_closing() -> None:
    assert POLICY.in_hours(datetime(2018, 2, 20, 14, 0, tzinfo=UTC))  # 09:00 New York
    assert not POLICY.in_hours(datetime(2018, 2, 20, 13, 59, tzinfo=UTC))
    assert not POLICY.in_hours(datetime(2018, 2, 20, 22, 0, tzinfo=UTC))  # 17:00
    assert not POLICY.in_hours(datetime(2018, 2, 24, 15, 0, tzinfo=UTC))  # Saturday
    assert not POLICY.in_hours(datetime(2018, 2, 19, 15, 0, tzinfo=UTC))  # Presidents' Day


def test_next_opening_skips_to_business_days() -> None:
    friday = datetime(2018, 2, 16, 16, 0, tzinfo=UTC)
    assert POLICY.next_opening(friday, 1) == datetime(2018, 2, 20, 9, 0, tzinfo=NY)
    assert POLICY.next_opening(friday, 5) == datetime(2018, 2, 26, 9, 0, tzinfo=NY)


def test_collapse_keeps_the_most_severe_reminder_per_deadline() -> None:
    def due(kind: Kind, jid: str = "x", deadline: date = date(2018, 2, 23)) -> Due:
        return Due(Reminder(jid, 1, deadline, kind, POLICY.opening(date(2018, 2, 20)),
                            id=len(kind)), jid, None, "#c", "awaiting_response", "CA")

    lines = collapse([due(Kind.BEFORE), due(Kind.OVERDUE), due(Kind.BEFORE, "y"),
                      due(Kind.ESCALATION)])
    heads = {(head.reminder.jurisdiction_id, head.reminder.kind): len(riders)
             for head, riders in lines}
    assert heads == {("x", Kind.ESCALATION): 2, ("y", Kind.BEFORE): 0}
