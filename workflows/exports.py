"""Exports as CSV: where every jurisdiction stands, and every event ever recorded.

Both are read a page at a time from an ``ExportSource`` (one read snapshot, so the
file is consistent however long it takes) and written as they are read, so memory
stays flat whether there are forty jurisdictions or a hundred thousand.

The state file's first columns are those of jurisdictions.csv (id, name, kind, state
= the US state code, aliases), so it can be imported as a jurisdictions file into
another database. The workflow state is ``status`` (as in ``list status=…``).

Every cell a spreadsheet would read as a formula (one starting with =, +, -, @, a tab
or a carriage return: a name such as ``=HYPERLINK(…)``) is written after a single quote,
as OWASP advises for CSV injection, so it opens as text. Imports take that quote off
again (``unguard``), so an export imports back as it was.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing
from datetime import date
from typing import TextIO, TypeVar

from workflows.closures import Closure
from workflows.deadline_changes import DEFAULT_KINDS, Kinds, current_derivation
from workflows.deadlines import Tier, TierBounds, calendar_for
from workflows.derivation import EXTENDED, looked_at_after
from workflows.model import Event
from workflows.ports import ExportSource
from workflows.state_items import RoundText, StateItem

T = TypeVar("T")
PAGE = 1000
"""Rows read per query."""
SLICE = 250
"""Rows of a page made between two turns of the loop (``state_pages``)."""
FEDERAL = calendar_for(None)
MEMO = 100_000
"""Derivations a state export keeps, worked out once each (some 15 MB at most)."""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet run a cell (OWASP, CSV injection)."""
GUARD = "'"
_MAYBE_GUARDED = frozenset("".join(FORMULA_START) + GUARD)


def guard(cell: str) -> str:
    """``cell`` as text a spreadsheet will not run: a quote before a formula's start.
    A cell already made of quotes and then such a start gets one more, so that
    ``unguard`` gives back exactly what was written. (Most cells start with a letter or
    a digit: they are let through on their first character, as an export writes
    fourteen cells a jurisdiction.)"""
    if not cell or cell[0] not in _MAYBE_GUARDED:
        return cell
    if cell.lstrip(GUARD).startswith(FORMULA_START):
        return GUARD + cell
    return cell


def unguard(cell: str) -> str:
    """The cell as it was before ``guard``: one quote off a guarded formula's start;
    any other cell (``'Ohana``, ``don't``) is left as it is."""
    if cell.startswith(GUARD) and cell.lstrip(GUARD).startswith(FORMULA_START):
        return cell[1:]
    return cell


STATE_COLUMNS = ("id", "name", "kind", "state", "aliases", "status", "round", "round_kind",
                 "due_on", "tier", "owner", "channel", "active_orders", "due_derivation")
HISTORY_COLUMNS = ("jurisdiction", "seq", "date", "recorded_at", "actor", "kind", "from",
                   "to", "detail")


class StateRows:
    """Turns jurisdictions into state rows on ``today``; tiers are placed with bounds
    computed once per US state (``Calendar.tier`` would count business days one by
    one for every late deadline)."""

    def __init__(self, today: date, closures: Sequence[Closure] = (),
                 kinds: Kinds = DEFAULT_KINDS) -> None:
        self.today = today
        self._bounds: dict[str, TierBounds] = {}
        self.closures = closures
        self.kinds = kinds
        self._worked_out: dict[tuple[object, ...], str] = {}
        self._on_federal: dict[tuple[object, ...], tuple[str, date, date]] = {}

    def row(self, j: StateItem, events: Sequence[Event] = ()) -> list[str]:
        current = j.current
        orders = "; ".join(
            order.label() + (f" blocks {','.join(sorted(order.blocks))}" if order.blocks
                             else "") for order in j.orders if order.is_active(self.today)
        ) if j.orders else ""
        aliases = ",".join(j.aliases) if j.aliases else ""
        if current is None:
            return [j.id, j.name, j.kind, j.us_state, aliases, j.state, "", "",
                    "", "", j.owner or "", j.channel or "", orders, ""]
        due = current.running_due
        return [j.id, j.name, j.kind, j.us_state, aliases, j.state,
                str(current.number), current.kind, due or "", self.tier(j.us_state, due),
                j.owner or "", j.channel or "", orders, self.derivation(j, current, events)]

    def derivation(self, j: StateItem, rnd: RoundText, events: Sequence[Event]) -> str:
        """The current round's deadline worked out, its stages joined on one line.

        A round that no pause, resumption or extension touched reads the same for every
        jurisdiction of its US state with its kind, start day and rule (the text names
        neither the jurisdiction nor the round's number): at 100,000 jurisdictions they
        share some 40,000 such, so each is worked out once, and most of those once for
        all states (``_federal``)."""
        if events and any(e.detail.get("round") == rnd.number for e in events):
            return self._worked_out_now(j, events)
        # Which closures count depends on the day a settled round closed (if any do).
        when = (None if rnd.outcome is None else rnd.closed_on) if self.closures else None
        key = (j.us_state, when, rnd.kind, rnd.sent_on, rnd.due_rule, rnd.due_on)
        text = self._worked_out.get(key)
        if text is None:
            if len(self._worked_out) >= MEMO:
                self._worked_out.clear()
            text = self._worked_out[key] = self._untouched(j, rnd)
        return text

    def _untouched(self, j: StateItem, rnd: RoundText) -> str:
        if not self.closures:
            federal, after, last = self._federal(j, rnd)
            if calendar_for(j.us_state).names_as(FEDERAL, after, last):
                return federal
        return self._worked_out_now(j, ())

    def _federal(self, j: StateItem, rnd: RoundText) -> tuple[str, date, date]:
        """The round worked out on the federal calendar, and the days its count looked
        at (after the first, up to the last): it reads the same on a state's calendar
        that names the same holidays over those days (``Calendar.names_as``), and most
        do (a state's own holidays are a few days a year, and a count of calendar days
        looks at its last day only: ``looked_at_after``). At 100,000 jurisdictions: some
        4,000 derivations."""
        key = (rnd.kind, rnd.sent_on, rnd.due_rule, rnd.due_on)
        found = self._on_federal.get(key)
        if found is None:
            if len(self._on_federal) >= MEMO:
                self._on_federal.clear()
            federal = StateItem(j.id, j.name, j.kind, "", j.state, None, None,
                                current=rnd).jurisdiction()
            worked = current_derivation(federal, (), (), self.kinds)
            days = [stage.due for stage in worked.stages if stage.due is not None]
            if rnd.due_on:
                days.append(date.fromisoformat(rnd.due_on))  # a date set, counted up to
            last = max(days, default=worked.stages[0].on)
            found = self._on_federal[key] = ("; ".join(worked.lines()),
                                             looked_at_after(federal.rounds[-1]), last)
        return found

    def _worked_out_now(self, j: StateItem, events: Sequence[Event]) -> str:
        found = current_derivation(j.jurisdiction(), events, self.closures, self.kinds)
        return "; ".join(found.lines())

    def tier(self, us_state: str, due: str | None) -> str:
        if due is None:
            return ""
        bounds = self._bounds.get(us_state)
        if bounds is None:
            bounds = self._bounds[us_state] = calendar_for(us_state or None).bounds(self.today)
        tier: Tier = bounds.tier(date.fromisoformat(due))
        return tier.value


