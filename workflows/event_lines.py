"""Reading a past-events file of a million lines compactly, and telling how far an
import has got.

Pure: CSV lines in, ``Row``s out. ``read_csv`` keeps a dictionary of cells per line,
some 600 bytes each: for a million lines, more than the whole import may use. Here
each line becomes a ``Row`` as it is read, its dates and texts shared with the lines
before it that had the same (a file has a few hundred dates, a few kinds of event and
one name per jurisdiction), so that a million rows take about a hundred megabytes. The
rows are then played a group of jurisdictions at a time (``workflows.history``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from workflows.deadlines import parse_date
from workflows.errors import BadInput
from workflows.exports import unguard
from workflows.imports import COLUMNS_KEPT, RowLimit, not_csv
from workflows.replay import COLUMNS, ORDER_OF, STEP_OF, Row

if TYPE_CHECKING:
    from _csv import Reader as CsvReader

TALLY_EVERY = 10_000
"""Lines between two updates of a ``Tally`` while reading or checking."""
_KNOWN = ", ".join(sorted((*STEP_OF, *ORDER_OF)))


@dataclass
class Tally:
    """How far an import has got: written by the import as it goes (from a worker
    thread too: each field is one plain assignment), read by whoever shows progress."""

    stage: str = "reading"
    """``reading``, ``checking``, ``writing`` or ``done``."""
    done: int = 0
    total: int = 0

    def line(self) -> str:
        """Where it is, in words: "checked 400,000 of 1,000,000 lines…"."""
        if self.stage == "reading":
            return f"read {self.done:,} lines…"
        if self.stage == "checking":
            return f"checked {self.done:,} of {self.total:,} lines…"
        if self.stage == "writing":
            return f"all {self.total:,} lines are good; writing them…"
        return f"{self.total:,} lines done."


@dataclass
class EventLines:
    """An events file read: its rows, the lines that could not be read and why, and
    for each jurisdiction named on such a line, the first of them."""

    rows: list[Row] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: dict[str, int] = field(default_factory=dict)
    lines: int = 0
    """Lines that hold something and have no more fields than the header."""


def read_events(header: list[str], reader: CsvReader, limit: RowLimit | None,
                tally: Tally) -> EventLines:
    """Every line after ``header`` (trimmed, lowercase), numbered from 2, as
    ``read_csv`` then ``read_numbered`` would take it: the same rows, the same errors.
    (A million lines: this loop is the reading's whole cost, so it is kept plain.)"""
    result = EventLines()
    width = len(header)
    at = tuple(header.index(name) if name in header else width for name in COLUMNS)
    kept = [n for n, name in enumerate(header) if name in COLUMNS_KEPT]
    every = len(kept) == width
    shared = _Shared()
    wide = 0
    try:
        for line, fields in enumerate(reader, start=2):
            if line % TALLY_EVERY == 0:
                tally.done = line
            if len(fields) > width:
                wide += 1
                result.errors.append(f"line {line}: {len(fields)} fields but the header has "
                                     f"{width}; quote a field that holds a comma")
            elif ("".join(fields).strip() if every else
                  any(fields[n].strip() for n in kept if n < len(fields))):
                result.lines += 1
                fields.extend([""] * (width + 1 - len(fields)))
                _read(result, line, [_cell(fields[n]) for n in at], shared)
            if limit is not None and result.lines + wide > limit.rows:
                raise limit.refusal()
    except csv.Error as error:
        raise not_csv(reader, error) from None
    return result


def _cell(text: str) -> str:
    text = text.strip()
    return unguard(text) if text[:1] == "'" else text


class _Shared:
    """The texts and dates read so far, so that each is held once."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}
        self.days: dict[tuple[str, str], date] = {}

    def text(self, text: str) -> str:
        return self.texts.setdefault(text, text)

    def day(self, text: str, name: str) -> date:
        found = self.days.get((name, text))
        if found is None:
            found = self.days[(name, text)] = parse_date(text, "due" if name == "due"
                                                         else "date")
        return found


def _read(result: EventLines, line: int, cells: list[str], shared: _Shared) -> None:
    """One line's cells, in the order of ``COLUMNS``, as a ``Row`` or an error."""
    on, where, event, due, detail, approximate = cells
    try:
        if event not in STEP_OF and event not in ORDER_OF:
            raise BadInput(f"“{event}” is not an event this record knows ({_KNOWN})")
        result.rows.append(Row(
            line, shared.day(on, "date"), shared.text(where), shared.text(event),
            shared.day(due, "due") if due else None, shared.text(detail),
            approximate.lower() == "yes"))
    except BadInput as error:
        result.errors.append(f"line {line}: {error.message}")
        result.failed.setdefault(where, line)
