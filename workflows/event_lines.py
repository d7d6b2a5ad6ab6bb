"""Reading a past-events file of a million lines compactly, and telling how far an
import has got.

Pure: CSV lines in, rows out. ``read_csv`` keeps a dictionary of cells per line, some
600 bytes each, and even a ``Row`` object a line is some 140 bytes (a million of them
were half the import's peak memory). Here each line is kept as a few small numbers in
arrays (``Rows``, some 22 bytes a line): its dates and texts are held once each in lists
(a file has a few hundred dates, a few kinds of event and one name per jurisdiction)
and the line gives their places in them. ``Row``s are made back from those numbers a
group of jurisdictions at a time, as that group is played (``workflows.history``).
"""

from __future__ import annotations

import csv
from array import array
from collections.abc import Iterable
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
_KINDS = (*STEP_OF, *ORDER_OF)
_KIND_AT = {kind: n for n, kind in enumerate(_KINDS)}


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


class Rows:
    """The good lines of an events file, each kept as small numbers in arrays: its line
    number, the places of its dates, kind of event and detail in the lists of those read
    so far, and whether its date is approximate. The jurisdiction a line names is kept
    by where the line is filed: ``of_name[n]`` holds the lines (places in the arrays, in
    file order) that name ``names[n]``, the names in the order first read."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.of_name: list[array[int]] = []
        self._name_at: dict[str, int] = {}
        self._line = array("I")
        self._on = array("I")
        self._event = array("B")
        self._due = array("I")
        self._detail = array("I")
        self._approximate = array("B")
        self._days: list[date] = [date.min]  # place 0: no date (a ``due`` left blank)
        self._day_at: dict[tuple[str, str], int] = {}
        self._texts: list[str] = []
        self._text_at: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._line)

    def day(self, text: str, name: str) -> int:
        """The place of the date ``text`` (of column ``name``), read once per text;
        ``BadInput`` if it is not one."""
        found = self._day_at.get((name, text))
        if found is None:
            parsed = parse_date(text, "due" if name == "due" else "date")
            found = self._day_at[(name, text)] = len(self._days)
            self._days.append(parsed)
        return found

    def add(self, line: int, on: int, where: str, event: str, due: int, detail: str,
            approximate: bool) -> None:
        """One good line (``on`` and ``due`` as ``day`` gave them, 0 for no ``due``)."""
        name = self._name_at.get(where)
        if name is None:
            name = self._name_at[where] = len(self.names)
            self.names.append(where)
            self.of_name.append(array("I"))
        text = self._text_at.get(detail)
        if text is None:
            text = self._text_at[detail] = len(self._texts)
            self._texts.append(detail)
        self.of_name[name].append(len(self._line))
        self._line.append(line)
        self._on.append(on)
        self._event.append(_KIND_AT[event])
        self._due.append(due)
        self._detail.append(text)
        self._approximate.append(approximate)

    def of(self, names: Iterable[int]) -> list[Row]:
        """The rows of the lines that name ``names`` (places in ``names``), as ``Row``s:
        each name's lines in file order, one name after another."""
        days, texts = self._days, self._texts
        line, on, event, due = self._line, self._on, self._event, self._due
        detail, approximate = self._detail, self._approximate
        rows = []
        for name in names:
            where = self.names[name]
            for n in self.of_name[name]:
                rows.append(Row(line[n], days[on[n]], where, _KINDS[event[n]],
                                days[due[n]] if due[n] else None, texts[detail[n]],
                                approximate[n] == 1))
        return rows


@dataclass
class EventLines:
    """An events file read: its rows, the lines that could not be read and why, and
    for each jurisdiction named on such a line, the first of them."""

    rows: Rows = field(default_factory=Rows)
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
                _read(result, line, [_cell(fields[n]) for n in at])
            if limit is not None and result.lines + wide > limit.rows:
                raise limit.refusal()
    except csv.Error as error:
        raise not_csv(reader, error) from None
    return result


def _cell(text: str) -> str:
    text = text.strip()
    return unguard(text) if text[:1] == "'" else text


def _read(result: EventLines, line: int, cells: list[str]) -> None:
    """One line's cells, in the order of ``COLUMNS``, as a row or an error."""
    on, where, event, due, detail, approximate = cells
    rows = result.rows
    try:
        if event not in _KIND_AT:
            raise BadInput(f"“{event}” is not an event this record knows ({_KNOWN})")
        rows.add(line, rows.day(on, "date"), where, event, rows.day(due, "due") if due else 0,
                 detail, approximate.lower() == "yes")
    except BadInput as error:
        result.errors.append(f"line {line}: {error.message}")
        result.failed.setdefault(where, line)
