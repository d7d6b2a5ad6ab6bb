"""Deadlines counted the way US federal courts count them (FRCP 6(a)).

Leave out the day of the trigger; count every day (calendar days) or only business
days; a last day that falls on a weekend or legal holiday moves to the next day that
is neither. Business days skip weekends, US federal holidays and the holidays of the
jurisdiction's state. Tiers (due soon, overdue, very overdue) are derived here when
read and never stored.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

import holidays

from workflows.errors import BadInput, Field

DUE_SOON_BUSINESS_DAYS = 3
VERY_OVERDUE_BUSINESS_DAYS = 20
ADDED_KEPT = 4096
"""Business-day counts a calendar remembers (``Calendar.add_business_days``) before it
forgets them all and starts again."""

_SPAN = re.compile(
    r"^\s*(?P<n>\d{1,4})\s*(?P<unit>bd|cd|d|business\s+days?|calendar\s+days?|days?)\s*$",
    re.IGNORECASE,
)


def parse_date(text: str, field: Field = "date") -> date:
    """A date as people type it here: ISO 8601 (2017-06-30). ``field`` is the one it
    was given for (a deadline's date is ``due``)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"“{text}” is not a date; write it as YYYY-MM-DD, e.g. 2017-06-30.",
                       field=field) from None


@dataclass(frozen=True)
class DueSpec:
    """How a step sets its deadline: a fixed date, or N calendar or business days."""

    on: date | None = None
    days: int = 0
    business: bool = False

    @classmethod
    def parse(cls, text: str) -> DueSpec:
        match = _SPAN.match(text)
        if match:
            days = int(match["n"])
            if days < 1:
                raise BadInput("A deadline needs at least 1 day.", field="due")
            unit = match["unit"].lower()
            return cls(days=days, business=unit.startswith("b"))
        if re.match(r"^\s*\d{4}-", text):
            return cls(on=parse_date(text, "due"))
        raise BadInput(
            f"“{text}” is not a deadline. Write a date (2017-06-30), "
            "“30 days” (calendar) or “20 business days”.", field="due")

    def describe(self) -> str:
        if self.on is not None:
            return self.on.isoformat()
        unit = "business" if self.business else "calendar"
        return f"{self.days} {unit} day{'s' if self.days != 1 else ''}"


class Tier(StrEnum):
    """Where a deadline stands on a given day."""

    NONE = "none"
    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    VERY_OVERDUE = "very_overdue"



