"""``save_many``: the changes of many jurisdictions in one transaction, all or none."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from storage.store import Store
from tests.storage.conftest import EVERY_WAY
from tests.storage.test_repository import Query, event, jurisdiction
from workflows.errors import Conflict
from workflows.imports import read_csv
from workflows.model import Jurisdiction, Notice, Round
from workflows.ports import StagedChange
from workflows.reminders import Kind, Reminder
from workflows.review import Review
from workflows.transfer import apply_events, import_csv, plan_events

pytestmark = EVERY_WAY  # every check holds on SQLite, staged or not, and PostgreSQL

DUE = date(2018, 2, 23)


async def two(store: Store) -> tuple[Jurisdiction, Jurisdiction]:
    await store.add_many([(jurisdiction(jid, name), [event(jid)], [])
                          for jid, name in (("albany", "Albany, NY"), ("denver", "Denver, CO"))])
    albany, denver = await store.get("albany"), await store.get("denver")
    assert albany is not None and denver is not None
    return albany, denver


def letter(j: Jurisdiction) -> StagedChange:
    """``j`` with a letter and its answer recorded: two events in one change."""
    j.state = "response_received"
    j.rounds.append(Round(1, "letter", date(2017, 11, 15), DUE, "2018-02-23",
                          outcome="responded", closed_on=date(2018, 1, 2)))
    events = [event(j.id, "letter", before="new", after="awaiting_response"),
              event(j.id, "response", before="awaiting_response", after="response_received")]
    reminder = Reminder(j.id, 1, DUE, Kind.BEFORE, datetime(2018, 2, 20, 14, tzinfo=UTC))
    return StagedChange(j, j.version, events, (), [reminder])


async def test_every_change_is_written_with_its_events_and_reminders(
        store: Store, query: Query) -> None:
    albany, denver = await two(store)
    await store.save_many([letter(albany), letter(denver)])
    for jid in ("albany", "denver"):
        saved = await store.get(jid)
        assert saved is not None
        assert (saved.state, saved.version, len(saved.rounds)) == ("response_received", 3, 1)
    assert query("SELECT jurisdiction_id, seq, kind FROM events ORDER BY jurisdiction_id, seq") \
        == [("albany", 1, "added"), ("albany", 2, "letter"), ("albany", 3, "response"),
            ("denver", 1, "added"), ("denver", 2, "letter"), ("denver", 3, "response")]
    assert query("SELECT jurisdiction_id FROM reminders ORDER BY 1") == [("albany",),
                                                                         ("denver",)]


async def test_a_conflict_on_the_last_change_undoes_the_first(store: Store,
                                                              query: Query) -> None:
    albany, denver = await two(store)
    meanwhile = await store.get("denver")
    assert meanwhile is not None
    meanwhile.owner = "USOMEONE"
    await store.save(meanwhile, 1, [event("denver", "assigned", after="new")], [])

    with pytest.raises(Conflict, match="denver"):
        await store.save_many([letter(albany), letter(denver)])  # denver is stale

    assert query("SELECT id, state, version FROM jurisdictions ORDER BY id") == [
        ("albany", "new", 1), ("denver", "new", 2)]
    assert query("SELECT count(*) FROM events WHERE jurisdiction_id = 'albany'") == [(1,)]
    assert query("SELECT count(*) FROM rounds") == [(0,)]
    assert query("SELECT count(*) FROM reminders") == [(0,)]


async def test_any_failure_part_way_leaves_the_database_as_it_was(
        store: Store, query: Query) -> None:
    albany, denver = await two(store)
    broken = letter(denver)
    broken.events[1].detail["note"] = object()  # cannot be written as JSON
    before = query("SELECT * FROM jurisdictions ORDER BY id")

    with pytest.raises(TypeError):
        await store.save_many([letter(albany), broken])

    assert query("SELECT * FROM jurisdictions ORDER BY id") == before
    assert query("SELECT count(*) FROM events") == [(2,)]
    assert query("SELECT count(*) FROM rounds") == [(0,)]
    # the store is still usable: the next change goes through
    again = await store.get("albany")
    assert again is not None
    await store.save_many([letter(again)])
    assert query("SELECT state FROM jurisdictions WHERE id = 'albany'") == [
        ("response_received",)]


async def test_notices_of_a_batch_point_at_their_own_events(store: Store,
                                                            query: Query) -> None:
    albany, denver = await two(store)
    changes = []
    for j in (albany, denver):
        change = letter(j)
        changes.append(StagedChange(j, change.expected_version, change.events,
                                    [Notice(f"#{j.id}", change.events[1])]))
    await store.save_many(changes)
    assert query("SELECT o.channel, e.jurisdiction_id, e.kind FROM outbox o JOIN events e"
                 " ON e.id = o.event_id ORDER BY o.id") == [
        ("#albany", "albany", "response"), ("#denver", "denver", "response")]


async def test_an_events_import_overtaken_by_a_change_writes_nothing(
        review: Review, query: Query) -> None:
    """The use case on the real store: checked, then someone steps in before the write."""
    towns = "id,name,state\nalbany,\"Albany, NY\",NY\ndenver,\"Denver, CO\",CO\n"
    assert (await import_csv(review, "UADMIN", towns, dry_run=False)).applied
    text = ("date,jurisdiction,event,due,detail\n"
            "2017-11-15,albany,letter_sent,2017-12-08,letter\n"
            "2017-11-15,denver,letter_sent,2017-12-08,letter\n")
    plan = await plan_events(review, "UADMIN", read_csv(text))
    assert plan.errors == [] and [c.jurisdiction.id for c in plan.changes] == ["albany",
                                                                             "denver"]
    await review.assign("UADMIN", "denver", owner="UDEB")
    before = query("SELECT * FROM jurisdictions ORDER BY id")

    with pytest.raises(Conflict, match="Someone changed Denver, CO"):
        await apply_events(review, plan)  # albany is written first, then rolled back

    assert query("SELECT * FROM jurisdictions ORDER BY id") == before
    assert query("SELECT kind FROM events WHERE jurisdiction_id = 'albany'") == [("added",)]
    assert query("SELECT count(*) FROM rounds") == [(0,)]
