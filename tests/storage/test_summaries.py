"""Subscriptions and the summary queries on a real SQLite file."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from storage import summaries as queries
from storage.store import Store
from storage.summaries import SummaryStore
from tests.storage.conftest import BOTH, Clock, Query
from workflows.deadlines import DueSpec
from workflows.model import CourtOrder, OrderKind
from workflows.review import Review
from workflows.summary import Cadence, Schedule, StateCount, Subscription

pytestmark = BOTH  # every check here holds on SQLite and on PostgreSQL

ADMIN = "UADMIN"
T0 = datetime(2018, 1, 10, 15, 0, tzinfo=UTC)
T1 = datetime(2018, 1, 20, 15, 0, tzinfo=UTC)
T2 = datetime(2018, 1, 31, 15, 0, tzinfo=UTC)
T3 = datetime(2018, 2, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def summaries(store: Store) -> SummaryStore:
    return SummaryStore(store)


async def history(review: Review, clock: Clock) -> None:
    """Four jurisdictions with steps at T0..T3:
    a: added T0, letter T1, response T2        b: added T0, letter T1, insufficient T3
    c: added T0, injunction T3 (no step)       d: added T2"""
    clock.current = T0
    for jid in ("a", "b", "c"):
        await review.add(ADMIN, jid, f"Town {jid.upper()}", "city", "IL")
    clock.current = T1
    await review.take(ADMIN, "a", "letter", due=DueSpec(on=date(2018, 2, 5)))
    await review.take(ADMIN, "b", "letter", due=DueSpec(on=date(2018, 1, 25)))
    clock.current = T2
    await review.take(ADMIN, "a", "response")
    await review.add(ADMIN, "d", "Town D", "county", "CA")
    clock.current = T3
    await review.take(ADMIN, "b", "insufficient")
    await review.attach_order(ADMIN, "c", CourtOrder(
        OrderKind.INJUNCTION, date(2018, 2, 1), "2:17-cv-03894", "E.D. Pa.", "1373",
        frozenset({"finding", "threaten"})))


# -- subscriptions -------------------------------------------------------------------------


def daily(at: time = time(9)) -> Schedule:
    return Schedule(Cadence.DAILY, at, "America/New_York")


async def test_subscribe_replace_and_unsubscribe(summaries: SummaryStore, query: Query) -> None:
    first = Subscription("CLEAD", daily(), "UANA", T0)
    assert await summaries.subscribe(first) is None
    assert await summaries.subscription("CLEAD") == first
    assert await summaries.mark_sent("CLEAD", T1)
    weekly = Subscription("CLEAD", Schedule(Cadence.WEEKLY, time(8, 30), "Europe/Paris", 0),
                          "UBEN", T2)
    replaced = await summaries.subscribe(weekly)
    assert replaced == Subscription("CLEAD", daily(), "UANA", T0, T1)
    stored = await summaries.subscription("CLEAD")
    assert stored is not None
    assert stored.schedule == weekly.schedule and stored.created_by == "UBEN"
    assert stored.last_sent_at == T1, "a new schedule still starts from the previous summary"
    assert query("SELECT weekday, at_time, timezone FROM subscriptions") == [
        (0, "08:30", "Europe/Paris")]
    await summaries.subscribe(Subscription("CA", daily(time(7)), "UANA", T0))
    assert [s.channel for s in await summaries.subscriptions()] == ["CA", "CLEAD"]
    assert await summaries.unsubscribe("CLEAD") == stored
    assert await summaries.unsubscribe("CLEAD") is None
    assert await summaries.subscription("CLEAD") is None


async def test_last_sent_at_is_utc_and_never_moves_back(summaries: SummaryStore,
                                                        query: Query) -> None:
    await summaries.subscribe(Subscription("CLEAD", daily(), "UANA", T0))
    paris = T2.astimezone(ZoneInfo("Europe/Paris"))
    assert await summaries.mark_sent("CLEAD", paris)
    assert await summaries.mark_sent("CLEAD", T1)
    assert query("SELECT last_sent_at FROM subscriptions") == [(T2.isoformat(),)]
    assert not await summaries.mark_sent("CNONE", T2)


# -- counts per state, then and now ----------------------------------------------------------


def naive_before(query: Query, since: datetime) -> dict[str, int]:
    """The definition: each jurisdiction's last event at or before ``since`` gives its
    state then; one with no such event did not exist yet."""
    rows = query("SELECT e.to_state FROM events e WHERE e.seq = (SELECT max(seq) FROM events x"
                 " WHERE x.jurisdiction_id = e.jurisdiction_id AND x.recorded_at <= ?)",
                 since.isoformat())
    counts: dict[str, int] = {}
    for (state,) in rows:
        counts[state] = counts.get(state, 0) + 1
    return counts


@pytest.mark.parametrize("since", [T0 - timedelta(days=1), T0, T0 + timedelta(days=1),
                                   T1, T2 - timedelta(hours=1), T2, T3, T3 + timedelta(days=1)])
async def test_state_counts_then_follow_the_definition(
        review: Review, clock: Clock, summaries: SummaryStore, query: Query,
        since: datetime) -> None:
    await history(review, clock)
    counts = await summaries.state_counts(since)
    assert {c.state: c.before for c in counts if c.before} == naive_before(query, since)
    now = dict(query("SELECT state, count(*) FROM jurisdictions GROUP BY state"))
    assert {c.state: c.now for c in counts if c.now} == now


async def test_state_counts_between_steps(review: Review, clock: Clock,
                                          summaries: SummaryStore) -> None:
    await history(review, clock)
    counts = await summaries.state_counts(T2 - timedelta(hours=1))
    assert sorted(counts, key=lambda c: c.state) == [
        StateCount("awaiting_response", 0, 2),
        StateCount("insufficient", 1, 0),
        StateCount("new", 2, 1),
        StateCount("response_received", 1, 0),
    ]


# -- activity --------------------------------------------------------------------------------


async def test_activity_counts_steps_additions_and_other_events(
        review: Review, clock: Clock, summaries: SummaryStore) -> None:
    await history(review, clock)
    activity = await summaries.activity(T1, T3, limit=10)
    # T1 itself is the previous summary's end: its letters are not counted again.
    assert (activity.steps, activity.added, activity.other) == (2, 1, 1)
    assert [(m.jurisdiction_id, m.from_state, m.to_state, m.at) for m in activity.moves] == [
        ("b", "awaiting_response", "insufficient", T3),
        ("a", "awaiting_response", "response_received", T2),
    ]
    assert activity.moves[0].name == "Town B" and activity.moves[0].actor == ADMIN
    capped = await summaries.activity(T0 - timedelta(days=1), T3, limit=1)
    assert capped.steps == 4 and len(capped.moves) == 1 and capped.added == 4
    quiet = await summaries.activity(T3, T3 + timedelta(days=1), limit=10)
    assert (quiet.moves, quiet.steps, quiet.added, quiet.other) == ((), 0, 0, 0)


# -- deadlines and court orders -----------------------------------------------------------


async def test_deadlines_between_are_inclusive_soonest_first_and_capped(
        review: Review, clock: Clock, summaries: SummaryStore) -> None:
    await history(review, clock)  # a: due 2018-02-05 (response closed it), b: none now
    clock.current = T3
    for jid, due in (("c", date(2018, 2, 8)), ("d", date(2018, 2, 2))):
        await review.take(ADMIN, jid, "letter", due=DueSpec(on=due))
    found = await summaries.deadlines_between(date(2018, 2, 2), date(2018, 2, 8), limit=10)
    assert [(i.jurisdiction_id, i.due_on) for i in found.items] == [
        ("d", date(2018, 2, 2)), ("c", date(2018, 2, 8))]
    assert found.total == 2 and found.items[0].state == "awaiting_response"
    assert found.items[0].us_state == "CA"
    one = await summaries.deadlines_between(date(2018, 2, 1), date(2018, 2, 28), limit=1)
    assert (len(one.items), one.total, one.hidden) == (1, 2, 1)
    none = await summaries.deadlines_between(date(2018, 2, 3), date(2018, 2, 7), limit=10)
    assert none.total == 0 and none.items == ()
    backwards = await summaries.deadlines_between(date(2018, 2, 8), date(2018, 2, 2), 10)
    assert backwards.total == 0


async def test_blocked_lists_only_active_injunctions(review: Review, clock: Clock,
                                                     summaries: SummaryStore) -> None:
    await history(review, clock)  # c: injunction from 2018-02-01
    await review.attach_order(ADMIN, "a", CourtOrder(
        OrderKind.LAWSUIT, date(2018, 1, 5), "1:18-cv-1"))
    await review.attach_order(ADMIN, "d", CourtOrder(
        OrderKind.INJUNCTION, date(2018, 1, 2), "3:18-cv-2", blocks=frozenset({"subpoena"})))
    await review.lift_order(ADMIN, "d", 1, date(2018, 1, 30))
    clock.current = datetime(2018, 3, 1, 15, 0, tzinfo=UTC)  # no order is dated ahead
    await review.attach_order(ADMIN, "b", CourtOrder(
        OrderKind.INJUNCTION, date(2018, 3, 1), "4:18-cv-3", blocks=frozenset({"finding"})))
    blocked, jurisdictions = await summaries.blocked(date(2018, 2, 1), limit=10)
    assert [(b.jurisdiction_id, b.order.case) for b in blocked.items] == [("c", "2:17-cv-03894")]
    assert blocked.items[0].order.blocks == frozenset({"finding", "threaten"})
    assert blocked.items[0].order.label() == "injunction #1 (2:17-cv-03894, E.D. Pa., 2018-02-01)"
    assert (blocked.total, jurisdictions) == (1, 1)
    earlier, _ = await summaries.blocked(date(2018, 1, 29), limit=10)
    assert [b.jurisdiction_id for b in earlier.items] == ["d"]  # lifted on the 30th
    later, count = await summaries.blocked(date(2018, 3, 1), limit=1)
    assert (len(later.items), later.total, count) == (1, 2, 2)


async def test_deadline_groups_count_running_deadlines_by_day_and_state(
        review: Review, clock: Clock, summaries: SummaryStore) -> None:
    await history(review, clock)
    clock.current = T3
    await review.take(ADMIN, "c", "letter", due=DueSpec(on=date(2018, 2, 8)))
    await review.take(ADMIN, "d", "letter", due=DueSpec(on=date(2018, 2, 8)))
    groups = await summaries.deadline_groups()
    assert sorted((g.due_on, g.us_state, g.count) for g in groups) == [
        (date(2018, 2, 8), "CA", 1), (date(2018, 2, 8), "IL", 1)]


# -- staying fast at 100,000 jurisdictions -------------------------------------------------


@pytest.mark.parametrize(("sql", "args", "index"), [
    (queries.STATE_COUNTS, ("2018",), "COVERING INDEX events_recorded_window"),
    (queries.ACTIVITY_COUNTS, ("2018", "2019"), "COVERING INDEX events_recorded_window"),
    (queries.MOVES, ("2018", "2019", 5), "events_recorded_window"),
    (queries.DUE_BETWEEN, ("2018", "2019", 5), "jurisdictions_by_due"),
    (queries.DUE_BETWEEN_COUNT, ("2018", "2019"), "COVERING INDEX jurisdictions_deadlines"),
    (queries.DEADLINE_GROUPS, (), "COVERING INDEX jurisdictions_deadlines"),
    (queries.DEADLINE_DATES, (5,), "COVERING INDEX jurisdictions_state_due"),
])
async def test_range_queries_go_through_an_index(engine: str, store: Store, sql: str,
                                                 args: tuple[object, ...], index: str) -> None:
    if engine != "sqlite":
        pytest.skip("query plans: SQLite's (PostgreSQL plans by table statistics)")
    plan = [row["detail"] for row in await store.read("EXPLAIN QUERY PLAN " + sql, *args)]
    assert any(index in step for step in plan), plan
    assert not any(step.startswith("SCAN events") for step in plan), plan


async def state_counts_plan(store: Store) -> list[str]:
    """SQLite's plan of the state counts, step by step."""
    return [row["detail"] for row in await store.read("EXPLAIN QUERY PLAN "
                                                      + queries.STATE_COUNTS, "2018")]


async def test_state_counts_read_no_row_of_events_or_jurisdictions_by_key(
        engine: str, store: Store) -> None:
    """At 1,000,000 events the period's moves are tens of thousands: a lookup into the
    events or jurisdictions table for each (its from_state, its state now) cost more
    than all the rest of the summary."""
    if engine != "sqlite":
        pytest.skip("query plans: SQLite's (PostgreSQL plans by table statistics)")
    plan = await state_counts_plan(store)
    lookups = [step for step in plan if step.startswith("SEARCH")
               and "COVERING INDEX" not in step
               and not step.startswith("SEARCH jurisdiction_counts ")]  # a dozen rows
    assert lookups == [], plan


async def test_state_counts_take_today_from_the_kept_counts(engine: str, store: Store) -> None:
    """Today's count of each state is kept by triggers (``jurisdiction_counts``): at
    100,000 jurisdictions counting them all again was about 17 ms of the summary's
    140 on PostgreSQL, a cost that grew with the review where the answer needs a dozen
    rows."""
    if engine != "sqlite":
        pytest.skip("query plans: SQLite's (PostgreSQL plans by table statistics)")
    plan = await state_counts_plan(store)
    assert not [step for step in plan if "jurisdictions " in step + " "], plan
