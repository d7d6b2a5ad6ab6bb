"""Big changes on SQLite, written a run of jurisdictions at a time.

SQLite has one write lock for the whole file. The steps of 100,000 jurisdictions, moved
into the tables in one transaction (``storage.writes``' staged way), held it 3 to 4 s on
a busy machine while everyone else's writes waited. From ``RUNS_FROM`` changes, then:

1. The rows of each run of ``RUN`` jurisdictions are made (in a worker thread) and
   copied into tables of the import's own, one a statement for each run
   (``import_<epoch>_<id>_<statement>_<run>``), one run per short transaction: nothing
   anyone reads changes yet, and a failure here leaves nothing written.
2. One transaction checks that every jurisdiction is still at the version its change
   was made from, reserves them all (``jurisdictions.import_run``: anyone else's change
   to one of them is refused as ``BeingImported`` until its run is written) and
   records the import in ``import_runs``. From here on the import is written whole.
3. Each run is moved into the tables in a transaction of its own, which seals its
   events as one block (their digest worked out in step 1, not read back), lets go of
   its jurisdictions, drops the run's tables and counts it done. A process that dies
   part-way leaves the rest in ``import_runs``, and whoever calls ``finish_left`` once
   its lease has lapsed (the next to open the file, the bot's periodic check) writes
   it.

Readers meanwhile see the import part-written, a run at a time, never a run half-done.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from storage import chain
from storage.database import Row, Transaction, chunks
from storage.writes import UPDATE_JURISDICTIONS, WHOLE, Write, event_links, on, updates
from workflows.errors import BeingImported, Conflict
from workflows.ports import StagedChange

if TYPE_CHECKING:
    from storage.sqlite import SqliteDatabase, _Staging

RUN_CACHE_KIB = -16_384
"""Page cache of the connection an import is written on: a run's transaction moves a
few thousand jurisdictions' rows (64 MiB, as a one-go write has, were a quarter of the
1M-event import's peak memory)."""

log = logging.getLogger(__name__)
RUNS_FROM = 20_000
"""Changes from which a write goes a run at a time (on SQLite)."""
RUN = 10_000
"""Jurisdictions a run: its transaction holds the lock a few tenths of a second."""
GAP_SECONDS = 0.05
"""Pause between two runs' moves: another process waiting for the file retries on its
own (SQLite's busy handler sleeps up to 0.1 s between tries), and moves back to back,
with nothing in between, kept a role change waiting past its 10 s timeout."""
LEASE_SECONDS = 120.0
"""How long an import may go without finishing a run before another process takes it."""
_TABLE = re.compile(r"^import_(\d+)_([0-9a-f]+)_\d+(?:_\d+)?$")
"""An import's table: ``import_<epoch>_<id>_<statement>_<run>`` (before runs had
tables of their own, ``…_<statement>``)."""


async def write_in_runs(database: SqliteDatabase, changes: Sequence[StagedChange],
                        run: int = RUN) -> None:
    """Write ``changes`` as described above; ``Conflict`` (nothing written) if one of
    them is no longer at its expected version or is being imported."""
    await write_stream(database, _one(changes), run)


async def _one(changes: Sequence[StagedChange]) -> AsyncIterator[Sequence[StagedChange]]:
    yield changes


async def write_stream(database: SqliteDatabase,
                       groups: AsyncIterator[Sequence[StagedChange]], run: int = RUN) -> None:
    """Write every change ``groups`` yields (each jurisdiction in one group only) as
    described above, each group's rows made and copied into the import's tables as it
    comes; if ``groups`` raises, or a change is stale, nothing is written."""
    run_id = uuid.uuid4().hex[:16]
    prefix = f"import_{int(time.time())}_{run_id}"
    statements: dict[int, str] = {}
    written: list[chain.Written] = []
    tables: list[str] = []
    async with database.staging(RUN_CACHE_KIB) as stage:
        try:
            async for group in groups:
                ordered = sorted(group, key=lambda c: c.jurisdiction.id)
                for part in chunks(ordered, run):
                    previous = await chain.previous_links(database, part)
                    made = await asyncio.to_thread(updates, part, previous)
                    assert made[0][0] == UPDATE_JURISDICTIONS  # the first: the reservations
                    await _fill(stage, f"{prefix}_{{}}_{len(written)}", statements, tables,
                                made)
                    written.append(chain.Written.of(event_links(made)))
            if not written:
                return
            await _arm(stage, run_id, {"statements": [(WHOLE[statements[n]], f"{prefix}_{n}")
                                                      for n in sorted(statements)],
                                       "written": [(w.count, w.digest) for w in written]},
                       f"{prefix}_0", len(written))
        except BaseException:
            await _drop(stage, tables)
            raise
        await _write_runs(stage, run_id)


