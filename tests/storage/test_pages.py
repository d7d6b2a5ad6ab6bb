"""Pages that cost the same wherever they are (issue 14): the counts kept by triggers stay
true through every way of writing, pages read by cursor are the pages read by number,
and each page's query walks an index in its order (no sort, no scan of the table)."""

from __future__ import annotations

from datetime import date

import pytest

from storage.database import numbered
from storage.mutes import MUTES_OF
from storage.reads import EXACT, page_query
from storage.store import Store
from tests.storage.conftest import EVERY_WAY, Query
from tests.storage.test_save_many import letter
from workflows.deadlines import DueSpec, Tier
from workflows.model import Jurisdiction, Role
from workflows.ports import Cursor, DueRange, Filters
from workflows.review import Review
from workflows.tiers import in_tier

ADMIN = "UADMIN"
FACETS = (("state", "state", ""), ("kind", "kind", ""), ("us_state", "us_state", ""),
          ("owner", "owner", " WHERE owner IS NOT NULL"),
          ("due_us_state", "us_state", " WHERE due_on IS NOT NULL"))


def kept_and_true(query: Query) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    kept = {(f, v): n for f, v, n in query(
        "SELECT facet, value, n FROM jurisdiction_counts WHERE n <> 0")}
    everyone = query("SELECT count(*) FROM jurisdictions")[0][0]
    true = {("all", ""): everyone} if everyone else {}
    for facet, column, where in FACETS:
        true |= {(facet, v): n for v, n in query(
            f"SELECT {column}, count(*) FROM jurisdictions{where} GROUP BY {column}")}
    return kept, true


@EVERY_WAY
async def test_the_kept_counts_stay_true_through_every_way_of_writing(
        store: Store, review: Review, query: Query) -> None:
    await review.add(ADMIN, "albany", "Albany, NY", "city", "NY")
    await review.add(ADMIN, "denver", "Denver, CO", "city", "CO")
    await review.import_jurisdictions(ADMIN, [Jurisdiction(f"c{n}", f"County {n}", "county",
                                                           "CA") for n in range(30)])
    await review.take(ADMIN, "albany", "letter", due=DueSpec(days=30))
    await review.assign(ADMIN, "albany", owner="UANA")
    await review.assign(ADMIN, "c1", owner="UANA")
    await review.assign(ADMIN, "c1", owner="UBEN")
    denver = await store.get("denver")
    assert denver is not None
    await store.save_many([letter(denver)])  # a batch's way: many changes at once
    await review.grant(ADMIN, "ULEAD", Role.LEAD)
    await review.take(ADMIN, "c2", "letter", due=DueSpec(days=30))
    await review.take("ULEAD", "c2", "close")
    kept, true = kept_and_true(query)
    assert kept == true
    assert kept[("all", "")] == 32 and kept[("owner", "UBEN")] == 1
    assert kept[("due_us_state", "NY")] == 1 and ("state", "closed") in kept


@EVERY_WAY
async def test_pages_by_cursor_are_the_pages_by_number(store: Store, review: Review) -> None:
    await review.import_jurisdictions(ADMIN, [
        Jurisdiction(f"j{n:02d}", f"{'Same' if n % 3 else 'Other'} name", "city", "NY")
        for n in range(47)])  # names repeat: the id breaks the ties
    for filters in (Filters(), Filters(state="new"), Filters(kind="city", us_state="NY")):
        by_number = [(await store.page(filters, offset, 10))[0] for offset in range(0, 50, 10)]
        forward, cursor = [], None
        for _ in by_number:
            page, total = await store.page(filters, 0, 10, cursor)
            forward.append(page)
            cursor = Cursor(page[-1].name.lower(), page[-1].id) if page else None
        assert forward == by_number and total == 47
        back = Cursor(by_number[3][0].name.lower(), by_number[3][0].id, backward=True)
        assert (await store.page(filters, 0, 10, back))[0] == by_number[2]
    gone = Cursor("zzz", "zzz")  # after the last: an empty page, not an error
    assert (await store.page(Filters(), 0, 10, gone))[0] == []


@EVERY_WAY
async def test_history_pages_start_at_a_number(store: Store, review: Review) -> None:
    await review.add(ADMIN, "albany", "Albany, NY", "city", "NY")
    for n in range(4):
        await review.assign(ADMIN, "albany", owner=f"U{n}")
    events, total = await store.history("albany", 0, 2)
    assert total == 5 and [e.seq for e in events] == [5, 4]
    assert [e.seq for e in (await store.history("albany", 4, 2))[0]] == [1]
    assert await store.history("nowhere", 0, 2) == ([], 0)


# -- each page's query walks an index (SQLite's plans; PostgreSQL's below) ---------------

