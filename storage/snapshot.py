"""The export's reads: everything stored, page by page, from one snapshot."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from operator import itemgetter
from typing import Any

from storage.closures import closure_from
from storage.database import Reader
from storage.rows import event_from, grouped, jurisdiction_from, order_from, round_from
from workflows.closures import Closure
from workflows.model import CourtOrder, Event, Jurisdiction
from workflows.state_items import RoundText, StateItem


class Snapshot:
    """Everything stored, page by page (keyset pagination), as of the first read of its
    transaction: the domain's ``ExportSource``."""

    def __init__(self, reader: Reader, json_pages: bool = False) -> None:
        self._rows = reader.fetch
        self._json_pages = json_pages

    async def jurisdictions_after(self, after: str, limit: int) -> list[Jurisdiction]:
        rows = await self._rows("SELECT * FROM jurisdictions WHERE id > ? ORDER BY id LIMIT ?",
                                after, limit)
        if not rows:
            return []
        span = (rows[0]["id"], rows[-1]["id"])  # the page is every id in this range
        aliases = await self._aliases(span)
        rounds = grouped(await self._rows(
            "SELECT * FROM rounds WHERE jurisdiction_id BETWEEN ? AND ?"
            " ORDER BY jurisdiction_id, number", *span), round_from)
        orders = await self._orders(span)
        return [jurisdiction_from(r, aliases.get(r["id"], []), rounds.get(r["id"], []),
                                  orders.get(r["id"], [])) for r in rows]

    async def state_after(self, after: str, limit: int) -> list[StateItem]:
        """A page of what the state export reads: each jurisdiction's columns with its
        current (last) round in one query, then the page's aliases and court orders."""
        rows = await self._state_page(after, limit)
        if not rows:
            return []
        span = (rows[0][0], rows[-1][0])  # the page is every id in this range
        aliases = await self._aliases(span)
        orders = await self._orders(span)
        item, current = StateItem._make, RoundText._make  # tuples made as they are
        return [item((r[0], r[1], r[2], r[3], r[4], r[5], r[6],
                      tuple(aliases[r[0]]) if r[0] in aliases else (),
                      None if r[7] is None else current(r[7:]),
                      tuple(orders[r[0]]) if r[0] in orders else ())) for r in rows]

    async def _state_page(self, after: str, limit: int) -> Sequence[Sequence[Any]]:
        if not self._json_pages:
            return await self._rows(STATE_PAGE, after, limit)
        rows: list[list[Any]] = json.loads((await self._rows(STATE_JSON, after, limit))[0][0])
        rows.sort(key=itemgetter(0))  # in id order already (as the page was read): made sure
        return rows

    async def _aliases(self, span: tuple[str, str]) -> dict[str, list[str]]:
        """The aliases of the page of jurisdictions whose ids are in ``span``."""
        return grouped(await self._rows(
            "SELECT jurisdiction_id, alias FROM aliases WHERE jurisdiction_id BETWEEN ? AND ?"
            " ORDER BY jurisdiction_id, alias", *span), lambda r: r["alias"])

    async def _orders(self, span: tuple[str, str]) -> dict[str, list[CourtOrder]]:
        """The court orders of the page of jurisdictions whose ids are in ``span``."""
        return grouped(await self._rows(
            "SELECT * FROM court_orders WHERE jurisdiction_id BETWEEN ? AND ?"
            " ORDER BY jurisdiction_id, id", *span), order_from)

    async def events_after(self, after: tuple[str, int], limit: int) -> list[Event]:
        rows = await self._rows(
            "SELECT * FROM events WHERE (jurisdiction_id, seq) > (?, ?)"
            " ORDER BY jurisdiction_id, seq LIMIT ?", after[0], after[1], limit)
        return [event_from(r) for r in rows]

    async def events_between(self, first: str, last: str,
                             kinds: Collection[str]) -> dict[str, list[Event]]:
        if not kinds:
            return {}
        rows = await self._rows(events_of_kinds(len(kinds)), first, last, *sorted(kinds))
        return grouped(rows, event_from)

    async def closures(self) -> list[Closure]:
        return [closure_from(r) for r in await self._rows("SELECT * FROM closures ORDER BY id")]


_STATE = ("j.id", "j.name", "j.kind", "j.us_state", "j.state", "j.owner", "j.channel",
          "r.number", "r.kind", "r.sent_on", "r.due_on", "r.due_rule", "r.business_days",
          "r.outcome", "r.closed_on", "r.paused_on", "r.days_left")
_STATE_FROM = (
    " FROM jurisdictions j LEFT JOIN rounds r ON r.jurisdiction_id = j.id"
    " AND r.jurisdiction_id > ?1"
    " AND r.number = (SELECT MAX(number) FROM rounds WHERE jurisdiction_id = j.id)"
    " WHERE j.id > ?1 ORDER BY j.id LIMIT ?2")
STATE_PAGE = f"SELECT {', '.join(_STATE)}{_STATE_FROM}"
"""A page of jurisdictions with their current round (the last by number), through the
primary keys of both tables: only the columns the state export writes. The rounds'
own bound (``r.jurisdiction_id > ?1``) lets PostgreSQL's merge join start its scan
of the rounds at the page, not at the first round of all (each page read every round
before it: 16 ms a page at the middle of 100,000)."""


STATE_JSON = (
    f"SELECT json_group_array(json_array({', '.join(f'c{n}' for n in range(len(_STATE)))}))"
    f" FROM (SELECT {', '.join(f'{c} AS c{n}' for n, c in enumerate(_STATE))}{_STATE_FROM})")
"""``STATE_PAGE`` as one JSON array of its rows, made by SQLite in one step (see
``Database.json_pages``); JSON keeps every text as it is and numbers as numbers."""


def events_of_kinds(kinds: int) -> str:
    """The events of ``kinds`` kinds for a range of jurisdictions, through the
    ``events_kind`` index (migration 0015, which a card's evidence and mutes use too):
    only the events of those kinds are read."""
    marks = ", ".join("?" * kinds)
    return (f"SELECT * FROM events WHERE jurisdiction_id BETWEEN ? AND ? AND kind IN ({marks})"
            " ORDER BY jurisdiction_id, seq")