async def finish_left(database: SqliteDatabase, now: float | None = None) -> int:
    """Write what imports whose process died left (their lease lapsed by ``now``, Unix
    seconds), and drop the tables of imports that died before they were recorded.
    Returns how many imports were finished."""
    now = time.time() if now is None else now
    finished = 0
    for row in await database.read("SELECT id FROM import_runs WHERE lease_until <= ?", now):
        async with database.staging(RUN_CACHE_KIB) as stage:
            async with stage.transaction() as db:
                taken = await db.execute(
                    "UPDATE import_runs SET lease_until = ? WHERE id = ? AND lease_until <= ?",
                    now + LEASE_SECONDS, row["id"], now)
            if taken:
                log.warning("finishing import %s, which a stopped process left part-written",
                            row["id"])
                await _write_runs(stage, str(row["id"]))
                finished += 1
    known = {str(r["id"]) for r in await database.read("SELECT id FROM import_runs")}
    names = await database.read("SELECT name FROM sqlite_master WHERE type = 'table'"
                                " AND name LIKE 'import\\_%' ESCAPE '\\'")
    orphans = [str(r["name"]) for r in names if (m := _TABLE.match(str(r["name"])))
               and m[2] not in known and int(m[1]) < now - LEASE_SECONDS]
    if orphans:
        async with database.staging(RUN_CACHE_KIB) as stage:
            await _drop(stage, orphans)
    return finished


async def _fill(stage: _Staging, names: str, statements: dict[int, str], tables: list[str],
                made: list[Write]) -> None:
    """Copy one run's rows into tables of its own, one a statement that has rows
    (``names`` with the statement's place in ``made``), in one short transaction:
    straight from Python, a run being a few thousand jurisdictions (a table of the
    connection's own first, then copied over, and dropped, cost a fifth of the
    import's time in SQLite)."""
    async with stage.transaction() as db:
        for n, (sql, rows) in enumerate(made):
            if not rows:
                continue
            statements.setdefault(n, sql)
            table, width = names.format(n), len(rows[0])
            tables.append(table)
            await db.execute(f"CREATE TABLE {table}"
                             f" ({', '.join(f'p{k}' for k in range(1, width + 1))})")
            await db.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * width)})",
                                 rows)


async def _arm(stage: _Staging, run_id: str, plan: dict[str, Any], jurisdictions: str,
               runs: int) -> None:
    """Check every version, reserve every jurisdiction and record the import."""
    async with stage.transaction() as db:
        for number in range(runs):
            await _reserve(db, run_id, f"{jurisdictions}_{number}")
        await db.execute("INSERT INTO import_runs (id, statements, chunks, done, lease_until)"
                         " VALUES (?, ?, ?, 0, ?)", run_id, json.dumps(plan), runs,
                         time.time() + LEASE_SECONDS)


async def _reserve(db: Transaction, run_id: str, jurisdictions: str) -> None:
    stale = await db.fetch(
        f"SELECT s.p14 AS id, s.p15 AS version, j.import_run FROM {jurisdictions} AS s"
        " LEFT JOIN jurisdictions AS j ON j.id = s.p14 WHERE j.id IS NULL"
        " OR j.version <> s.p15 OR j.import_run IS NOT NULL ORDER BY s.rowid LIMIT 1")
    if stale:
        if stale[0]["import_run"] is not None:
            raise BeingImported(f"{stale[0]['id']} is being imported by someone else")
        raise Conflict(f"{stale[0]['id']} is no longer at version {stale[0]['version']}")
    await db.execute("UPDATE jurisdictions SET import_run = ? WHERE id IN"
                     f" (SELECT p14 FROM {jurisdictions})", run_id)


