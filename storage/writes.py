"""Writing many changes at once: the jurisdictions an import adds, the steps it takes.

Each table is written with one statement run over all its rows, never a round trip per
row, and the rows are made before any transaction begins (in a worker thread when there
are many). Two ways to run those statements, all in one transaction either way, so that
a conflict or a failure part-way leaves nothing written:

* Row by row (``executemany``, many rows to a statement): small writes, and every write
  on PostgreSQL, whose writers lock only the rows they change.
* Staged (SQLite, from ``STAGED_FROM`` changes): SQLite has one write lock for the whole
  file, and handing 100,000 rows over from Python inside the transaction held it for
  1.7 s (3 to 4 s on a busy machine, where the interpreter's lock is fought over), while
  everyone else's writes waited. So the rows go first into temporary tables of a
  connection of their own (which locks nothing of the file), and then one short
  transaction moves them, each table with one set-based statement (``WHOLE``) that runs
  entirely inside SQLite: about 0.8 s for 100,000 new jurisdictions.

Either way the events are hashed and linked as their rows are made, and the transaction
seals them as one block of the review-wide chain (``storage.chain``): it takes the end
of the chain before it writes any event and moves it on just before it commits.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from itertools import chain as joined
from typing import Any, NoReturn, TypeVar

from storage import chain
from storage.database import Database, Row, Transaction
from workflows.errors import BeingImported, Conflict
from workflows.model import Event, Jurisdiction, Notice
from workflows.ports import StagedChange
from workflows.reminders import Reminder

T = TypeVar("T")
STAGED_FROM = 200
"""Changes from which SQLite stages a write (and from which its rows are made in a
worker thread, off the event loop)."""
_IDS_PER_QUERY = 500
"""Ids in one ``IN (…)`` list: well under each engine's limit on parameters."""
_detail_text = json.JSONEncoder(sort_keys=True).encode
"""An event's details as stored: ``json.dumps(detail, sort_keys=True)``, whose every
call built an encoder anew (a quarter of its time, for each of a million events)."""


def chunks(items: Sequence[T], size: int = _IDS_PER_QUERY) -> list[Sequence[T]]:
    """``items`` in runs short enough for one ``IN (…)`` list."""
    return [items[start:start + size] for start in range(0, len(items), size)]


Before = Callable[[Transaction], Awaitable[None]]
"""Something written first in a write's transaction (a closure's own row); it may raise
``Conflict`` to roll the whole write back."""


async def write(database: Database, make: Make[T], items: Sequence[T],
                checked: Sequence[StagedChange] = (), staged_from: int = STAGED_FROM,
                before: Before | None = None) -> None:
    """The writes ``make(items)`` in one transaction, after checking that every
    jurisdiction of ``checked`` is still at its expected version (``Conflict`` if not),
    and after ``before``."""
    staging = database.staging() if len(items) >= staged_from else None
    if staging is None:
        writes, written = await _prepare(make, items)

        async def apply(db: Transaction) -> None:
            if before is not None:
                await before(db)
            await _check_versions(db, database.for_update, checked)
            end = await chain.lock(db, database.for_update)
            await _run(db, writes)
            await chain.seal(db, end, written)

        await database.grouped(apply)
        return
    writes = [(sql, rows) for sql, rows in await asyncio.to_thread(make, items) if rows]
    written = chain.Written.of(event_links(writes))
    async with staging as stage:
        tables = [await stage.table(rows) for _, rows in writes]
        async with stage.transaction() as db:
            if before is not None:
                await before(db)
            end = await chain.lock(db, "")
            for (sql, _), table in zip(writes, tables, strict=True):
                if sql in _STALE and (stale := await db.fetch(on(_STALE[sql], table))):
                    _refuse(stale[0])
                await db.execute(on(WHOLE[sql], table))
            await chain.seal(db, end, written)


