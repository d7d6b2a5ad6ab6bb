"""The record's hash chains as stored: every way of writing events hashes and seals them
in its own transaction, on both engines; ``verify`` names what someone holding the
database changed (edited, deleted, inserted, reordered), and a fingerprint taken before
catches even a history whose hashes were all recomputed after the edit."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from storage import chain as stored_chain
from storage import open_store
from storage.sqlite import SqliteStore
from storage.store import Store
from tests.packaged import packaged_workflow
from tests.storage.conftest import ADMINS, CHANNEL, NOW, Clock
from workflows import chain
from workflows.chain import Fingerprint
from workflows.deadlines import DueSpec
from workflows.jurisdictions import new_jurisdiction
from workflows.model import Event
from workflows.ports import StagedChange
from workflows.record import Record
from workflows.review import Review, ReviewConfig
from workflows.verification import Report

LEAD = "UADMIN"
LETTER = DueSpec(days=30)
Tamper = Callable[..., None]
pytestmark = pytest.mark.parametrize("engine", ["sqlite", "postgres"])


@pytest.fixture
def tamper(engine: str, db_path: Path, database_url: str) -> Tamper:
    """Run statements as someone holding the database would: on a connection of their
    own, past the triggers that keep events append-only, committed."""

    def on_sqlite(*statements: str) -> None:
        conn = sqlite3.connect(db_path, isolation_level=None)
        try:
            for trigger in ("events_no_update", "events_no_delete",
                            "chain_blocks_no_update", "chain_blocks_no_delete"):
                conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
            for sql in statements:
                conn.execute(sql)
        finally:
            conn.close()

    def on_postgres(*statements: str) -> None:
        import asyncpg

        async def run() -> None:
            conn = await asyncpg.connect(database_url)
            try:
                await conn.execute("SET session_replication_role = replica")  # no triggers
                for sql in statements:
                    await conn.execute(sql)
            finally:
                await conn.close()

        with ThreadPoolExecutor(1) as thread:
            thread.submit(asyncio.run, run()).result()

    return on_postgres if engine == "postgres" else on_sqlite


async def story(review: Review) -> None:
    """Three jurisdictions, a few steps each: 8 events, each change its own transaction."""
    for jid, name in (("chicago", "Chicago, IL"), ("albany", "Albany, NY"),
                      ("denver", "Denver, CO")):
        await review.add(LEAD, jid, name, "city")
    await review.take(LEAD, "chicago", "letter", date(2018, 1, 24), LETTER)
    await review.take(LEAD, "chicago", "response", date(2018, 1, 30), note="legal opinion")
    await review.take(LEAD, "albany", "letter", date(2018, 1, 24), LETTER)
    await review.take(LEAD, "chicago", "insufficient", date(2018, 1, 31))
    await review.take(LEAD, "denver", "letter", date(2018, 1, 25), LETTER)


async def checked(store: Store, fingerprint: Fingerprint | None = None) -> Report:
    review = Review(store, Clock(), ReviewConfig(CHANNEL, ADMINS), packaged_workflow())
    return await Record(review, store).verify(fingerprint)


def first(report: Report) -> tuple[str, str | None, int | None]:
    problem = report.problems[0]
    return problem.what, problem.jurisdiction_id, problem.seq


async def test_every_step_is_hashed_linked_and_sealed_in_its_own_transaction(
        store: Store, review: Review, query: Any) -> None:
    await story(review)
    rows = query("SELECT jurisdiction_id, seq, kind, actor, on_date, recorded_at, from_state,"
                 " to_state, detail, digest, link FROM events ORDER BY id")
    assert len(rows) == 8
    last: dict[str, str] = {}
    for row in rows:  # recomputed here from the documented canonical form
        assert row[9] == chain.digest(*row[:9])
        assert row[10] == chain.link(last.get(row[0], chain.ZERO), row[9])
        last[row[0]] = row[10]
    blocks = query("SELECT number, events, total FROM chain_blocks ORDER BY number")
    assert blocks == [(n, 1, n) for n in range(1, 9)]  # one block per change
    report = await checked(store)
    assert report.intact and not report.problems
    assert (report.events, report.blocks, report.jurisdictions) == (8, 8, 3)
    seal = await store.seal()
    assert (seal.events, seal.blocks) == (8, 8)
    assert report.head == seal.head  # recomputed from the events, it is the stored head
    assert (await checked(store, seal.fingerprint)).fingerprint_matches


async def test_a_step_is_one_transaction_and_no_read_before_it(store: Store,
                                                              review: Review) -> None:
    """The link a step's events follow is read with its version check, inside its
    transaction (so it is the link of the very event they follow), not in a read
    before it: a step from Slack is one trip to the database."""
    await story(review)
    j = await store.get("chicago")
    assert j is not None
    seen: list[str] = []
    store.db.timing.observe = lambda operation, seconds: seen.append(operation)
    await store.save(j, j.version, [Event("chicago", "note", LEAD, date(2018, 2, 1), NOW,
                                          detail={"note": "called the clerk"})], [])
    assert seen == ["transaction"]
    report = await checked(store)
    assert report.intact and not report.problems and report.events == 9


async def test_an_edited_note_is_named_and_fails_the_fingerprint(
        store: Store, review: Review, tamper: Tamper) -> None:
    await story(review)
    posted = (await store.seal()).fingerprint
    tamper("UPDATE events SET detail = replace(detail, 'legal opinion', 'no opinion')"
           " WHERE jurisdiction_id = 'chicago' AND seq = 3")
    report = await checked(store, posted)
    assert not report.intact
    assert first(report) == ("edited", "chicago", 3)
    assert report.problems[-1].block == 5  # and the review-wide chain breaks there too
    assert report.fingerprint_found and not report.fingerprint_matches


async def test_a_deleted_step_is_named(store: Store, review: Review, tamper: Tamper) -> None:
    await story(review)
    tamper("DELETE FROM events WHERE jurisdiction_id = 'chicago' AND seq = 2")
    report = await checked(store)
    assert first(report) == ("deleted", "chicago", 2)
    assert "seq 2 before it is missing" in report.problems[0].explanation
    review_wide = report.problems[-1]
    assert (review_wide.what, review_wide.block) == ("deleted", 4)


async def test_the_last_step_deleted_with_the_version_turned_back_is_caught_by_the_seal(
        store: Store, review: Review, tamper: Tamper) -> None:
    await story(review)
    posted = (await store.seal()).fingerprint
    tamper("DELETE FROM events WHERE jurisdiction_id = 'denver' AND seq = 2",
           "UPDATE jurisdictions SET version = 1 WHERE id = 'denver'")
    report = await checked(store, posted)
    assert [(p.what, p.block) for p in report.problems] == [("deleted", 8)]
    assert not report.fingerprint_found  # no head covers 8 events any more


async def test_a_row_written_outside_the_bot_is_an_insertion(
        store: Store, review: Review, tamper: Tamper) -> None:
    await story(review)
    tamper("INSERT INTO events (jurisdiction_id, seq, kind, actor, on_date, recorded_at,"
           " detail) VALUES ('albany', 3, 'cleared', 'UMALLORY', '2018-01-26',"
           " '2018-01-26T10:00:00+00:00', '{}')")
    report = await checked(store)
    assert first(report) == ("inserted", "albany", 3)
    assert report.problems[-1].what == "inserted"  # in no sealed block either
    # The bot goes on recording (the next block takes the stray row in), and verify
    # still names it.
    await review.take(LEAD, "denver", "response", date(2018, 1, 30))
    tamper("UPDATE events SET link = 'not a hash' WHERE jurisdiction_id = 'chicago'"
           " AND seq = 4")
    await review.add_alias(LEAD, "chicago", "chi")
    report = await checked(store)
    assert [(p.what, p.jurisdiction_id) for p in report.problems[:2]] == [
        ("edited", "chicago"), ("inserted", "albany")]


async def test_swapped_steps_are_reordered(store: Store, review: Review,
                                           tamper: Tamper) -> None:
    await story(review)
    tamper("UPDATE events SET seq = 99 WHERE jurisdiction_id = 'chicago' AND seq = 2",
           "UPDATE events SET seq = 2 WHERE jurisdiction_id = 'chicago' AND seq = 3",
           "UPDATE events SET seq = 3 WHERE jurisdiction_id = 'chicago' AND seq = 99")
    report = await checked(store)
    assert first(report) == ("reordered", "chicago", 2)


async def test_a_history_rehashed_after_an_edit_passes_alone_but_not_against_slack(
        store: Store, review: Review, tamper: Tamper, engine: str) -> None:
    """The attacker knows the algorithm: they edit, then recompute every digest, link,
    block and the head. Only the fingerprint Slack kept tells."""
    await story(review)
    posted = (await store.seal()).fingerprint
    tamper("UPDATE events SET actor = 'UMALLORY' WHERE jurisdiction_id = 'albany'"
           " AND seq = 2", "DELETE FROM chain_blocks",
           "UPDATE chain_head SET number = 0, total = 0, last_id = 0, head = '"
           + chain.ZERO + "'")
    await rehash(store, tamper)
    report = await checked(store)
    assert report.intact, report.problems  # every stored hash agrees with the events...
    against = await checked(store, posted)
    assert not against.intact and against.fingerprint_found  # ...but not with Slack's copy
    assert not against.fingerprint_matches


async def rehash(store: Store, tamper: Tamper) -> None:
    """What an attacker would run: this project's own hashing, over the whole history."""
    rows = await store.read("SELECT id, jurisdiction_id, seq, kind, actor, on_date,"
                            " recorded_at, from_state, to_state, detail FROM events ORDER BY id")
    linked = stored_chain.linked([tuple(r)[1:] for r in rows], {})
    statements = [f"UPDATE events SET digest = '{row[9]}', link = '{row[10]}' WHERE id = {r[0]}"
                  for r, row in zip(rows, linked, strict=True)]
    digest = chain.block_digest(row[10] for row in linked)
    head = chain.head(chain.ZERO, 1, len(rows), digest)
    statements += [
        "INSERT INTO chain_blocks (number, first_id, last_id, events, total, digest, head,"
        f" sealed_at) VALUES (1, {rows[0][0]}, {rows[-1][0]}, {len(rows)}, {len(rows)},"
        f" '{digest}', '{head}', 'x')",
        f"UPDATE chain_head SET number = 1, total = {len(rows)}, last_id = {rows[-1][0]},"
        f" head = '{head}'"]
    tamper(*statements)


