"""Closure days as stored (``closures``, migration 0012), and the one transaction that
keeps a closure's declaration or withdrawal together with the deadlines it moved.

The closure's row is written first in the transaction of those deadlines' changes
(``writes.write``'s ``before``), so a closure is never kept without its recount nor a
recount without its closure. Two leads declaring at once may pick the same next id:
the second insert breaks the key and is a ``Conflict`` (the use case counts again).
Two withdrawing at once: the second finds it withdrawn already, a ``Conflict`` too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from storage import writes
from storage.base import StoreBase
from storage.database import DuplicateKey, Row, Transaction
from storage.writes import utc_text
from workflows.closures import Closure, closed_days
from workflows.errors import Conflict
from workflows.ports import StagedChange

_INSERT = ("INSERT INTO closures (id, first_day, last_day, reason, us_state, declared_by,"
           " declared_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
_WITHDRAW = ("UPDATE closures SET withdrawn_by = ?, withdrawn_at = ?"
             " WHERE id = ? AND withdrawn_at IS NULL")


def closure_from(row: Row) -> Closure:
    return Closure(date.fromisoformat(row["first_day"]), date.fromisoformat(row["last_day"]),
                   row["reason"], row["us_state"], int(row["id"]), row["declared_by"],
                   datetime.fromisoformat(row["declared_at"]), row["withdrawn_by"],
                   datetime.fromisoformat(row["withdrawn_at"]) if row["withdrawn_at"]
                   else None)


class Closures(StoreBase):
    """The ``ClosureStore`` of ``workflows.deadline_changes``, and the closed days a
    step's deadline is counted around (``Repository.closed_days``)."""

    async def closures(self) -> list[Closure]:
        return [closure_from(r) for r in await self.read("SELECT * FROM closures ORDER BY id")]

    async def closed_days(self, us_state: str) -> dict[date, str]:
        rows = await self.read("SELECT * FROM closures WHERE withdrawn_at IS NULL"
                               " AND (us_state = '' OR us_state = ?) ORDER BY id", us_state)
        return closed_days([closure_from(r) for r in rows], us_state)

    async def next_closure_id(self) -> int:
        rows = await self.read("SELECT coalesce(max(id), 0) + 1 AS n FROM closures")
        return int(rows[0]["n"])

    async def declare_closure(self, closure: Closure,
                              changes: Sequence[StagedChange]) -> None:
        async def insert(db: Transaction) -> None:
            try:
                await db.execute(_INSERT, closure.id, closure.first.isoformat(),
                                 closure.last.isoformat(), closure.reason, closure.us_state,
                                 closure.declared_by, utc_text(_at(closure.declared_at)))
            except DuplicateKey:
                raise Conflict(f"closure #{closure.id} was declared a moment ago") from None
        await self._write(changes, insert)

    async def withdraw_closure(self, closure: Closure,
                               changes: Sequence[StagedChange]) -> None:
        async def withdraw(db: Transaction) -> None:
            done = await db.execute(_WITHDRAW, closure.withdrawn_by,
                                    utc_text(_at(closure.withdrawn_at)), closure.id)
            if not done:
                raise Conflict(f"closure #{closure.id} was withdrawn a moment ago")
        await self._write(changes, withdraw)

    async def _write(self, changes: Sequence[StagedChange], before: writes.Before) -> None:
        """``before`` and ``changes`` in one transaction (never in runs: a recount is
        all or nothing)."""
        await writes.write(self.db, writes.updates, changes, changes, self.staged_from,
                           before)
        if any(c.notices for c in changes):
            self.notices_added()


def _at(moment: datetime | None) -> datetime:
    assert moment is not None, "a closure's declaration and withdrawal have their moment"
    return moment
