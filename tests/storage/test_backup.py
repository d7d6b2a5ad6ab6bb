"""Backups of the SQLite file taken while the store writes, and restores of them.

A backup taken in a worker thread while the store commits change after change on the
event loop must be the file as it was at one moment: every jurisdiction as it stood
after the same number of those changes, its history complete (``seq`` 1..version,
each event starting where the one before ended, ending in the stored state) and its
hash chains intact. A restore refuses a record already there, a file that is not a
review-bot database, a damaged (truncated) one, and a newer schema; an older one is
brought up to date when the store opens it."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from storage.backup import BackupError, Facts, backup, check, latest_version, restore
from storage.sqlite import SqliteStore
from tests.storage.conftest import ADMINS
from tests.storage.test_chain import at_schema_9
from workflows.deadlines import DueSpec
from workflows.review import Review
from workflows.verification import verify

ADMIN = sorted(ADMINS)[0]
Standing = dict[str, tuple[str, int]]
"""Jurisdiction id: (state, version)."""


async def write_around(review: Review, store: SqliteStore, copy: Callable[[], Facts],
                       points: list[Standing]) -> tuple[Facts, int]:
    """Change jurisdictions one commit at a time; after each, note where every
    jurisdiction stands. Before the tenth commit, start ``copy`` in a worker thread; go on
    until it is done. Returns what it copied and how many commits it ran through."""
    standing: Standing = dict(points[-1])
    n, during = 0, 0
    copying: asyncio.Future[Facts] | None = None
    while copying is None or not copying.done():
        n += 1
        if n == 10:
            copying = asyncio.ensure_future(asyncio.to_thread(copy))
        jid = f"town-{n % 40}"
        if jid not in standing:
            await review.add(ADMIN, jid, f"Town {n % 40}", "city", "IL")
        elif standing[jid][0] == "new":
            await review.take(ADMIN, jid, "letter", date(2017, 4, 21), DueSpec(days=30))
        else:
            await review.add_alias(ADMIN, jid, f"{jid}-{n}")
        stored = await store.get(jid)
        assert stored is not None
        standing[jid] = (stored.state, stored.version)
        points.append(dict(standing))
        during += copying is not None and not copying.done()
        await asyncio.sleep(0)
    return await copying, during


def standing_of(path: Path) -> Standing:
    conn = sqlite3.connect(path)
    try:
        return {row[0]: (row[1], row[2]) for row in
                conn.execute("SELECT id, state, version FROM jurisdictions")}
    finally:
        conn.close()


def histories_end_in_their_states(path: Path) -> None:
    """Every jurisdiction's events run 1..version without a gap, each starts where the
    one before ended, and the last ends in the jurisdiction's stored state."""
    conn = sqlite3.connect(path)
    try:
        for jid, state, version in conn.execute(
                "SELECT id, state, version FROM jurisdictions"):
            events = conn.execute("SELECT seq, from_state, to_state FROM events WHERE "
                                  "jurisdiction_id = ? ORDER BY seq", (jid,)).fetchall()
            assert [seq for seq, _, _ in events] == list(range(1, version + 1))
            for (_, _, ended), (_, started, _) in itertools.pairwise(events):
                assert started == ended
            assert events[-1][2] == state
    finally:
        conn.close()


async def test_a_backup_taken_during_writes_is_the_record_at_one_moment(
        store: SqliteStore, review: Review, db_path: Path, tmp_path: Path) -> None:
    for i in range(10):
        await review.add(ADMIN, f"town-{i}", f"Town {i}", "city", "IL")
    points: list[Standing] = [standing_of(db_path)]
    output = tmp_path / "backup.db"
    # One page at a time with a pause: the copy takes many steps, the writes go between.
    facts, during = await write_around(
        review, store, lambda: backup(db_path, output, 1, 0.002), points)
    assert during >= 5, "the store did not write while the copy ran"
    assert check(output) == facts
    restored = restore(output, tmp_path / "restored.db")
    assert restored.jurisdictions == facts.jurisdictions
    backed_up = standing_of(tmp_path / "restored.db")
    assert backed_up in points, "the backup is no moment the store went through"
    moment = points.index(backed_up)
    assert 9 <= moment < len(points) - 1, "not a moment while the copy ran"
    histories_end_in_their_states(tmp_path / "restored.db")
    again = await SqliteStore.open(tmp_path / "restored.db")
    try:
        async with again.chain() as source:
            report = await verify(source, None)
    finally:
        await again.close()
    assert report.intact and report.events == facts.events


