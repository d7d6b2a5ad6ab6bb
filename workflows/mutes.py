"""Muted reminders, and the check every reminder passes when it fires.

A lead mutes a jurisdiction's reminders (while it is in litigation, say): a ``mute``
event in its history, with the reason and, if given, the day it ends by itself; an
``unmute`` event ends it earlier. Neither moves the state, and nothing else stores a
mute: it is read back from those events (``mute_from``).

A reminder is planned when its deadline is set, and much can happen before it fires.
So when a sweep is about to post it, it checks it against its jurisdiction as it
stands then (``Standing``): a reminder whose deadline is no longer the one running (the
jurisdiction answered, moved on, got another deadline), that comes due in a mute, or
that would go beyond the workflow's cap on follow-ups, is dropped instead
(``dropped``). A nudge of the chain dropped in a mute that has an end is planned again
for that end (``postponed``), so the chain goes on by itself once the mute is over,
with one line then, not one for each nudge missed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from workflows.deadlines import calendar_for
from workflows.model import Event
from workflows.reminders import CHAIN, Kind, Policy, Reminder

MUTE, UNMUTE = "mute", "unmute"
Deadline = tuple[int, date]
"""A deadline as reminders name it: the round's number and its due date."""


@dataclass(frozen=True)
class Mute:
    """Reminders stopped from ``since`` until the start of the day ``until`` (team
    time), or until ``ended`` (when an unmute was recorded), whichever comes first."""

    since: datetime
    reason: str
    by: str
    until: date | None = None
    ended: datetime | None = None

    def end(self, zone: ZoneInfo) -> datetime | None:
        ends = [moment for moment in (self.ended, self._until_at(zone)) if moment]
        return min(ends) if ends else None

    def _until_at(self, zone: ZoneInfo) -> datetime | None:
        return datetime.combine(self.until, time(0), zone) if self.until else None

    def active(self, now: datetime, zone: ZoneInfo) -> bool:
        end = self.end(zone)
        return self.since <= now and (end is None or now < end)

    def silences(self, r: Reminder, now: datetime, zone: ZoneInfo) -> bool:
        """Whether ``r``, firing at ``now``, fires in the mute or came due in it (a
        reminder missed in a mute is not posted late once it is over)."""
        end = self.end(zone)
        return self.active(now, zone) or (end is not None and self.since <= r.due_at < end)


def mute_from(events: Sequence[Event]) -> Mute | None:
    """The latest mute among a jurisdiction's ``mute`` and ``unmute`` events (oldest
    first), ended by an unmute recorded after it; None if it was never muted."""
    found: Mute | None = None
    for event in events:
        if event.kind == MUTE:
            until = event.detail.get("until")
            found = Mute(event.at, str(event.detail.get("reason", "")), event.actor,
                         date.fromisoformat(until) if until else None)
        elif event.kind == UNMUTE and found is not None and found.ended is None:
            found = replace(found, ended=event.at)
    return found


@dataclass(frozen=True)
class Standing:
    """A jurisdiction as a firing reminder is checked against: its running deadline,
    its latest mute, and per deadline the follow-ups sent and whether the escalation
    went out."""

    deadline: Deadline | None
    mute: Mute | None = None
    follow_ups: dict[Deadline, int] = field(default_factory=dict)
    escalated: frozenset[Deadline] = frozenset()


def dropped(r: Reminder, standing: Standing | None, policy: Policy, now: datetime) -> str | None:
    """Why ``r`` must not be posted at ``now`` (None: it may)."""
    if standing is None:
        return "its jurisdiction is gone"
    if standing.deadline != (r.round, r.deadline):
        return "its deadline is no longer the one running"
    if standing.mute is not None and standing.mute.silences(r, now, policy.timezone):
        return "its jurisdiction is muted"
    if r.kind is Kind.FOLLOW_UP and capped(standing, (r.round, r.deadline), policy):
        return "its deadline has had all the follow-ups it gets"
    return None


def capped(standing: Standing, deadline: Deadline, policy: Policy,
           sent: Sequence[Kind] = ()) -> bool:
    """Whether ``deadline`` may have no more follow-ups, once the reminders of kinds
    ``sent`` (just posted) are counted too."""
    if policy.stop_after_escalation and (deadline in standing.escalated
                                         or Kind.ESCALATION in sent):
        return True
    count = standing.follow_ups.get(deadline, 0) + sum(k is Kind.FOLLOW_UP for k in sent)
    return policy.max_follow_ups is not None and count >= policy.max_follow_ups


def postponed(r: Reminder, standing: Standing, policy: Policy, us_state: str) -> Reminder | None:
    """The nudge of the chain ``r`` (dropped in a mute) again at the mute's end, on the
    first business day from it: None for a reminder of no chain, or a mute that runs
    until someone unmutes it (the unmute plans again)."""
    end = standing.mute.end(policy.timezone) if standing.mute else None
    if r.kind not in CHAIN or end is None:
        return None
    day = end.astimezone(policy.timezone).date()
    opening = policy.opening(calendar_for(us_state or None).roll_forward(day))
    return replace(r, due_at=max(end, opening), id=None)


def resumed(planned: Sequence[Reminder], policy: Policy, now: datetime,
            overdue: bool) -> list[Reminder]:
    """What an unmute plans: the reminders the running deadline implies from today
    (``planned``), none before ``now``, and for an overdue deadline a follow-up now,
    which starts its chain again (one follow-up waits per deadline: if one does, it
    stays)."""
    again = [replace(r, due_at=max(r.due_at, now)) for r in planned]
    if overdue and planned:
        first = planned[0]
        again.append(Reminder(first.jurisdiction_id, first.round, first.deadline,
                              Kind.FOLLOW_UP, now))
    return again
