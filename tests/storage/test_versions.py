"""A step's row is updated without the columns it leaves as they were
(``storage.versions.STEP_UPDATE``), a change of them in full: either way the row, and
the counts kept of owners, kinds and states, end as the change says, on both engines."""

from __future__ import annotations

from datetime import date
from typing import Any

from storage.store import Store
from tests.storage.conftest import BOTH
from tests.storage.test_claims import letters
from workflows.deadlines import DueSpec
from workflows.review import Review

pytestmark = BOTH
COLUMNS = ("name", "name_key", "kind", "us_state", "state", "owner", "channel", "held_from",
           "held_by", "last_step_on", "due_on", "version")


async def row(store: Store, jid: str) -> dict[str, Any]:
    [found] = await store.read(f"SELECT {', '.join(COLUMNS)} FROM jurisdictions"
                               " WHERE id = ?", jid)
    return {column: found[column] for column in COLUMNS}


async def counts(store: Store, facet: str) -> dict[str, int]:
    rows = await store.read("SELECT value, n FROM jurisdiction_counts WHERE facet = ?"
                            " AND n > 0", facet)
    return {r["value"]: int(r["n"]) for r in rows}


async def test_steps_and_assignments_end_as_the_change_says(review: Review,
                                                            store: Store) -> None:
    await letters(review, 2)  # town-000 and town-001: letters due 2018-02-23, v2
    await review.assign("UADMIN", "town-000", owner="UANA", channel="#west")
    assert await row(store, "town-000") == {
        "name": "Town 000", "name_key": "town 000", "kind": "city", "us_state": "CA",
        "state": "awaiting_response", "owner": "UANA", "channel": "#west",
        "held_from": None, "held_by": None, "last_step_on": "2018-02-01",
        "due_on": "2018-02-23", "version": 3}
    await review.take("UADMIN", "town-000", "response", date(2018, 2, 1))
    await review.take("UADMIN", "town-001", "response", date(2018, 2, 1))
    after = await row(store, "town-000")
    assert after["state"] == "response_received" and after["version"] == 4
    assert (after["owner"], after["channel"], after["kind"]) == ("UANA", "#west", "city")
    assert (await row(store, "town-001"))["owner"] is None
    assert await counts(store, "owner") == {"UANA": 1}
    assert await counts(store, "state") == {"response_received": 2}
    await review.assign("UADMIN", "town-001", owner="UANA")
    await review.take("UADMIN", "town-001", "insufficient", date(2018, 2, 1))
    await review.take("UADMIN", "town-001", "letter", date(2018, 2, 1), DueSpec(days=30))
    assert await counts(store, "owner") == {"UANA": 2}
    assert await counts(store, "state") == {"response_received": 1, "awaiting_response": 1}
    assert (await row(store, "town-001"))["due_on"] == "2018-03-05"


async def alias_rows(store: Store, engine: str) -> dict[str, tuple[str, str]]:
    """Each alias: its jurisdiction and where its row is stored (SQLite's rowid,
    PostgreSQL's ctid), which a row deleted and inserted again does not keep."""
    where = "ctid::text" if engine == "postgres" else "CAST(rowid AS TEXT)"
    rows = await store.read(f"SELECT alias, jurisdiction_id, {where} AS place FROM aliases")
    return {r["alias"]: (r["jurisdiction_id"], r["place"]) for r in rows}


async def test_a_step_leaves_aliases_alone_and_a_new_alias_is_written(
        review: Review, store: Store, engine: str) -> None:
    await letters(review, 3)
    await review.add_alias("UADMIN", "town-000", "t0")
    await review.add_alias("UADMIN", "town-001", "t1")
    await review.add_alias("UADMIN", "town-001", "t1b")
    before = await alias_rows(store, engine)
    assert {a: j for a, (j, _) in before.items()} == {
        "t0": "town-000", "t1": "town-001", "t1b": "town-001"}
    for jid in ("town-000", "town-001", "town-002"):
        await review.take("UADMIN", jid, "response", date(2018, 2, 1))
    after = await alias_rows(store, engine)
    assert after["t0"] == before["t0"]  # one alias, unchanged: its row left as it was
    assert {a: j for a, (j, _) in after.items()} == {
        "t0": "town-000", "t1": "town-001", "t1b": "town-001"}
    await review.add_alias("UADMIN", "town-000", "t0b")
    await review.add_alias("UADMIN", "town-002", "t2")
    assert {a: j for a, (j, _) in (await alias_rows(store, engine)).items()} == {
        "t0": "town-000", "t0b": "town-000", "t1": "town-001", "t1b": "town-001",
        "t2": "town-002"}
    assert (await review.resolve("t2")).id == "town-002"
