"""The outbox as relays claim it: the notices waiting, taken for a lease, given back,
marked sent or failed (what delivering them leaves besides is in ``storage.outbox``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.base import StoreBase
from storage.database import Row
from storage.rows import event_from
from storage.writes import utc_text
from workflows.model import Event

_NOTICES = ("SELECT o.id AS outbox_id, o.channel, o.attempts, o.recheck, o.after_ts,"
            " o.claim_id, e.*"
            " FROM outbox o JOIN events e"
            " ON e.id = o.event_id WHERE o.sent_at IS NULL AND o.dropped_at IS NULL")


@dataclass(frozen=True)
class PendingNotice:
    id: int
    channel: str
    event: Event
    attempts: int
    recheck: bool = False
    """It may be in the channel already (another relay's claim lapsed, or Slack's answer
    was lost): look there before posting it."""
    after_ts: str | None = None
    """Slack's ts of the newest message recorded in its channel when it was first
    claimed: if it was posted, the message is newer than that (None: there was none,
    so nothing bounds where to look)."""
    claim: str = ""
    """The claim that holds it (``claim_notices``): only that claim may give it back."""


class Notices(StoreBase):
    """Claims on the outbox: relays on several replicas never post the same notice."""

    async def pending_notices(self, limit: int) -> list[PendingNotice]:
        """Notices not yet posted (whether or not a relay is posting them)."""
        rows = await self.read(f"{_NOTICES} ORDER BY o.id LIMIT ?", limit)
        return [_notice(r) for r in rows]

    async def outbox_depth(self) -> int:
        """How many notices wait to be posted (counted on the pending rows' partial
        index, so cheap however long the outbox's history)."""
        rows = await self.read("SELECT count(*) AS n FROM outbox"
                               " WHERE sent_at IS NULL AND dropped_at IS NULL")
        return int(rows[0]["n"])

    async def claim_notices(self, now: datetime, lease: timedelta,
                            limit: int) -> list[PendingNotice]:
        """Take up to ``limit`` notices no relay is posting, oldest first, until
        ``now + lease``: relays on several replicas never take the same notice. A relay
        that dies holding some leaves them to whoever flushes after the lease, and they
        come marked ``recheck``. Notices waiting (their own ``retry_at``, or their
        channel's in ``channel_waits``) are left until then."""
        claim = uuid.uuid4().hex
        async with self.transaction() as db:
            await db.execute(
                "WITH picked AS MATERIALIZED (SELECT id FROM outbox WHERE sent_at IS NULL"
                " AND dropped_at IS NULL AND (claimed_until IS NULL OR claimed_until <= ?3)"
                " AND (retry_at IS NULL OR retry_at <= ?3) AND channel NOT IN"
                " (SELECT channel FROM channel_waits WHERE retry_at > ?3)"
                f" ORDER BY id LIMIT ?4{self.db.skip_locked})"
                " UPDATE outbox SET claim_id = ?1, claimed_until = ?2,"
                " recheck = CASE WHEN claim_id IS NULL THEN recheck ELSE 1 END,"
                " after_ts = coalesce(after_ts, (SELECT coalesce(max(s.message_ts), '')"
                " FROM outbox s WHERE s.channel = outbox.channel))"
                " WHERE id IN (SELECT id FROM picked)",
                claim, utc_text(now + lease), utc_text(now), limit)
            # Read back in the same transaction: what it claimed, whatever the reader
            # connection has seen yet (a claim read back as nothing held its notices
            # for the whole lease).
            rows = await db.fetch(f"{_NOTICES} AND o.claim_id = ? ORDER BY o.id", claim)
        return [_notice(r) for r in rows]

    async def release_notices(self, claim: str, ids: Sequence[int]) -> None:
        """Give back notices ``claim`` holds and did not post, for the next flush (none:
        no transaction, which every flush of a relay that posted all it claimed took).
        A notice another relay took once this claim's lease ran out stays that relay's."""
        if not ids:
            return
        async with self.transaction() as db:
            await db.executemany("UPDATE outbox SET claim_id = NULL, claimed_until = NULL"
                                 " WHERE id = ? AND claim_id = ? AND sent_at IS NULL",
                                 [(i, claim) for i in ids])

    async def mark_sent(self, notice_id: int, at: datetime) -> None:
        async with self.transaction() as db:
            await db.execute("UPDATE outbox SET sent_at = ?, attempts = attempts + 1"
                             " WHERE id = ?", utc_text(at), notice_id)

    async def mark_failed(self, notice_id: int, error: str, dropped_at: datetime | None) -> None:
        """Count a failed attempt; ``dropped_at`` gives up on a notice Slack will never take."""
        async with self.transaction() as db:
            await db.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ?,"
                             " dropped_at = ?, claim_id = NULL, claimed_until = NULL"
                             " WHERE id = ?",
                             error[:500], utc_text(dropped_at) if dropped_at else None,
                             notice_id)


def _notice(row: Row) -> PendingNotice:
    return PendingNotice(row["outbox_id"], row["channel"], event_from(row), row["attempts"],
                         bool(row["recheck"]), row["after_ts"] or None, row["claim_id"] or "")
