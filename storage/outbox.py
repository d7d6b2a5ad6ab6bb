"""What delivering the outbox's notices leaves in the store, beyond claiming them.

A notice is marked sent with the ts Slack gave its message (which bounds, in Slack's own
clock, where a later relay must look for what a dead one posted). A channel Slack refuses
(no such channel, the bot not in it) waits in ``channel_waits``, its delay doubling with
each refusal in a row, and its notices stay in the outbox; the people whose steps wait
there are told once (``delivery_warnings``), until the channel takes a message again.
A notice Slack refuses for itself (a malformed message) waits on its own ``retry_at``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.database import Transaction
from storage.store import Store
from storage.writes import utc_text

Delay = Callable[[int], timedelta]
"""The wait after the Nth refusal in a row."""


@dataclass(frozen=True)
class Unwarned:
    """Someone whose announcements wait on a refusing channel and who was not told."""

    channel: str
    user: str
    error: str
    count: int
    name: str
    """One of the jurisdictions concerned."""


class Deliveries:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def posted(self, notice_id: int, ts: str, at: datetime) -> None:
        """Slack took the notice (or had it already): it is sent, and its channel,
        taking messages again, waits no more and may warn people anew."""
        await self.posted_many([(notice_id, ts, at)])

    async def posted_many(self, sent: Sequence[tuple[int, str, datetime]]) -> None:
        """``posted`` for each (notice id, ts, when) of ``sent``, in one write: the relay
        marks what it posted of a batch at once, not one write per notice."""
        if not sent:
            return

        async def mark(db: Transaction) -> None:
            channels: set[str] = set()
            for notice_id, ts, at in sent:
                rows = await db.fetch(
                    "UPDATE outbox SET sent_at = ?, attempts = attempts + 1, message_ts = ?,"
                    " retry_at = NULL WHERE id = ? RETURNING channel", utc_text(at), ts,
                    notice_id)
                channels.update(row["channel"] for row in rows)
            for channel in sorted(channels):
                await db.execute("DELETE FROM channel_waits WHERE channel = ?", channel)
                await db.execute("DELETE FROM delivery_warnings WHERE channel = ?", channel)

        await self.store.db.grouped(mark)  # with the steps being written, if any

    async def refused(self, claim: str, notice_ids: Sequence[int], error: str, now: datetime,
                      delay: Delay, recheck: bool) -> datetime:
        """The channel did not take the message of these notices (one channel's, one or
        several to a message): count the attempt of each, give back those ``claim``
        still holds (``recheck`` if it may have been posted after all) and make the
        channel wait, once. Returns until when."""
        if not notice_ids:
            raise ValueError("refused: no notices")
        async with self.store.transaction() as db:
            for notice_id in notice_ids:
                channel = await _failed(db, claim, notice_id, error, recheck)
            failures = await db.fetch(
                "INSERT INTO channel_waits (channel, failures, retry_at, last_error)"
                " VALUES (?, 1, ?, ?) ON CONFLICT (channel) DO UPDATE SET"
                " failures = channel_waits.failures + 1, last_error = excluded.last_error"
                " RETURNING failures", channel, utc_text(now), error[:500])
            until = now + delay(int(failures[0]["failures"]))
            await db.execute("UPDATE channel_waits SET retry_at = ? WHERE channel = ?",
                             utc_text(until), channel)
        return until

    async def held(self, claim: str, notice_id: int, error: str, now: datetime,
                   delay: Delay) -> datetime:
        """Slack refused this notice itself: it alone waits, longer each time."""
        async with self.store.transaction() as db:
            await _failed(db, claim, notice_id, error, recheck=False)
            rows = await db.fetch("SELECT attempts FROM outbox WHERE id = ?", notice_id)
            until = now + delay(int(rows[0]["attempts"]))
            await db.execute("UPDATE outbox SET retry_at = ? WHERE id = ?", utc_text(until),
                             notice_id)
        return until

    async def unwarned(self) -> list[Unwarned]:
        """Everyone with announcements waiting on a channel that refuses them, who was
        not told about that channel yet (Slack user ids only: the command line's
        importer is nobody to message)."""
        rows = await self.store.read(
            "SELECT o.channel, e.actor, w.last_error, count(*) AS n, min(j.name) AS name"
            " FROM outbox o JOIN events e ON e.id = o.event_id"
            " JOIN jurisdictions j ON j.id = e.jurisdiction_id"
            " JOIN channel_waits w ON w.channel = o.channel"
            " WHERE o.sent_at IS NULL AND o.dropped_at IS NULL"
            " AND (e.actor LIKE 'U%' OR e.actor LIKE 'W%') AND NOT EXISTS (SELECT 1 FROM"
            " delivery_warnings d WHERE d.channel = o.channel AND d.user_id = e.actor)"
            " GROUP BY o.channel, e.actor, w.last_error ORDER BY o.channel, e.actor")
        return [Unwarned(r["channel"], r["actor"], r["last_error"], int(r["n"]), r["name"])
                for r in rows]

    async def warn(self, channel: str, user: str, at: datetime) -> bool:
        """Take the telling of ``user`` about ``channel``: False if someone (another
        relay, an earlier run) already did."""
        async with self.store.transaction() as db:
            taken = await db.execute(
                "INSERT INTO delivery_warnings (channel, user_id, warned_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING", channel, user, utc_text(at))
        return taken == 1

    async def unwarn(self, channel: str, user: str) -> None:
        """The message telling them did not go: tell them next time."""
        async with self.store.transaction() as db:
            await db.execute("DELETE FROM delivery_warnings WHERE channel = ? AND user_id = ?",
                             channel, user)


async def _failed(db: Transaction, claim: str, notice_id: int, error: str,
                  recheck: bool) -> str:
    """Count a failed attempt and give the notice back if ``claim`` still holds it (as
    ``release_notices``: one another relay took stays that relay's); returns its
    channel."""
    rows = await db.fetch(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?1,"
        " claimed_until = CASE WHEN claim_id = ?4 THEN NULL ELSE claimed_until END,"
        " claim_id = CASE WHEN claim_id = ?4 THEN NULL ELSE claim_id END,"
        " recheck = recheck | CAST(?2 AS INTEGER) WHERE id = ?3"
        " RETURNING channel", error[:500], int(recheck), notice_id, claim)
    return str(rows[0]["channel"])
