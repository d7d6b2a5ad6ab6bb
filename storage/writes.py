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
  connection of their own (which locks nothing of the file), ``STAGE_RUN`` changes'
  rows at a time (so they are never all in memory at once), and then one short
  transaction moves them, each table with one set-based statement
  (``storage.statements.WHOLE``) that runs entirely inside SQLite: about 0.8 s for
  100,000 new jurisdictions, whose counts it adds with one more statement
  (``COUNTED``) rather than the count trigger's two a row.

Either way the events are hashed and linked as their rows are made, and the transaction
seals them as one block of the review-wide chain (``storage.chain``): it takes the end
of the chain before it writes any event and moves it on just before it commits.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from itertools import chain as joined
from typing import Any, TypeVar

from storage import chain, versions
from storage.database import Database, Staging, Transaction, chunks
from storage.planned import INSERT_REMINDERS as INSERT_REMINDERS  # (storage.reminders)
from storage.planned import add_planned
from storage.statements import CANCEL_REMINDERS as _CANCEL_REMINDERS
from storage.statements import COUNTED
from storage.statements import DELETE_ALIASES as _DELETE_ALIASES
from storage.statements import INSERT_ALIASES as _INSERT_ALIASES
from storage.statements import INSERT_EVENTS as _INSERT_EVENTS
from storage.statements import INSERT_JURISDICTIONS as _INSERT_JURISDICTIONS
from storage.statements import INSERT_NOTICES as _INSERT_NOTICES
from storage.statements import STALE as _STALE
from storage.statements import UPDATE_JURISDICTIONS as UPDATE_JURISDICTIONS
from storage.statements import UPSERT_ORDERS as _UPSERT_ORDERS
from storage.statements import UPSERT_ROUNDS as _UPSERT_ROUNDS
from storage.statements import VALUES as _VALUES
from storage.statements import WHOLE as WHOLE
from storage.statements import on as on
from workflows.model import Event, Jurisdiction, Notice
from workflows.ports import StagedChange
from workflows.reminders import Reminder

T = TypeVar("T")
STAGED_FROM = 200
"""Changes from which SQLite stages a write (and from which its rows are made in a
worker thread, off the event loop)."""
STAGE_RUN = 10_000
"""Changes whose rows a staged write makes and stages at a time."""
_detail_text = json.JSONEncoder(sort_keys=True).encode
"""An event's details as stored: ``json.dumps(detail, sort_keys=True)``, whose every
call built an encoder anew (a quarter of its time, for each of a million events)."""


Before = Callable[[Transaction], Awaitable[None]]
"""Something written first in a write's transaction (a closure's own row); it may raise
``Conflict`` to roll the whole write back."""


async def write(database: Database, make: Make[T], items: Sequence[T],
                checked: Sequence[StagedChange] = (), staged_from: int = STAGED_FROM,
                before: Before | None = None) -> None:
    """The writes ``make(items, previous)`` in one transaction, after checking that
    every jurisdiction of ``checked`` is still at its expected version (``Conflict`` if
    not), and after ``before``. A small write (every step from Slack) is linked on
    from the last events the version check read, in its transaction; a big one on from
    those read before it (``chain.previous_links``), its rows made off the event loop:
    a jurisdiction that moved on meanwhile fails the version check anyway."""
    staging = database.staging() if len(items) >= staged_from else None
    if staging is None:
        ready: Callable[[versions.Stored], tuple[list[Write], chain.Written]]
        if len(items) < STAGED_FROM:
            made = make(items, None)

            def ready(stored: versions.Stored) -> tuple[list[Write], chain.Written]:
                return _statements(_relinked(made, versions.links(stored)))
        else:
            previous = await chain.previous_links(database, checked)
            prepared = await asyncio.to_thread(lambda: _statements(make(items, previous)))

            def ready(stored: versions.Stored) -> tuple[list[Write], chain.Written]:
                return prepared

        async def apply(db: Transaction) -> None:
            if before is not None:
                await before(db)
            stored = await versions.check(db, database.for_update, checked)
            end = await chain.lock(db, database.for_update)
            writes, written = ready(stored)
            await _run(db, writes, stored)
            await chain.seal(db, end, written)

        await database.grouped(apply)
        return
    previous = await chain.previous_links(database, checked)
    async with staging as stage:
        tables, written = await _stage(stage, lambda run: make(run, previous), items)
        async with stage.transaction() as db:
            if before is not None:
                await before(db)
            end = await chain.lock(db, "")
            for sql, table in tables:
                if sql in _STALE and (stale := await db.fetch(on(_STALE[sql], table))):
                    versions.refuse(stale[0])
                if sql in COUNTED:
                    await _counted(db, sql, table)
                else:
                    await db.execute(on(WHOLE[sql], table))
            await chain.seal(db, end, written)


