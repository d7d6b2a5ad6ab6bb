"""Exports as CSV a spreadsheet opens: no cell it would run as a formula, and what was
exported imports back the same."""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime

import pytest

from workflows.closures import Closure
from workflows.exports import (
    HISTORY_COLUMNS,
    STATE_COLUMNS,
    history_pages,
    state_pages,
    write_csv,
)
from workflows.imports import plan_numbered, read_csv
from workflows.model import Event, Jurisdiction
from workflows.state_items import RoundText, StateItem

TODAY = date(2018, 2, 1)
HOSTILE = {
    "hyperlink": '=HYPERLINK("http://evil","x")',
    "dde": "+cmd|' /C calc'!A0",
    "at-sum": "@SUM(1+1)",
    "minus": "-2+3",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
    "quoted": "'=already quoted",
    "quoted-twice": "''+twice",
}
HARMLESS = {"chicago": "Chicago, IL", "quote": "'Ohana County", "lone": "'", "mid": "A=B+C"}
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class Source:
    """The ExportSource port over a list, a page at a time as the store serves it."""

    def __init__(self, jurisdictions: Sequence[Jurisdiction], events: Sequence[Event] = ()):
        self.jurisdictions = sorted(jurisdictions, key=lambda j: j.id)
        self.events = sorted(events, key=lambda e: (e.jurisdiction_id, e.seq))

    async def jurisdictions_after(self, after: str, limit: int) -> list[Jurisdiction]:
        return [j for j in self.jurisdictions if j.id > after][:limit]

    async def state_after(self, after: str, limit: int) -> list[StateItem]:
        return [item(j) for j in await self.jurisdictions_after(after, limit)]

    async def events_after(self, after: tuple[str, int], limit: int) -> list[Event]:
        return [e for e in self.events if (e.jurisdiction_id, e.seq) > after][:limit]

    async def events_between(self, first: str, last: str,
                             kinds: Collection[str]) -> dict[str, list[Event]]:
        found: dict[str, list[Event]] = {}
        for e in self.events:
            if first <= e.jurisdiction_id <= last and e.kind in kinds:
                found.setdefault(e.jurisdiction_id, []).append(e)
        return found

    async def closures(self) -> list[Closure]:
        return []


def item(j: Jurisdiction) -> StateItem:
    """The jurisdiction as the store's snapshot reads it for a state export."""
    current = j.current_round
    text = None if current is None else RoundText(
        current.number, current.kind, current.sent_on.isoformat(), iso(current.due_on),
        current.due_rule, current.business_days, current.outcome, iso(current.closed_on),
        iso(current.paused_on), current.days_left)
    return StateItem(j.id, j.name, j.kind, j.us_state, j.state, j.owner, j.channel, j.aliases,
                     text, tuple(j.orders))


def iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def towns(names: dict[str, str]) -> list[Jurisdiction]:
    return [Jurisdiction(jid, name, "city", "IL") for jid, name in names.items()]


async def exported_state(names: dict[str, str]) -> str:
    out = io.StringIO()
    await write_csv(STATE_COLUMNS, state_pages(Source(towns(names)), TODAY, page=3), out)
    return out.getvalue()


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))[1:]


async def test_no_exported_cell_starts_as_a_formula() -> None:
    rows = cells(await exported_state({**HOSTILE, **HARMLESS}))
    assert len(rows) == len(HOSTILE) + len(HARMLESS)
    for row in rows:
        for cell in row:
            assert not cell.startswith(TRIGGERS), row
    by_id = {row[0]: row[1] for row in rows}
    assert by_id["hyperlink"] == '\'=HYPERLINK("http://evil","x")'
    assert by_id["dde"] == "'+cmd|' /C calc'!A0"
    assert by_id["at-sum"] == "'@SUM(1+1)"
    assert by_id["minus"] == "'-2+3"
    assert by_id["tab"] == "'\t=1+1" and by_id["cr"] == "'\r=1+1"
    assert by_id["quoted"] == "''=already quoted"  # so that it imports back as it was
    assert by_id["quoted-twice"] == "'''+twice"
    assert {jid: by_id[jid] for jid in HARMLESS} == HARMLESS  # left alone


async def test_the_history_export_guards_its_cells_too() -> None:
    at = datetime(2018, 2, 1, 15, 0, tzinfo=UTC)
    events = [Event(jid, "added", "-UEVIL", TODAY, at, None, "new", {"name": name}, seq=1)
              for jid, name in HOSTILE.items()]
    out = io.StringIO()
    await write_csv(HISTORY_COLUMNS, history_pages(Source([], events), page=2), out)
    rows = cells(out.getvalue())
    assert len(rows) == len(HOSTILE)
    assert all(row[4] == "'-UEVIL" for row in rows)
    assert not any(cell.startswith(TRIGGERS) for row in rows for cell in row)


async def test_a_state_export_imports_back_as_the_same_names() -> None:
    names = {**HOSTILE, **HARMLESS}
    table = read_csv(await exported_state(names))
    plan = plan_numbered(table.header, table.rows, set())
    assert plan.errors == []
    imported = {j.id: j.name for j in plan.jurisdictions}
    # A name is trimmed when it is added (by hand or imported), so the tab and the
    # carriage return that lead these two are gone either way.
    assert imported == {**names, "tab": "=1+1", "cr": "=1+1"}


@pytest.mark.parametrize("cell", ["'=1", "'+1", "'-1", "'@x", "'\tx", "'\rx"])
def test_only_the_guard_quote_is_taken_off_on_import(cell: str) -> None:
    table = read_csv(f"id,name\nx,\"{cell}\"\n")
    assert table.rows[0][1]["name"] == cell[1:]


@pytest.mark.parametrize("cell", ["'Ohana", "'", "''", "don't", "x'=1"])
def test_other_quotes_are_kept_on_import(cell: str) -> None:
    table = read_csv(f"id,name\nx,\"{cell}\"\n")
    assert table.rows[0][1]["name"] == cell


async def test_a_carriage_return_inside_a_cell_cannot_start_a_row_of_its_own() -> None:
    text = await exported_state({"inner": "Town\r=HYPERLINK(\"http://evil\")", "next": "Next"})
    assert [row[:2] for row in cells(text)] == [
        ["inner", "Town\r=HYPERLINK(\"http://evil\")"], ["next", "Next"]]
    assert text.count("\r\n") == 3  # the header and two rows; the name's CR is quoted
