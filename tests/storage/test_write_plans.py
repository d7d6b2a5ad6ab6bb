"""PostgreSQL plans a statement run over many rows once (``Connection.executemany``),
and every statement after it in the transaction is planned for its values again."""

from __future__ import annotations

import pytest

from storage.postgres import GENERIC_FROM
from storage.store import Store
from tests.storage.conftest import Query
from tests.storage.test_repository import event, jurisdiction


@pytest.mark.parametrize("engine", ["postgres"])
async def test_many_rows_are_planned_once_and_what_follows_for_its_values(
        store: Store, query: Query) -> None:
    await store.add(jurisdiction("albany", "Albany"), [event("albany")], [])
    async with store.transaction() as db:
        await db.executemany("INSERT INTO roles (user_id, role, granted_by, granted_at)"
                             " VALUES (?, 'analyst', 'UADMIN', '2018-02-01')",
                             [(f"U{n}",) for n in range(GENERIC_FROM + 5)])
        [mode] = await db.fetch("SHOW plan_cache_mode")
    assert mode["plan_cache_mode"] == "force_custom_plan"
    assert query("SELECT count(*) FROM roles") == [(GENERIC_FROM + 5,)]