async def test_restore_refuses_to_overwrite_a_record(store: SqliteStore, review: Review,
                                                     db_path: Path, tmp_path: Path) -> None:
    await review.add(ADMIN, "chicago", "Chicago, IL", "city", "IL")
    output = tmp_path / "backup.db"
    backup(db_path, output)
    before = db_path.read_bytes()
    with pytest.raises(BackupError, match=r"already holds a record \(1 jurisdiction"):
        restore(output, db_path)
    assert db_path.read_bytes() == before


async def test_restore_goes_into_an_empty_database(store: SqliteStore, review: Review,
                                                   db_path: Path, tmp_path: Path) -> None:
    await review.add(ADMIN, "chicago", "Chicago, IL", "city", "IL")
    backup(db_path, tmp_path / "backup.db")
    empty = await SqliteStore.open(tmp_path / "empty.db")  # migrated, nothing in it
    await empty.close()
    assert restore(tmp_path / "backup.db", tmp_path / "empty.db").jurisdictions == 1
    assert standing_of(tmp_path / "empty.db") == {"chicago": ("new", 1)}


def test_what_is_not_a_good_backup_is_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 100)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    cases = [(text, r"is damaged or not a review-bot database \(file is not a database"),
             (other, "is an SQLite file but not a review-bot database"),
             (tmp_path / "missing.db", "there is no file")]
    for path, message in cases:
        with pytest.raises(BackupError, match=message):
            restore(path, tmp_path / "target.db")
    assert not (tmp_path / "target.db").exists()


async def test_a_truncated_backup_is_refused(store: SqliteStore, review: Review,
                                             db_path: Path, tmp_path: Path) -> None:
    for i in range(300):  # enough pages that half the file leaves tables cut off
        await review.add(ADMIN, f"town-{i}", f"Town {i} " + "x" * 150, "city", "IL")
    backup(db_path, tmp_path / "backup.db")
    whole = (tmp_path / "backup.db").read_bytes()
    cut = tmp_path / "cut.db"
    cut.write_bytes(whole[:len(whole) // 2])
    with pytest.raises(BackupError, match="is damaged"):
        restore(cut, tmp_path / "target.db")
    assert not (tmp_path / "target.db").exists()


def test_a_schema_newer_than_this_code_is_refused(tmp_path: Path) -> None:
    newer = tmp_path / "newer.db"
    conn = sqlite3.connect(newer)
    conn.executescript("CREATE TABLE jurisdictions (id); CREATE TABLE events (id);"
                       f"PRAGMA user_version = {latest_version() + 1}")
    conn.close()
    with pytest.raises(BackupError, match="newer than this review-bot knows"):
        check(newer)


async def test_an_older_backup_is_migrated_forward_when_opened(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    await at_schema_9("sqlite", old, f"sqlite:///{old}")
    backup(old, tmp_path / "backup.db")
    assert check(tmp_path / "backup.db").schema_version == 9
    restore(tmp_path / "backup.db", tmp_path / "restored.db")
    store = await SqliteStore.open(tmp_path / "restored.db")
    try:
        assert store.db.schema_version == latest_version()
        async with store.chain() as source:
            assert (await verify(source, None)).intact
    finally:
        await store.close()


def test_the_backup_is_never_the_database_itself(tmp_path: Path) -> None:
    db = tmp_path / "review.db"
    sqlite3.connect(db).close()
    with pytest.raises(BackupError, match="is the database itself"):
        backup(db, tmp_path / "." / "review.db")
    with pytest.raises(BackupError, match="there is no database"):
        backup(tmp_path / "none.db", tmp_path / "b.db")
