"""Replaying the stored history always gives the stored state.

Random sequences of changes by random people (workflow steps, court orders and their
lifting, assignments, aliases) go through the real use cases into a real SQLite file.
Then the jurisdiction's history, read back from the store (page by page, newest first,
and from an export snapshot), is replayed from the initial state through the workflow
definition, and must give exactly what the store holds: the state, where it is held
from and by whom, the running deadline, the rounds and the last step's day. On the way
it checks that the sequence numbers run 1..version without a gap, that each event
starts where the one before it ended, that every step went where the workflow sends
it, and that every accepted change left exactly one event and every refusal none.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as observe
from hypothesis import strategies as st

from storage.sqlite import SqliteStore
from tests.packaged import packaged_workflow
from workflows.deadlines import DueSpec
from workflows.definition import RETURN, Step, default_definition
from workflows.errors import ReviewError
from workflows.model import CourtOrder, Event, Jurisdiction, OrderKind, Role
from workflows.review import Review, ReviewConfig

ADMIN = "UADMIN"
ROLES = {"UANA": Role.ANALYST, "ULENA": Role.LEAD, "ULOU": Role.LEAD, "UCORA": Role.COUNSEL}
PEOPLE = [ADMIN, *ROLES, "UVIC"]  # UVIC has no role: a viewer
START = date(2017, 4, 21)
PAGE = 3
"""History page size: small, so that a long history takes several pages."""

DEFINITION = default_definition()
"""The packaged workflow, which ``Review`` follows unless told otherwise."""
STEP_NAMES = list(DEFINITION.step_names)
ENDING = {s.name for s in DEFINITION.steps if s.dest in DEFINITION.final_states()}
"""Steps after which nothing more can happen: offered rarely, so histories run long."""

people = st.sampled_from(PEOPLE)
gaps = st.integers(0, 30)
deadlines = st.sampled_from([DueSpec(days=10), DueSpec(days=30, business=True),
                             DueSpec(days=45)])
KINDS = ["step"] * 4 + ["order", "lift", "assign", "alias"]
Draw = Callable[[st.SearchStrategy[Any]], Any]


async def draw_change(draw: Draw, review: Review, j: Jurisdiction) -> tuple[Any, ...]:
    """A random change by a random person. Steps are mostly ones the workflow would
    offer that person now (so histories get long and go everywhere), sometimes any."""
    kind, actor = draw(st.sampled_from(KINDS)), draw(people)
    if kind == "step":
        offered = await review.allowed(actor, j)
        if draw(st.integers(0, 9)):
            offered = [name for name in offered if name not in ENDING]
        name = draw(st.sampled_from(offered if offered and draw(st.integers(0, 3))
                                    else STEP_NAMES))
        takes_one = DEFINITION.steps_named(name)[0].deadline != "none"
        if draw(st.integers(0, 5)) == 0:
            takes_one = not takes_one  # a deadline where none belongs, or none given
        return kind, actor, name, draw(deadlines) if takes_one else None
    if kind == "order":
        return (kind, actor, draw(st.sampled_from(list(OrderKind))),
                draw(st.sets(st.sampled_from(STEP_NAMES), max_size=3)))
    if kind == "lift":
        return kind, actor, draw(st.integers(1, 3))
    if kind == "assign":
        return (kind, actor, draw(st.sampled_from([None, "UANA", "ULENA"])),
                draw(st.sampled_from([None, "CTEAM1", "CTEAM2"])))
    return kind, actor, draw(st.sampled_from(["a", "b", "alt"]))


class Clock:
    """The injected clock: each change is made on the day it is dated, at 15:00 UTC."""

    def __init__(self) -> None:
        self.at(START)

    def now(self) -> datetime:
        return self.current

    def at(self, day: date) -> None:
        self.current = datetime.combine(day, time(15), UTC)


@dataclass
class Bench:
    """One store for the whole test, on one event loop; each example gets a new id."""

    runner: asyncio.Runner
    store: SqliteStore
    review: Review
    clock: Clock
    ids: Iterator[int]


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Bench]:
    with asyncio.Runner() as runner:
        store = runner.run(SqliteStore.open(tmp_path / "replay.db"))
        for user, role in ROLES.items():
            runner.run(store.set_role(user, role, ADMIN, Clock().now()))
        clock = Clock()
        review = Review(store, clock, ReviewConfig("#review", frozenset({ADMIN})),
                        packaged_workflow())
        try:
            yield Bench(runner, store, review, clock, itertools.count(1))
        finally:
            runner.run(store.close())


async def apply(review: Review, jid: str, change: tuple[Any, ...], day: date) -> None:
    """One change through the use case it names (a refusal raises ``ReviewError``)."""
    kind, actor = change[0], change[1]
    if kind == "step":
        await review.take(actor, jid, change[2], day, change[3], note=f"by {actor}")
    elif kind == "order":
        order = CourtOrder(change[2], day, "2:17-cv-03894", blocks=frozenset(change[3]))
        await review.attach_order(actor, jid, order)
    elif kind == "lift":
        await review.lift_order(actor, jid, change[2], day)
    elif kind == "assign":
        await review.assign(actor, jid, owner=change[2], channel=change[3])
    else:
        await review.add_alias(actor, jid, f"{jid}-{change[2]}")


async def play(bench: Bench, draw: Draw) -> tuple[Jurisdiction, int]:
    """Add a fresh jurisdiction and play up to 40 random changes on it; returns it as
    stored and how many changes were accepted."""
    jid = f"j-{next(bench.ids)}"
    bench.clock.at(START)
    await bench.review.add(ADMIN, jid, f"Town {jid}", "city", "IL")
    day, accepted = START, 0
    for _ in range(draw(st.integers(0, 40))):
        day += timedelta(days=draw(gaps))
        bench.clock.at(day)
        before = await bench.store.get(jid)
        assert before is not None
        change = await draw_change(draw, bench.review, before)
        try:
            await apply(bench.review, jid, change, day)
        except ReviewError:
            assert await bench.store.get(jid) == before, f"a refused {change} changed it"
            continue
        accepted += 1
    stored = await bench.store.get(jid)
    assert stored is not None
    return stored, accepted


async def history(store: SqliteStore, jid: str) -> list[Event]:
    """Every event, oldest first, read page by page as `/review history` reads it; and
    the same read from an export snapshot."""
    newest_first: list[Event] = []
    while True:
        page, total = await store.history(jid, len(newest_first), PAGE)
        newest_first += page
        if not page:
            break
    assert len(newest_first) == total
    events = newest_first[::-1]
    async with store.snapshot() as snapshot:
        exported = [e for e in await snapshot.events_after((jid, 0), total + 1)
                    if e.jurisdiction_id == jid]
    assert exported == events
    return events


def step_of(event: Event) -> Step | None:
    """The workflow step an event records, or None for other changes."""
    found = [s for s in DEFINITION.steps
             if s.name == event.kind and event.from_state in s.sources]
    assert len(found) <= 1
    return found[0] if found else None


@dataclass
class Replayed:
    state: str | None = None
    held_from: str | None = None
    held_by: str | None = None
    due_on: str | None = None
    rounds: int = 0
    last_step_on: date | None = None


def replay(events: list[Event]) -> Replayed:
    """Fold the history from the initial state through the workflow definition,
    checking each event against the one before it and against the workflow."""
    holding = {s.dest for s in DEFINITION.steps if s.holds}
    first = events[0]
    assert (first.seq, first.kind, first.from_state) == (1, "added", None)
    assert first.to_state == DEFINITION.initial
    now = Replayed(state=first.to_state)
    for before, event in itertools.pairwise(events):
        assert event.seq == before.seq + 1, "a gap or a repeat in the sequence"
        assert event.from_state == now.state, f"event {event.seq} starts elsewhere"
        step = step_of(event)
        if step is None:
            assert event.kind not in STEP_NAMES, f"{event.kind} from {event.from_state}"
            assert event.to_state == event.from_state, "only a step moves a jurisdiction"
            continue
        goes_to = now.held_from if step.dest == RETURN else step.dest
        assert event.to_state == goes_to, f"{step.name} went to {event.to_state}"
        if step.holds:
            now.held_from, now.held_by = event.from_state, event.actor
        elif event.from_state in holding:
            now.held_from = None
        now.state, now.due_on = event.to_state, event.detail["due_on"]
        now.rounds += bool(step.opens_round)
        now.last_step_on = event.on
    return now


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_replaying_the_stored_history_gives_the_stored_state(
        bench: Bench, data: st.DataObject) -> None:
    j, accepted = bench.runner.run(play(bench, data.draw))
    events = bench.runner.run(history(bench.store, j.id))
    assert len(events) == accepted + 1 == j.version, "a change left no event, or two"
    assert [e.seq for e in events] == list(range(1, j.version + 1))
    now = replay(events)
    observe(f"ends {j.state}")  # --hypothesis-show-statistics: how far examples got
    observe("was held" if any((s := step_of(e)) and s.holds for e in events)
            else "never held")
    observe(f"{accepted // 10 * 10}+ changes accepted")
    assert now.state == j.state
    assert now.held_from == j.held_from
    if j.held_from is not None:
        assert now.held_by == j.held_by
    assert now.due_on == (j.due_on.isoformat() if j.due_on else None)
    assert now.rounds == len(j.rounds)
    assert now.last_step_on == j.last_step_on
