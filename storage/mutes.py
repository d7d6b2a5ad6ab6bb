"""Mutes and what a firing reminder is checked against, read from what is stored.

A mute is only its events (``mute``, ``unmute``) in the history: nothing else to keep
in step. A jurisdiction's running deadline is its row's ``due_on`` (copied there by
every change) with the number of its last round."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from storage.base import StoreBase
from storage.database import chunks
from storage.rows import event_from
from workflows.model import Event
from workflows.mutes import MUTE, UNMUTE, Deadline, Mute, Standing, mute_from

MUTES_OF = "SELECT * FROM events WHERE jurisdiction_id IN ({marks}) AND kind IN (?, ?)"
"""The mute events of some jurisdictions, put in order after: ``ORDER BY jurisdiction_id,
seq`` would have the database walk every event of each to order them."""


class MuteReads(StoreBase):
    async def mutes(self, ids: Sequence[str]) -> dict[str, Mute]:
        events: dict[str, list[Event]] = defaultdict(list)
        for chunk in chunks(ids):
            rows = await self.read(MUTES_OF.format(marks=_marks(chunk)), *chunk, MUTE, UNMUTE)
            for row in sorted(rows, key=lambda r: (r["jurisdiction_id"], r["seq"])):
                events[row["jurisdiction_id"]].append(event_from(row))
        return {jid: m for jid, found in events.items() if (m := mute_from(found))}

    async def standings(self, jurisdiction_ids: Sequence[str]) -> dict[str, Standing]:
        mutes = await self.mutes(jurisdiction_ids)
        result: dict[str, Standing] = {}
        for chunk in chunks(jurisdiction_ids):
            rows = await self.read(
                "SELECT j.id, j.due_on, (SELECT max(r.number) FROM rounds r"
                " WHERE r.jurisdiction_id = j.id) AS round FROM jurisdictions j"
                f" WHERE j.id IN ({_marks(chunk)})", *chunk)
            sent = await self._sent(chunk)
            for row in rows:
                jid = row["id"]
                running = ((int(row["round"]), date.fromisoformat(row["due_on"]))
                           if row["due_on"] and row["round"] is not None else None)
                follow_ups, escalated = sent.get(jid, ({}, set()))
                result[jid] = Standing(running, mutes.get(jid), follow_ups,
                                       frozenset(escalated))
        return result

    async def _sent(self, ids: Sequence[str]
                    ) -> dict[str, tuple[dict[Deadline, int], set[Deadline]]]:
        """Per jurisdiction: follow-ups sent per deadline, deadlines escalated."""
        rows = await self.read(
            "SELECT jurisdiction_id, round, deadline, kind, count(*) AS n FROM reminders"
            f" WHERE jurisdiction_id IN ({_marks(ids)}) AND status = 'sent'"
            " AND kind IN ('follow_up', 'escalation')"
            " GROUP BY jurisdiction_id, round, deadline, kind", *ids)
        sent: dict[str, tuple[dict[Deadline, int], set[Deadline]]] = {}
        for row in rows:
            follow_ups, escalated = sent.setdefault(row["jurisdiction_id"], ({}, set()))
            key = (int(row["round"]), date.fromisoformat(row["deadline"]))
            if row["kind"] == "follow_up":
                follow_ups[key] = int(row["n"])
            else:
                escalated.add(key)
        return sent


def _marks(ids: Sequence[str]) -> str:
    return ", ".join("?" * len(ids))