def history_row(event: Event) -> list[str]:
    return [event.jurisdiction_id, str(event.seq), event.on.isoformat(),
            event.at.isoformat(), event.actor, event.kind, event.from_state or "",
            event.to_state or "", json.dumps(event.detail, sort_keys=True, ensure_ascii=False)]


async def state_pages(source: ExportSource, today: date, page: int = PAGE,
                      kinds: Kinds = DEFAULT_KINDS) -> AsyncGenerator[list[list[str]], None]:
    """``kinds``: the steps that pause and that resume a clock, in the workflow in force."""
    rows = StateRows(today, await source.closures(), kinds)
    async with aclosing(read_ahead(source, page, kinds)) as pages:
        async for batch, events in pages:
            yield await made(batch, events, rows.row)


Page = tuple[list[StateItem], dict[str, list[Event]]]


async def read_ahead(source: ExportSource, page: int, kinds: Kinds
                     ) -> AsyncGenerator[Page, None]:
    """Every page of a state export with its clock events, the next one read while this
    one is made into rows: the database works out a page (SQLite in its connection's
    thread, PostgreSQL in its server) while the processor here makes the last one into
    rows (see ``made``). At most one page is read ahead: memory stays at two pages."""
    wanted = {*kinds[0], *kinds[1], EXTENDED}

    async def read(after: str) -> Page:
        batch = await source.state_after(after, page)
        if not batch:
            return batch, {}
        return batch, await source.events_between(batch[0].id, batch[-1].id, wanted)

    ahead = asyncio.ensure_future(read(""))
    try:
        while True:
            batch, events = await ahead
            if not batch:
                return
            ahead = asyncio.ensure_future(read(batch[-1].id))
            yield batch, events
    finally:
        if not ahead.done():  # the reader stopped early: leave the connection idle
            ahead.cancel()
            await asyncio.wait([ahead])


async def made(batch: list[StateItem], events: dict[str, list[Event]],
               make: Callable[[StateItem, Sequence[Event]], T]) -> list[T]:
    """``make`` of every item of a page with its events, the loop let run between slices
    of the page (``SLICE``), so that the page read ahead sends each of its queries as
    the one before comes back."""
    done: list[T] = []
    for start in range(0, len(batch), SLICE):
        await asyncio.sleep(0)
        done += [make(j, events.get(j.id, ())) for j in batch[start:start + SLICE]]
    return done


async def history_pages(source: ExportSource,
                        page: int = PAGE) -> AsyncGenerator[list[list[str]], None]:
    after = ("", 0)
    while batch := await source.events_after(after, page):
        yield [history_row(event) for event in batch]
        after = (batch[-1].jurisdiction_id, batch[-1].seq)


async def write_csv(header: tuple[str, ...], pages: AsyncGenerator[list[list[str]], None],
                    out: TextIO) -> int:
    """Write the header and every page to ``out``, every cell guarded against formula
    injection; return how many rows (not counting the header). Lines end in CRLF, as
    RFC 4180 has them: the writer quotes a cell holding any character of the line
    ending, so a carriage return inside a name cannot start a row of its own (and its
    own formula) the way it could after a bare LF.

    A page is written to ``out`` in one piece (the writer's lines gathered in memory
    first): one write a page, not one a row. ``pages`` is closed when writing ends, so
    that a page read ahead is not left running on a snapshot about to close."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    count = 0
    async with aclosing(pages):
        async for rows in pages:
            writer.writerows([guard(cell) for cell in row] for row in rows)
            count += len(rows)
            out.write(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
    out.write(buffer.getvalue())
    return count
