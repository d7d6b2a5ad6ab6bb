"""Reminders as the sweep claims them (``workflows.ports.ReminderStore``): claimed,
posted, chained to their follow-ups, released, snoozed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from storage import writes
from storage.base import StoreBase
from storage.database import Row, Transaction
from storage.rows import reminder_from
from storage.writes import utc_text
from workflows.model import Role
from workflows.reminders import Due, Kind, Reminder, StaleClaim, StoredReminder

_CHANNEL = "coalesce(j.channel, ?3)"
"""Where a claimed reminder goes: its jurisdiction's (j) channel, else the default (?3)."""
_UNCLAIMED = ("NOT EXISTS (SELECT 1 FROM reminder_claims c"
              " WHERE c.reminder_id = reminders.id)")
"""A pending reminder no sweep is posting (a claimed one is 'sending')."""
_CLAIMED_CHANNEL = ("(SELECT c.channel FROM reminder_claims c"
                    " WHERE c.reminder_id = reminders.id)")

_DUE_NOW = f"reminders.status = 'pending' AND reminders.due_at <= ?2 AND {_UNCLAIMED}"
"""A pending reminder due by ?2 that no sweep is posting."""
_PICKED = "picked AS MATERIALIZED (SELECT jurisdiction_id FROM {} ORDER BY due_at, id LIMIT ?4)"
"""The jurisdictions of the ?4 reminders due longest (their other due reminders ride
along, so a backlog is never split)."""
_CARD = f"{_CHANNEL} AS posting_in, j.name, j.owner, j.state, j.us_state, j.name_key"
"""What a message about a reminder says of its jurisdiction, and where it goes."""
_CHANNELS = (
    "channels AS MATERIALIZED (SELECT posting_in, (SELECT max(s.message_ts) FROM"
    " reminders s WHERE s.status = 'sent' AND s.channel = due.posting_in) AS posted_after"
    " FROM due GROUP BY posting_in)")
"""The last reminder message recorded in each channel the claim posts to: one look-up a
channel (there are a dozen), not one a reminder."""
_IN_ORDER = " ORDER BY due.posting_in, due.name_key, due.due_at, due.id"

CLAIMABLE = (
    f"WITH {_PICKED.format('reminders WHERE ' + _DUE_NOW)},"
    " due AS MATERIALIZED (SELECT reminders.id, reminders.jurisdiction_id, reminders.round,"
    f" reminders.deadline, reminders.kind, reminders.due_at, {_CARD} FROM reminders"
    " JOIN jurisdictions j INDEXED BY jurisdictions_card ON j.id = reminders.jurisdiction_id"
    " WHERE reminders.status = 'pending' AND reminders.due_at <= ?2"
    f" AND +reminders.jurisdiction_id IN (SELECT jurisdiction_id FROM picked) AND {_UNCLAIMED}),"
    f" {_CHANNELS} SELECT due.*, (SELECT channels.posted_after FROM channels"
    f" WHERE channels.posting_in = due.posting_in) AS posted_after FROM due{_IN_ORDER}")
"""SQLite's claim of ?4 reminders due by ?2 (default channel ?3) as read, in the order
the sweep posts them, before ``INSERT_CLAIMS`` writes it in the same transaction (?1,
the claim, is not used). The pick and its riders are both read from one range of the
covering index ``reminders_pending`` (migration 0017): the riders' ``+`` keeps SQLite
from looking each picked jurisdiction up in another index, which costs more than
reading the few thousand reminders due; the jurisdictions are read from the index made
for it, ``jurisdictions_card`` (migration 0018), which SQLite would not choose itself."""
INSERT_CLAIMS = ("INSERT INTO reminder_claims (reminder_id, claim_id, claimed_at, channel,"
                 " posted_after) VALUES (?, ?, ?, ?, ?)")
CLAIM = (
    "WITH ready AS MATERIALIZED (SELECT id, jurisdiction_id, round, deadline, kind, due_at"
    f" FROM reminders WHERE {_DUE_NOW}),"
    f" {_PICKED.format('ready')},"
    f" due AS MATERIALIZED (SELECT ready.*, {_CARD} FROM ready"
    " JOIN jurisdictions j ON j.id = ready.jurisdiction_id"
    " WHERE ready.jurisdiction_id IN (SELECT jurisdiction_id FROM picked)),"
    f" {_CHANNELS}, claimed AS (INSERT INTO reminder_claims (reminder_id, claim_id,"
    " claimed_at, channel, posted_after) SELECT due.id, ?1, ?2, due.posting_in,"
    " channels.posted_after FROM due JOIN channels ON channels.posting_in = due.posting_in)"
    f" SELECT due.* FROM due{_IN_ORDER}")
