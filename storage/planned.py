"""Adding the reminders a change plans, row by row (``storage.writes``).

A deadline gets one overdue reminder and one escalation, ever: a step taken while it is
overdue (which plans them for today) adds no second one, nor a second chain of
follow-ups after it. ``INSERT_REMINDERS`` says so in one statement, which reads the
table it inserts into, and so SQLite first copies each row it inserts into a temporary
table of its own: about 45 µs a row where a plain insert takes 5, a tenth of the write
of a step. So ``add_planned`` asks once which overdue reminders and escalations the
write's jurisdictions have, leaves out the rows those rule out, and inserts the rest
with a plain ``INSERT``, in their order: the same rows as the one statement, in the same
transaction. (The staged write of thousands keeps its set-based statement, ``WHOLE``.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storage.database import Transaction, chunks

INSERT_REMINDERS = (
    "INSERT INTO reminders (jurisdiction_id, round, deadline, kind, due_at)"
    " SELECT CAST(?1 AS TEXT), CAST(?2 AS INTEGER), CAST(?3 AS TEXT),"
    " CAST(?4 AS TEXT), CAST(?5 AS TEXT) WHERE CAST(?4 AS TEXT) NOT IN"
    " ('overdue', 'escalation') OR NOT EXISTS (SELECT 1 FROM reminders"
    " WHERE jurisdiction_id = ?1 AND round = ?2 AND deadline = ?3 AND kind = ?4"
    " AND status <> 'cancelled') ON CONFLICT DO NOTHING")
"""Add a planned reminder (a row of ``writes.reminder_row``), unless it is a second
overdue reminder or escalation of its deadline."""
ONCE = frozenset({"overdue", "escalation"})
"""The kinds a deadline gets one of, ever (but for those cancelled)."""
_ADD = ("INSERT INTO reminders (jurisdiction_id, round, deadline, kind, due_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")

Key = tuple[Any, ...]
"""(jurisdiction id, round, deadline, kind) of a reminder."""


async def add_planned(db: Transaction, rows: Sequence[tuple[Any, ...]]) -> None:
    """``INSERT_REMINDERS`` for each of ``rows``, in order, at the cost of plain inserts
    and one read. Two rows of one kind that comes ``ONCE`` for one deadline (never
    planned so) would each depend on whether the first went in: those are written with
    the statement itself."""
    once = [row[:4] for row in rows if row[3] in ONCE]
    if len(set(once)) < len(once):
        await db.executemany(INSERT_REMINDERS, rows)
        return
    taken = await _taken(db, sorted({key[0] for key in once})) if once else set()
    if kept := [row for row in rows if row[:4] not in taken]:
        await db.executemany(_ADD, kept)


async def _taken(db: Transaction, ids: Sequence[str]) -> set[Key]:
    """The (jurisdiction, round, deadline, kind) of the overdue reminders and escalations
    (not cancelled) that ``ids`` have."""
    taken: set[Key] = set()
    for chunk in chunks(ids):
        rows = await db.fetch(
            "SELECT jurisdiction_id, round, deadline, kind FROM reminders"
            f" WHERE jurisdiction_id IN ({', '.join('?' * len(chunk))})"
            " AND kind IN ('overdue', 'escalation') AND status <> 'cancelled'", *chunk)
        taken.update((r["jurisdiction_id"], int(r["round"]), r["deadline"], r["kind"])
                     for r in rows)
    return taken