async def _check_versions(db: Transaction, for_update: str,
                          changes: Sequence[StagedChange]) -> None:
    """Raise ``Conflict`` unless every jurisdiction is still at its expected version;
    where other processes write at the same time (PostgreSQL) the rows stay locked."""
    for chunk in chunks(changes):
        rows = await db.fetch(
            f"SELECT id, version, import_run FROM jurisdictions WHERE id IN"
            f" ({', '.join('?' * len(chunk))}){for_update}",
            *(c.jurisdiction.id for c in chunk))
        stored = {r["id"]: r for r in rows}
        for change in chunk:
            row = stored.get(change.jurisdiction.id)
            if row is None or row["version"] != change.expected_version or row["import_run"]:
                _refuse({"id": change.jurisdiction.id, "version": change.expected_version,
                         "import_run": row["import_run"] if row else None})


def _refuse(row: Row) -> NoReturn:
    """The jurisdiction of ``row`` cannot be changed now: an import is writing it, or
    it is no longer at the version the change was made from."""
    if row["import_run"]:
        raise BeingImported(f"{row['id']} is being written by an import")
    raise Conflict(f"{row['id']} is no longer at version {row['version']}")


def on(sql: str, table: str) -> str:
    """``sql`` (of ``WHOLE``) for the rows of ``table``."""
    return sql.replace("{rows}", table)