async def test_replicas_writing_at_once_never_fork_the_chain(
        database_url: str, store: Store, review: Review) -> None:
    for n in range(30):
        await review.add(LEAD, f"j{n:02d}", f"Town {n}", "city")
    replicas = [await open_store(database_url) for _ in range(3)]
    try:
        reviews = [Review(r, Clock(), ReviewConfig(CHANNEL, ADMINS), packaged_workflow())
                   for r in replicas]
        await asyncio.gather(*(reviews[n % 3].take(LEAD, f"j{n:02d}", "letter",
                                                   date(2018, 1, 24), LETTER)
                             for n in range(30)))
    finally:
        for replica in replicas:
            await replica.close()
    report = await checked(store)
    assert report.intact, report.problems
    assert (report.events, report.blocks) == (60, 60)


async def test_big_writes_are_sealed_whole_staged_and_run_by_run(
        store: Store, review: Review, engine: str) -> None:
    if isinstance(store, SqliteStore):
        store.staged_from = 1  # every write staged (storage.writes)
        store.runs_from, store.run_size = 10, 7  # and big ones a run of 7 at a time
    await store.add_many([(new_jurisdiction(f"j{n:02d}", f"Town {n}", "city", "IL", ()),
                           [Event(f"j{n:02d}", "added", LEAD, date(2018, 1, 2), NOW,
                                  None, "new")], []) for n in range(25)])
    found = await store.get_many([f"j{n:02d}" for n in range(25)])
    await store.save_many([StagedChange(j, 1, [Event(j.id, "note", LEAD, date(2018, 1, 24),
                                                     NOW, detail={"note": "n"})], [])
                           for j in found.values()])
    report = await checked(store)
    assert report.intact, report.problems
    assert report.events == 50
    assert report.blocks == 1 + (4 if engine == "sqlite" else 1)  # 25 in runs of 7


