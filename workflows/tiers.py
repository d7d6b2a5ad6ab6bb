"""Listing by deadline tier (``list tier=overdue``).

A tier is not stored: it follows from a deadline, today and the business days of the
jurisdiction's state (``workflows.deadlines.TierBounds``). So a tier becomes, for each
state with a deadline running, the range of due dates that fall in it today, and the
store filters by those ranges.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from workflows.deadlines import Tier, TierBounds, calendar_for
from workflows.errors import BadInput
from workflows.ports import DueRange, Filters, Repository

TIERS = (Tier.ON_TRACK, Tier.DUE_SOON, Tier.OVERDUE, Tier.VERY_OVERDUE)
DAY = timedelta(days=1)


def tier_named(text: str) -> Tier | None:
    """The tier ``text`` names (``overdue``, ``very overdue``, ``due-soon``), or None."""
    key = text.strip().lower().replace(" ", "_").replace("-", "_")
    return next((tier for tier in TIERS if tier.value == key), None)


def parse_tier(text: str) -> Tier:
    found = tier_named(text)
    if found is None:
        raise BadInput(f"“{text}” is not a deadline tier. Tiers: "
                       + ", ".join(tier.value for tier in TIERS) + ".")
    return found


def due_range(tier: Tier, us_state: str, bounds: TierBounds) -> DueRange:
    """The due dates that are in ``tier`` on ``bounds.today``, for ``us_state``."""
    today = bounds.today
    if tier is Tier.ON_TRACK:
        return DueRange(us_state, bounds.due_soon_until + DAY, None)
    if tier is Tier.DUE_SOON:
        return DueRange(us_state, today, bounds.due_soon_until)
    if tier is Tier.OVERDUE:
        return DueRange(us_state, bounds.very_overdue_by + DAY, today - DAY)
    return DueRange(us_state, None, bounds.very_overdue_by)


async def in_tier(repo: Repository, filters: Filters, tier: Tier, today: date) -> Filters:
    """``filters`` narrowed to the deadlines in ``tier`` today, each by its state's
    calendar."""
    states = [filters.us_state] if filters.us_state else await repo.due_states()
    return replace(filters, due=tuple(
        due_range(tier, state, calendar_for(state or None).bounds(today)) for state in states))