async def _stage(stage: Staging, make: Callable[[Sequence[T]], list[Write]],
                 items: Sequence[T]) -> tuple[list[tuple[str, str]], chain.Written]:
    """Stage the rows of ``items``, ``STAGE_RUN`` at a time (the rows of 100,000 new
    jurisdictions and their events took 110 MB made all at once); the next run's rows
    are made in a worker thread while this run's go into the tables. Returns each
    statement and its table, in the order ``make`` gives them, and the events' block.
    The runs are cut from ``items`` in the order ``make`` sorts them (by jurisdiction
    id), so the rows are those ``make(items)`` makes, in the same order."""
    tables: dict[int, tuple[str, str]] = {}
    links: list[str] = []
    ordered = sorted(items, key=_jurisdiction_id) if len(items) > STAGE_RUN else items
    runs = chunks(ordered, STAGE_RUN)
    if not runs:
        return [], chain.Written.of(links)
    making = asyncio.ensure_future(asyncio.to_thread(make, runs[0]))
    try:
        for number in range(len(runs)):
            made = await making
            if number + 1 < len(runs):
                making = asyncio.ensure_future(asyncio.to_thread(make, runs[number + 1]))
            links += event_links(made)
            for n, (sql, rows) in enumerate(made):
                if rows:
                    into = tables[n][1] if n in tables else None
                    tables[n] = (sql, await stage.table(rows, into))
            del made
    finally:
        making.cancel()  # only if staging failed part-way: the next run is not wanted
    return [tables[n] for n in sorted(tables)], chain.Written.of(links)


def _jurisdiction_id(item: object) -> str:
    """What ``additions`` and ``updates`` order their changes by."""
    if isinstance(item, StagedChange):
        return item.jurisdiction.id
    assert isinstance(item, tuple) and isinstance(item[0], Jurisdiction), item
    return item[0].id


async def _counted(db: Transaction, sql: str, table: str) -> None:
    """``sql`` (new jurisdictions) for the rows of ``table``, their counts added in one
    statement (``COUNTED``) while the row trigger is paused (migration 0019)."""
    await db.execute("INSERT INTO jurisdiction_counts_paused (id) VALUES (1)")
    await db.execute(on(WHOLE[sql], table))
    await db.execute("DELETE FROM jurisdiction_counts_paused")
    await db.execute(on(COUNTED[sql], table))


Write = tuple[str, list[tuple[Any, ...]]]
"""A statement run once for each of its rows, and those rows."""
Make = Callable[[Sequence[T], Mapping[str, str] | None], list[Write]]
"""What makes the writes of some changes, their events linked on from the links given
(``chain.linked``), or left for the transaction to link (None)."""
_ROWS_PER_STATEMENT = 500
_PARAMETERS_PER_STATEMENT = 10_000
"""Under each engine's limit on the parameters of one statement (32,766; 32,767)."""


def _statements(made: list[Write]) -> tuple[list[Write], chain.Written]:
    return ([statement for sql, rows in made if rows for statement in _grouped_rows(sql, rows)],
            chain.Written.of(event_links(made)))


def _relinked(made: list[Write], previous: Mapping[str, str]) -> list[Write]:
    """``made`` with its events' links (left None) added, on from ``previous``."""
    return [(sql, chain.relinked(rows, previous) if sql == _INSERT_EVENTS else rows)
            for sql, rows in made]


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


async def _run(db: Transaction, writes: list[Write], stored: versions.Stored) -> None:
    """The writes in order; the jurisdictions a change leaves named as they were updated
    narrowly, and its planned reminders added without a statement's detour: the same
    rows either way (``storage.versions``, ``storage.planned``); the aliases of a
    jurisdiction that keeps those stored are left as they are."""
    same = _same_aliases(writes, stored)
    for sql, rows in writes:
        if same and sql in (_DELETE_ALIASES, _INSERT_ALIASES):
            rows = [row for row in rows if row[-1] not in same]
            if rows:
                await db.executemany(sql, rows)
        elif sql == INSERT_REMINDERS:
            await add_planned(db, rows)
        elif sql == UPDATE_JURISDICTIONS:
            for narrow, chosen in versions.narrowed(sql, rows, stored):
                await db.executemany(narrow, chosen)
        else:
            await db.executemany(sql, rows)


def _same_aliases(writes: list[Write], stored: versions.Stored) -> set[str]:
    """The jurisdictions whose aliases ``writes`` delete and insert again unchanged
    (none when the aliases' INSERT was grouped into longer statements)."""
    found = {sql: rows for sql, rows in writes}
    deleted = found.get(_DELETE_ALIASES)
    if not deleted or any(sql.startswith("INSERT INTO aliases") and sql != _INSERT_ALIASES
                          for sql in found):
        return set()
    return versions.unchanged_aliases(deleted, found.get(_INSERT_ALIASES, []), stored)


def additions(batch: Sequence[tuple[Jurisdiction, Sequence[Event], Sequence[Notice]]],
              previous: Mapping[str, str] | None = None) -> list[Write]:
    """New jurisdictions (in id order, which is the order of their index) and their
    parts (``previous``: as ``updates``; a new jurisdiction has no events before)."""
    ordered = sorted((StagedChange(j, 0, events, notices) for j, events, notices in batch),
                     key=lambda c: c.jurisdiction.id)
    return [(_INSERT_JURISDICTIONS, [_columns(c) for c in ordered]),
            *_parts(ordered, None if previous is None else {})]


def updates(changes: Sequence[StagedChange], previous: Mapping[str, str] | None = None
            ) -> list[Write]:
    """Changed jurisdictions: their rows at the expected version, their parts (the
    aliases replaced) and the reminders their running deadlines imply. ``previous``
    holds the link of each one's last event (``storage.chain.previous_links``); None
    leaves the events' links for the transaction to add (``write``)."""
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


def _parts(changes: Sequence[StagedChange], previous: Mapping[str, str] | None
           ) -> list[Write]:
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
