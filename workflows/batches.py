"""Batches: the same step for many jurisdictions, run once a lead approves.

A batch of two or more waits for the approval of a lead who is not the person who
asked; it then runs as one operation and reports, for each jurisdiction, what was done
and what was refused and why. (A subpoena stays a lead's request that a different
counsel approves: the batch only gathers the requests or the approvals.)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from workflows.deadlines import DueSpec
from workflows.errors import BadInput, NotPermitted, Part, Person, ReviewError, StepRefused
from workflows.lengths import MAX_NOTE, check_length
from workflows.model import Role
from workflows.ports import Filters
from workflows.review import Change, Review

APPROVERS = frozenset({Role.LEAD})
PROGRESS_EVERY = 25

Progress = Callable[[int, int], Awaitable[None]]
MAX_TARGETS = 5000
"""Jurisdictions one batch may take: named, listed in a file or matched by a filter."""
MAX_FILE_ROWS = 2 * MAX_TARGETS
"""Lines a file of names may have after its header, blank ones and repeats included."""
LISTED_PROBLEMS = 20
"""Names that match no single jurisdiction listed in a refusal; the rest are counted."""


@dataclass(frozen=True)
class Batch:
    id: int
    requester: str
    step: str
    targets: tuple[str, ...]
    channel: str
    on: date | None = None
    due: str = ""
    note: str = ""
    status: str = "pending"
    decided_by: str | None = None
    results: tuple[tuple[str, bool, str], ...] = ()

    @property
    def done(self) -> int:
        return sum(ok for _, ok, _ in self.results)


@dataclass
class Proposal:
    """What ``propose`` did: ran a single step at once, or filed a batch."""

    batch: Batch | None = None
    change: Change | None = None
    unknown: list[str] = field(default_factory=list)


class BatchStore(Protocol):
    async def add_batch(self, batch: Batch, at: datetime) -> Batch: ...

    async def batch(self, batch_id: int) -> Batch | None: ...

    async def decide_batch(self, batch_id: int, by: str, status: str, at: datetime) -> bool:
        """Move a pending batch to ``status``; False if it was no longer pending."""
        ...

    async def finish_batch(self, batch_id: int,
                           results: Sequence[tuple[str, bool, str]]) -> None: ...


class Batches:
    def __init__(self, review: Review, store: BatchStore) -> None:
        self.review = review
        self.store = store

    async def targets(self, names: Sequence[str], filters: Filters | None) -> list[str]:
        """Jurisdiction ids from names (each must match exactly one) or a filter. More
        than ``MAX_TARGETS`` names are refused before any is looked up."""
        names = list(dict.fromkeys(names))
        if len(names) > MAX_TARGETS:
            raise BadInput(f"{len(names):,} jurisdictions are named; a batch takes at most "
                           f"{MAX_TARGETS:,}. Split it into smaller batches. Nothing was "
                           "filed.")
        if names:
            ids: list[str] = []
            problems: list[tuple[Part, ...]] = []
            for name in names:
                try:
                    ids.append((await self.review.resolve(name)).id)
                except ReviewError as error:
                    problems.append((" ", *error.parts))
            if problems:
                more = len(problems) - LISTED_PROBLEMS
                raise BadInput(["Nothing was filed:",
                                *(part for problem in problems[:LISTED_PROBLEMS]
                                  for part in problem),
                                f" …and {more:,} more names like these." if more > 0 else ""])
            return list(dict.fromkeys(ids))
        if filters is None or filters == Filters():
            raise BadInput("Name the jurisdictions (chicago, cook, nyc) or filter them "
                           "(kind=county state=CA status=insufficient).")
        items, total = await self.review.page(filters, 1, MAX_TARGETS)
        if total > MAX_TARGETS:
            raise BadInput(f"{total} jurisdictions match; a batch takes at most {MAX_TARGETS}.")
        if not items:
            raise BadInput("No jurisdiction matches that filter; nothing was filed.")
        return [item.id for item in items]

    async def may_propose(self, actor: str, step: str) -> None:
        """Refuse a step that is not one, or that ``actor``'s role may not take. Checked
        before anything is read for the batch (a file in Slack, the names in it)."""
        definition = self.review.workflow.definition  # the workflow in force
        if step not in definition.step_names:
            raise BadInput(f"“{step}” is not a workflow step. Steps: "
                           f"{', '.join(definition.step_names)}.")
        role = await self.review.role_of(actor)
        if not any(role in s.roles for s in definition.steps_named(step)):
            raise NotPermitted(f"Your role ({role.value}) may not take “{step}”, alone or in "
                               "a batch.")

    async def propose(self, actor: str, step: str, ids: Sequence[str], channel: str,
                      on: date | None, due: DueSpec | None, note: str) -> Proposal:
        await self.may_propose(actor, step)
        check_length(note, "note", MAX_NOTE, "note")
        for unmet in self.review.workflow.definition.unmet(step, {"note": note}):
            raise unmet  # a threat's rationale, say: refused before anything is filed
        if on is not None:
            self.review.day_of(on)  # refused now, not once per jurisdiction when run
        if len(ids) == 1:
            return Proposal(change=await self.review.take(actor, ids[0], step, on, due, note))
        batch = Batch(0, actor, step, tuple(ids), channel, on,
                      due.describe() if due else "", note)
        return Proposal(batch=await self.store.add_batch(batch, self.review.now()))

    async def decide(self, batch_id: int, user: str, approve: bool,
                     progress: Progress | None = None) -> Batch:
        """Approve (and run) or reject a pending batch. ``progress`` hears how far a
        running batch has got (done, of), every ``PROGRESS_EVERY`` jurisdictions."""
        batch = await self.store.batch(batch_id)
        if batch is None:
            raise BadInput(f"There is no batch #{batch_id}.")
        if batch.status != "pending":
            by: tuple[Part, ...] = ((" by ", Person(batch.decided_by), ".")
                                    if batch.decided_by else (".",))
            raise StepRefused((f"Batch #{batch.id} was already {batch.status}", *by))
        role = await self.review.role_of(user)
        rejecting_own = not approve and user == batch.requester
        if not rejecting_own:
            if role not in APPROVERS:
                raise NotPermitted(f"Only a lead may {'approve' if approve else 'reject'} a "
                                   f"batch; you are {role.value}.")
            if approve and user == batch.requester:
                raise NotPermitted("You asked for this batch; a different lead must approve it.")
        status = "running" if approve else "rejected"
        if not await self.store.decide_batch(batch.id, user, status, self.review.now()):
            raise StepRefused(f"Someone decided batch #{batch.id} a moment ago.")
        if not approve:
            return await self._reload(batch.id)
        results = []
        for jid in batch.targets:
            results.append(await self._one(batch, jid))
            if progress is not None and len(results) % PROGRESS_EVERY == 0:
                await progress(len(results), len(batch.targets))
        await self.store.finish_batch(batch.id, results)
        return await self._reload(batch.id)

    async def _one(self, batch: Batch, jid: str) -> tuple[str, bool, str]:
        due = DueSpec.parse(batch.due) if batch.due else None
        try:
            change = await self.review.take(batch.requester, jid, batch.step, batch.on, due,
                                            batch.note)
        except ReviewError as refusal:
            return jid, False, refusal.message
        return jid, True, change.jurisdiction.state

    async def _reload(self, batch_id: int) -> Batch:
        batch = await self.store.batch(batch_id)
        assert batch is not None
        return batch


def names_in_csv(text: str, name: str) -> list[str]:
    """The jurisdictions a CSV file lists: its ``id`` column, or its first column.
    Read line by line and refused as soon as it passes ``MAX_FILE_ROWS`` lines or
    ``MAX_TARGETS`` distinct names, so a huge file costs no more than that."""
    reader = csv.reader(io.StringIO(text))
    try:
        first = next(reader, None)
        if first is None:
            raise BadInput(f"{name} is empty.")
        header = [cell.strip().lower() for cell in first]
        column = header.index("id") if "id" in header else 0
        found: dict[str, None] = {} if "id" in header else _name_in(first, 0)
        for line, row in enumerate(reader, start=2):
            _check_file_size(name, line, len(found))
            found.update(_name_in(row, column))
    except csv.Error as error:
        raise BadInput(f"{name}, line {reader.line_num}: this is not CSV the bot can read "
                       f"({error}).") from None
    _check_file_size(name, 0, len(found))
    return list(found)


def _name_in(row: Sequence[str], column: int) -> dict[str, None]:
    value = row[column].strip() if len(row) > column else ""
    return {value: None} if value else {}


def _check_file_size(name: str, line: int, names: int) -> None:
    if line - 1 > MAX_FILE_ROWS:
        raise BadInput(f"{name} has more than {MAX_FILE_ROWS:,} lines; a batch file may have "
                       f"at most {MAX_FILE_ROWS:,}. Split it. Nothing was filed.")
    if names > MAX_TARGETS:
        raise BadInput(f"{name} lists more than {MAX_TARGETS:,} jurisdictions; a batch takes "
                       f"at most {MAX_TARGETS:,}. Split it. Nothing was filed.")