Write = tuple[str, list[tuple[Any, ...]]]
"""A statement run once for each of its rows, and those rows."""
Make = Callable[[Sequence[T]], list[Write]]
"""What makes the writes of some changes."""
_VALUES = re.compile(r"VALUES (\([?, ]+\))")
_ROWS_PER_STATEMENT = 500
_PARAMETERS_PER_STATEMENT = 10_000
"""Under each engine's limit on the parameters of one statement (32,766; 32,767)."""
_INSERT_JURISDICTIONS = (
    "INSERT INTO jurisdictions (id, name, name_key, kind, us_state, state, owner, channel,"
    " held_from, held_by, last_step_on, due_on, updated_at, version)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
UPDATE_JURISDICTIONS = (
    "UPDATE jurisdictions SET name = ?, name_key = ?, kind = ?, us_state = ?, state = ?,"
    " owner = ?, channel = ?, held_from = ?, held_by = ?, last_step_on = ?, due_on = ?,"
    " updated_at = ?, version = ? WHERE id = ? AND version = ?")
_DELETE_ALIASES = "DELETE FROM aliases WHERE jurisdiction_id = ?"
_INSERT_ALIASES = "INSERT INTO aliases (alias, jurisdiction_id) VALUES (?, ?)"
_UPSERT_ROUNDS = (
    "INSERT INTO rounds (jurisdiction_id, number, kind, sent_on, due_on, due_rule,"
    " business_days, outcome, closed_on, paused_on, days_left)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (jurisdiction_id, number)"
    " DO UPDATE SET kind = excluded.kind, sent_on = excluded.sent_on,"
    " due_on = excluded.due_on, due_rule = excluded.due_rule,"
    " business_days = excluded.business_days, outcome = excluded.outcome,"
    " closed_on = excluded.closed_on, paused_on = excluded.paused_on,"
    " days_left = excluded.days_left")
_UPSERT_ORDERS = (
    "INSERT INTO court_orders (jurisdiction_id, id, kind, on_date, case_number,"
    " court, scope, blocks, lifted_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (jurisdiction_id, id) DO UPDATE SET kind = excluded.kind,"
    " on_date = excluded.on_date, case_number = excluded.case_number,"
    " court = excluded.court, scope = excluded.scope, blocks = excluded.blocks,"
    " lifted_on = excluded.lifted_on")
_INSERT_EVENTS = (
    "INSERT INTO events (jurisdiction_id, seq, kind, actor, on_date, recorded_at,"
    " from_state, to_state, detail, digest, link)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_INSERT_NOTICES = (
    "INSERT INTO outbox (channel, event_id, created_at) SELECT CAST(? AS TEXT), id,"
    " CAST(? AS TEXT) FROM events WHERE jurisdiction_id = ? AND seq = ?")
_CANCEL_REMINDERS = (
    "UPDATE reminders SET status = 'cancelled', cancelled_at = ? WHERE"
    " jurisdiction_id = ? AND status = 'pending' AND NOT (round = ? AND deadline = ?)"
    " AND NOT EXISTS (SELECT 1 FROM reminder_claims c WHERE c.reminder_id = reminders.id)")
INSERT_REMINDERS = (
    "INSERT INTO reminders (jurisdiction_id, round, deadline, kind, due_at)"
    " SELECT CAST(?1 AS TEXT), CAST(?2 AS INTEGER), CAST(?3 AS TEXT),"
    " CAST(?4 AS TEXT), CAST(?5 AS TEXT) WHERE CAST(?4 AS TEXT) NOT IN"
    " ('overdue', 'escalation') OR NOT EXISTS (SELECT 1 FROM reminders"
    " WHERE jurisdiction_id = ?1 AND round = ?2 AND deadline = ?3 AND kind = ?4"
    " AND status <> 'cancelled') ON CONFLICT DO NOTHING")
"""Add a planned reminder. A deadline gets one overdue reminder and one escalation,
ever: a step taken while it is overdue (which plans them for today) adds no second
one, nor a second chain of follow-ups after it."""


# -- the same statements, each for all the rows of a staged table at once ----------------
#
# ``{rows}`` is the temporary table, whose columns p1, p2, … are a row's parameters in
# order and whose rowid is the rows' order. An ``INSERT … VALUES (?, …)`` becomes an
# ``INSERT … SELECT`` of those columns (``WHERE true`` tells SQLite's parser that an
# ``ON CONFLICT`` which follows belongs to the upsert); the rest are written by hand.


def _selecting(sql: str) -> str:
    values = _VALUES.search(sql)
    assert values is not None, sql
    columns = ", ".join(f"p{n}" for n in range(1, values[1].count("?") + 1))
    return (f"{sql[:values.start()]}SELECT {columns} FROM {{rows}} WHERE true"
            f" ORDER BY rowid{sql[values.end():]}")


WHOLE = {
    **{sql: _selecting(sql) for sql in (_INSERT_JURISDICTIONS, _INSERT_ALIASES,
                                        _UPSERT_ROUNDS, _UPSERT_ORDERS, _INSERT_EVENTS)},
    UPDATE_JURISDICTIONS:
        "UPDATE jurisdictions SET name = s.p1, name_key = s.p2, kind = s.p3,"
        " us_state = s.p4, state = s.p5, owner = s.p6, channel = s.p7, held_from = s.p8,"
        " held_by = s.p9, last_step_on = s.p10, due_on = s.p11, updated_at = s.p12,"
        " version = s.p13 FROM {rows} AS s"
        " WHERE jurisdictions.id = s.p14 AND jurisdictions.version = s.p15",
    _DELETE_ALIASES: "DELETE FROM aliases WHERE jurisdiction_id IN (SELECT p1 FROM {rows})",
    _INSERT_NOTICES:
        "INSERT INTO outbox (channel, event_id, created_at) SELECT s.p1, e.id, s.p2"
        " FROM {rows} AS s JOIN events AS e ON e.jurisdiction_id = s.p3 AND e.seq = s.p4"
        " ORDER BY s.rowid",
    _CANCEL_REMINDERS:
        "UPDATE reminders SET status = 'cancelled', cancelled_at = s.p1 FROM {rows} AS s"
        " WHERE reminders.jurisdiction_id = s.p2 AND reminders.status = 'pending'"
        " AND NOT (reminders.round = s.p3 AND reminders.deadline = s.p4) AND NOT EXISTS"
        " (SELECT 1 FROM reminder_claims c WHERE c.reminder_id = reminders.id)",
    INSERT_REMINDERS:
        "INSERT INTO reminders (jurisdiction_id, round, deadline, kind, due_at)"
        " SELECT s.p1, s.p2, s.p3, s.p4, s.p5 FROM {rows} AS s"
        " WHERE s.p4 NOT IN ('overdue', 'escalation') OR NOT EXISTS (SELECT 1 FROM"
        " reminders AS r WHERE r.jurisdiction_id = s.p1 AND r.round = s.p2"
        " AND r.deadline = s.p3 AND r.kind = s.p4 AND r.status <> 'cancelled')"
        " ORDER BY s.rowid ON CONFLICT DO NOTHING",
}
_STALE = {
    UPDATE_JURISDICTIONS:
        "SELECT s.p14 AS id, s.p15 AS version, j.import_run FROM {rows} AS s"
        " LEFT JOIN jurisdictions AS j ON j.id = s.p14 WHERE j.id IS NULL"
        " OR j.version <> s.p15 OR j.import_run IS NOT NULL ORDER BY s.rowid LIMIT 1",
}
"""Run before the statement: the first row whose jurisdiction is no longer at the
version the change was made from (the row-by-row way checks ``_check_versions``)."""


async def _prepare(make: Make[T], items: Sequence[T]
                   ) -> tuple[list[Write], chain.Written]:
    """The writes of ``items`` and the block their events make, made in a worker thread
    when there are many."""
    if len(items) >= STAGED_FROM:
        return await asyncio.to_thread(_statements, make, items)
    return _statements(make, items)


def _statements(make: Make[T], items: Sequence[T]) -> tuple[list[Write], chain.Written]:
    made = make(items)
    return ([statement for sql, rows in made if rows for statement in _grouped_rows(sql, rows)],
            chain.Written.of(event_links(made)))


def event_links(writes: Sequence[Write]) -> list[str]:
    """The links of the events ``writes`` insert, in the order they are written (the
    last column of each row)."""
    return [row[-1] for sql, rows in writes if sql == _INSERT_EVENTS for row in rows]


def _grouped_rows(sql: str, rows: list[tuple[Any, ...]]) -> list[Write]:
    """An ``INSERT … VALUES (?, …)`` for many rows as statements of many rows each
    (``VALUES (…), (…), …``): a statement takes the driver a round trip, and SQLite's
    lets go of the interpreter's lock (the GIL) for each, so that row by row a busy
    event loop would hold up the write, and the write the loop."""
    values = _VALUES.search(sql)
    per = min(_ROWS_PER_STATEMENT, _PARAMETERS_PER_STATEMENT // len(rows[0]))
    if values is None or len(rows) < 2 * per:
        return [(sql, rows)]
    group = values[1]
    whole = len(rows) - len(rows) % per

    def statement(count: int) -> str:
        return f"{sql[:values.start(1)]}{', '.join([group] * count)}{sql[values.end(1):]}"

    result: list[Write] = [(statement(per), [
        tuple(joined.from_iterable(rows[start:start + per])) for start in range(0, whole, per)])]
    if whole < len(rows):
        result.append((sql, rows[whole:]))
    return result


async def _run(db: Transaction, writes: list[Write]) -> None:
    for sql, rows in writes:
        await db.executemany(sql, rows)


def additions(batch: Sequence[tuple[Jurisdiction, Sequence[Event], Sequence[Notice]]]
               ) -> list[Write]:
    """New jurisdictions (in id order, which is the order of their index) and their parts."""
    ordered = sorted((StagedChange(j, 0, events, notices) for j, events, notices in batch),
                     key=lambda c: c.jurisdiction.id)
    return [(_INSERT_JURISDICTIONS, [_columns(c) for c in ordered]),
            *_parts(ordered, {})]


def updates(changes: Sequence[StagedChange], previous: Mapping[str, str]) -> list[Write]:
    """Changed jurisdictions: their rows at the expected version, their parts (the
    aliases replaced) and the reminders their running deadlines imply. ``previous``
    holds the link of each one's last event (``storage.chain.previous_links``)."""
    ordered = sorted(changes, key=lambda c: c.jurisdiction.id)
    with_reminders = [c for c in ordered if c.reminders is not None]
    return [(UPDATE_JURISDICTIONS, [(*_columns(c)[1:], c.jurisdiction.id,
                                      c.expected_version) for c in ordered]),
            (_DELETE_ALIASES, [(c.jurisdiction.id,) for c in ordered]),
            *_parts(ordered, previous),
            (_CANCEL_REMINDERS, [(last_moment(c.events), c.jurisdiction.id,
                                  _round_number(c.jurisdiction), iso(c.jurisdiction.due_on)
                                  or "") for c in with_reminders]),
            (INSERT_REMINDERS, [reminder_row(r) for c in with_reminders
                                 for r in c.reminders or ()])]


def _parts(changes: Sequence[StagedChange], previous: Mapping[str, str]) -> list[Write]:
    """Everything but the jurisdiction rows: aliases, rounds, court orders, events
    (numbered on from each change's expected version, hashed and linked on from
    ``previous``) and the notices about them."""
    return [
        (_INSERT_ALIASES, [(alias, c.jurisdiction.id) for c in changes
                           for alias in c.jurisdiction.aliases]),
        (_UPSERT_ROUNDS, [
            (c.jurisdiction.id, r.number, r.kind, r.sent_on.isoformat(), iso(r.due_on),
             r.due_rule, int(r.business_days), r.outcome, iso(r.closed_on),
             iso(r.paused_on), r.days_left) for c in changes for r in c.jurisdiction.rounds]),
        (_UPSERT_ORDERS, [
            (c.jurisdiction.id, o.id, o.kind.value, o.on.isoformat(), o.case, o.court,
             o.scope, ",".join(sorted(o.blocks)), iso(o.lifted_on))
            for c in changes for o in c.jurisdiction.orders]),
        (_INSERT_EVENTS, chain.linked([
            (e.jurisdiction_id, c.expected_version + n, e.kind, e.actor, e.on.isoformat(),
             utc_text(e.at), e.from_state, e.to_state, _detail_text(e.detail))
            for c in changes for n, e in enumerate(c.events, start=1)], previous)),
        (_INSERT_NOTICES, [
            (notice.channel, utc_text(notice.event.at), c.jurisdiction.id,
             c.expected_version + _position(c.events, notice.event))
            for c in changes for notice in c.notices]),
    ]


def _columns(change: StagedChange) -> tuple[Any, ...]:
    """The jurisdiction row a change writes: its id, then the columns in the order the
    INSERT and the UPDATE name them, the new version last."""
    j = change.jurisdiction
    return (j.id, j.name, j.name.lower(), j.kind, j.us_state, j.state, j.owner, j.channel,
            j.held_from, j.held_by, iso(j.last_step_on), iso(j.due_on), last_moment(change.events),
            change.expected_version + max(len(change.events), 1))


def reminder_row(r: Reminder) -> tuple[Any, ...]:
    return (r.jurisdiction_id, r.round, r.deadline.isoformat(), r.kind.value,
            utc_text(r.due_at))


def _round_number(j: Jurisdiction) -> int:
    current = j.current_round
    return current.number if current else -1


def _position(events: Sequence[Event], event: Event) -> int:
    """Where ``event`` (that very object) is among ``events``, counting from 1."""
    return next(n for n, e in enumerate(events, start=1) if e is event)




@lru_cache(maxsize=1024)
def utc_text(moment: datetime) -> str:
    """How times are stored: UTC ISO 8601 text, which sorts and compares as time does.
    (Remembered: the thousands of rows an import writes share one moment.)"""
    return moment.astimezone(UTC).isoformat()


def iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def last_moment(events: Sequence[Event]) -> str:
    """When the last of ``events`` was recorded, as stored ("" if there are none)."""
    return utc_text(events[-1].at) if events else ""
