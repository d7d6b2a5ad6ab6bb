"""Store as the domain's Repository: aggregates, lookups, pages, history, roles
and the outbox, against a real database file."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from storage.store import Store
from tests.storage.conftest import BOTH
from workflows.errors import AlreadyExists, Conflict
from workflows.model import (
    CourtOrder,
    Event,
    Jurisdiction,
    Listing,
    Notice,
    OrderKind,
    Role,
    Round,
)
from workflows.ports import Filters

pytestmark = BOTH  # every check here holds on SQLite and on PostgreSQL

Query = Callable[..., list[tuple[Any, ...]]]
AT = datetime(2018, 2, 1, 15, 0, tzinfo=UTC)
DAY = date(2018, 2, 1)


def event(jid: str, kind: str = "added", *, at: datetime = AT, before: str | None = None,
          after: str | None = "new", **detail: Any) -> Event:
    return Event(jid, kind, "UANA", at.date(), at, before, after, {"name": jid, **detail})


def jurisdiction(jid: str, name: str, kind: str = "", us_state: str = "",
                 aliases: tuple[str, ...] = (), state: str = "new") -> Jurisdiction:
    return Jurisdiction(jid, name, kind, us_state, aliases, state)


async def add(store: Store, j: Jurisdiction, channel: str | None = None) -> Event:
    e = event(j.id, after=j.state)
    await store.add(j, [e], [Notice(channel, e)] if channel else [])
    return e


def full_jurisdiction() -> Jurisdiction:
    """Every field set, including the ones that are easy to lose on the way to disk."""
    return Jurisdiction(
        id="chicago",
        name="Chicago, IL",
        kind="city",
        us_state="IL",
        aliases=("chi", "windy-city"),
        state="clarification_requested",
        owner="UOWNER",
        channel="#chicago",
        rounds=[
            Round(1, "letter", date(2017, 5, 1), due_on=date(2017, 5, 31),
                  due_rule="30 calendar days", outcome="no_response",
                  closed_on=date(2017, 6, 2)),
            Round(2, "finding", date(2017, 6, 2), due_on=date(2017, 7, 3),
                  due_rule="20 business days", business_days=True,
                  paused_on=date(2017, 6, 10), days_left=14),
        ],
        orders=[
            CourtOrder(OrderKind.INJUNCTION, date(2017, 6, 5), "17-cv-0042",
                       court="N.D. Ill.", scope="no escalation pending appeal",
                       blocks=frozenset({"finding", "threaten", "subpoena"}),
                       lifted_on=date(2017, 8, 1), id=1),
            CourtOrder(OrderKind.LAWSUIT, date(2017, 6, 7), "2017-CH-99", id=2),
        ],
        held_from="awaiting_response",
        held_by="UANA",
    )


# -- aggregates -------------------------------------------------------------------------


async def test_a_jurisdiction_round_trips_with_every_field(store: Store) -> None:
    j = full_jurisdiction()
    await store.add(j, [event("chicago")], [])

    loaded = await store.get("chicago")
    assert loaded == replace(j, version=1)
    assert loaded is not None
    assert loaded.orders[0].blocks == frozenset({"finding", "threaten", "subpoena"})
    assert loaded.orders[1].blocks == frozenset()
    assert loaded.rounds[1].business_days is True


async def test_an_unknown_id_is_none(store: Store) -> None:
    await add(store, jurisdiction("chicago", "Chicago, IL"))
    assert await store.get("chicag") is None
    assert await store.get("CHICAGO") is None


async def test_save_writes_the_changed_aggregate_and_bumps_the_version(
        store: Store) -> None:
    j = full_jurisdiction()
    await store.add(j, [event("chicago")], [])
    loaded = await store.get("chicago")
    assert loaded is not None

    loaded.state, loaded.held_from, loaded.held_by = "awaiting_response", None, None
    loaded.owner, loaded.channel = None, "#other"
    loaded.aliases = ("windy-city",)  # "chi" removed
    loaded.rounds[1].paused_on, loaded.rounds[1].days_left = None, None
    loaded.rounds[1].due_on = date(2017, 9, 1)
    loaded.orders[0].lifted_on = date(2017, 7, 1)
    loaded.orders.append(CourtOrder(OrderKind.RULING, date(2017, 7, 2), "17-cv-0042", id=3))
    await store.save(loaded, 1, [event("chicago", "resume", after="awaiting_response")], [])

    again = await store.get("chicago")
    assert again == replace(loaded, version=2)


async def test_save_at_a_stale_version_is_a_conflict_and_changes_nothing(
        store: Store, query: Query) -> None:
    await add(store, jurisdiction("chicago", "Chicago, IL"), channel="#c")
    first = await store.get("chicago")
    second = await store.get("chicago")
    assert first is not None and second is not None

    first.state = "awaiting_response"
    await store.save(first, 1, [e := event("chicago", "letter")], [Notice("#c", e)])
    second.state, second.owner = "closed", "ULATE"
    late = event("chicago", "close", after="closed")
    with pytest.raises(Conflict, match="chicago"):
        await store.save(second, 1, [late], [Notice("#c", late)])

    stored = await store.get("chicago")
    assert stored is not None
    assert (stored.state, stored.owner, stored.version) == ("awaiting_response", None, 2)
    assert query("SELECT seq, kind FROM events ORDER BY seq") == [(1, "added"), (2, "letter")]
    assert query("SELECT count(*) FROM outbox") == [(2,)]


# -- lookups and pages ------------------------------------------------------------------


@pytest.fixture
async def five(store: Store) -> Store:
    for j in (
        jurisdiction("chicago", "Chicago, IL", "city", "IL", ("chi",), "awaiting_response"),
        jurisdiction("chicago-heights", "Chicago Heights, IL", "city", "IL"),
        jurisdiction("cook-county", "Cook County, IL", "county", "IL", ("cook",),
                     "awaiting_response"),
        jurisdiction("houston", "Houston, TX", "city", "TX", (), "closed"),
        jurisdiction("tx", "State of Texas", "state", "TX", ("texas",), "awaiting_response"),
    ):
        await add(store, j)
    return store


def ids(listings: list[Listing]) -> list[str]:
    return [item.id for item in listings]


@pytest.mark.parametrize(("text", "expected"), [
    ("chicago", ["chicago"]),            # id (also a prefix of chicago-heights)
    ("  CHICAGO  ", ["chicago"]),        # trimmed, case-insensitive
    ("chi", ["chicago"]),                # alias
    ("Cook", ["cook-county"]),           # alias, any case
    ("cook county, il", ["cook-county"]),  # name, lower-cased
    ("STATE OF TEXAS", ["tx"]),          # name, upper-cased
    ("texas", ["tx"]),
])
async def test_lookup_exact_by_id_alias_or_name(five: Store, text: str,
                                                expected: list[str]) -> None:
    exact, prefixed = await five.lookup(text, 10)
    assert ids(exact) == expected
    assert prefixed == []


@pytest.mark.parametrize(("text", "expected"), [
    ("chic", ["chicago", "chicago-heights"]),
    ("Chicago H", ["chicago-heights"]),   # name prefix
    ("co", ["cook-county"]),              # id, alias and name all match: listed once
    ("hou", ["houston"]),
    ("state of", ["tx"]),
    ("tex", ["tx"]),                      # alias prefix
    ("c", ["chicago", "chicago-heights", "cook-county"]),
])
async def test_lookup_by_prefix_when_nothing_matches_exactly(
        five: Store, text: str, expected: list[str]) -> None:
    exact, prefixed = await five.lookup(text, 10)
    assert exact == []
    assert ids(prefixed) == expected


async def test_lookup_honours_the_limit_and_misses_cleanly(five: Store) -> None:
    assert ids((await five.lookup("c", 2))[1]) == ["chicago", "chicago-heights"]
    assert await five.lookup("zurich", 10) == ([], [])
    assert await five.lookup("chicago%", 10) == ([], [])


async def test_lookup_returns_full_listings(five: Store) -> None:
    exact, _ = await five.lookup("chi", 10)
    assert exact == [Listing("chicago", "Chicago, IL", "city", "IL", "awaiting_response",
                             None, None)]


async def test_a_listing_carries_the_running_deadline_and_owner(store: Store) -> None:
    j = jurisdiction("chicago", "Chicago, IL", "city", "IL", (), "awaiting_response")
    j.owner = "UOWNER"
    j.rounds.append(Round(1, "letter", date(2018, 1, 2), due_on=date(2018, 2, 1)))
    await add(store, j)
    page, total = await store.page(Filters(), 0, 10)
    assert (page, total) == ([Listing("chicago", "Chicago, IL", "city", "IL",
                                      "awaiting_response", date(2018, 2, 1), "UOWNER")], 1)


async def test_page_orders_by_name_with_offsets_and_a_total(five: Store) -> None:
    # "chicago heights, il" < "chicago, il" (space before comma); "state of texas" last
    by_name = ["chicago-heights", "chicago", "cook-county", "houston", "tx"]
    pages = [await five.page(Filters(), offset, 2) for offset in (0, 2, 4, 6)]
    assert [ids(rows) for rows, _ in pages] == [by_name[0:2], by_name[2:4], by_name[4:], []]
    assert {total for _, total in pages} == {5}


@pytest.mark.parametrize(("filters", "expected"), [
    (Filters(state="awaiting_response"), ["chicago", "cook-county", "tx"]),
    (Filters(kind="city"), ["chicago-heights", "chicago", "houston"]),
    (Filters(us_state="TX"), ["houston", "tx"]),
    (Filters(state="awaiting_response", us_state="IL"), ["chicago", "cook-county"]),
    (Filters(kind="city", us_state="TX"), ["houston"]),
    (Filters(state="cleared"), []),
])
async def test_page_filters_and_counts_only_what_matches(
        five: Store, filters: Filters, expected: list[str]) -> None:
    rows, total = await five.page(filters, 0, 10)
    assert (ids(rows), total) == (expected, len(expected))
    rows, total = await five.page(filters, 1, 1)
    assert (ids(rows), total) == (expected[1:2], len(expected))


async def test_taken_keys_are_every_id_and_alias(five: Store) -> None:
    assert await five.taken_keys() == {"chicago", "chi", "chicago-heights", "cook-county",
                                       "cook", "houston", "tx", "texas"}


# -- history ----------------------------------------------------------------------------


async def test_exact_many_finds_what_lookup_finds_for_each_text(five: Store) -> None:
    texts = ["chicago", "chi", "cook", "cook county, il", "state of texas", "texas",
             "chic", "zurich", "chicago%"]
    found = await five.exact_many(texts)
    for text in texts:
        exact, _ = await five.lookup(text, 10)
        assert found.get(text, []) == ids(exact), text
    assert "chic" not in found and "zurich" not in found


async def test_exact_many_gives_every_jurisdiction_a_text_names(store: Store) -> None:
    await add(store, jurisdiction("springfield-il", "Springfield"))
    await add(store, jurisdiction("springfield-mo", "Springfield"))
    await add(store, jurisdiction("mo", "Missouri", aliases=("springfield",)))
    assert await store.exact_many(["springfield"]) == {
        "springfield": ["mo", "springfield-il", "springfield-mo"]}


async def test_get_many_and_events_of_read_as_get_and_history_do(five: Store) -> None:
    chicago = await five.get("chicago")
    assert chicago is not None
    chicago.rounds.append(Round(1, "letter", DAY, DAY + timedelta(days=30), "30 days"))
    later = event("chicago", "letter", at=AT + timedelta(hours=1), before="new",
                  after="awaiting_response")
    await five.save(chicago, 1, [later], [])
    ids_ = [f"town-{n}" for n in range(1200)]  # more than one query's worth of ids
    got = await five.get_many(["chicago", "tx", "nowhere", *ids_])
    assert sorted(got) == ["chicago", "tx"]
    for jid in ("chicago", "tx"):
        assert got[jid] == await five.get(jid)
    history = await five.events_of(["chicago", "houston", "nowhere"])
    assert sorted(history) == ["chicago", "houston"]
    assert history["chicago"] == list(reversed((await five.history("chicago", 0, 10))[0]))


async def test_history_is_newest_first_with_sequence_numbers(store: Store) -> None:
    j = jurisdiction("chicago", "Chicago, IL")
    added = await add(store, j)
    await add(store, jurisdiction("houston", "Houston, TX"))  # another history, not mixed in
    later = [event("chicago", kind, at=AT + timedelta(hours=n), before="new",
                   after="awaiting_response", n=n)
             for n, kind in enumerate(("letter", "assigned", "aliased"), start=1)]
    await store.save(j, 1, later[:1], [])
    await store.save(j, 2, later[1:], [])  # two events in one change

    events, total = await store.history("chicago", 0, 10)
    assert total == 4
    assert events == [replace(later[2], seq=4), replace(later[1], seq=3),
                      replace(later[0], seq=2), replace(added, seq=1)]
    assert events[0].at.tzinfo is not None
    stored = await store.get("chicago")
    assert stored is not None and stored.version == 4

    middle, total = await store.history("chicago", 1, 2)
    assert ([e.seq for e in middle], total) == ([3, 2], 4)
    assert await store.history("nowhere", 0, 10) == ([], 0)


# -- roles ------------------------------------------------------------------------------


async def test_roles_are_set_read_listed_and_audited(store: Store, query: Query) -> None:
    assert await store.role("UANA") is None
    assert await store.roles() == []

    await store.set_role("UZED", Role.COUNSEL, "UADMIN", AT)
    await store.set_role("UANA", Role.ANALYST, "UADMIN", AT)
    await store.set_role("UANA", Role.LEAD, "UBOSS", AT + timedelta(days=1))

    assert await store.role("UANA") is Role.LEAD
    assert await store.role("UZED") is Role.COUNSEL
    assert await store.role("UNOBODY") is None
    assert await store.roles() == [("UANA", Role.LEAD), ("UZED", Role.COUNSEL)]
    assert query("SELECT user_id, role, granted_by FROM role_grants ORDER BY id") == [
        ("UZED", "counsel", "UADMIN"), ("UANA", "analyst", "UADMIN"), ("UANA", "lead", "UBOSS")]


# -- outbox -----------------------------------------------------------------------------


async def test_notices_are_pending_until_marked_sent(store: Store, query: Query) -> None:
    j = jurisdiction("chicago", "Chicago, IL")
    added = await add(store, j, channel="#a")
    letter = event("chicago", "letter", at=AT + timedelta(hours=1), after="awaiting_response")
    await store.save(j, 1, [letter], [Notice("#b", letter), Notice("#c", letter)])

    pending = await store.pending_notices(10)
    assert [(p.channel, p.event, p.attempts) for p in pending] == [
        ("#a", replace(added, seq=1), 0),
        ("#b", replace(letter, seq=2), 0),
        ("#c", replace(letter, seq=2), 0),
    ]
    assert [p.id for p in await store.pending_notices(2)] == [p.id for p in pending[:2]]

    sent_at = AT + timedelta(minutes=5)
    await store.mark_sent(pending[1].id, sent_at)
    assert [p.id for p in await store.pending_notices(10)] == [pending[0].id, pending[2].id]
    assert query("SELECT sent_at, attempts FROM outbox WHERE id = ?", pending[1].id) == [
        (sent_at.isoformat(), 1)]

    for p in (pending[0], pending[2]):
        await store.mark_sent(p.id, sent_at)
    assert await store.pending_notices(10) == []


async def test_outbox_rows_point_at_the_event_of_their_change(store: Store,
                                                              query: Query) -> None:
    j = jurisdiction("chicago", "Chicago, IL")
    await add(store, j)
    letter = event("chicago", "letter", at=AT + timedelta(hours=1))
    await store.save(j, 1, [event("chicago", "aliased"), letter], [Notice("#c", letter)])
    assert query(
        "SELECT e.seq, e.kind, o.created_at FROM outbox o JOIN events e ON e.id = o.event_id"
    ) == [(3, "letter", letter.at.isoformat())]


async def test_a_notice_that_cannot_be_written_rolls_the_whole_change_back(
        store: Store, query: Query) -> None:
    """The outbox row is written last, in the change's transaction: when it fails, the
    aggregate and its event are not there either."""
    j = jurisdiction("chicago", "Chicago, IL")
    await add(store, j)
    j.state = "awaiting_response"
    letter = event("chicago", "letter", after="awaiting_response")
    unwritable = Notice(None, letter)  # type: ignore[arg-type]  # outbox.channel NOT NULL
    with pytest.raises((sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)):
        await store.save(j, 1, [letter], [unwritable])

    stored = await store.get("chicago")
    assert stored is not None
    assert (stored.state, stored.version) == ("new", 1)
    assert query("SELECT kind FROM events") == [("added",)]
    assert query("SELECT count(*) FROM outbox") == [(0,)]
    # and the store is still usable afterwards
    await store.save(j, 1, [letter], [Notice("#c", letter)])
    assert [p.channel for p in await store.pending_notices(10)] == ["#c"]


async def test_a_failed_attempt_stays_pending_and_a_dropped_one_does_not(
        store: Store, query: Query) -> None:
    j = jurisdiction("chicago", "Chicago, IL")
    await add(store, j, channel="#gone")
    letter = event("chicago", "letter")
    await store.save(j, 1, [letter], [Notice("#ok", letter)])
    gone, ok = await store.pending_notices(10)

    await store.mark_failed(ok.id, "ratelimited", None)
    await store.mark_failed(ok.id, "x" * 2000, None)
    pending = await store.pending_notices(10)
    assert [(p.id, p.attempts) for p in pending] == [(gone.id, 0), (ok.id, 2)]
    assert query("SELECT length(last_error), dropped_at FROM outbox WHERE id = ?", ok.id) == [
        (500, None)]

    dropped_at = AT + timedelta(minutes=1)
    await store.mark_failed(gone.id, "channel_not_found", dropped_at)
    assert [p.id for p in await store.pending_notices(10)] == [ok.id]
    assert query("SELECT attempts, last_error, dropped_at, sent_at FROM outbox WHERE id = ?",
                 gone.id) == [(1, "channel_not_found", dropped_at.isoformat(), None)]


# -- add_many ---------------------------------------------------------------------------


async def test_add_many_inserts_a_whole_batch(store: Store) -> None:
    batch = [(jurisdiction(jid, jid.title(), aliases=(f"{jid}-x",)), [event(jid)], [])
             for jid in ("aa", "bb", "cc")]
    await store.add_many(batch)
    rows, total = await store.page(Filters(), 0, 10)
    assert (ids(rows), total) == (["aa", "bb", "cc"], 3)
    assert (await store.get("bb")) == replace(batch[1][0], version=1)


@pytest.mark.parametrize("clash", ["id in the batch", "alias in the batch", "id in the store"])
async def test_add_many_is_all_or_nothing(store: Store, query: Query,
                                          clash: str) -> None:
    if clash == "id in the store":
        await add(store, jurisdiction("bb", "Existing"))
    first = jurisdiction("aa", "Aa", aliases=("a1",))
    second = jurisdiction("bb", "Bb", aliases=("a1",) if clash == "alias in the batch" else ())
    third = jurisdiction("aa" if clash == "id in the batch" else "cc", "Cc")
    batch = [(j, [e := event(j.id)], [Notice("#c", e)]) for j in (first, second, third)]
    before = (query("SELECT count(*) FROM jurisdictions"), query("SELECT count(*) FROM events"))

    with pytest.raises(AlreadyExists):
        await store.add_many(batch)

    assert (query("SELECT count(*) FROM jurisdictions"),
            query("SELECT count(*) FROM events")) == before
    assert query("SELECT count(*) FROM aliases") == [(0,)]
    assert query("SELECT count(*) FROM outbox") == [(0,)]
    assert await store.get("aa") is None
    assert await store.pending_notices(10) == []


async def test_times_are_stored_in_utc_so_they_compare_as_text(store: Store,
                                                               query: Query) -> None:
    from zoneinfo import ZoneInfo

    new_york = datetime(2018, 1, 24, 8, 0, tzinfo=ZoneInfo("America/New_York"))
    j = jurisdiction("aa", "Aa")
    e = event("aa", at=new_york)
    await store.add(j, [e], [Notice("#c", e)])
    assert query("SELECT recorded_at FROM events") == [("2018-01-24T13:00:00+00:00",)]
    assert query("SELECT created_at FROM outbox") == [("2018-01-24T13:00:00+00:00",)]
    [back], _ = await store.history("aa", 0, 1)
    assert back.at == new_york