"""PostgreSQL's claim ?1 of ?4 reminders due by ?2 (default channel ?3): written and read
in one statement (a ``WITH`` may insert there), in the order the sweep posts them.
Every reminder due and unclaimed (``ready``) is read once, from one range of the
covering index ``reminders_pending`` (migration 0017), and the pick and its riders come
from it: looking each picked jurisdiction's riders up in an index read a page of it
for each (~1,100 pages at 100,000 jurisdictions, where the range is ~100), and the
planner, which overestimates the reminders due tenfold, would choose just that."""
CLAIM_PLAN = "SET LOCAL enable_seqscan = off"
"""Run before ``CLAIM`` in its transaction (PostgreSQL; it lasts to the transaction's
end). The planner takes status and due time as independent, so it expects a quarter of
all reminders (~66,000 of 264,589 at 100,000 jurisdictions) pending and due where ~6,500
are (what is due was mostly sent), and reads the whole table (~6,900 pages, cold on a
fresh copy) rather than the ~100 pages of ``reminders_pending``'s range (median of a
claim on a fresh copy: ~75 -> ~45 ms). Nothing else in the claim needs a table read
whole: reminder_claims, a sweep's rows at most, is read by its primary key."""


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
            # The claim is rows of reminder_claims (migration 0016): a few contiguous
            # pages, where setting each reminder to 'sending' wrote ~2,000 pages
            # scattered over the table. Claims are taken in turn (``claims_in_turn``),
            # each seeing those before it, so the pick leaves out what they hold; the
            # primary key would refuse a reminder claimed twice all the same (the claim
            # fails and is undone).
            # What the sweep's messages need is read with the claim, once: reading the
            # claimed reminders and their jurisdictions back afterwards read each of
            # their scattered pages twice (issue 14).
            if self.db.claims_in_turn:
                await db.execute(self.db.claims_in_turn)
            at = utc_text(now)
            if self.db.writes_in_with:
                await db.execute(CLAIM_PLAN)
                rows = await db.fetch(CLAIM, claim, at, default_channel, limit)
            else:
                rows = await db.fetch(CLAIMABLE, claim, at, default_channel, limit)
                await db.executemany(INSERT_CLAIMS, sorted(  # in key order: appended
                    (r["id"], claim, at, r["posting_in"], r["posted_after"]) for r in rows))
        return [_due(r) for r in rows]

    async def dues(self, ids: Sequence[int]) -> list[Due]:
        return await self._dues(f"r.id IN ({', '.join('?' * len(ids))})", *ids) if ids else []

    async def _dues(self, where: str, *args: Any) -> list[Due]:
        rows = await self.read(
            "SELECT r.id, r.jurisdiction_id, r.round, r.deadline, r.kind, r.due_at,"
            " coalesce(c.channel, r.channel) AS posting_in, j.name, j.owner, j.state,"
            " j.us_state FROM reminders r"
            " JOIN jurisdictions j ON j.id = r.jurisdiction_id"
            f" LEFT JOIN reminder_claims c ON c.reminder_id = r.id WHERE {where}"
            " ORDER BY posting_in, j.name_key, r.due_at", *args)
        return [_due(r) for r in rows]

    async def mark_reminders_sent(self, ids: Sequence[int], ts: str, now: datetime,
                                  follow_ups: Sequence[Reminder]) -> None:
        async with self.transaction() as db:
            # Posted is sent, even if a step cancelled it meanwhile: the record says
            # what went out.
            await db.executemany(
                "UPDATE reminders SET status = 'sent', sent_at = ?1, message_ts = ?2,"
                f" channel = {_CLAIMED_CHANNEL} WHERE id = ?3 AND NOT {_UNCLAIMED}",
                [(utc_text(now), ts, i) for i in ids])
            await _unclaim(db, ids)
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
            f" AND kind = 'follow_up' AND status = 'pending' AND due_at < ?4 AND {_UNCLAIMED}",
            [(*row[:3], row[4], utc_text(now)) for row in rows if row[3] == "follow_up"])
        await db.executemany(
            "INSERT INTO reminders (jurisdiction_id, round, deadline, kind, due_at)"
            " SELECT CAST(?1 AS TEXT), CAST(?2 AS INTEGER), CAST(?3 AS TEXT),"
            " CAST(?4 AS TEXT), CAST(?5 AS TEXT) WHERE EXISTS (SELECT 1 FROM"
            " jurisdictions WHERE id = ?1 AND due_on = ?3) ON CONFLICT DO NOTHING", rows)

    async def cancel_reminders(self, ids: Sequence[int], now: datetime) -> None:
        async with self.transaction() as db:
            await _cancel(db, ids, now)

    async def drop_reminders(self, ids: Sequence[int], now: datetime,
                             again: Sequence[Reminder]) -> None:
        """Cancelled, as a reminder that no longer applies is; ``again`` chained in
        their place (a nudge dropped in a mute waits for its end)."""
        async with self.transaction() as db:
            await _cancel(db, ids, now)
            await self._chain(db, again, now)

    async def release_reminders(self, ids: Sequence[int], claim: str) -> None:
        async with self.transaction() as db:
            await db.executemany(
                "DELETE FROM reminder_claims WHERE reminder_id = ? AND claim_id = ?",
                [(i, claim) for i in ids])

    async def renew_claim(self, claim: str, now: datetime) -> None:
        async with self.transaction() as db:
            await db.execute("UPDATE reminder_claims SET claimed_at = ? WHERE claim_id = ?",
                             utc_text(now), claim)

    async def stale_claims(self, before: datetime) -> list[StaleClaim]:
        rows = await self.read(
            "SELECT claim_id, channel, posted_after, reminder_id AS id FROM reminder_claims"
            " WHERE claimed_at < ? ORDER BY claim_id, channel, reminder_id",
            utc_text(before))
        claims: dict[tuple[str, str], tuple[list[str | None], list[int]]] = {}
        for r in rows:
            afters, ids = claims.setdefault((r["claim_id"], r["channel"]), ([], []))
            afters.append(r["posted_after"] or None)
            ids.append(int(r["id"]))
        return [StaleClaim(claim, channel, _earliest(afters), tuple(ids))
                for (claim, channel), (afters, ids) in claims.items()]

    async def reminder(self, reminder_id: int) -> StoredReminder | None:
        rows = await self.read(
            "SELECT r.*, CASE WHEN c.reminder_id IS NULL THEN r.status ELSE 'sending' END"
            " AS standing, coalesce(c.channel, r.channel) AS posting_in FROM reminders r"
            " LEFT JOIN reminder_claims c ON c.reminder_id = r.id WHERE r.id = ?", reminder_id)
        if not rows:
            return None
        row = rows[0]
        return StoredReminder(reminder_from(row), row["standing"], row["snoozed_by"],
                              row["posting_in"])

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
                               f" status = 'pending' AND {_UNCLAIMED} ORDER BY due_at, id",
                               jurisdiction_id)
        return [reminder_from(r) for r in rows]

    async def _insert_reminders(self, db: Transaction,
                                reminders: Sequence[Reminder]) -> None:
        """Add planned reminders (``writes.INSERT_REMINDERS``)."""
        await db.executemany(writes.INSERT_REMINDERS, [writes.reminder_row(r) for r in reminders])


async def _cancel(db: Transaction, ids: Sequence[int], now: datetime) -> None:
    """Cancelled, claimed or not (a claimed one was about to go where its claim says)."""
    await db.executemany(
        "UPDATE reminders SET status = 'cancelled', cancelled_at = ?1,"
        f" channel = coalesce({_CLAIMED_CHANNEL}, channel) WHERE id = ?2",
        [(utc_text(now), i) for i in ids])
    await _unclaim(db, ids)


async def _unclaim(db: Transaction, ids: Sequence[int]) -> None:
    await db.executemany("DELETE FROM reminder_claims WHERE reminder_id = ?",
                         [(i,) for i in ids])


def _due(row: Row) -> Due:
    return Due(reminder_from(row), row["name"], row["owner"], row["posting_in"], row["state"],
               row["us_state"])


def _earliest(stamps: Sequence[str | None]) -> str | None:
    """The earliest of Slack timestamps, None if any is unknown (so a check reads back
    far enough for every row). Slack's "seconds.micros" text sorts as time does."""
    return None if None in stamps else min(s for s in stamps if s is not None)