async def _write_runs(stage: _Staging, run_id: str) -> None:
    """Move the runs not yet written into the tables, one transaction each (which
    drops the run's own tables), then forget the import."""
    async with stage.transaction() as db:
        [row] = await db.fetch("SELECT statements, chunks, done FROM import_runs"
                               " WHERE id = ?", run_id)
    plan = json.loads(row["statements"])
    if isinstance(plan, list):  # an import a version before runs had tables of their own
        await _write_shared_runs(stage, run_id, row)
        return
    statements = [(str(whole), str(table)) for whole, table in plan["statements"]]
    written = [chain.Written(int(count), str(digest)) for count, digest in plan["written"]]
    for number in range(int(row["done"]), int(row["chunks"])):
        ours = [(whole, f"{table}_{number}") for whole, table in statements]
        names = {str(r["name"]) for r in await stage.fetch(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN"
            f" ({', '.join('?' * len(ours))})", *(table for _, table in ours))}
        now = [(whole, table) for whole, table in ours if table in names]
        async with stage.transaction() as db:
            await _check_reserved(db, run_id, now[0][1])
            end = await chain.lock(db, "")
            for whole, table in now:
                await db.execute(on(whole, table))
            await chain.seal(db, end, written[number])
            await db.execute("UPDATE jurisdictions SET import_run = NULL WHERE"
                             f" id IN (SELECT p14 FROM {now[0][1]})")
            await db.execute("UPDATE import_runs SET done = ?, lease_until = ?"
                             " WHERE id = ?", number + 1, time.time() + LEASE_SECONDS,
                             run_id)
            for _, table in now:
                await db.execute(f"DROP TABLE {table}")
        await asyncio.sleep(GAP_SECONDS)
    async with stage.transaction() as db:
        await db.execute("DELETE FROM import_runs WHERE id = ?", run_id)


async def _write_shared_runs(stage: _Staging, run_id: str, row: Row) -> None:
    """``_write_runs`` for an import recorded by a version whose runs shared a table a
    statement (a ``run`` column telling them apart), each run copied out first."""
    statements = [(str(whole), str(table)) for whole, table in json.loads(row["statements"])]
    for number in range(int(row["done"]), int(row["chunks"])):
        now = [(whole, f"temp.{table}_now") for whole, table in statements]
        for (_, table), (_, temporary) in zip(statements, now, strict=True):
            await stage.run(f"CREATE TABLE {temporary} AS SELECT * FROM main.{table}"
                            " WHERE run = ? ORDER BY rowid", number)
        try:
            async with stage.transaction() as db:
                await _check_reserved(db, run_id, now[0][1])
                end = await chain.lock(db, "")
                for whole, temporary in now:
                    await db.execute(on(whole, temporary))
                await chain.seal(db, end)
                await db.execute("UPDATE jurisdictions SET import_run = NULL WHERE"
                                 f" id IN (SELECT p14 FROM {now[0][1]})")
                await db.execute("UPDATE import_runs SET done = ?, lease_until = ?"
                                 " WHERE id = ?", number + 1, time.time() + LEASE_SECONDS,
                                 run_id)
        finally:
            for _, temporary in now:
                await stage.run(f"DROP TABLE IF EXISTS {temporary}")
    async with stage.transaction() as db:
        await db.execute("DELETE FROM import_runs WHERE id = ?", run_id)
        for _, table in statements:
            await db.execute(f"DROP TABLE IF EXISTS {table}")


async def _check_reserved(db: Transaction, run_id: str, jurisdictions: str) -> None:
    """A run's jurisdictions are still as reserved: anything else is a bug."""
    found = await db.fetch(
        f"SELECT s.p14 AS id FROM {jurisdictions} AS s WHERE NOT EXISTS (SELECT 1 FROM"
        " jurisdictions AS j WHERE j.id = s.p14 AND j.version = s.p15"
        " AND j.import_run = ?) LIMIT 1", run_id)
    if found:
        raise RuntimeError(f"import {run_id}: {found[0]['id']} changed while reserved")


async def _drop(stage: _Staging, tables: list[str]) -> None:
    async with stage.transaction() as db:
        for table in tables:
            await db.execute(f"DROP TABLE IF EXISTS {table}")
