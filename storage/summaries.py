"""Summary subscriptions and the queries a leadership summary needs.

A sibling of ``Store``: it uses the store's ``read`` (committed data) and
``transaction``, in the SQL both engines speak. Every query is shaped to stay fast
at 100,000 jurisdictions and 1,000,000 events: counts are computed by the database
from indexes that hold every column they need (``events_recorded_window``,
``jurisdictions_deadlines``, ``jurisdictions_state_due``: migration 0015), lists come
with a LIMIT and a separate count.

Times are compared as ISO 8601 text in UTC: ``events.recorded_at`` is written from the
injected clock, which gives UTC (``SystemClock``, the tests' clocks), and
``subscriptions.last_sent_at`` is written in UTC here.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from storage import chain
from storage.database import Row
from storage.store import Store
from storage.writes import utc_text
from workflows.chain import Seal
from workflows.model import CourtOrder, OrderKind
from workflows.summary import (
    Activity,
    Blocked,
    Cadence,
    Capped,
    DateGroup,
    DeadlineGroup,
    DueItem,
    Move,
    Schedule,
    StateCount,
    Subscription,
)

STATE_COUNTS = """
WITH moves AS MATERIALIZED (
    SELECT jurisdiction_id AS jid, seq, from_state, to_state FROM events
    WHERE recorded_at > ?1 AND (from_state IS NULL OR from_state <> to_state)),
ends AS (SELECT jid, min(seq) AS first, max(seq) AS last FROM moves GROUP BY jid),
changed AS MATERIALIZED (
    SELECT f.from_state AS was, l.to_state AS is_now FROM ends e
    JOIN moves f ON f.jid = e.jid AND f.seq = e.first
    JOIN moves l ON l.jid = e.jid AND l.seq = e.last)
SELECT state, sum(now) AS now, sum(before) AS before FROM (
    SELECT value AS state, n AS now, n AS before FROM jurisdiction_counts
    WHERE facet = 'state'
    UNION ALL SELECT is_now, 0, -count(*) FROM changed GROUP BY is_now
    UNION ALL SELECT was, 0, count(*) FROM changed WHERE was IS NOT NULL GROUP BY was
) AS counts GROUP BY state
"""
"""Per state: how many jurisdictions stand in it now, and how many stood in it at ?1.

The state at ?1 is the ``to_state`` of each jurisdiction's last event at or before ?1
(none: it did not exist yet). Each event's ``from_state`` is the previous event's
``to_state``, and an event that moves nothing (evidence, an assignment) has both the
same, so the state at ?1 is the ``from_state`` of the first event after ?1 that moves
(or adds) it, and the state now the ``to_state`` of the last one; a jurisdiction with
no such event is where it was. Starting from today's counts and undoing only the
jurisdictions that moved reads the period's moves alone, from the
``events_recorded_window`` index (no lookup into the events or jurisdictions tables),
not the whole history (``moves`` is MATERIALIZED so that SQLite reads them through that
index rather than walking every event in jurisdiction order). Today's counts are the
ones the triggers keep (``jurisdiction_counts``, as ``list`` reads its totals), not a
count of every jurisdiction."""

DEADLINE_GROUPS = """
SELECT due_on, us_state, count(*) AS n FROM jurisdictions
WHERE due_on IS NOT NULL GROUP BY due_on, us_state
"""

DEADLINE_DATES = """
SELECT state, due_on, count(*) AS n FROM jurisdictions
WHERE due_on IS NOT NULL GROUP BY state, due_on ORDER BY n DESC, due_on, state LIMIT ?
"""

ACTIVITY_COUNTS = """
SELECT count(*) FILTER (WHERE from_state IS NULL) AS added,
       count(*) FILTER (WHERE from_state <> to_state) AS steps,
       count(*) FILTER (WHERE from_state = to_state) AS other
