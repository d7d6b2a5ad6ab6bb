"""The planned reminders a write adds (``storage.planned.add_planned``) are exactly those
``INSERT_REMINDERS`` adds row by row, on both engines: two towns with the same reminders
each get the same rows, one town's through ``add_planned``, the other's through the one
statement."""

from __future__ import annotations

from typing import Any

import pytest

from storage.planned import INSERT_REMINDERS, add_planned
from storage.store import Store
from tests.storage.test_claims import letters
from workflows.review import Review

pytestmark = pytest.mark.parametrize("engine", ["sqlite", "postgres"])
TOWNS = ("town-000", "town-001")
DEADLINE = "2018-02-23"


def rows(town: str, *planned: tuple[int, str, str, str]) -> list[tuple[Any, ...]]:
    """``writes.reminder_row``s of ``town``: (round, deadline, kind, due day)."""
    return [(town, number, deadline, kind, f"{day}T14:00:00+00:00")
            for number, deadline, kind, day in planned]


async def reminders_of(store: Store, town: str) -> list[tuple[Any, ...]]:
    """Each of ``town``'s reminders in the order written: what it is and where it stands."""
    found = await store.read("SELECT round, deadline, kind, due_at, status FROM reminders"
                             " WHERE jurisdiction_id = ? ORDER BY id", town)
    return [tuple(r) for r in found]


async def written_both_ways(store: Store, *planned: tuple[int, str, str, str]
                            ) -> list[tuple[Any, ...]]:
    """Add ``planned`` to the first town with ``add_planned``, to the second with the
    statement; check they end alike and return the first's reminders."""
    async with store.transaction() as db:
        await add_planned(db, rows(TOWNS[0], *planned))
        await db.executemany(INSERT_REMINDERS, rows(TOWNS[1], *planned))
    mine, theirs = [await reminders_of(store, town) for town in TOWNS]
    assert mine == theirs
    return mine


async def test_a_deadline_gets_one_overdue_reminder_and_one_escalation_ever(
        review: Review, store: Store) -> None:
    await letters(review, 2)  # each: before, overdue and escalation of 2-23, pending
    async with store.transaction() as db:
        for town in TOWNS:  # an escalation cancelled is no longer one
            await db.execute("UPDATE reminders SET status = 'cancelled' WHERE"
                             " jurisdiction_id = ? AND kind = 'escalation'", town)
    before = await reminders_of(store, TOWNS[0])
    after = await written_both_ways(
        store, (1, DEADLINE, "before", "2018-02-20"),  # there already: left out
        (1, DEADLINE, "before", "2018-02-21"),  # a new one
        (1, DEADLINE, "overdue", "2018-02-27"),  # a second overdue: left out
        (1, DEADLINE, "escalation", "2018-03-02"),  # the one cancelled does not count
        (2, "2018-03-30", "overdue", "2018-03-31"),  # another round's: its first
        (1, DEADLINE, "follow_up", "2018-03-05"))
    added = after[len(before):]
    assert [(r[0], r[2], r[3][:10]) for r in added] == [
        (1, "before", "2018-02-21"), (1, "escalation", "2018-03-02"),
        (2, "overdue", "2018-03-31"), (1, "follow_up", "2018-03-05")]


async def test_two_of_a_kind_in_one_write_go_as_the_statement_takes_them(
        review: Review, store: Store) -> None:
    """Never planned so, but the same either way: the first goes in, the second not."""
    await letters(review, 2)
    after = await written_both_ways(store, (3, "2018-04-30", "overdue", "2018-05-01"),
                                    (3, "2018-04-30", "overdue", "2018-05-02"),
                                    (3, "2018-04-30", "before", "2018-04-27"))
    assert [(r[2], r[3][:10]) for r in after if r[0] == 3] == [
        ("overdue", "2018-05-01"), ("before", "2018-04-27")]
