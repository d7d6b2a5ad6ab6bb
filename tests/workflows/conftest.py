"""Shared pieces for the domain tests: a hand-written in-memory Repository, a fixed
clock, and a builder of jurisdictions standing in a given workflow state."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

import pytest

from tests.packaged import packaged_workflow
from workflows.errors import Conflict
from workflows.machine import Workflow
from workflows.model import Event, Jurisdiction, Listing, Notice, Role, Round
from workflows.ports import Cursor, Filters, StagedChange
from workflows.reminders import Reminder
from workflows.review import Review, ReviewConfig

LETTER_ON = date(2017, 11, 15)
"""The November batch of letters."""
DUE = date(2017, 12, 8)
"""Their deadline."""
STEP_ON = date(2018, 1, 24)
"""The day of the document demands: after DUE, so an open round is overdue."""
REQUESTER = "lead-1"

_ROUND_KIND = {
    "preliminary_finding": "finding",
    "subpoena_threatened": "demand",
    "subpoena_requested": "demand",
    "subpoena_issued": "demand",
}
_SETTLED = {
    "response_received": "responded",
    "insufficient": "no_response",
    "subpoena_issued": "subpoena",
    "cleared": "cleared",
    "closed": "closed",
}


def in_state(state: str, *, kind: str | None = None, held_from: str | None = None,
             us_state: str = "IL", due_on: date | None = DUE) -> Jurisdiction:
    """A jurisdiction standing in ``state`` with one round that fits it: open (and overdue
    on STEP_ON) where the state waits for an answer, settled otherwise; paused with five
    days left in ``clarification_requested``."""
    j = Jurisdiction("testville", "Testville, IL", "city", us_state, state=state, version=3)
    if state != "new":
        number = Round(1, kind or _ROUND_KIND.get(state, "letter"), LETTER_ON, due_on=due_on,
                       due_rule="" if due_on is None else due_on.isoformat())
        number.outcome = _SETTLED.get(state)
        if number.outcome is not None:
            number.closed_on = DUE
        if state == "clarification_requested":
            number.paused_on, number.days_left = date(2017, 12, 1), 5
        j.rounds.append(number)
    if held_from is not None:
        j.held_from, j.held_by = held_from, REQUESTER
    return j


@pytest.fixture(scope="session")
def workflow() -> Workflow:
    return packaged_workflow()


@pytest.fixture
def build() -> Callable[..., Jurisdiction]:
    return in_state


# -- the Repository port, in memory ------------------------------------------------------


@dataclass
class FixedClock:
    at: datetime = datetime(2018, 1, 24, 15, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


class FakeRepository:
    """Keeps copies, never the caller's objects, so an unsaved change stays unsaved."""

    def __init__(self) -> None:
        self.jurisdictions: dict[str, Jurisdiction] = {}
        self.events: dict[str, list[Event]] = {}
        self.notices: list[Notice] = []
        self.granted: dict[str, Role] = {}
        self.grants: list[tuple[str, Role, str, datetime]] = []
        self.writes = 0
        self.planned: dict[str, list[Reminder]] = {}
        self.closed: dict[date, str] = {}
        """Closure days, for every state (``Repository.closed_days``)."""

    def snapshot(self) -> object:
        return copy.deepcopy((self.jurisdictions, self.events, self.notices, self.granted,
                              self.writes))

    def _listing(self, j: Jurisdiction) -> Listing:
        return Listing(j.id, j.name, j.kind, j.us_state, j.state, j.due_on, j.owner)

    def _keys(self, j: Jurisdiction) -> list[str]:
        return [j.id, j.name.lower(), *j.aliases]

    async def get(self, jurisdiction_id: str) -> Jurisdiction | None:
        j = self.jurisdictions.get(jurisdiction_id)
        return copy.deepcopy(j)

    async def lookup(self, text: str, limit: int) -> tuple[list[Listing], list[Listing]]:
        key = text.strip().lower()
        ordered = sorted(self.jurisdictions.values(), key=lambda j: j.id)
        exact = [j for j in ordered if key in self._keys(j)]
        if exact:
            return [self._listing(j) for j in exact[:limit]], []
        prefixed = [j for j in ordered if any(k.startswith(key) for k in self._keys(j))]
        return [], [self._listing(j) for j in prefixed[:limit]]

    async def exact(self, text: str, limit: int) -> Jurisdiction | list[Listing]:
        exact, _ = await self.lookup(text, limit)
        whole = await self.get(exact[0].id) if len(exact) == 1 else None
        return exact if whole is None else whole

    async def exact_many(self, texts: Sequence[str]) -> dict[str, list[str]]:
        found = {text: [j.id for j in sorted(self.jurisdictions.values(), key=lambda j: j.id)
                        if text in self._keys(j)] for text in texts}
        return {text: ids for text, ids in found.items() if ids}

    async def get_many(self, ids: Sequence[str]) -> dict[str, Jurisdiction]:
        return {jid: copy.deepcopy(self.jurisdictions[jid]) for jid in ids
                if jid in self.jurisdictions}

    async def events_of(self, ids: Sequence[str]) -> dict[str, list[Event]]:
        return {jid: list(self.events[jid]) for jid in ids if self.events.get(jid)}

    def _append(self, j: Jurisdiction, version: int, events: Sequence[Event],
                notices: Sequence[Notice]) -> None:
        stored = copy.deepcopy(j)
        stored.version = version + max(len(events), 1)
        self.jurisdictions[j.id] = stored
        history = self.events.setdefault(j.id, [])
        history.extend(replace(e, seq=version + n) for n, e in enumerate(events, start=1))
        self.notices.extend(notices)
        self.writes += 1

    async def add(self, j: Jurisdiction, events: Sequence[Event],
                  notices: Sequence[Notice]) -> None:
        await self.add_many([(j, events, notices)])

    async def add_many(self, batch: Sequence[tuple[Jurisdiction, Sequence[Event],
                                                   Sequence[Notice]]]) -> None:
        taken = await self.taken_keys()
        for j, _, _ in batch:
            assert j.id not in taken and not set(j.aliases) & taken, "the fake's UNIQUE"
            taken |= {j.id, *j.aliases}
        for j, events, notices in batch:
            self._append(j, 0, events, notices)

    async def taken_keys(self) -> set[str]:
        return {key for j in self.jurisdictions.values() for key in (j.id, *j.aliases)}

    async def save(self, j: Jurisdiction, expected_version: int, events: Sequence[Event],
                   notices: Sequence[Notice],
                   reminders: Sequence[Reminder] | None = None) -> None:
        stored = self.jurisdictions.get(j.id)
        if stored is None or stored.version != expected_version:
            raise Conflict(f"{j.id} is no longer at version {expected_version}")
        self._append(j, expected_version, events, notices)
        if reminders is not None:
            self.planned[j.id] = list(reminders)

    async def save_many(self, changes: Sequence[StagedChange]) -> None:
        """All or none, like the store: every version is checked before anything is kept."""
        for change in changes:
            stored = self.jurisdictions.get(change.jurisdiction.id)
            if stored is None or stored.version != change.expected_version:
                raise Conflict(f"{change.jurisdiction.id} is no longer at version "
                               f"{change.expected_version}")
        for change in changes:
            await self.save(change.jurisdiction, change.expected_version, change.events,
                            change.notices, change.reminders)

    async def save_stream(self, groups: AsyncIterator[Sequence[StagedChange]],
                          count: int) -> None:
        await self.save_many([change async for group in groups for change in group])

    async def page(self, filters: Filters, offset: int, limit: int,
                   after: Cursor | None = None) -> tuple[list[Listing], int]:
        rows = [self._listing(j) for j in sorted(self.jurisdictions.values(),
                                                 key=lambda j: (j.name.lower(), j.id))
                if (not filters.state or j.state == filters.state)
                and (not filters.kind or j.kind == filters.kind)
                and (not filters.us_state or j.us_state == filters.us_state)]
        if after is not None:
            key = (after.name_key, after.id)
            found = [r for r in rows if ((r.name.lower(), r.id) < key if after.backward
                                         else (r.name.lower(), r.id) > key)]
            return (found[-limit:] if after.backward else found[:limit]), len(rows)
        return rows[offset:offset + limit], len(rows)

    async def history(self, jurisdiction_id: str, offset: int,
                      limit: int) -> tuple[list[Event], int]:
        newest = list(reversed(self.events.get(jurisdiction_id, [])))
        return newest[offset:offset + limit], len(newest)

    async def events_of_kind(self, jurisdiction_id: str, kind: str,
                             limit: int) -> tuple[list[Event], int]:
        found = [e for e in self.events.get(jurisdiction_id, []) if e.kind == kind]
        return found[:limit], len(found)

    async def glance(self, jurisdiction_id: str, recent: int, evidence: int
                     ) -> tuple[list[Event], list[Event], int, list[Event]]:
        latest, _ = await self.history(jurisdiction_id, 0, recent)
        kept, total = await self.events_of_kind(jurisdiction_id, "evidence", evidence)
        mutes = [e for e in self.events.get(jurisdiction_id, []) if e.kind in ("mute", "unmute")]
        return latest, kept, total, mutes

    async def role(self, user: str) -> Role | None:
        return self.granted.get(user)

    async def closed_days(self, us_state: str) -> dict[date, str]:
        return dict(self.closed)

    async def set_role(self, user: str, role: Role, by: str, at: datetime) -> None:
        self.granted[user] = role
        self.grants.append((user, role, by, at))

    async def roles(self) -> list[tuple[str, Role]]:
        return sorted(self.granted.items())


@pytest.fixture
def repo() -> FakeRepository:
    return FakeRepository()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def review(repo: FakeRepository, clock: FixedClock, workflow: Workflow) -> Review:
    config = ReviewConfig(default_channel="C-REVIEW", admins=frozenset({"U-ADMIN"}))
    return Review(repo, clock, config, workflow)
