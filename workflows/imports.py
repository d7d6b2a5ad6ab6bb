"""Importing CSV files: jurisdictions (shaped like jurisdictions.csv) and past events
(shaped like record.csv), all or nothing.

Pure: text in, plans and line errors out. A file's shape is told by its header. An
events file is judged in three passes, none of which writes: every line is read
(``workflows.replay.read_rows``), every jurisdiction it names is found, and every row
is played, in date order, on in-memory copies of those jurisdictions, judged with the
importer's own role (``workflows.playback``): a step or court order that role may not
take is a bad line, as it would be refused from the slash command. The result is one
``StagedChange`` per jurisdiction, which the caller writes in one transaction, or the
list of every bad line, "line N: why", and then nothing is written. Line numbers count
the header as line 1, as a spreadsheet shows them.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING

from workflows.errors import BadInput
from workflows.exports import unguard
from workflows.jurisdictions import new_jurisdiction
from workflows.model import Jurisdiction
from workflows.replay import COLUMNS as EVENT_COLUMNS
from workflows.replay import blank

if TYPE_CHECKING:
    from _csv import Reader as CsvReader

REQUIRED = ("id", "name")
OPTIONAL = ("kind", "state", "aliases", "first_letter")


class Shape(StrEnum):
    JURISDICTIONS = "jurisdictions"
    EVENTS = "events"


# -- reading a file ------------------------------------------------------------------


@dataclass(frozen=True)
class RowLimit:
    """The most rows one import takes (the lines that hold something, after the
    header), and what to tell someone whose file has more: where the limit is set
    differs (Slack, the command line), and so does the way round it."""

    rows: int
    advice: str

    def refusal(self) -> BadInput:
        return BadInput(f"The file has more than {self.rows:,} rows; an import takes at "
                        f"most {self.rows:,} here. {self.advice} Nothing was imported.")


MAX_COLUMNS = 100
"""Columns a header may name: a file has a dozen; a header of thousands is not one."""
COLUMNS_KEPT = frozenset((*REQUIRED, *OPTIONAL, *EVENT_COLUMNS))
"""The columns an import reads; the others are dropped as each line is read."""


@dataclass(frozen=True)
class Table:
    """A CSV file: its header (trimmed, lowercase) and the lines that hold something,
    each as (line number, its cells by column). Line numbers count the header as line
    1, as a spreadsheet shows them. Blank lines are skipped and not kept (a file of
    millions of them costs no memory); lines that could not be read are not kept
    either, and ``errors`` says what was wrong with them."""

    header: list[str]
    rows: list[tuple[int, dict[str, str]]]
    errors: list[str]

    @cached_property
    def lines(self) -> int:
        """Lines that hold something and could be read."""
        return len(self.rows)


def read_csv(source: str | Iterable[str], limit: RowLimit | None = None) -> Table:
    """Read CSV text, or its lines as they come (an open file), into a ``Table``; a line
    with more fields than the header is an error (a comma in an unquoted field, most
    often). Raises ``BadInput`` for text that is not CSV, a header of more than
    ``MAX_COLUMNS`` columns, or more rows than ``limit`` allows. A cell an export
    guarded against formula injection (``'=…``) is read without its guard quote."""
    reader = csv_reader(source)
    return read_table(read_header(reader), reader, limit)


def csv_reader(source: str | Iterable[str]) -> CsvReader:
    """The fields of each line of CSV text, or of its lines as an open file gives them."""
    return csv.reader(io.StringIO(source) if isinstance(source, str) else source)


def read_header(reader: CsvReader) -> list[str]:
    """The first line of ``reader``, trimmed and lowercase, as ``read_csv`` reads it."""
    try:
        return _header(next(reader, []))
    except csv.Error as error:
        raise not_csv(reader, error) from None


def read_table(header: list[str], reader: CsvReader, limit: RowLimit | None = None) -> Table:
    """The lines of ``reader`` after ``header``, as ``read_csv`` reads them."""
    table = Table(header, [], [])
    try:
        for line, fields in enumerate(reader, start=2):
            _keep(table, line, fields)
            if limit is not None and len(table.rows) + len(table.errors) > limit.rows:
                raise limit.refusal()
    except csv.Error as error:
        raise not_csv(reader, error) from None
    return table


def not_csv(reader: CsvReader, error: csv.Error) -> BadInput:
    return BadInput(f"line {reader.line_num}: this is not CSV the bot can read ({error}).")


def _header(names: list[str]) -> list[str]:
    if len(names) > MAX_COLUMNS:
        raise BadInput(f"line 1: the header has {len(names):,} columns; an import file has "
                       f"at most {MAX_COLUMNS} (expected {', '.join(REQUIRED + OPTIONAL)} or "
                       f"{', '.join(EVENT_COLUMNS)}).")
    return [name.strip().lower() for name in names]


def _keep(table: Table, line: int, fields: list[str]) -> None:
    """Keep one line's cells of the columns an import reads, unless they are all blank;
    or note why the line cannot be read."""
    if len(fields) > len(table.header):
        table.errors.append(f"line {line}: {len(fields)} fields but the header has "
                            f"{len(table.header)}; quote a field that holds a comma")
        return
    cells = {name: unguard(value) for name, value in zip(table.header, fields, strict=False)
             if name in COLUMNS_KEPT}
    if not blank(cells):
        table.rows.append((line, cells))


def shape_of(header: Sequence[str]) -> Shape | None:
    """Events when the header has date, jurisdiction and event; jurisdictions when it
    has id and name; None when neither."""
    columns = set(header)
    if set(EVENT_COLUMNS[:3]) <= columns:
        return Shape.EVENTS
    if set(REQUIRED) <= columns:
        return Shape.JURISDICTIONS
    return None


def unknown_shape(header: Sequence[str]) -> str:
    return (f"line 1: the header ({', '.join(header) or 'empty'}) is neither a jurisdictions "
            f"file ({', '.join(REQUIRED + OPTIONAL)}) nor an events file "
            f"({', '.join(EVENT_COLUMNS)})")


# -- jurisdictions -------------------------------------------------------------------


@dataclass
class ImportPlan:
    jurisdictions: list[Jurisdiction] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def plan_jurisdictions(header: Iterable[str], rows: Iterable[Mapping[str, str | None]],
                       taken: set[str]) -> ImportPlan:
    """Validate every row, numbered from line 2; ``taken`` holds ids and aliases that
    already exist."""
    return plan_numbered(header, enumerate(rows, start=2), taken)


def plan_numbered(header: Iterable[str],
                  rows: Iterable[tuple[int, Mapping[str, str | None]]],
                  taken: set[str]) -> ImportPlan:
    """Validate every (line number, row); ``taken`` holds ids and aliases that already
    exist."""
    plan = ImportPlan()
    columns = [c.strip() for c in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        plan.errors.append(f"line 1: missing column(s) {', '.join(missing)}; "
                           f"expected {', '.join(REQUIRED + OPTIONAL)}")
        return plan
    seen = set(taken)
    for line, row in rows:
        if blank(row):
            continue
        try:
            j = new_jurisdiction(
                row.get("id") or "", row.get("name") or "", row.get("kind") or "",
                row.get("state") or "",
                tuple((row.get("aliases") or "").replace(";", ",").split(",")))
        except BadInput as error:
            plan.errors.append(f"line {line}: {error.message}")
            continue
        clash = [key for key in (j.id, *j.aliases) if key in seen]
        if clash:
            plan.errors.append(f"line {line}: “{clash[0]}” is already taken")
            continue
        seen.update((j.id, *j.aliases))
        plan.jurisdictions.append(j)
    return plan


# -- the outcome ---------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did or, on a dry run or with bad lines, would have done."""

    shape: Shape | None
    dry_run: bool
    label: Callable[[str], str]
    """The workflow in force's words for a state."""
    lines: int = 0
    errors: list[str] = field(default_factory=list)
    jurisdictions: int = 0
    steps: int = 0
    orders: int = 0
    states: Counter[str] = field(default_factory=Counter)

    @property
    def applied(self) -> bool:
        return not self.errors and not self.dry_run

    def outcome(self) -> str:
        """One sentence: nothing imported (and why), what would be, or what was."""
        if self.errors:
            return f"{len(self.errors)} bad line(s); nothing was imported."
        done = " would be" if self.dry_run else ""
        after = " (dry run: nothing changed)." if self.dry_run else "."
        if self.shape is Shape.JURISDICTIONS:
            return f"{self.jurisdictions} jurisdiction(s){done} added{after}"
        return (f"{self.lines} line(s){done} recorded: {self.steps} step(s) and "
                f"{self.orders} court order(s) on {self.jurisdictions} jurisdiction(s)"
                f"{after}")

    def standing(self) -> list[str]:
        """Where the jurisdictions an events file touched stand after it, most first."""
        return [f"{count} {self.label(state)}" for state, count in
                sorted(self.states.items(), key=lambda kv: (-kv[1], kv[0]))]
