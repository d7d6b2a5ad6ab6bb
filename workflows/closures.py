"""Closure days: days the office could not act (FRCP 6(a)(3), "inaccessibility"), such
as the federal shutdown of 2018-01-20 to 2018-01-22.

A closure covers a range of days, for every jurisdiction or only those of one US state.
Business-day counts skip its days, and a last day that falls on one moves to the next
open day; a calendar-day count is moved only when its last day is closed. A closure is
declared with a reason and may be withdrawn; both are kept, so the record says what was
closed, by whom and when, and the deadlines they moved say so in their own events.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from workflows.deadlines import is_us_state, parse_date
from workflows.errors import BadInput
from workflows.lengths import MAX_NOTE, check_length

MAX_DAYS = 31
"""The most days one closure may cover."""
AHEAD = timedelta(days=366)
"""How far ahead of today a closure may be declared."""
_RANGE = re.compile(r"^\s*(\S+?)\s*(?:\.\.|–|—|\s+to\s+|/)\s*(\S+)\s*$")


@dataclass(frozen=True)
class Closure:
    """Days the office was closed, for ``us_state`` only or (empty) for everyone."""

    first: date
    last: date
    reason: str
    us_state: str = ""
    id: int = 0
    declared_by: str = ""
    declared_at: datetime | None = None
    withdrawn_by: str | None = None
    withdrawn_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None

    def applies_to(self, us_state: str) -> bool:
        return not self.us_state or self.us_state == us_state

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def span(self) -> str:
        """"2018-01-20 to 2018-01-22", or the one day."""
        if self.first == self.last:
            return self.first.isoformat()
        return f"{self.first.isoformat()} to {self.last.isoformat()}"

    def label(self) -> str:
        """"closure #3 (2018-01-20 to 2018-01-22, federal shutdown, NY only)"."""
        where = f", {self.us_state} only" if self.us_state else ""
        number = f"#{self.id} " if self.id else ""
        return f"closure {number}({self.span()}, {self.reason}{where})"

    def detail(self) -> dict[str, object]:
        """What a deadline's event records of the closure that moved it."""
        return {"id": self.id, "first": self.first.isoformat(), "last": self.last.isoformat(),
                "reason": self.reason, "us_state": self.us_state}


def parse_closure(text: str, reason: str, us_state: str, today: date) -> Closure:
    """A closure as a person declares it: one day (2018-02-23) or a range
    (2018-01-20..2018-01-22, or "2018-01-20 to 2018-01-22"), a reason, and optionally
    the US state it applies to. Refused: no reason, a range backwards or over
    ``MAX_DAYS`` days, a day more than a year ahead of ``today``, an unknown state."""
    reason = " ".join(reason.split())
    if not reason:
        raise BadInput("Say why the office was closed: reason=\"federal shutdown\".",
                       field="note")
    check_length(reason, "reason", MAX_NOTE, "note")
    match = _RANGE.match(text)
    first, last = ((parse_date(match[1]), parse_date(match[2])) if match
                   else (parse_date(text), parse_date(text)))
    if last < first:
        raise BadInput(f"The range ends ({last}) before it begins ({first}).", field="date")
    if (last - first).days + 1 > MAX_DAYS:
        raise BadInput(f"{first} to {last} is {(last - first).days + 1} days; a closure covers "
                       f"at most {MAX_DAYS}. Declare a longer one in parts.", field="date")
    if last > today + AHEAD:
        raise BadInput(f"{last} is more than a year after today ({today}); declare a closure "
                       "nearer the time.", field="date")
    state = us_state.strip().upper()
    if state and not is_us_state(state):
        raise BadInput(f"“{us_state}” is not a US state code (e.g. NY, CA).", field="state")
    return Closure(first, last, reason, state)


def closed_days(closures: Iterable[Closure], us_state: str) -> dict[date, str]:
    """Each day closed for a jurisdiction of ``us_state`` by an active closure, with
    why (the first closure declared names a day closed twice)."""
    days: dict[date, str] = {}
    for closure in sorted(closures, key=lambda c: c.id):
        if closure.active and closure.applies_to(us_state):
            for day in closure.days():
                days.setdefault(day, f"{closure.reason} (closure #{closure.id})")
    return days
