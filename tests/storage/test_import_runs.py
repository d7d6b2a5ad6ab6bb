"""Big imports on SQLite, written a run of jurisdictions at a time (``storage.runs``):
the same rows as in one go, jurisdictions reserved until their run is written, and an
import cut off part-way finished by whoever comes next, never lost or doubled."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from storage import chain
from storage.runs import LEASE_SECONDS
from storage.sqlite import SqliteStore
from storage.writes import WHOLE, updates
from tests.packaged import packaged_workflow
from tests.storage.conftest import Clock
from workflows.deadlines import DueSpec
from workflows.errors import BeingImported
from workflows.imports import read_csv
from workflows.review import Review, ReviewConfig
from workflows.transfer import import_csv, plan_events

ADMIN = "UADMIN"
TOWNS = 60
TABLES = {
    "jurisdictions": "id, name, state, version, last_step_on, due_on, updated_at, import_run",
    "events": "id, jurisdiction_id, seq, kind, on_date, recorded_at, to_state, detail",
    "rounds": "jurisdiction_id, number, sent_on, due_on",
    "reminders": "id, jurisdiction_id, deadline, kind, due_at, status",
    "outbox": "id, channel, event_id",
}
STEPS = "date,jurisdiction,event,due\n" + "".join(
    f"2017-06-01,town-{n:03d},letter_sent,2017-07-14\n" for n in range(TOWNS))


async def opened(path: Path, run_size: int | None) -> tuple[SqliteStore, Review]:
    store = await SqliteStore.open(path)
    if run_size is not None:
        store.runs_from, store.run_size = 10, run_size
    review = Review(store, Clock(), ReviewConfig("#review", admins=frozenset({ADMIN})),
                    packaged_workflow())
    return store, review


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(path)
    try:
        return {table: conn.execute(f"SELECT {columns} FROM {table} ORDER BY 1, 2").fetchall()
                for table, columns in TABLES.items()}
    finally:
        conn.close()


def one(path: Path, sql: str) -> Any:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute(sql).fetchone()
        return row[0] if row else None
    finally:
        conn.close()


async def imported(path: Path, run_size: int | None, text: str = STEPS) -> SqliteStore:
    store, review = await opened(path, run_size)
    towns = "id,name,kind,state\n" + "".join(f"town-{n:03d},Town {n},city,CA\n"
                                             for n in range(TOWNS))
    assert (await import_csv(review, ADMIN, towns, dry_run=False)).applied
    report = await import_csv(review, ADMIN, text, dry_run=False)
    assert report.applied and not report.errors, report.errors[:3]
    return store


async def test_an_import_written_in_runs_writes_what_one_transaction_does(
        tmp_path: Path) -> None:
    whole = await imported(tmp_path / "whole.db", None)
    in_runs = await imported(tmp_path / "runs.db", 7)
    await whole.close()
    await in_runs.close()
    expected = dump(tmp_path / "whole.db")
    assert len(expected["events"]) == 2 * TOWNS and expected["reminders"]
    assert dump(tmp_path / "runs.db") == expected
    assert one(tmp_path / "runs.db", "SELECT count(*) FROM import_runs") == 0
    assert one(tmp_path / "runs.db", "SELECT count(*) FROM sqlite_master"
                                     " WHERE name LIKE 'import\\_%\\_%' ESCAPE '\\'") == 0


async def test_an_import_cut_off_part_way_is_finished_by_the_next_to_open_the_file(
        tmp_path: Path) -> None:
    """Cut off after a few of its runs (as a killed process would be), the import keeps
    its other jurisdictions reserved: a step on one is refused, nothing changed. The
    next process to open the file once the lease has lapsed writes the rest."""
    whole = await imported(tmp_path / "whole.db", None)
    await whole.close()
    path = tmp_path / "runs.db"
    store, review = await opened(path, 1)
    towns = "id,name,kind,state\n" + "".join(f"town-{n:03d},Town {n},city,CA\n"
                                             for n in range(TOWNS))
    assert (await import_csv(review, ADMIN, towns, dry_run=False)).applied
    importing = asyncio.create_task(import_csv(review, ADMIN, STEPS, dry_run=False))
    while not one(path, "SELECT done FROM import_runs"):
        assert not importing.done(), importing.result()
        await asyncio.sleep(0.001)
    importing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await importing
    done = one(path, "SELECT done FROM import_runs")
    assert 0 < done < TOWNS
    last = f"town-{TOWNS - 1:03d}"
    with pytest.raises(BeingImported, match="being written by an import"):
        await review.take(ADMIN, last, "letter", due=DueSpec.parse("30 days"))
    await store.close()

    again = await SqliteStore.open(path)  # within the lease: left to its importer
    assert one(path, "SELECT done FROM import_runs") == done
    assert await again.finish_imports(time.time() + LEASE_SECONDS + 1) == 1
    await again.close()
    assert dump(path) == dump(tmp_path / "whole.db")
    assert one(path, "SELECT count(*) FROM import_runs") == 0


async def test_an_import_left_by_the_version_before_is_finished_as_it_was_written(
        tmp_path: Path) -> None:
    """Before each run had tables of its own, an import's runs shared one table a
    statement, told apart by a ``run`` column: one such import, left part-written by a
    process that stopped, is still finished whole by the next to open the file."""
    whole = await imported(tmp_path / "whole.db", None)
    await whole.close()
    path = tmp_path / "old.db"
    store, review = await opened(path, None)
    towns = "id,name,kind,state\n" + "".join(f"town-{n:03d},Town {n},city,CA\n"
                                             for n in range(TOWNS))
    assert (await import_csv(review, ADMIN, towns, dry_run=False)).applied
    plan = await plan_events(review, ADMIN, read_csv(STEPS))
    assert not plan.errors
    ordered = sorted(plan.changes, key=lambda c: c.jurisdiction.id)
    run_id, runs = "0123456789abcdef", [ordered[:25], ordered[25:]]
    prefix = f"import_{int(time.time())}_{run_id}"
    statements: dict[int, str] = {}
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for number, part in enumerate(runs):
            made = updates(part, await chain.previous_links(store.db, part))
            for n, (sql, rows) in enumerate(made):
                if not rows:
                    continue
                width, table = len(rows[0]), f"{prefix}_{n}"
                if n not in statements:
                    statements[n] = sql
                    columns = ", ".join(f"p{k}" for k in range(1, width + 1))
                    conn.execute(f"CREATE TABLE {table} (run INTEGER NOT NULL, {columns})")
                conn.executemany(f"INSERT INTO {table} VALUES ({number}, "
                                 f"{', '.join('?' * width)})", rows)
        conn.execute("UPDATE jurisdictions SET import_run = ?", (run_id,))
        conn.execute("INSERT INTO import_runs (id, statements, chunks, done, lease_until)"
                     " VALUES (?, ?, ?, 0, 0)", (run_id, json.dumps(
                         [(WHOLE[statements[n]], f"{prefix}_{n}") for n in sorted(statements)]),
                         len(runs)))
    finally:
        conn.close()
    await store.close()
    again = await SqliteStore.open(path)  # its lease lapsed long ago
    await again.close()
    assert dump(path) == dump(tmp_path / "whole.db")
    assert one(path, "SELECT count(*) FROM import_runs") == 0
    assert one(path, "SELECT count(*) FROM sqlite_master"
                     " WHERE name LIKE 'import\\_%\\_%' ESCAPE '\\'") == 0