PAGES = [Filters(), Filters(state="new"), Filters(kind="county"), Filters(us_state="CA"),
         Filters(owner="UANA"), Filters(state="new", kind="county"),
         Filters(due=(DueRange("CA", date(2018, 1, 1), date(2018, 2, 1)),
                      DueRange("NY", date(2018, 1, 1), date(2018, 2, 1)),
                      DueRange("IL", None, date(2018, 1, 3))))]


def plan_problems(plan: list[str]) -> list[str]:
    return [step for step in plan if "TEMP B-TREE" in step
            or (step.startswith("SCAN jurisdictions") and "INDEX" not in step)]


@pytest.mark.parametrize("filters", PAGES)
@pytest.mark.parametrize(("after", "backward"), [
    (None, False), (None, True), (Cursor("m", "m"), False), (Cursor("m", "m", True), False)])
async def test_every_page_walks_an_index_in_its_order(store: Store, filters: Filters,
                                                      after: Cursor | None,
                                                      backward: bool) -> None:
    sql, args = page_query(filters, 4_980, 20, after, backward=backward)
    plan = [row["detail"] for row in await store.read("EXPLAIN QUERY PLAN " + sql, *args)]
    assert plan_problems(plan) == [], plan


@pytest.mark.parametrize("engine", ["postgres"])
@pytest.mark.parametrize("filters", PAGES)
@pytest.mark.parametrize("after", [None, Cursor("m", "m"), Cursor("m", "m", backward=True)])
async def test_every_page_has_an_index_plan_on_postgres(store: Store, database_url: str,
                                                        filters: Filters,
                                                        after: Cursor | None) -> None:
    """With sequential scans and sorts priced out, a plan that still has one has no index
    to do without it (an empty table's statistics would otherwise pick a scan)."""
    import asyncpg

    sql, args = page_query(filters, 4_980, 20, after, unindexed="{}")
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("SET enable_seqscan = off; SET enable_sort = off;"
                           " SET enable_bitmapscan = off")
        plan = "\n".join(r[0] for r in await conn.fetch("EXPLAIN " + numbered(sql), *args))
    finally:
        await conn.close()
    assert "Sort" not in plan and "Seq Scan" not in plan, plan


@pytest.mark.parametrize("engine", ["postgres"])
async def test_a_name_is_looked_up_in_indexes_on_postgres(store: Store,
                                                           database_url: str) -> None:
    """``show``, ``history`` and every step find their jurisdiction this way."""
    import asyncpg

    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("SET enable_seqscan = off")
        plan = "\n".join(r[0] for r in await conn.fetch("EXPLAIN " + numbered(EXACT),
                                                         "chicago", 10))
    finally:
        await conn.close()
    assert "Filter" not in plan and "Seq Scan" not in plan, plan


async def test_a_tier_checks_a_few_ranges_not_one_per_state(store: Store) -> None:
    """Most states share a calendar: a tier is a range or a few, each for many states."""
    overdue = await in_tier(store, Filters(), Tier.OVERDUE, date(2018, 2, 1))
    assert overdue.due == ()
    sql, _ = page_query(Filters(due=tuple(DueRange(f"S{n}", None, date(2018, 1, 1))
                                          for n in range(40))), 0, 20)
    assert " OR " not in sql and sql.count("IN (") == 1


@pytest.mark.parametrize("sql", [
    "SELECT max(seq) AS n FROM events WHERE jurisdiction_id = ?",
    "SELECT * FROM events WHERE jurisdiction_id = ? AND seq <= ? ORDER BY seq DESC LIMIT 20",
    "SELECT n FROM jurisdiction_counts WHERE facet = 'state' AND value = ?",
    "SELECT count(*) FROM events WHERE jurisdiction_id = ? AND kind = 'evidence'",
    MUTES_OF.format(marks="?").replace("(?, ?)", "('mute', 'unmute')"),
])
async def test_history_and_totals_are_index_lookups(store: Store, sql: str) -> None:
    args = ["albany", 5][:sql.count("?")]
    plan = [row["detail"] for row in await store.read("EXPLAIN QUERY PLAN " + sql, *args)]
    assert all(step.startswith("SEARCH") for step in plan), plan
    assert "kind" not in sql or "events_kind" in plan[0], plan
    assert not any("TEMP B-TREE" in step for step in plan), plan


@pytest.mark.parametrize("engine", ["postgres"])
async def test_postgres_plans_each_page_for_its_values(store: Store) -> None:
    """asyncpg prepares each statement once; from its sixth run PostgreSQL would settle on
    a plan made blind to the values (a tier's first page sorted every row of the tier)."""
    for _ in range(7):
        await store.page(Filters(due=(DueRange("CA", date(2018, 1, 1), None),)), 0, 20)
    assert (await store.read("SHOW plan_cache_mode"))[0]["plan_cache_mode"] == (
        "force_custom_plan")
