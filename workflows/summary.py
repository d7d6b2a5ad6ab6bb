"""Leadership summaries: when a channel gets one, and what one holds.

A channel subscribes to a daily or weekly summary at a time in a time zone of its
choosing (``parse_schedule``; the zone is checked against the IANA database). A
summary covers the period since the previous summary to that channel (the first
time: the last day or week) and holds counts per state and per deadline tier, the
steps taken in the period, deadlines due in the next 7 days, those that became
overdue, and the jurisdictions blocked by an injunction. ``build_summary`` puts it
together from a ``SummarySource`` (``storage/summaries.py``); nothing here talks to
Slack, SQLite or the scheduler.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Generic, Protocol, TypeVar
from zoneinfo import ZoneInfo, available_timezones

from workflows.chain import Seal
from workflows.deadlines import Tier, TierBounds, calendar_for
from workflows.errors import BadInput, Code, Part
from workflows.model import CourtOrder
from workflows.stats import Stats

LIST_LIMIT = 50
"""How many items of each list a summary carries (the rest are only counted)."""
DUE_AHEAD_DAYS = 7
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SCHEDULE_HELP: tuple[Part, ...] = (Code("daily 09:00"), " or ", Code("weekly mon 08:30"),
                                   " (24-hour time)")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")

T = TypeVar("T")


DATE_GROUPS = 5
"""How many (state, deadline) groups a summary names."""


class Cadence(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


PERIODS = {Cadence.DAILY: timedelta(days=1), Cadence.WEEKLY: timedelta(days=7)}


# -- schedules -------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """When a channel gets its summary: ``at`` o'clock in ``timezone`` (an IANA name),
    every day, or every week on ``weekday`` (0 = Monday)."""

    cadence: Cadence
    at: time
    timezone: str
    weekday: int | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def period(self) -> timedelta:
        return PERIODS[self.cadence]

    def describe(self) -> str:
        day = f" on {WEEKDAYS[self.weekday].capitalize()}s" if self.weekday is not None else ""
        return f"{self.cadence.value}{day} at {self.at:%H:%M} ({self.timezone})"

    def last_due(self, now: datetime) -> datetime:
        """The latest scheduled moment at or before ``now`` (aware, in the zone)."""
        local = now.astimezone(self.zone)
        back = 0 if self.weekday is None else (local.weekday() - self.weekday) % 7
        day = local.date() - timedelta(days=back)
        while self._on(day) > now:
            day -= timedelta(days=self._step)
        return self._on(day)

    def next_due(self, now: datetime) -> datetime:
        """The first scheduled moment after ``now``."""
        day = self.last_due(now).date()
        while self._on(day) <= now:
            day += timedelta(days=self._step)
        return self._on(day)

    @property
    def _step(self) -> int:
        return 1 if self.weekday is None else 7

    def _on(self, day: date) -> datetime:
        return datetime.combine(day, self.at, self.zone)


def parse_schedule(words: Sequence[str], timezone: str) -> Schedule:
    """``daily 09:00``, ``weekly mon 08:30`` or ``weekly 08:30`` (Mondays), in ``timezone``.

    Raises ``BadInput`` with a sentence naming what is wrong."""
    if not words:
        raise BadInput(["Say when: ", *SCHEDULE_HELP, "."])
    try:
        cadence = Cadence(words[0].lower())
    except ValueError:
        raise BadInput([f"“{words[0]}” is not a schedule; write ", *SCHEDULE_HELP, "."]
                       ) from None
    rest = list(words[1:])
    weekday = None
    if cadence is Cadence.WEEKLY:
        weekday = parse_weekday(rest.pop(0)) if len(rest) == 2 else 0
    if len(rest) != 1:
        raise BadInput([f"“{' '.join(words)}” is not a schedule; write ", *SCHEDULE_HELP, "."])
    return Schedule(cadence, parse_time(rest[0]), check_timezone(timezone), weekday)


def parse_time(text: str) -> time:
    match = _TIME.match(text.strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise BadInput(f"“{text}” is not a time of day; write it as HH:MM, e.g. 09:00 or 17:30.")
    return time(int(match[1]), int(match[2]))


def parse_weekday(text: str) -> int:
    key = text.strip().lower()
    found = [n for n, name in enumerate(WEEKDAYS) if len(key) >= 3 and name.startswith(key)]
    if len(found) != 1:
        raise BadInput(f"“{text}” is not a day of the week; write mon, tue, … or sun.")
    return found[0]


def check_timezone(name: str) -> str:
    """The IANA name of the time zone ``name`` (matched regardless of case)."""
    key = name.strip()
    zones = _zones()
    if key.lower() in zones:
        return zones[key.lower()]
    close = difflib.get_close_matches(key, list(zones.values()), n=1, cutoff=0.7)
    hint = f" Did you mean {close[0]}?" if close else ""
    raise BadInput(f"“{name}” is not a time zone. Use an IANA name such as "
                   f"America/New_York or Europe/London.{hint}")


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    """Every IANA zone name, by its lower-case form (not the host's own ``localtime``)."""
    return {zone.lower(): zone for zone in available_timezones()
            if zone not in ("localtime", "Factory")}


@dataclass(frozen=True)
class Subscription:
    channel: str
    schedule: Schedule
    created_by: str
    created_at: datetime
    last_sent_at: datetime | None = None

    def period_start(self, now: datetime) -> datetime:
        """Where the next summary's period begins: the previous summary, or one period ago."""
        return self.last_sent_at or now - self.schedule.period

    def missed(self, now: datetime) -> bool:
        """True when a scheduled moment has passed with no summary sent since."""
        return self.schedule.last_due(now) > (self.last_sent_at or self.created_at)


# -- what a summary holds ----------------------------------------------------------------


@dataclass(frozen=True)
class StateCount:
    """How many jurisdictions stand in ``state`` now, and how many did when the period
    began (jurisdictions added since then were not counted then)."""

    state: str
    now: int
    before: int


@dataclass(frozen=True)
class Move:
    jurisdiction_id: str
    name: str
    from_state: str
    to_state: str
    actor: str
    at: datetime


@dataclass(frozen=True)
class Activity:
    """The events of a period: workflow steps (``moves``, newest first, at most the
    limit asked for), and how many steps, additions and other events (court orders,
    assignments, aliases) there were in all."""

    moves: tuple[Move, ...] = ()
    steps: int = 0
    added: int = 0
    other: int = 0


@dataclass(frozen=True)
class DueItem:
    jurisdiction_id: str
    name: str
    due_on: date
    state: str
    us_state: str
    owner: str | None


@dataclass(frozen=True)
class Blocked:
    """An active injunction and the jurisdiction it covers."""

    jurisdiction_id: str
    name: str
    order: CourtOrder


@dataclass(frozen=True)
class Capped(Generic[T]):
    """The first items of a list and how many there are in all."""

    items: tuple[T, ...] = ()
    total: int = 0

    @property
    def hidden(self) -> int:
        return self.total - len(self.items)


@dataclass(frozen=True)
class DeadlineGroup:
    """Running deadlines falling on one day in one US state (for tier counts)."""

    due_on: date
    us_state: str
    count: int


@dataclass(frozen=True)
class DateGroup:
    """Jurisdictions in one state whose running deadline falls on one day."""

    state: str
    due_on: date
    count: int


class SummarySource(Protocol):
    """What a summary reads. Times are aware datetimes; lists come capped at ``limit``."""

    async def state_counts(self, since: datetime) -> list[StateCount]: ...

    async def seal(self) -> Seal:
        """The end of the record's review-wide chain (``workflows.chain``)."""
        ...

    async def deadline_groups(self) -> list[DeadlineGroup]: ...

    async def deadline_dates(self, limit: int) -> list[DateGroup]:
        """The largest groups of running deadlines by state and day."""
        ...

    async def activity(self, since: datetime, until: datetime, limit: int) -> Activity: ...

    async def deadlines_between(self, first: date, last: date,
                                limit: int) -> Capped[DueItem]: ...

    async def blocked(self, today: date, limit: int) -> tuple[Capped[Blocked], int]:
        """Active injunctions on ``today`` (capped), and how many jurisdictions they cover."""
        ...


@dataclass(frozen=True)
class Summary:
    channel: str
    title: str
    since: datetime
    until: datetime
    today: date
    states: tuple[StateCount, ...]
    tiers: dict[Tier, int]
    activity: Activity
    due_ahead: Capped[DueItem]
    newly_overdue: Capped[DueItem]
    blocked: Capped[Blocked]
    blocked_jurisdictions: int = 0
    deadline_dates: tuple[DateGroup, ...] = ()
    seal: Seal | None = None
    """The record's fingerprint as the summary was made: Slack keeps a copy of it."""
    stats: Stats | None = None
    """The review's numbers (weekly summaries only)."""

    @property
    def total(self) -> int:
        return sum(count.now for count in self.states)

    @property
    def no_change(self) -> bool:
        """Nothing happened in the period: no event recorded, no deadline passed."""
        a = self.activity
        return a.steps == a.added == a.other == self.newly_overdue.total == 0


@dataclass(frozen=True)
class Sent:
    """A summary that went out: its message, and the chart's file id (None when the
    summary had no change to chart or the upload failed: ``chart_error`` says why)."""

    channel: str
    ts: str
    summary: Summary
    chart: str | None = None
    chart_error: str = ""


async def build_summary(source: SummarySource, channel: str, title: str, since: datetime,
                        until: datetime, zone: ZoneInfo, limit: int = LIST_LIMIT) -> Summary:
    """The summary of ``since``..``until`` for ``channel``; days are counted in ``zone``
    (the team's time zone, which decides what "today" and "overdue" mean)."""
    today = until.astimezone(zone).date()
    first_day = since.astimezone(zone).date()
    blocked, blocked_jurisdictions = await source.blocked(today, limit)
    return Summary(
        channel=channel, title=title, since=since, until=until, today=today,
        states=tuple(await source.state_counts(since)),
        tiers=tier_counts(await source.deadline_groups(), today),
        activity=await source.activity(since, until, limit),
        due_ahead=await source.deadlines_between(
            today, today + timedelta(days=DUE_AHEAD_DAYS), limit),
        newly_overdue=await source.deadlines_between(
            first_day, today - timedelta(days=1), limit),
        blocked=blocked,
        blocked_jurisdictions=blocked_jurisdictions,
        deadline_dates=tuple(await source.deadline_dates(DATE_GROUPS)),
        seal=await source.seal(),
    )


# -- deadline tiers in bulk ----------------------------------------------------------------


def tier_counts(groups: Iterable[DeadlineGroup], today: date) -> dict[Tier, int]:
    """How many running deadlines stand in each tier (every tier but NONE is a key)."""
    counts: dict[Tier, int] = {tier: 0 for tier in Tier if tier is not Tier.NONE}
    bounds: dict[str, TierBounds] = {}
    for group in groups:
        if group.us_state not in bounds:
            bounds[group.us_state] = calendar_for(group.us_state or None).bounds(today)
        counts[bounds[group.us_state].tier(group.due_on)] += group.count
    return counts
