"""Reminders as the sweep claims them (``workflows.ports.ReminderStore``): claimed,
posted, chained to their follow-ups, released, snoozed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from storage import writes
from storage.base import StoreBase
from storage.database import Transaction
from storage.rows import reminder_from
from storage.writes import utc_text
from workflows.model import Role
from workflows.reminders import Due, Kind, Reminder, StaleClaim, StoredReminder

_CHANNEL = ("coalesce((SELECT channel FROM jurisdictions j WHERE j.id = reminders.jurisdiction_id),"
            " ?3)")
"""Where a claimed reminder goes: its jurisdiction's channel, else the default (?3)."""


class Reminders(StoreBase):
    """The ``ReminderStore``: claims that sweeps on several replicas never share."""

    async def claim_reminders(self, now: datetime, claim: str, default_channel: str,
                              limit: int) -> list[Due]:
        async with self.transaction() as db:
            # The limit picks reminders; their jurisdictions' other due reminders come
            # along, so a backlog is never split and the catch-up speaks of each
            # jurisdiction in one line.
            # Each row also keeps the channel's last reminder message recorded so far
            # (Slack's timestamp): what this claim posts comes after it, which is where
            # a check after a crash starts reading (``stale_claims``).
            claimed = await db.execute(
                "WITH picked AS MATERIALIZED (SELECT jurisdiction_id FROM reminders"
                " WHERE status = 'pending' AND due_at <= ?2 ORDER BY due_at, id LIMIT ?4"
                f"{self.db.skip_locked})"
                f" UPDATE reminders SET status = 'sending', claim_id = ?1, claimed_at = ?2,"
                f" channel = {_CHANNEL}, posted_after = (SELECT max(s.message_ts)"
                f" FROM reminders s WHERE s.status = 'sent' AND s.channel = {_CHANNEL})"
                " WHERE status = 'pending' AND due_at <= ?2"
                " AND jurisdiction_id IN (SELECT jurisdiction_id FROM picked)",
                claim, utc_text(now), default_channel, limit)
        if claimed == 0:
            return []
        return await self._dues("r.claim_id = ? AND r.status = 'sending'", claim)

    async def dues(self, ids: Sequence[int]) -> list[Due]:
        return await self._dues(f"r.id IN ({', '.join('?' * len(ids))})", *ids) if ids else []

    async def _dues(self, where: str, *args: Any) -> list[Due]:
        rows = await self.read(
            "SELECT r.*, j.name, j.owner, j.state, j.us_state FROM reminders r"
            f" JOIN jurisdictions j ON j.id = r.jurisdiction_id WHERE {where}"
            " ORDER BY r.channel, j.name_key, r.due_at", *args)
        return [Due(reminder_from(r), r["name"], r["owner"], r["channel"], r["state"],
                    r["us_state"]) for r in rows]

    async def mark_reminders_sent(self, ids: Sequence[int], ts: str, now: datetime,
                                  follow_ups: Sequence[Reminder]) -> None:
        async with self.transaction() as db:
            await db.executemany(
                "UPDATE reminders SET status = 'sent', sent_at = ?, message_ts = ?"
                " WHERE id = ? AND status = 'sending'", [(utc_text(now), ts, i) for i in ids])
            await self._chain(db, follow_ups, now)

    async def _chain(self, db: Transaction, follow_ups: Sequence[Reminder],
                     now: datetime) -> None:
        """One chain per deadline: a follow-up takes the place of an earlier one still
        waiting for its deadline, and is dropped if one as late or later waits (or is
        being posted). The unique index reminders_one_follow_up makes the database
        itself refuse a second one, so two sweeps at once cannot start two chains."""
        latest: dict[object, Reminder] = {}
        for r in follow_ups:  # of two follow-ups for one deadline, the later one
            key = (r.jurisdiction_id, r.round, r.deadline) if r.kind is Kind.FOLLOW_UP else r
            if key not in latest or latest[key].due_at < r.due_at:
                latest[key] = r
        rows = [(r.jurisdiction_id, r.round, r.deadline.isoformat(), r.kind.value,
                 utc_text(r.due_at)) for r in latest.values()]
        await db.executemany(
            "UPDATE reminders SET status = 'cancelled', cancelled_at = ?5"
            " WHERE jurisdiction_id = ?1 AND round = ?2 AND deadline = ?3"
            " AND kind = 'follow_up' AND status = 'pending' AND due_at < ?4",
            [(*row[:3], row[4], utc_text(now)) for row in rows if row[3] == "follow_up"])
        await db.executemany(
            "INSERT INTO reminders (jurisdiction_id, round, deadline, kind, due_at)"
            " SELECT CAST(?1 AS TEXT), CAST(?2 AS INTEGER), CAST(?3 AS TEXT),"
            " CAST(?4 AS TEXT), CAST(?5 AS TEXT) WHERE EXISTS (SELECT 1 FROM"
            " jurisdictions WHERE id = ?1 AND due_on = ?3) ON CONFLICT DO NOTHING", rows)

    async def cancel_reminders(self, ids: Sequence[int], now: datetime) -> None:
        async with self.transaction() as db:
            await db.executemany(
                "UPDATE reminders SET status = 'cancelled', cancelled_at = ? WHERE id = ?",
                [(utc_text(now), i) for i in ids])

    async def drop_reminders(self, ids: Sequence[int], now: datetime,
                             again: Sequence[Reminder]) -> None:
        """Cancelled, as a reminder that no longer applies is; ``again`` chained in
        their place (a nudge dropped in a mute waits for its end)."""
        async with self.transaction() as db:
            await db.executemany(
                "UPDATE reminders SET status = 'cancelled', cancelled_at = ? WHERE id = ?",
                [(utc_text(now), i) for i in ids])
            await self._chain(db, again, now)

    async def release_reminders(self, ids: Sequence[int], claim: str) -> None:
        async with self.transaction() as db:
            await db.executemany(
                "UPDATE reminders SET status = 'pending', claim_id = NULL, claimed_at = NULL,"
                " posted_after = NULL WHERE id = ? AND status = 'sending' AND claim_id = ?",
                [(i, claim) for i in ids])

    async def renew_claim(self, claim: str, now: datetime) -> None:
        async with self.transaction() as db:
            await db.execute("UPDATE reminders SET claimed_at = ? WHERE claim_id = ?"
                             " AND status = 'sending'", utc_text(now), claim)

    async def stale_claims(self, before: datetime) -> list[StaleClaim]:
        rows = await self.read(
            "SELECT claim_id, channel, posted_after, id FROM reminders"
            " WHERE status = 'sending' AND claimed_at < ? ORDER BY claim_id, channel, id",
            utc_text(before))
        claims: dict[tuple[str, str], tuple[list[str | None], list[int]]] = {}
        for r in rows:
            afters, ids = claims.setdefault((r["claim_id"], r["channel"]), ([], []))
            afters.append(r["posted_after"] or None)
            ids.append(int(r["id"]))
        return [StaleClaim(claim, channel, _earliest(afters), tuple(ids))
                for (claim, channel), (afters, ids) in claims.items()]

    async def reminder(self, reminder_id: int) -> StoredReminder | None:
        rows = await self.read("SELECT * FROM reminders WHERE id = ?", reminder_id)
        if not rows:
            return None
        row = rows[0]
        return StoredReminder(reminder_from(row), row["status"], row["snoozed_by"], row["channel"])

    async def snooze(self, reminder_id: int, by: str, again: Reminder) -> bool:
        async with self.transaction() as db:
            changed = await db.execute(
                "UPDATE reminders SET snoozed_by = ?, snoozed_until = ? WHERE id = ?"
                " AND snoozed_by IS NULL", by, utc_text(again.due_at), reminder_id)
            if changed != 1:
                return False
            await self._insert_reminders(db, [again])
        return True

    async def users_with(self, role: Role) -> list[str]:
        rows = await self.read("SELECT user_id FROM roles WHERE role = ? ORDER BY user_id",
                               role.value)
        return [r["user_id"] for r in rows]

    async def pending_reminders(self, jurisdiction_id: str) -> list[Reminder]:
        rows = await self.read("SELECT * FROM reminders WHERE jurisdiction_id = ? AND"
                               " status = 'pending' ORDER BY due_at, id", jurisdiction_id)
        return [reminder_from(r) for r in rows]

    async def _insert_reminders(self, db: Transaction,
                                reminders: Sequence[Reminder]) -> None:
        """Add planned reminders (``writes.INSERT_REMINDERS``)."""
        await db.executemany(writes.INSERT_REMINDERS, [writes.reminder_row(r) for r in reminders])


def _earliest(stamps: Sequence[str | None]) -> str | None:
    """The earliest of Slack timestamps, None if any is unknown (so a check reads back
    far enough for every row). Slack's "seconds.micros" text sorts as time does."""
    return None if None in stamps else min(s for s in stamps if s is not None)
