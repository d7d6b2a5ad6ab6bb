"""The store: the domain's ``Repository`` and ``ReminderStore`` over a ``Database``.

The SQL is written once (see ``storage.database``) and runs on SQLite (the default, one
file) or PostgreSQL (several replicas sharing one server). ``save`` is optimistic: it
updates the row only at the version the change was computed from, so of two concurrent
changes exactly one wins and the other gets ``Conflict``. Reminders are claimed with
``FOR UPDATE SKIP LOCKED`` where the engine has it, so sweeps running at once on several
replicas never claim the same reminder.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from storage import writes
from storage.database import Database, DuplicateKey, Reader, Row, Transaction
from storage.writes import chunks, utc_text
from workflows.errors import AlreadyExists
from workflows.model import (
    CourtOrder,
    Event,
    Jurisdiction,
    Listing,
    Notice,
    OrderKind,
    Role,
    Round,
)
from workflows.ports import Filters, StagedChange
from workflows.reminders import Due, Kind, Reminder, StaleClaim, StoredReminder

T = TypeVar("T")
_LISTING = "SELECT id, name, kind, us_state, state, due_on, owner FROM jurisdictions"
_CHANNEL = ("coalesce((SELECT channel FROM jurisdictions j WHERE j.id = reminders.jurisdiction_id),"
            " ?3)")
"""Where a claimed reminder goes: its jurisdiction's channel, else the default (?3)."""
_NOTICES = ("SELECT o.id AS outbox_id, o.channel, o.attempts, o.recheck, o.after_ts, e.*"
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


class Store:
    """Everything stored. ``storage.open_store(url)`` opens one; ``close`` closes it."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.notices_added: Callable[[], None] = _nothing
        """Called after a change wrote notices to the outbox (the bot drains it then)."""
        self.staged_from = writes.STAGED_FROM
        """Changes from which a write is staged, where the engine stages (``writes``)."""

    @property
    def schema_version(self) -> int:
        return self.db.schema_version

    async def close(self) -> None:
        await self.db.close()

    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        return self.db.transaction()

    async def read(self, sql: str, *args: Any) -> list[Row]:
        """Rows of one query (committed data only)."""
        return await self.db.read(sql, *args)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Snapshot]:
        """A consistent view for as long as an export pages through it, holding up
        neither writers nor the reads the bot answers from."""
        async with self.db.snapshot() as reader:
            yield Snapshot(reader)

    # -- jurisdictions -------------------------------------------------------------------

    async def get(self, jurisdiction_id: str) -> Jurisdiction | None:
        return (await self.get_many([jurisdiction_id])).get(jurisdiction_id)

    async def lookup(self, text: str, limit: int) -> tuple[list[Listing], list[Listing]]:
        key = text.strip().lower()
        end = key + "\U0010ffff"
        exact = await self.read(
            f"{_LISTING} WHERE id = ?1 OR name_key = ?1 OR id IN "
            "(SELECT jurisdiction_id FROM aliases WHERE alias = ?1) ORDER BY id LIMIT ?2",
            key, limit)
        if exact:
            return [_listing(r) for r in exact], []
        prefixed = await self.read(
            f"{_LISTING} WHERE (id >= ?1 AND id < ?2) OR (name_key >= ?1 AND name_key < ?2) "
            "OR id IN (SELECT jurisdiction_id FROM aliases WHERE alias >= ?1 AND alias < ?2) "
            "ORDER BY id LIMIT ?3",
            key, end, limit)
        return [], [_listing(r) for r in prefixed]

    async def exact_many(self, texts: Sequence[str]) -> dict[str, list[str]]:
        found: dict[str, set[str]] = {}
        for chunk in chunks(sorted(set(texts))):
            marks = ", ".join("?" * len(chunk))
            for row in await self.read(
                    f"SELECT id, name_key FROM jurisdictions WHERE id IN ({marks})"
                    f" UNION ALL SELECT id, name_key FROM jurisdictions"
                    f" WHERE name_key IN ({marks})", *chunk, *chunk):
                for key in {row["id"], row["name_key"]}:
                    found.setdefault(key, set()).add(row["id"])
            for row in await self.read(f"SELECT alias, jurisdiction_id FROM aliases"
                                       f" WHERE alias IN ({marks})", *chunk):
                found.setdefault(row["alias"], set()).add(row["jurisdiction_id"])
        return {text: sorted(found[text]) for text in texts if text in found}

    async def get_many(self, ids: Sequence[str]) -> dict[str, Jurisdiction]:
        result: dict[str, Jurisdiction] = {}
        for chunk in chunks(sorted(set(ids))):
            marks = ", ".join("?" * len(chunk))
            rows = await self.read(f"SELECT * FROM jurisdictions WHERE id IN ({marks})", *chunk)
            if not rows:
                continue
            aliases = _grouped(await self.read(
                f"SELECT jurisdiction_id, alias FROM aliases WHERE jurisdiction_id IN ({marks})"
                " ORDER BY jurisdiction_id, alias", *chunk), lambda r: r["alias"])
            rounds = _grouped(await self.read(
                f"SELECT * FROM rounds WHERE jurisdiction_id IN ({marks})"
                " ORDER BY jurisdiction_id, number", *chunk), _round)
            orders = _grouped(await self.read(
                f"SELECT * FROM court_orders WHERE jurisdiction_id IN ({marks})"
                " ORDER BY jurisdiction_id, id", *chunk), _order)
            result.update((r["id"], _jurisdiction(r, aliases.get(r["id"], []),
                                                  rounds.get(r["id"], []),
                                                  orders.get(r["id"], []))) for r in rows)
        return result

    async def events_of(self, ids: Sequence[str]) -> dict[str, list[Event]]:
        result: dict[str, list[Event]] = {}
        for chunk in chunks(sorted(set(ids))):
            result.update(_grouped(await self.read(
                f"SELECT * FROM events WHERE jurisdiction_id IN ({', '.join('?' * len(chunk))})"
                " ORDER BY jurisdiction_id, seq", *chunk), _event))
        return result

    async def page(self, filters: Filters, offset: int, limit: int) -> tuple[list[Listing], int]:
        where, args = _where(filters)
        total = await self.read(f"SELECT count(*) AS n FROM jurisdictions{where}", *args)
        rows = await self.read(f"{_LISTING}{where} ORDER BY name_key, id LIMIT ? OFFSET ?",
                               *args, limit, offset)
        return [_listing(r) for r in rows], int(total[0]["n"])

    async def add(self, j: Jurisdiction, events: Sequence[Event],
                  notices: Sequence[Notice]) -> None:
        await self.add_many([(j, events, notices)])

    async def add_many(self, batch: Sequence[tuple[Jurisdiction, Sequence[Event],
                                                   Sequence[Notice]]]) -> None:
        """Insert new jurisdictions, all in one transaction (all or none)."""
        try:
            await writes.write(self.db, writes.additions, batch, staged_from=self.staged_from)
        except DuplicateKey:
            raise AlreadyExists("An id or alias was taken a moment ago; nothing was "
                                "added.") from None
        if any(notices for _, _, notices in batch):
            self.notices_added()

    async def taken_keys(self) -> set[str]:
        rows = await self.read("SELECT id AS k FROM jurisdictions UNION SELECT alias FROM aliases")
        return {r["k"] for r in rows}

    async def save(self, j: Jurisdiction, expected_version: int, events: Sequence[Event],
                   notices: Sequence[Notice],
                   reminders: Sequence[Reminder] | None = None) -> None:
        await self.save_many([StagedChange(j, expected_version, events, notices, reminders)])

    async def save_many(self, changes: Sequence[StagedChange]) -> None:
        """All the changes in one transaction: a ``Conflict`` on any of them, or any
        other failure part-way, rolls back the ones already written. The versions are
        checked first, with the rows locked until the end of the transaction."""
        await writes.write(self.db, writes.updates, changes, changes, self.staged_from)
        if any(c.notices for c in changes):
            self.notices_added()

    async def _insert_reminders(self, db: Transaction,
                                reminders: Sequence[Reminder]) -> None:
        """Add planned reminders (``writes.INSERT_REMINDERS``)."""
        await db.executemany(writes.INSERT_REMINDERS, [writes.reminder_row(r) for r in reminders])

    async def deadlines(self, first: date, last: date, filters: Filters,
                        limit: int) -> tuple[list[Listing], int]:
        where, args = _where(filters)
        where = (where + " AND" if where else " WHERE") + " due_on BETWEEN ? AND ?"
        args += [first.isoformat(), last.isoformat()]
        total = await self.read(f"SELECT count(*) AS n FROM jurisdictions{where}", *args)
        rows = await self.read(f"{_LISTING}{where} ORDER BY due_on, name_key LIMIT ?",
                               *args, limit)
        return [_listing(r) for r in rows], int(total[0]["n"])

    async def recent_events(self, limit: int) -> list[Event]:
        rows = await self.read("SELECT * FROM events ORDER BY id DESC LIMIT ?", limit)
        return [_event(r) for r in rows]

    # -- history -------------------------------------------------------------------------

    async def history(self, jurisdiction_id: str, offset: int,
                      limit: int) -> tuple[list[Event], int]:
        """Newest first."""
        total = await self.read("SELECT count(*) AS n FROM events WHERE jurisdiction_id = ?",
                                jurisdiction_id)
        rows = await self.read(
            "SELECT * FROM events WHERE jurisdiction_id = ? ORDER BY seq DESC LIMIT ? OFFSET ?",
            jurisdiction_id, limit, offset)
        return [_event(r) for r in rows], int(total[0]["n"])

    # -- roles ---------------------------------------------------------------------------

    async def role(self, user: str) -> Role | None:
        rows = await self.read("SELECT role FROM roles WHERE user_id = ?", user)
        return Role(rows[0]["role"]) if rows else None

    async def set_role(self, user: str, role: Role, by: str, at: datetime) -> None:
        async with self.transaction() as db:
            await db.execute("INSERT INTO roles (user_id, role, granted_by, granted_at)"
                             " VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
                             " role = excluded.role, granted_by = excluded.granted_by,"
                             " granted_at = excluded.granted_at",
                             user, role.value, by, utc_text(at))
            await db.execute("INSERT INTO role_grants (user_id, role, granted_by, granted_at)"
                             " VALUES (?, ?, ?, ?)", user, role.value, by, utc_text(at))

    async def roles(self) -> list[tuple[str, Role]]:
        rows = await self.read("SELECT user_id, role FROM roles ORDER BY user_id")
        return [(r["user_id"], Role(r["role"])) for r in rows]

    # -- outbox --------------------------------------------------------------------------

    async def pending_notices(self, limit: int) -> list[PendingNotice]:
        """Notices not yet posted (whether or not a relay is posting them)."""
        rows = await self.read(f"{_NOTICES} ORDER BY o.id LIMIT ?", limit)
        return [_notice(r) for r in rows]

    async def claim_notices(self, now: datetime, lease: timedelta,
                            limit: int) -> list[PendingNotice]:
        """Take up to ``limit`` notices no relay is posting, oldest first, until
        ``now + lease``: relays on several replicas never take the same notice. A relay
        that dies holding some leaves them to whoever flushes after the lease, and they
        come marked ``recheck``. Notices waiting (their own ``retry_at``, or their
        channel's in ``channel_waits``) are left until then."""
        claim = uuid.uuid4().hex
        async with self.transaction() as db:
            taken = await db.execute(
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
        if not taken:
            return []
        rows = await self.read(f"{_NOTICES} AND o.claim_id = ? ORDER BY o.id", claim)
        return [_notice(r) for r in rows]

    async def release_notices(self, ids: Sequence[int]) -> None:
        """Give back claimed notices that were not posted, for the next flush."""
        async with self.transaction() as db:
            await db.executemany("UPDATE outbox SET claim_id = NULL, claimed_until = NULL"
                                 " WHERE id = ? AND sent_at IS NULL", [(i,) for i in ids])

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


    # -- where forms answer ----------------------------------------------------------------

    async def keep_reply_url(self, token: str, user: str, url: str, now: datetime,
                             ttl: timedelta) -> None:
        """Keep ``url`` (a response_url) for a form ``user`` opened, under ``token``;
        forget those older than ``ttl``."""
        async with self.transaction() as db:
            await db.execute("DELETE FROM form_replies WHERE created_at < ?",
                             utc_text(now - ttl))
            await db.execute("INSERT INTO form_replies (token, user_id, response_url,"
                             " created_at) VALUES (?, ?, ?, ?)", token, user, url, utc_text(now))

    async def take_reply_url(self, token: str, user: str, now: datetime,
                             ttl: timedelta) -> str | None:
        """The URL kept under ``token`` for ``user``, once, if younger than ``ttl``."""
        async with self.transaction() as db:
            rows = await db.fetch("DELETE FROM form_replies WHERE token = ? AND user_id = ?"
                                  " RETURNING response_url, created_at", token, user)
        if not rows or rows[0]["created_at"] < utc_text(now - ttl):
            return None
        return str(rows[0]["response_url"])

    # -- reminders -----------------------------------------------------------------------

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
        return [Due(_reminder(r), r["name"], r["owner"], r["channel"], r["state"],
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
        return StoredReminder(_reminder(row), row["status"], row["snoozed_by"], row["channel"])

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
        return [_reminder(r) for r in rows]


class Snapshot:
    """Everything stored, page by page (keyset pagination), as of the first read of its
    transaction: the domain's ``ExportSource``."""

    def __init__(self, reader: Reader) -> None:
        self._rows = reader.fetch

    async def jurisdictions_after(self, after: str, limit: int) -> list[Jurisdiction]:
        rows = await self._rows("SELECT * FROM jurisdictions WHERE id > ? ORDER BY id LIMIT ?",
                                after, limit)
        if not rows:
            return []
        span = (rows[0]["id"], rows[-1]["id"])  # the page is every id in this range
        aliases = _grouped(await self._rows(
            "SELECT jurisdiction_id, alias FROM aliases WHERE jurisdiction_id BETWEEN ? AND ?"
            " ORDER BY jurisdiction_id, alias", *span), lambda r: r["alias"])
        rounds = _grouped(await self._rows(
            "SELECT * FROM rounds WHERE jurisdiction_id BETWEEN ? AND ?"
            " ORDER BY jurisdiction_id, number", *span), _round)
        orders = _grouped(await self._rows(
            "SELECT * FROM court_orders WHERE jurisdiction_id BETWEEN ? AND ?"
            " ORDER BY jurisdiction_id, id", *span), _order)
        return [_jurisdiction(r, aliases.get(r["id"], []), rounds.get(r["id"], []),
                              orders.get(r["id"], [])) for r in rows]

    async def events_after(self, after: tuple[str, int], limit: int) -> list[Event]:
        rows = await self._rows(
            "SELECT * FROM events WHERE (jurisdiction_id, seq) > (?, ?)"
            " ORDER BY jurisdiction_id, seq LIMIT ?", after[0], after[1], limit)
        return [_event(r) for r in rows]


def _earliest(stamps: Sequence[str | None]) -> str | None:
    """The earliest of Slack timestamps, None if any is unknown (so a check reads back
    far enough for every row). Slack's "seconds.micros" text sorts as time does."""
    return None if None in stamps else min(s for s in stamps if s is not None)


def _nothing() -> None:
    return None


def _grouped(rows: list[Row], make: Callable[[Row], T]) -> dict[str, list[T]]:
    """Rows of a child table, made into values and grouped by their jurisdiction."""
    groups: dict[str, list[T]] = {}
    for row in rows:
        groups.setdefault(row["jurisdiction_id"], []).append(make(row))
    return groups


def _reminder(row: Row) -> Reminder:
    return Reminder(row["jurisdiction_id"], row["round"], date.fromisoformat(row["deadline"]),
                    Kind(row["kind"]), datetime.fromisoformat(row["due_at"]), row["id"])


def _where(filters: Filters) -> tuple[str, list[str]]:
    clauses, args = [], []
    for column, value in (("state", filters.state), ("kind", filters.kind),
                          ("us_state", filters.us_state), ("owner", filters.owner)):
        if value:
            clauses.append(f"{column} = ?")
            args.append(value)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), args


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _jurisdiction(row: Row, aliases: list[str], rounds: list[Round],
                  orders: list[CourtOrder]) -> Jurisdiction:
    return Jurisdiction(
        id=row["id"], name=row["name"], kind=row["kind"], us_state=row["us_state"],
        aliases=tuple(aliases), state=row["state"], version=row["version"], owner=row["owner"],
        channel=row["channel"], rounds=rounds, orders=orders, held_from=row["held_from"],
        held_by=row["held_by"], last_step_on=_date(row["last_step_on"]))


def _round(row: Row) -> Round:
    return Round(
        number=row["number"], kind=row["kind"], sent_on=date.fromisoformat(row["sent_on"]),
        due_on=_date(row["due_on"]), due_rule=row["due_rule"],
        business_days=bool(row["business_days"]), outcome=row["outcome"],
        closed_on=_date(row["closed_on"]), paused_on=_date(row["paused_on"]),
        days_left=row["days_left"])


def _order(row: Row) -> CourtOrder:
    blocks = frozenset(b for b in row["blocks"].split(",") if b)
    return CourtOrder(
        kind=OrderKind(row["kind"]), on=date.fromisoformat(row["on_date"]),
        case=row["case_number"], court=row["court"], scope=row["scope"], blocks=blocks,
        lifted_on=_date(row["lifted_on"]), id=row["id"])


def _event(row: Row) -> Event:
    return Event(
        jurisdiction_id=row["jurisdiction_id"], kind=row["kind"], actor=row["actor"],
        on=date.fromisoformat(row["on_date"]), at=datetime.fromisoformat(row["recorded_at"]),
        from_state=row["from_state"], to_state=row["to_state"],
        detail=json.loads(row["detail"]), seq=row["seq"])


def _notice(row: Row) -> PendingNotice:
    return PendingNotice(row["outbox_id"], row["channel"], _event(row), row["attempts"],
                         bool(row["recheck"]), row["after_ts"] or None)


def _listing(row: Row) -> Listing:
    return Listing(row["id"], row["name"], row["kind"], row["us_state"], row["state"],
                   _date(row["due_on"]), row["owner"])
