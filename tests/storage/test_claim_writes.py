"""A sweep's claim writes in proportion to what it claims, not one page of the
reminders table per reminder (issue 14: 2,000 reminders claimed at 100,000
jurisdictions wrote ~1,900 pages, each fsynced, and locked as many rows on PostgreSQL)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from storage.reminders import CLAIM, CLAIM_PLAN, CLAIMABLE
from storage.store import Store
from tests.storage.conftest import BOTH
from tests.storage.test_claims import SWEEP_AT, letters
from workflows.review import Review

pytestmark = BOTH
GAP = 300
"""Reminders not yet due between every two due ones (~6 pages of them), so each due
one is on a page of its own, as at 100,000 jurisdictions, where reminders are written
as steps are taken."""
CLAIMED = 60


async def scatter(store: Store) -> None:
    """The due reminders renumbered GAP apart, reminders due in 2019 in between."""
    due = await store.read("SELECT id FROM reminders ORDER BY id")
    base = 1_000_000
    async with store.transaction() as db:
        await db.executemany("UPDATE reminders SET id = ? WHERE id = ?",
                             [(base + k * GAP, r["id"]) for k, r in enumerate(due)])
        await db.executemany(
            "INSERT INTO reminders (id, jurisdiction_id, round, deadline, kind, due_at)"
            " VALUES (?, 'town-000', ?, '2019-01-01', 'before', '2019-01-01T14:00:00+00:00')",
            [(base + k * GAP + j, k * GAP + j + 10) for k in range(len(due))
             for j in range(1, GAP)])


async def test_a_claim_writes_no_reminder_row(engine: str, review: Review,
                                              store: Store) -> None:
    """The claim is recorded in reminder_claims: the reminders themselves are neither
    rewritten nor locked (on PostgreSQL a row's xmin changes when it is rewritten, its
    xmax when it is locked)."""
    if engine != "postgres":
        pytest.skip("row versions: PostgreSQL's")
    await letters(review, CLAIMED)
    before = await store.read("SELECT id, xmin::text AS n, xmax::text AS x FROM reminders")
    due = await store.claim_reminders(SWEEP_AT, "one", "#review", 1000)
    await store.renew_claim("one", SWEEP_AT)
    after = await store.read("SELECT id, xmin::text AS n, xmax::text AS x FROM reminders")
    assert len(due) >= CLAIMED
    assert sorted(map(tuple, after)) == sorted(map(tuple, before))


async def test_on_sqlite_a_claim_of_scattered_reminders_writes_a_few_pages(
        engine: str, review: Review, store: Store, db_path: Path) -> None:
    """Counted in the write-ahead log: the pages a claim (and a renewal) commit."""
    if engine != "sqlite":
        pytest.skip("the write-ahead log's frames: SQLite's")
    await letters(review, CLAIMED)
    await scatter(store)

    async def frames(work: object) -> int:
        await store.read("PRAGMA wal_checkpoint(TRUNCATE)")
        await work  # type: ignore[misc]
        return (os.path.getsize(f"{db_path}-wal") - 32) // (4096 + 24)

    claimed = await store.claim_reminders(SWEEP_AT, "one", "#review", 1000)
    assert len(claimed) >= CLAIMED
    await store.release_reminders([d.reminder.id for d in claimed if d.reminder.id], "one")
    claim = await frames(store.claim_reminders(SWEEP_AT, "two", "#review", 1000))
    renewal = await frames(store.renew_claim("two", SWEEP_AT))
    assert claim <= 12 and renewal <= 6, (claim, renewal)


async def test_on_sqlite_the_claim_reads_no_reminder_row(engine: str, store: Store) -> None:
    """The pick and the riders it brings along read covering indexes alone: the due
    reminders' rows are scattered over the table (only the channel's last message,
    one row per channel, is read from the table)."""
    if engine != "sqlite":
        pytest.skip("query plans: SQLite's (PostgreSQL plans by table statistics)")
    plan = [r["detail"] for r in await store.read(
        f"EXPLAIN QUERY PLAN {CLAIMABLE}", "claim", SWEEP_AT.isoformat(), "#review", 2000)]
    reads = [step for step in plan if step.startswith("SEARCH reminders ")
             or step.startswith("SCAN reminders")]
    assert len(reads) == 2 and all("COVERING INDEX reminders_pending" in r for r in reads), plan


async def test_on_postgres_the_claim_reads_the_pending_index_not_the_table(
        engine: str, review: Review, store: Store) -> None:
    """The claim is planned with ``CLAIM_PLAN``: the planner, taking status and due time
    as independent, expects ten times the reminders due there are and would read the
    whole table (at 100,000 jurisdictions ~6,900 pages, cold on a fresh copy, where the
    range of reminders_pending is ~100)."""
    if engine != "postgres":
        pytest.skip("query plans: PostgreSQL's")
    await letters(review, CLAIMED)
    await store.read("ANALYZE reminders")
    async with store.transaction() as db:
        await db.execute(CLAIM_PLAN)
        plan = "\n".join(r[0] for r in await db.fetch(
            f"EXPLAIN {CLAIM}", "claim", SWEEP_AT.isoformat(), "#review", 2000))
    assert "Seq Scan on reminders " not in plan, plan
    assert "reminders_pending" in plan, plan  # an index-only scan once vacuumed
