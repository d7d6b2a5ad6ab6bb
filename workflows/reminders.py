"""Deadline reminders: which ones a running deadline implies, and when they may go out.

A step that sets or moves a deadline plans its reminders (business days before it, the
day after it, an escalation when very overdue); they are stored with the change. A
sweep claims the due ones, posts them grouped by channel, and chains the next
follow-up while the deadline stays overdue. Reminders go out on business days inside
the team's business hours only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from workflows.deadlines import VERY_OVERDUE_BUSINESS_DAYS, calendar_for
from workflows.model import Jurisdiction


class Kind(StrEnum):
    BEFORE = "before"
    OVERDUE = "overdue"
    FOLLOW_UP = "follow_up"
    ESCALATION = "escalation"
    SNOOZED = "snoozed"


SEVERITY = {Kind.BEFORE: 0, Kind.SNOOZED: 1, Kind.OVERDUE: 2, Kind.FOLLOW_UP: 3,
            Kind.ESCALATION: 4}
"""Which reminder speaks for a jurisdiction when several are due at once."""


@dataclass(frozen=True)
class Policy:
    """When reminders fall and when they may be posted (all settings)."""

    before: tuple[int, ...] = (3, 1)
    follow_up_every: int = 5
    very_overdue: int = VERY_OVERDUE_BUSINESS_DAYS
    max_follow_ups: int | None = None
    """Follow-ups one deadline gets at most (None: no cap)."""
    stop_after_escalation: bool = False
    """Whether the escalation ends a deadline's follow-ups."""
    opens: time = time(9, 0)
    closes: time = time(17, 0)
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("America/New_York"))

    def opening(self, day: date) -> datetime:
        """When business hours open on ``day``, as an aware datetime."""
        return datetime.combine(day, self.opens, self.timezone)

    def in_hours(self, now: datetime) -> bool:
        local = now.astimezone(self.timezone)
        return (calendar_for(None).is_business_day(local.date())
                and self.opens <= local.time() < self.closes)

    def next_opening(self, now: datetime, business_days: int = 1) -> datetime:
        """The opening of business hours ``business_days`` business days after now."""
        local = now.astimezone(self.timezone).date()
        return self.opening(calendar_for(None).add_business_days(local, business_days))


@dataclass(frozen=True)
class Reminder:
    jurisdiction_id: str
    round: int
    deadline: date
    kind: Kind
    due_at: datetime
    id: int | None = None


@dataclass(frozen=True)
class Due:
    """A claimed reminder with what a message about it needs."""

    reminder: Reminder
    name: str
    owner: str | None
    channel: str
    state: str
    us_state: str


@dataclass(frozen=True)
class StoredReminder:
    """A reminder as stored: its status (pending, sending, sent, cancelled), who
    snoozed it, and the channel it went to (as given: an ID, or a name)."""

    reminder: Reminder
    status: str
    snoozed_by: str | None
    channel: str | None


@dataclass(frozen=True)
class StaleClaim:
    """Reminders a sweep claimed for one channel and never finished (it died, or is
    stuck past its lease). ``after`` is the timestamp Slack gave the channel's last
    reminder message recorded before the claim (None: none was): whatever the dead sweep
    posted came after it, by Slack's own clock, whatever the bot's clock says."""

    claim: str
    channel: str
    after: str | None
    ids: tuple[int, ...]


def plan(j: Jurisdiction, policy: Policy, today: date) -> list[Reminder]:
    """The reminders the deadline running on ``j`` implies from ``today`` on.

    Days already past are not planned, except that a deadline already missed gets one
    overdue reminder today (and an escalation today if it is very overdue)."""
    current, due = j.current_round, j.due_on
    if current is None or due is None:
        return []
    calendar = calendar_for(j.us_state or None)

    def reminder(kind: Kind, day: date) -> Reminder:
        return Reminder(j.id, current.number, due, kind, policy.opening(day))

    planned = [reminder(Kind.BEFORE, day) for day in
               (calendar.add_business_days(due, -n) for n in policy.before)
               if today <= day < due]
    overdue_on = calendar.add_business_days(due, 1)
    escalate_on = calendar.add_business_days(due, policy.very_overdue)
    if today <= overdue_on:
        planned.append(reminder(Kind.OVERDUE, overdue_on))
    elif today < escalate_on:
        planned.append(reminder(Kind.OVERDUE, calendar.roll_forward(today)))
    planned.append(reminder(Kind.ESCALATION, max(escalate_on, calendar.roll_forward(today))))
    return planned


CHAIN = frozenset({Kind.OVERDUE, Kind.FOLLOW_UP, Kind.ESCALATION})
"""The nudges of a deadline's one follow-up chain (a snooze is a one-off)."""


def follow_up(sent: Reminder, policy: Policy, us_state: str,
              posted: datetime) -> Reminder | None:
    """The next nudge after a nudge of the chain went out at ``posted``: counted from the
    day it went out, not the day it was due, so that a catch-up after downtime is not
    followed at once by the follow-ups of every week missed. The store keeps it only
    while the same deadline is still the one running."""
    if sent.kind not in CHAIN:
        return None
    sent_on = max(sent.due_at, posted).astimezone(policy.timezone).date()
    day = calendar_for(us_state or None).add_business_days(sent_on, policy.follow_up_every)
    return Reminder(sent.jurisdiction_id, sent.round, sent.deadline, Kind.FOLLOW_UP,
                    policy.opening(day))


def follow_ups(posted: list[Due], policy: Policy, at: datetime) -> list[Reminder]:
    """One chain per deadline: the follow-up that comes after the lines just posted at
    ``at``. A line's head speaks for its riders, so one line chains once; the store keeps
    a single follow-up waiting per deadline, the later one, so that after the
    escalation the chain goes on from it rather than beside it."""
    return [f for head, _ in collapse(posted)
            if (f := follow_up(head.reminder, policy, head.us_state, at))]


def snoozed(original: Reminder, now: datetime, policy: Policy, span_days: int) -> Reminder:
    return Reminder(original.jurisdiction_id, original.round, original.deadline, Kind.SNOOZED,
                    policy.next_opening(now, span_days))


def collapse(items: list[Due]) -> list[tuple[Due, list[Due]]]:
    """One line per jurisdiction and deadline: the most severe reminder speaks, the
    others (caught up after downtime) ride along and are marked sent with it."""
    groups: dict[tuple[str, int, date], list[Due]] = {}
    for item in items:
        r = item.reminder
        groups.setdefault((r.jurisdiction_id, r.round, r.deadline), []).append(item)
    result = []
    for group in groups.values():
        group.sort(key=lambda d: (SEVERITY[d.reminder.kind], d.reminder.due_at))
        result.append((group[-1], group[:-1]))
    return result


def lateness(deadline: date, today: date, us_state: str) -> int:
    """Business days past ``deadline`` (negative: business days left)."""
    return calendar_for(us_state or None).business_days_between(deadline, today)

