"""The team's running deadlines as calendar entries, one per jurisdiction whose round
has a deadline running (a paused round, waiting for a clarification, has none: it
is left out until its clock resumes).

An entry's ``sequence`` says how many times the round's due date changed after it was
first set (a clock resumed after a clarification, an extension, a moved deadline: any
event whose detail carries a ``due_on`` other than the one before it for the same
round). A calendar client that sees the same UID with a higher SEQUENCE updates the
event in place instead of showing it twice. It is read from the history, so two
exports of an unchanged review say the same thing.

The entries are read page by page from one read snapshot (``ExportSource``): the
jurisdictions in id order, their events merged in beside them in the same order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from workflows.closures import Closure
from workflows.deadline_changes import DEFAULT_KINDS, Kinds, current_derivation
from workflows.derivation import EXTENDED, MOVED, rule_text
from workflows.model import Event, Jurisdiction, Round
from workflows.ports import ExportSource

MOVES = (MOVED, EXTENDED)
"""Events that move a running deadline: its new date is their ``to``."""

PAGE = 1000
"""Jurisdictions (and events) read per query."""


@dataclass(frozen=True)
class Scope:
    """Which deadlines: an owner's (a user ID), a channel's (where the jurisdiction's
    announcements go, under any of the names in ``channels``: an ID, a #name); empty
    fields match everything."""

    owner: str = ""
    channels: frozenset[str] = frozenset()

    def admits(self, j: Jurisdiction, default_channel: str) -> bool:
        if self.owner and j.owner != self.owner:
            return False
        return not self.channels or (j.channel or default_channel) in self.channels


@dataclass(frozen=True)
class Entry:
    """One running deadline. ``changed_at`` is when its due date was last set (the
    time the event that set it was recorded), None if the history does not say."""

    jurisdiction_id: str
    name: str
    round: int
    round_kind: str
    sent_on: date
    due_on: date
    due_rule: str
    sequence: int
    changed_at: datetime | None
    channel: str
    owner: str | None
    derived: str = ""
    """The deadline worked out on one line (``workflows.derivation.rule_text``)."""

    @property
    def rule(self) -> str:
        """How the deadline was counted: its derivation ("letter 2017-11-15 + 16
        business days → due 2017-12-08 (FRCP 6(a))"), else how it was set, in words:
        "16 business days from the demand of 2017-11-15"."""
        if self.derived:
            return self.derived
        given = f"the {self.round_kind} of {self.sent_on.isoformat()}"
        if not self.due_rule:
            text = f"set with {given}"
        elif self.due_rule[:1].isdigit() and "-" in self.due_rule:
            text = f"{self.due_rule}, given with {given}"
        else:
            text = f"{self.due_rule} from {given}"
        if self.sequence:
            times = "once" if self.sequence == 1 else f"{self.sequence} times"
            text += f"; moved {times} since (now {self.due_on.isoformat()})"
        return text


def moves(events: Iterable[Event], round_number: int) -> tuple[int, datetime | None]:
    """How many times round ``round_number``'s due date changed in ``events`` (oldest
    first) after it was first set, and when it was last set. An event without a
    ``round`` in its detail speaks of the round the events before it were about."""
    count, last, at, current = 0, None, None, None
    for event in events:
        detail = event.detail
        if isinstance(detail.get("round"), int):
            current = detail["round"]
        due = detail.get("to") if event.kind in MOVES else detail.get("due_on")
        if current != round_number or not isinstance(due, str):
            continue
        if last is not None and due != last:
            count += 1
        if due != last:
            at = event.at
        last = due
    return count, at


def entry_of(j: Jurisdiction, events: list[Event], default_channel: str,
             closures: Sequence[Closure] = (), kinds: Kinds = DEFAULT_KINDS) -> Entry | None:
    """``j``'s running deadline as an entry (None when no deadline is running), its
    rule worked out with ``closures`` and the steps that pause and resume (``kinds``)."""
    current: Round | None = j.current_round
    due = j.due_on
    if current is None or due is None:
        return None
    sequence, changed_at = moves(events, current.number)
    derived = rule_text(current_derivation(j, events, closures, kinds))
    return Entry(j.id, j.name, current.number, current.kind, current.sent_on, due,
                 current.due_rule, sequence, changed_at, j.channel or default_channel, j.owner,
                 derived)


async def entries(source: ExportSource, scope: Scope, default_channel: str,
                  page: int = PAGE, kinds: Kinds = DEFAULT_KINDS) -> AsyncIterator[Entry]:
    """Every running deadline ``scope`` admits, in jurisdiction id order."""
    history, after, closures = _History(source, page), "", await source.closures()
    while batch := await source.jurisdictions_after(after, page):
        for j in batch:
            own = await history.of(j.id)
            found = entry_of(j, own, default_channel, closures, kinds) \
                if scope.admits(j, default_channel) else None
            if found is not None:
                yield found
        after = batch[-1].id


class _History:
    """The snapshot's events, handed out jurisdiction by jurisdiction in id order (the
    order both queries sort in), so that no more than a page of them is held."""

    def __init__(self, source: ExportSource, page: int) -> None:
        self._events = _events(source, page)
        self._next: Event | None = None
        self._started = False

    async def of(self, jurisdiction_id: str) -> list[Event]:
        """The events of ``jurisdiction_id``, oldest first; those of ids before it are
        passed over."""
        if not self._started:
            self._next, self._started = await anext(self._events, None), True
        own: list[Event] = []
        while self._next is not None and self._next.jurisdiction_id <= jurisdiction_id:
            if self._next.jurisdiction_id == jurisdiction_id:
                own.append(self._next)
            self._next = await anext(self._events, None)
        return own


async def _events(source: ExportSource, page: int) -> AsyncIterator[Event]:
    after = ("", 0)
    while batch := await source.events_after(after, page):
        for event in batch:
            yield event
        after = (batch[-1].jurisdiction_id, batch[-1].seq)
