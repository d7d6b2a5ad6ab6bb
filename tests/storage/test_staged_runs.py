"""A big staged write (SQLite) is made and staged a run of changes at a time, and its
new jurisdictions are counted once (migration 0019): the same rows, in the same order,
with the same counts, as one run of the whole would write."""

from __future__ import annotations

import pytest

from storage import writes
from storage.store import Store
from tests.storage.conftest import Query
from tests.storage.test_pages import kept_and_true
from tests.storage.test_repository import event, jurisdiction

pytestmark = pytest.mark.parametrize("engine", ["staged"])


def shuffled(count: int) -> list[str]:
    """Ids not in the order they sort in, so that runs cut from the items as given
    would write the events in another order."""
    return [f"town-{(n * 7) % count:03d}" for n in range(count)]


async def test_runs_write_what_one_run_would_in_the_same_order(
        store: Store, query: Query, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writes, "STAGE_RUN", 3)
    ids = shuffled(10)
    await store.add_many([(jurisdiction(jid, jid.title(), us_state=("CA", "NY")[n % 2],
                                        aliases=(f"a{jid}",)), [event(jid)], [])
                          for n, jid in enumerate(ids)])
    assert [r[0] for r in query("SELECT jurisdiction_id FROM events ORDER BY id")] == sorted(ids)
    assert query("SELECT count(*) FROM aliases") == [(10,)]
    assert query("SELECT count(*), sum(events) FROM chain_blocks") == [(1, 10)]
    kept, true = kept_and_true(query)
    assert kept == true and kept[("all", "")] == 10 and kept[("us_state", "NY")] == 5
    assert query("SELECT count(*) FROM jurisdiction_counts_paused") == [(0,)]


async def test_a_second_big_write_adds_to_the_counts_and_a_small_one_still_counts(
        store: Store, query: Query) -> None:
    await store.add_many([(jurisdiction(f"c{n}", f"C {n}", us_state="CA"), [event(f"c{n}")],
                           []) for n in range(5)])
    await store.add_many([(jurisdiction(f"d{n}", f"D {n}", us_state="CA"), [event(f"d{n}")],
                           []) for n in range(4)])
    store.staged_from = writes.STAGED_FROM  # the row-by-row way: the trigger counts
    await store.add(jurisdiction("e0", "E 0", us_state="TX"), [event("e0")], [])
    kept, true = kept_and_true(query)
    assert kept == true and kept[("all", "")] == 10 and kept[("us_state", "TX")] == 1
