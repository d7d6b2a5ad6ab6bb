"""Batches waiting for approval, and what running them did (``BatchStore``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime

from storage.database import Row
from storage.store import Store
from storage.writes import utc_text
from workflows.batches import Batch


class StoredBatches:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def add_batch(self, batch: Batch, at: datetime) -> Batch:
        options = {"date": batch.on.isoformat() if batch.on else "", "due": batch.due,
                   "note": batch.note}
        async with self.store.transaction() as db:
            inserted = await db.fetch(
                "INSERT INTO batches (requester, step, targets, options, channel, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                batch.requester, batch.step, json.dumps(list(batch.targets)),
                json.dumps(options), batch.channel, utc_text(at))
            batch_id = int(inserted[0]["id"])
        found = await self.batch(batch_id)
        assert found is not None
        return found

    async def batch(self, batch_id: int) -> Batch | None:
        rows = await self.store.read("SELECT * FROM batches WHERE id = ?", batch_id)
        return _batch(rows[0]) if rows else None

    async def decide_batch(self, batch_id: int, by: str, status: str, at: datetime) -> bool:
        async with self.store.transaction() as db:
            changed = await db.execute(
                "UPDATE batches SET status = ?, decided_by = ?, decided_at = ?"
                " WHERE id = ? AND status = 'pending'", status, by, utc_text(at), batch_id)
            return changed == 1

    async def finish_batch(self, batch_id: int,
                           results: Sequence[tuple[str, bool, str]]) -> None:
        async with self.store.transaction() as db:
            await db.execute("UPDATE batches SET status = 'done', results = ? WHERE id = ?",
                             json.dumps([list(r) for r in results]), batch_id)


def _batch(row: Row) -> Batch:
    options = json.loads(row["options"])
    results = tuple((str(j), bool(ok), str(why)) for j, ok, why in
                    json.loads(row["results"] or "[]"))
    return Batch(row["id"], row["requester"], row["step"], tuple(json.loads(row["targets"])),
                 row["channel"], date.fromisoformat(options["date"]) if options["date"] else None,
                 options["due"], options["note"], row["status"], row["decided_by"], results)