class Calendar:
    """Business days for one US state (federal holidays plus the state's)."""

    def __init__(self, subdivision: str | None = None) -> None:
        known = subdivision if subdivision and is_us_state(subdivision) else None
        self.subdivision = known
        self._holidays = holidays.country_holidays("US", subdiv=known)
        self._by_year: dict[int, frozenset[date]] = {}
        self._bounds: dict[date, TierBounds] = {}
        self._differs: dict[tuple[str | None, int], frozenset[date]] = {}
        self._added: dict[tuple[date, int], date] = {}
        self.closed: Mapping[date, str] = {}

    def closing(self, closed: Mapping[date, str]) -> Calendar:
        """This calendar with ``closed`` (day: why) as days the office could not act
        (FRCP 6(a)(3)): not business days, and no last day falls on one. The holiday
        tables are shared, not built again."""
        if not closed and not self.closed:
            return self
        other = copy.copy(self)
        other.closed, other._bounds, other._added = dict(closed), {}, {}
        return other

    def holiday(self, day: date) -> str | None:
        return self._holidays.get(day)

    def is_business_day(self, day: date) -> bool:
        return (day.weekday() < 5 and day not in self._holidays_of(day.year)
                and day not in self.closed)

    def _holidays_of(self, year: int) -> frozenset[date]:
        """The year's holidays as a plain set. Asking the holiday table itself costs
        microseconds a day (its keys are transformed, its years filled in as asked),
        and an export works out a deadline for every jurisdiction, day by day: a
        million lookups at 100,000 jurisdictions. The years either side are filled
        in first, for a day observed in the year before (a New Year's Day that falls
        on a Saturday is observed on December 31)."""
        found = self._by_year.get(year)
        if found is None:
            for near in (year - 1, year, year + 1):
                date(near, 6, 1) in self._holidays  # noqa: B015 - fills in that year
            found = frozenset(day for day in self._holidays if day.year == year)
            self._by_year[year] = found
        return found

    def names_as(self, other: Calendar, after: date, through: date) -> bool:
        """Whether every day after ``after`` up to ``through`` is a holiday of the same
        name, or no holiday, on both calendars, neither with closures: then a count over
        those days reads the same on either (most states' own holidays are a few days a
        year, so most counts read as the federal calendar's)."""
        if self.closed or other.closed:
            return False
        for year in range(after.year, through.year + 1):
            if any(after < day <= through for day in self._differing(other, year)):
                return False
        return True

    def _differing(self, other: Calendar, year: int) -> frozenset[date]:
        key = (other.subdivision, year)
        found = self._differs.get(key)
        if found is None:
            days = self._holidays_of(year) | other._holidays_of(year)
            found = frozenset(day for day in days if self.holiday(day) != other.holiday(day))
            self._differs[key] = found
        return found

    def roll_forward(self, day: date) -> date:
        """The day itself if it is a business day, else the next one that is."""
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day

    def reopened(self, day: date) -> date:
        """A date set as such (not counted) stands, unless the office is closed that day
        (FRCP 6(a)(3)): then the next business day."""
        return self.roll_forward(day) if day in self.closed else day

    def add_business_days(self, start: date, count: int) -> date:
        """The ``count``-th business day after ``start`` (before it, if negative).
        Remembered: every step of a day plans its reminders from the same days, and an
        import the reminders of 100,000 deadlines over a few hundred distinct dates;
        counting is a walk of up to 20 business days."""
        found = self._added.get((start, count))
        if found is None:
            if len(self._added) > ADDED_KEPT:
                self._added.clear()
            found = self._added[start, count] = self._count_business_days(start, count)
        return found

    def _count_business_days(self, start: date, count: int) -> date:
        day, step = start, (1 if count >= 0 else -1)
        count = abs(count)
        while count > 0:
            day += timedelta(days=step)
            if self.is_business_day(day):
                count -= 1
        return day

    def business_days_between(self, start: date, end: date) -> int:
        """Business days after ``start`` up to and including ``end`` (negative if end < start)."""
        if end < start:
            return -self.business_days_between(end, start)
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_business_day(day)
        return count

    def due_on(self, spec: DueSpec, start: date) -> date:
        """The last day to answer a step taken on ``start``."""
        if spec.on is not None:
            return self.reopened(spec.on)
        if spec.business:
            return self.add_business_days(start, spec.days)
        return self.roll_forward(start + timedelta(days=spec.days))

    def days_left(self, due: date, paused_on: date, business: bool) -> int:
        """What is left of a deadline when its clock stops on ``paused_on``."""
        if business:
            return max(self.business_days_between(paused_on, due), 0)
        return max((due - paused_on).days, 0)

    def tier(self, due: date | None, today: date) -> Tier:
        """Where a deadline stands: due soon within 3 business days, very overdue 20
        business days late or more."""
        return Tier.NONE if due is None else self.bounds(today).tier(due)

    def bounds(self, today: date) -> TierBounds:
        """The days that separate the tiers on ``today``, worked out once a day (a list
        of thousands of deadlines is then placed with two comparisons each)."""
        found = self._bounds.get(today)
        if found is None:
            if len(self._bounds) > 64:
                self._bounds.clear()
            found = self._bounds[today] = self._work_out_bounds(today)
        return found

    def _work_out_bounds(self, today: date) -> TierBounds:
        day, late = today, 0
        while late < VERY_OVERDUE_BUSINESS_DAYS:
            late += self.is_business_day(day)
            day -= timedelta(days=1)
        ahead = self.add_business_days(today, DUE_SOON_BUSINESS_DAYS + 1)
        return TierBounds(today, very_overdue_by=day, due_soon_until=ahead - timedelta(days=1))


@dataclass(frozen=True)
class TierBounds:
    """``very_overdue_by``: the latest due date at least 20 business days late on
    ``today``; ``due_soon_until``: the latest due date at most 3 business days away."""

    today: date
    very_overdue_by: date
    due_soon_until: date

    def tier(self, due: date) -> Tier:
        if due > self.today:
            return Tier.DUE_SOON if due <= self.due_soon_until else Tier.ON_TRACK
        if due == self.today:
            return Tier.DUE_SOON
        return Tier.VERY_OVERDUE if due <= self.very_overdue_by else Tier.OVERDUE


@lru_cache(maxsize=64)
def calendar_for(subdivision: str | None) -> Calendar:
    """One shared calendar per state: the holiday tables are costly to build."""
    return Calendar(subdivision)


def is_us_state(code: str) -> bool:
    """A two-letter USPS code the holiday tables know (states, DC, territories)."""
    return code in _us_subdivisions()


@lru_cache(maxsize=1)
def _us_subdivisions() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries()["US"])
