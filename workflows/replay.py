"""The public record as steps: read record.csv-shaped rows and say what each one does.

Pure: rows in, actions out. ``letter_sent`` and the other workflow events become steps
(who takes one is the driver's choice: it depends on the state the jurisdiction is in
when the row is played); lawsuits, injunctions and rulings become court orders, with
the case number of the jurisdiction's lawsuit when the row has none. An injunction
blocks the escalation steps when its text says it covers the 1373 certification, and
nothing when it says the 1373 condition was not enjoined.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from workflows.deadlines import DueSpec, parse_date
from workflows.definition import Definition
from workflows.errors import BadInput
from workflows.machine import Workflow
from workflows.model import CourtOrder, Jurisdiction, OrderKind, Role

STEP_OF = {
    "letter_sent": "letter",
    "response_received": "response",
    "found_insufficient": "insufficient",
    "preliminary_finding": "finding",
    "subpoena_threatened": "threaten",
    "cleared": "clear",
}
ORDER_OF = {
    "lawsuit_filed": OrderKind.LAWSUIT,
    "injunction": OrderKind.INJUNCTION,
    "ruling": OrderKind.RULING,
}
COLUMNS = ("date", "jurisdiction", "event", "due", "detail", "date_is_approximate")
_CASE = re.compile(r"\d:\d{2}-cv-\d{4,5}")
_COURT = re.compile(r"\b[NESWCM]\.D\. [A-Z][a-z]+\.")


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    on: date
    jurisdiction: str
    event: str
    due: date | None
    detail: str
    approximate: bool


@dataclass(frozen=True)
class Action:
    """What one row does: a workflow step or a court order."""

    row: Row
    step: str | None = None
    due: DueSpec | None = None
    order: CourtOrder | None = None


def read_rows(header: Iterable[str], rows: Iterable[Mapping[str, str | None]]
              ) -> tuple[list[Row], list[str]]:
    """Validate every line of a record file, numbered from line 2; errors name the line."""
    return read_numbered(header, enumerate(rows, start=2))


def read_numbered(header: Iterable[str], rows: Iterable[tuple[int, Mapping[str, str | None]]]
                  ) -> tuple[list[Row], list[str]]:
    """Validate every (line number, line) of a record file; errors name the line."""
    missing = [c for c in COLUMNS[:3] if c not in list(header)]
    if missing:
        return [], [f"line 1: missing column(s) {', '.join(missing)}"]
    result, errors = [], []
    for line, raw in rows:
        if blank(raw):
            continue
        event = (raw.get("event") or "").strip()
        try:
            if event not in STEP_OF and event not in ORDER_OF:
                known = ", ".join(sorted((*STEP_OF, *ORDER_OF)))
                raise BadInput(f"“{event}” is not an event this record knows ({known})")
            due = (raw.get("due") or "").strip()
            result.append(Row(line, parse_date(raw.get("date") or ""),
                              (raw.get("jurisdiction") or "").strip(), event,
                              parse_date(due, "due") if due else None,
                              (raw.get("detail") or "").strip(),
                              (raw.get("date_is_approximate") or "").strip().lower() == "yes"))
        except BadInput as error:
            errors.append(f"line {line}: {error.message}")
    return result, errors


def blank(row: Mapping[str, object]) -> bool:
    """A blank line, or a spreadsheet's row of empty cells: skipped, but counted. (Read
    once a line of a big file: no string made of a cell that is one already.)"""
    for value in row.values():
        if value and (not isinstance(value, str) or not value.isspace()):
            return False
    return True


def actions(rows: Iterable[Row], definition: Definition) -> list[Action]:
    """Each row as an action, in the record's order; an injunction blocks the
    ``escalation`` scope of ``definition``, the workflow in force."""
    cases: dict[str, tuple[str, str]] = {}
    result = []
    for row in rows:
        if row.event in STEP_OF:
            result.append(Action(row, STEP_OF[row.event],
                                 DueSpec(on=row.due) if row.due else None))
            continue
        case = _CASE.search(row.detail)
        court = _COURT.search(row.detail)
        if case:
            cases[row.jurisdiction] = (case[0], court[0] if court else "")
        number, where = cases.get(row.jurisdiction, ("(not public)", ""))
        result.append(Action(row, order=CourtOrder(
            ORDER_OF[row.event], row.on, number, where, row.detail, _blocks(row, definition))))
    return result


def _blocks(row: Row, definition: Definition) -> frozenset[str]:
    text = row.detail.lower()
    if row.event != "injunction" or "1373" not in text or "not enjoined" in text:
        return frozenset()
    return definition.expand_blocks(["escalation"])


def acting_role(workflow: Workflow, j: Jurisdiction, step: str) -> Role:
    """Who of the record's people takes ``step`` from where ``j`` stands: the analyst,
    unless only a lead may. The replay picks a person with that role, who is then
    judged like anyone else; an import never uses this (it is judged with the
    importer's own role)."""
    candidates = workflow.candidates(j, step)
    if candidates and Role.ANALYST not in candidates[0].roles:
        return Role.LEAD
    return Role.ANALYST