async def test_a_database_from_before_the_chains_is_hashed_as_it_is_migrated(
        engine: str, db_path: Path, database_url: str, query: Any) -> None:
    """A database at schema 9 holds a history; opening it hashes that history (block 1)
    in the migration's own transaction, and events are append-only again after."""
    await at_schema_9(engine, db_path, database_url)
    store = await open_store(database_url)
    try:
        report = await checked(store)
        assert report.intact, report.problems
        assert (report.events, report.blocks) == (3, 1)
        review = Review(store, Clock(), ReviewConfig(CHANNEL, ADMINS), packaged_workflow())
        await review.take(LEAD, "chicago", "letter", date(2018, 1, 24), LETTER)
        report = await checked(store)
        assert report.intact and (report.events, report.blocks) == (4, 2)
    finally:
        await store.close()
    with pytest.raises(Exception, match="append-only"):
        query("UPDATE events SET actor = 'UMALLORY'")


OLD_EVENTS = [
    ("chicago", 1, "added", "UADMIN", "2018-01-02", "2018-01-02T15:00:00+00:00", None,
     "new", '{"kind": "city"}'),
    ("albany", 1, "added", "UADMIN", "2018-01-02", "2018-01-02T15:00:01+00:00", None,
     "new", "{}"),
    ("chicago", 2, "note", "UADMIN", "2018-01-03", "2018-01-03T15:00:00+00:00", None,
     None, '{"note": "kept"}'),
]


async def at_schema_9(engine: str, db_path: Path, database_url: str) -> None:
    from storage.migrations import available, statements

    old = [(n, sql) for n, sql in available("postgres" if engine == "postgres" else "sqlite")
           if n <= 9]
    jurisdictions = ("INSERT INTO jurisdictions (id, name, name_key, state, version,"
                     " updated_at) VALUES ('chicago', 'Chicago', 'chicago', 'new', 2, 'x'),"
                     " ('albany', 'Albany', 'albany', 'new', 1, 'x')")
    events = ("INSERT INTO events (jurisdiction_id, seq, kind, actor, on_date, recorded_at,"
              " from_state, to_state, detail) VALUES ")
    if engine != "postgres":
        conn = sqlite3.connect(db_path, isolation_level=None)
        try:
            for number, sql in old:
                for statement in statements(sql):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
            conn.execute(jurisdictions)
            conn.executemany(events + "(?, ?, ?, ?, ?, ?, ?, ?, ?)", OLD_EVENTS)
        finally:
            conn.close()
        return
    import asyncpg

    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY,"
                           " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
        for number, sql in old:
            await conn.execute(sql)
            await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", number)
        await conn.execute(jurisdictions)
        await conn.executemany(events + "($1, $2, $3, $4, $5, $6, $7, $8, $9)", OLD_EVENTS)
    finally:
        await conn.close()
