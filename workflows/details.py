"""What a step's and a court order's events record beside the states (the use cases
in ``workflows.review``, the playback and the bench share them)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from workflows.lengths import MAX_CASE, MAX_NOTE, check_length
from workflows.model import CourtOrder, Jurisdiction


def step_detail(j: Jurisdiction, note: str, link: str) -> dict[str, object]:
    """What a step's event records beside the states: the note and the round it left."""
    current = j.current_round
    return {"note": note, "link": link, "round": current.number if current else None,
            "due_on": _iso(j.due_on), "due_rule": current.due_rule if current else ""}


def attach(j: Jurisdiction, order: CourtOrder) -> dict[str, object]:
    """Number ``order`` after ``j``'s others and attach it (in memory); return what its
    event records."""
    check_length(order.case, "case number", MAX_CASE, "case")
    check_length(order.court, "court", MAX_CASE, "court")
    check_length(order.scope, "scope", MAX_NOTE, "scope")
    order = replace(order, id=max((o.id or 0 for o in j.orders), default=0) + 1)
    j.orders.append(order)
    return {"order_id": order.id, "order": order.label(), "scope": order.scope,
            "blocks": sorted(order.blocks)}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
