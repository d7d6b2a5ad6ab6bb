"""The state export as ``export state`` writes it (``write_state``: lines joined without
``csv.writer``) is byte for byte the file ``write_csv`` of ``state_pages`` writes, and a
page read ahead does not outlive the export."""

from __future__ import annotations

import asyncio
import csv
import gc
import io
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from tests.storage.test_repository import full_jurisdiction
from tests.workflows.test_exports import HARMLESS, HOSTILE, TODAY, Source
from workflows.exports import STATE_COLUMNS, guard, state_pages, write_csv
from workflows.model import CourtOrder, Event, Jurisdiction, OrderKind, Round
from workflows.state_items import StateItem
from workflows.state_lines import collector_paused, csv_cell, write_state

ODD = {**HOSTILE, **HARMLESS, "comma": "A, B", "quote": 'The "Big" Town', "lf": "Two\nLines",
       "crlf": "Two\r\nLines", "all": '=a,"b"\r\nc', "space": " lead", "empty-ish": "'"}


def towns() -> list[Jurisdiction]:
    """Every cell that can hold something to guard or quote holds it somewhere."""
    base = full_jurisdiction()
    found = [base]
    for n, (jid, text) in enumerate(sorted(ODD.items())):
        rounds = [Round(1, "letter", date(2017, 12, 1 + n % 20), due_on=date(2018, 1, 2),
                        due_rule=("20 business days", "30 calendar days", "")[n % 3],
                        business_days=n % 3 == 0)] if n % 4 else []
        orders = [CourtOrder(OrderKind.LAWSUIT, date(2017, 6, 7), text, court=text, id=1)]
        found.append(replace(base, id=f"t-{jid}", name=text, us_state=("IL", "", "MA")[n % 3],
                             aliases=("a-1", "b-2")[: n % 3], owner=text if n % 2 else None,
                             channel=text if n % 3 else None, rounds=rounds,
                             orders=orders if n % 2 else []))
    return found


def events() -> list[Event]:
    at = datetime(2018, 1, 2, 12, 0, tzinfo=UTC)
    return [Event("chicago", "clarify", "U1", date(2017, 6, 10), at, None, None,
                  {"round": 2}, seq=5),
            Event("t-comma", "extended", "U1", date(2017, 12, 20), at, None, None,
                  {"round": 1, "by": "5 business days", "reason": "asked, nicely"}, seq=6)]


async def test_the_state_file_is_the_bytes_csv_writer_writes() -> None:
    ours, theirs = io.StringIO(newline=""), io.StringIO(newline="")
    assert await write_state(Source(towns(), events()), TODAY, ours) == len(ODD) + 1
    await write_csv(STATE_COLUMNS, state_pages(Source(towns(), events()), TODAY, page=4),
                    theirs)
    assert ours.getvalue() == theirs.getvalue()
    assert ours.getvalue().startswith(",".join(STATE_COLUMNS) + "\r\n")


@pytest.mark.parametrize("cell", [*ODD.values(), "", "plain", "a'b", '"', ",", "\r", "\n"])
def test_a_cell_is_what_csv_writer_writes_of_it_guarded(cell: str) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(["x", guard(cell), "y"])
    assert out.getvalue() == f"x,{csv_cell(cell)},y\r\n"


class Stalled(Source):
    """A source whose second page never comes; it says whether its read was called off."""

    def __init__(self, jurisdictions: list[Jurisdiction]) -> None:
        super().__init__(jurisdictions)
        self.called_off = False

    async def state_after(self, after: str, limit: int) -> list[StateItem]:
        if after:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.called_off = True
                raise
        return await super().state_after(after, limit)


async def test_a_page_read_ahead_is_called_off_when_the_export_stops() -> None:
    source = Stalled(towns())

    class Full(io.StringIO):
        def write(self, text: str) -> int:
            if text.count("\r\n") > 1:  # the first page, not the header
                raise OSError("disk full")
            return super().write(text)

    with pytest.raises(OSError, match="disk full"):
        await write_state(source, TODAY, Full())
    assert source.called_off


async def test_the_collector_is_held_off_while_a_state_file_is_written_and_after_as_before(
        ) -> None:
    seen: list[bool] = []

    class Watching(io.StringIO):
        def write(self, text: str) -> int:
            seen.append(gc.isenabled())
            return super().write(text)

    assert gc.isenabled()
    await write_state(Source(towns()), TODAY, Watching())
    assert seen and not any(seen) and gc.isenabled()
    with collector_paused():
        with collector_paused():  # two exports at once: the last to end lets it run
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:  # held off by someone else: left as it was
        await write_state(Source(towns()), TODAY, io.StringIO())
        assert not gc.isenabled()
    finally:
        gc.enable()
