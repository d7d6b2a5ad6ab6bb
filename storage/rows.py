"""Rows made into domain objects: what every part of the store reads back."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar

from storage.database import Row
from workflows.model import CourtOrder, Event, Jurisdiction, Listing, OrderKind, Round
from workflows.reminders import Kind, Reminder

T = TypeVar("T")


def grouped(rows: list[Row], make: Callable[[Row], T]) -> dict[str, list[T]]:
    """Rows of a child table, made into values and grouped by their jurisdiction."""
    groups: dict[str, list[T]] = {}
    for row in rows:
        groups.setdefault(row["jurisdiction_id"], []).append(make(row))
    return groups


_KINDS = {kind.value: kind for kind in Kind}
"""Each reminder kind by its stored name: a look-up here is a tenth of ``Kind(name)``'s
cost, paid for each of the ~2,000 reminders a sweep claims."""


def reminder_from(row: Row) -> Reminder:
    return Reminder(row["jurisdiction_id"], row["round"], date.fromisoformat(row["deadline"]),
                    _KINDS[row["kind"]], datetime.fromisoformat(row["due_at"]), row["id"])


def date_or_none(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def jurisdiction_from(row: Row, aliases: list[str], rounds: list[Round],
                      orders: list[CourtOrder]) -> Jurisdiction:
    return Jurisdiction(
        id=row["id"], name=row["name"], kind=row["kind"], us_state=row["us_state"],
        aliases=tuple(aliases), state=row["state"], version=row["version"], owner=row["owner"],
        channel=row["channel"], rounds=rounds, orders=orders, held_from=row["held_from"],
        held_by=row["held_by"], last_step_on=date_or_none(row["last_step_on"]))


def round_from(row: Row) -> Round:
    return Round(
        number=row["number"], kind=row["kind"], sent_on=date.fromisoformat(row["sent_on"]),
        due_on=date_or_none(row["due_on"]), due_rule=row["due_rule"],
        business_days=bool(row["business_days"]), outcome=row["outcome"],
        closed_on=date_or_none(row["closed_on"]), paused_on=date_or_none(row["paused_on"]),
        days_left=row["days_left"])


def order_from(row: Row) -> CourtOrder:
    blocks = frozenset(b for b in row["blocks"].split(",") if b)
    return CourtOrder(
        kind=OrderKind(row["kind"]), on=date.fromisoformat(row["on_date"]),
        case=row["case_number"], court=row["court"], scope=row["scope"], blocks=blocks,
        lifted_on=date_or_none(row["lifted_on"]), id=row["id"])


def event_from(row: Row) -> Event:
    return Event(
        jurisdiction_id=row["jurisdiction_id"], kind=row["kind"], actor=row["actor"],
        on=date.fromisoformat(row["on_date"]), at=datetime.fromisoformat(row["recorded_at"]),
        from_state=row["from_state"], to_state=row["to_state"],
        detail=json.loads(row["detail"]), seq=row["seq"])


def listing_from(row: Row) -> Listing:
    return Listing(row["id"], row["name"], row["kind"], row["us_state"], row["state"],
                   date_or_none(row["due_on"]), row["owner"])