FROM events WHERE recorded_at > ?1 AND recorded_at <= ?2
"""

MOVES = """
SELECT e.jurisdiction_id, j.name, e.from_state, e.to_state, e.actor, e.recorded_at
FROM events e JOIN jurisdictions j ON j.id = e.jurisdiction_id
WHERE e.recorded_at > ?1 AND e.recorded_at <= ?2 AND e.from_state <> e.to_state
ORDER BY e.recorded_at DESC, e.id DESC LIMIT ?3
"""

DUE_BETWEEN = """
SELECT id, name, due_on, state, us_state, owner FROM jurisdictions
WHERE due_on >= ?1 AND due_on <= ?2 ORDER BY due_on, name_key, id LIMIT ?3
"""

DUE_BETWEEN_COUNT = "SELECT count(*) AS n FROM jurisdictions WHERE due_on >= ?1 AND due_on <= ?2"

_ACTIVE_INJUNCTION = (
    "FROM court_orders o JOIN jurisdictions j ON j.id = o.jurisdiction_id"
    " WHERE o.kind = 'injunction' AND o.blocks <> '' AND o.on_date <= ?1"
    " AND (o.lifted_on IS NULL OR o.lifted_on > ?1)")
"""Injunctions in force that block at least one step (one that blocks nothing holds no
jurisdiction back)."""

BLOCKED = (
    "SELECT j.id AS jid, j.name, o.id, o.on_date, o.case_number, o.court, o.scope, o.blocks"
    f" {_ACTIVE_INJUNCTION} ORDER BY j.name_key, j.id, o.id LIMIT ?2")

BLOCKED_COUNT = (
    f"SELECT count(*) AS orders, count(DISTINCT o.jurisdiction_id) AS n {_ACTIVE_INJUNCTION}")


class SummaryStore:
    """Subscriptions (one per channel) and the ``SummarySource`` queries."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- subscriptions -----------------------------------------------------------------

    async def subscription(self, channel: str) -> Subscription | None:
        rows = await self.store.read("SELECT * FROM subscriptions WHERE channel = ?", channel)
        return _subscription(rows[0]) if rows else None

    async def subscriptions(self) -> list[Subscription]:
        rows = await self.store.read("SELECT * FROM subscriptions ORDER BY channel")
        return [_subscription(row) for row in rows]

    async def subscribe(self, subscription: Subscription) -> Subscription | None:
        """Save the channel's subscription; return the one it replaced, if any. A
        replaced subscription's ``last_sent_at`` is kept: the next summary still covers
        what came after the previous one."""
        s = subscription.schedule
        async with self.store.transaction() as db:
            previous = await db.fetch("SELECT * FROM subscriptions WHERE channel = ?",
                                      subscription.channel)
            await db.execute(
                "INSERT INTO subscriptions (channel, cadence, weekday, at_time, timezone,"
                " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (channel) DO UPDATE SET cadence = excluded.cadence,"
                " weekday = excluded.weekday, at_time = excluded.at_time,"
                " timezone = excluded.timezone, created_by = excluded.created_by,"
                " created_at = excluded.created_at",
                subscription.channel, s.cadence.value, s.weekday, f"{s.at:%H:%M}",
                s.timezone, subscription.created_by, utc_text(subscription.created_at))
        return _subscription(previous[0]) if previous else None

    async def unsubscribe(self, channel: str) -> Subscription | None:
        """Remove the channel's subscription; return it (None if there was none)."""
        async with self.store.transaction() as db:
            previous = await db.fetch("SELECT * FROM subscriptions WHERE channel = ?", channel)
            await db.execute("DELETE FROM subscriptions WHERE channel = ?", channel)
        return _subscription(previous[0]) if previous else None

    async def mark_sent(self, channel: str, until: datetime) -> bool:
        """Record that the channel's summary covered everything up to ``until`` (and end
        any lease on sending it). Never moves backwards; False if the channel has no
        subscription."""
        async with self.store.transaction() as db:
            changed = await db.execute(
                "UPDATE subscriptions SET last_sent_at = CASE WHEN last_sent_at > ?1"
                " THEN last_sent_at ELSE ?1 END, sending_until = NULL WHERE channel = ?2",
                utc_text(until), channel)
            return changed == 1

    async def claim_sending(self, channel: str, now: datetime, lease: timedelta) -> bool:
        """Take the sending of the channel's scheduled summary until ``now + lease``;
        False if another replica holds it (or the channel has no subscription)."""
        async with self.store.transaction() as db:
            taken = await db.execute(
                "UPDATE subscriptions SET sending_until = ?1 WHERE channel = ?2 AND"
                " (sending_until IS NULL OR sending_until <= ?3)",
                utc_text(now + lease), channel, utc_text(now))
            return taken == 1

    async def release_sending(self, channel: str) -> None:
        async with self.store.transaction() as db:
            await db.execute("UPDATE subscriptions SET sending_until = NULL WHERE channel = ?",
                             channel)

    # -- what a summary reads ------------------------------------------------------------

    async def seal(self) -> Seal:
        return await chain.current(self.store)

    async def state_counts(self, since: datetime) -> list[StateCount]:
        rows = await self.store.read(STATE_COUNTS, utc_text(since))
        return [StateCount(r["state"], int(r["now"]), int(r["before"])) for r in rows
                if r["now"] or r["before"]]

    async def deadline_groups(self) -> list[DeadlineGroup]:
        rows = await self.store.read(DEADLINE_GROUPS)
        return [DeadlineGroup(date.fromisoformat(r["due_on"]), r["us_state"], int(r["n"]))
                for r in rows]

    async def deadline_dates(self, limit: int) -> list[DateGroup]:
        rows = await self.store.read(DEADLINE_DATES, limit)
        return [DateGroup(r["state"], date.fromisoformat(r["due_on"]), int(r["n"]))
                for r in rows]

    async def activity(self, since: datetime, until: datetime, limit: int) -> Activity:
        window = (utc_text(since), utc_text(until))
        counts = (await self.store.read(ACTIVITY_COUNTS, *window))[0]
        rows = await self.store.read(MOVES, *window, limit) if counts["steps"] else []
        moves = tuple(Move(r["jurisdiction_id"], r["name"], r["from_state"], r["to_state"],
                           r["actor"], datetime.fromisoformat(r["recorded_at"])) for r in rows)
        return Activity(moves, int(counts["steps"]), int(counts["added"]), int(counts["other"]))

    async def deadlines_between(self, first: date, last: date, limit: int) -> Capped[DueItem]:
        """Running deadlines from ``first`` to ``last`` (both included), soonest first."""
        if last < first:
            return Capped()
        days = (first.isoformat(), last.isoformat())
        rows = await self.store.read(DUE_BETWEEN, *days, limit)
        total = (await self.store.read(DUE_BETWEEN_COUNT, *days))[0]["n"]
        return Capped(tuple(DueItem(r["id"], r["name"], date.fromisoformat(r["due_on"]),
                                    r["state"], r["us_state"], r["owner"]) for r in rows),
                      int(total))

    async def blocked(self, today: date, limit: int) -> tuple[Capped[Blocked], int]:
        rows = await self.store.read(BLOCKED, today.isoformat(), limit)
        counts = (await self.store.read(BLOCKED_COUNT, today.isoformat()))[0]
        items = tuple(Blocked(r["jid"], r["name"], _injunction(r)) for r in rows)
        return Capped(items, int(counts["orders"])), int(counts["n"])


def _subscription(row: Row) -> Subscription:
    hours, minutes = (int(part) for part in row["at_time"].split(":"))
    schedule = Schedule(Cadence(row["cadence"]), time(hours, minutes), row["timezone"],
                        row["weekday"])
    last = row["last_sent_at"]
    return Subscription(row["channel"], schedule, row["created_by"],
                        datetime.fromisoformat(row["created_at"]),
                        datetime.fromisoformat(last) if last else None)


def _injunction(row: Row) -> CourtOrder:
    return CourtOrder(OrderKind.INJUNCTION, date.fromisoformat(row["on_date"]),
                      row["case_number"], row["court"], row["scope"],
                      frozenset(b for b in row["blocks"].split(",") if b), None, row["id"])
