"""The state export's rows as the lines of its CSV file, written without ``csv.writer``.

At 100,000 jurisdictions the state file is 24 MB, half of it the deadlines' derivations
(shared by many jurisdictions: ``StateRows.derivation``), and ``csv.writer`` looked at
every character of every line, and ``guard`` at every cell. Here a row's line is joined
from its cells as ``csv.writer`` (QUOTE_MINIMAL, CRLF) would write them guarded, the
same bytes (``csv_cell``), with each cell's work done where it can make a difference:

- ids, round numbers, due dates and tiers are written as they are: slugs, digits, ISO
  dates and words, none holding a character to quote nor starting a formula;
- cells of few values (kinds, US states, statuses, round kinds, owners, channels) and
  the derivations are guarded and quoted once per value, and looked up after;
- names, aliases and court orders (free text, one of their own a row) are guarded and
  quoted cell by cell.
"""

from __future__ import annotations

import csv
import gc
import re
from collections.abc import AsyncGenerator, Iterator, Sequence
from contextlib import aclosing, contextmanager
from datetime import date
from typing import TextIO

from workflows.closures import Closure
from workflows.deadline_changes import DEFAULT_KINDS, Kinds
from workflows.exports import (
    FORMULA_START,
    GUARD,
    MEMO,
    PAGE,
    STATE_COLUMNS,
    StateRows,
    guard,
    made,
    read_ahead,
)
from workflows.model import Event
from workflows.ports import ExportSource
from workflows.state_items import StateItem

_QUOTED = re.compile(r'[,"\r\n]')
"""What ``csv.writer`` quotes a cell for (QUOTE_MINIMAL): the delimiter, the quote and
the characters of the line ending."""
_GUARDED = frozenset("".join(FORMULA_START) + GUARD)
"""The first characters of the cells ``guard`` may change."""


def csv_cell(cell: str) -> str:
    """``cell`` guarded, as ``csv.writer`` writes it: in quotes (its own doubled) when it
    holds a comma, a quote, a CR or a LF."""
    cell = guard(cell)
    if _QUOTED.search(cell) is None:
        return cell
    return '"' + cell.replace('"', '""') + '"'


class _Cells(dict[str, str]):
    """``csv_cell`` of values many rows share, each worked out once (at most ``MEMO``)."""

    def __missing__(self, text: str) -> str:
        if len(self) >= MEMO:
            self.clear()
        found = self[text] = csv_cell(text)
        return found


class StateLines(StateRows):
    """``StateRows`` whose rows come out as lines of the CSV file."""

    def __init__(self, today: date, closures: Sequence[Closure] = (),
                 kinds: Kinds = DEFAULT_KINDS) -> None:
        super().__init__(today, closures, kinds)
        self._cells = _Cells()

    def line(self, j: StateItem, events: Sequence[Event] = ()) -> str:
        """``row`` as ``csv.writer`` writes it, every cell guarded, CRLF at its end."""
        r = self.row(j, events)
        cell = self._cells
        name = r[1]
        if name[:1] in _GUARDED or _QUOTED.search(name) is not None:
            name = csv_cell(name)
        return (f"{r[0]},{name},{cell[r[2]]},{cell[r[3]]},{csv_cell(r[4]) if r[4] else ''},"
                f"{cell[r[5]]},{r[6]},{cell[r[7]]},{r[8]},{r[9]},{cell[r[10]]},{cell[r[11]]},"
                f"{csv_cell(r[12]) if r[12] else ''},{cell[r[13]]}\r\n")


async def state_lines(source: ExportSource, today: date, page: int = PAGE,
                      kinds: Kinds = DEFAULT_KINDS) -> AsyncGenerator[list[str], None]:
    """The state file's lines, a page at a time (``state_pages``' rows, as lines)."""
    lines = StateLines(today, await source.closures(), kinds)
    async with aclosing(read_ahead(source, page, kinds)) as pages:
        async for batch, events in pages:
            yield await made(batch, events, lines.line)


async def write_state(source: ExportSource, today: date, out: TextIO,
                      kinds: Kinds = DEFAULT_KINDS) -> int:
    """The state file written to ``out``, as ``write_csv`` of ``state_pages`` writes
    it, a page at a time; returns the number of rows."""
    count = 0
    with collector_paused():
        csv.writer(out, lineterminator="\r\n").writerow(STATE_COLUMNS)
        async with aclosing(state_lines(source, today, kinds=kinds)) as pages:
            page = 0
            async for lines in pages:
                out.write("".join(lines))
                count += len(lines)
                page += 1
                if not page % SWEEP:
                    gc.collect(0)  # what the pages left in cycles (their reads' futures)
    return count


SWEEP = 10
"""Pages written between two goings-over of the young objects (``collector_paused``)."""


class _Pauses:
    exports = 0
    """State files being written now, with the collector held off for them."""


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector held off while a state file is written, and let
    run again after, if it ran before. An export makes some 600,000 objects that live for
    a page or less, nearly all freed by their reference counts; counting them, the
    collector went over each page's objects and then, every few pages, over the whole
    process's (0.3 s of 2.5 s at 100,000 jurisdictions). ``write_state`` has it go over
    the objects made since, every ``SWEEP`` pages (a millisecond or two): the futures of
    a page's reads, in cycles, hold its text (some 180 kB). Other tasks go
    on meanwhile, and their cyclic garbage made during an export goes the same way. Of
    exports at once, the last to end lets the collector run again."""
    if not _Pauses.exports and not gc.isenabled():
        yield  # held off by someone else: theirs to let run again
        return
    _Pauses.exports += 1
    gc.disable()
    try:
        yield
    finally:
        _Pauses.exports -= 1
        if not _Pauses.exports:
            gc.enable()
