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
