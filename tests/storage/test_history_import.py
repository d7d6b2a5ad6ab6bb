"""A past-events import played and written a group of jurisdictions at a time
(``workflows.history``, ``Repository.save_stream``): still all or nothing, on SQLite
(row by row, staged, and a run at a time) and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest

from storage.store import Store
from tests.storage.conftest import EVERY_WAY
from tests.storage.test_repository import Query
from workflows.errors import Conflict
from workflows.event_lines import Tally
from workflows.history import import_events
from workflows.imports import ImportReport, csv_reader, read_header
from workflows.ports import StagedChange
from workflows.review import Review
from workflows.transfer import import_csv

pytestmark = EVERY_WAY

TOWNS = [f"town-{n}" for n in range(5)]
HEADER = "date,jurisdiction,event,due,detail\n"
GOOD = HEADER + "".join(f"2017-11-15,{t},letter_sent,2017-12-08,\n"
                        f"2017-12-01,{t},response_received,,\n" for t in TOWNS)


@pytest.fixture
async def towns(review: Review, store: Store, engine: str) -> Review:
    text = "id,name\n" + "".join(f"{t},Town {t[-1]}\n" for t in TOWNS)
    assert (await import_csv(review, "UADMIN", text, dry_run=False)).applied
    if engine == "sqlite":  # this way, every write of two or more goes a run of two at a
        # time (one change, as a person's step, goes as small writes go)
        store.runs_from, store.run_size = 2, 2  # type: ignore[attr-defined]
    return review


async def played(review: Review, text: str, dry_run: bool = False) -> ImportReport:
    """``text`` imported two jurisdictions a group."""
    reader = csv_reader(text)
    return await import_events(review, "UADMIN", read_header(reader), reader, dry_run, None,
                               Tally(), group=2)


def leftovers(query: Query, engine: str) -> list[tuple[object, ...]]:
    if engine == "postgres":
        return []
    return query("SELECT name FROM sqlite_master WHERE name LIKE 'import\\_%' ESCAPE '\\'"
                 " AND name <> 'import_runs'") + query("SELECT id FROM import_runs")


async def test_every_group_is_written_when_every_line_is_good(
        towns: Review, query: Query, engine: str) -> None:
    tally = Tally()
    reader = csv_reader(GOOD)
    report = await import_events(towns, "UADMIN", read_header(reader), reader, False, None,
                                 tally, group=2)
    assert report.applied and (report.jurisdictions, report.steps) == (5, 10)
    assert query("SELECT state, count(*) FROM jurisdictions GROUP BY state") == [
        ("response_received", 5)]
    assert query("SELECT count(*) FROM events WHERE kind = 'response'") == [(5,)]
    assert (tally.stage, tally.done, tally.total) == ("done", 10, 10)
    assert leftovers(query, engine) == []


async def test_a_bad_line_in_the_last_group_writes_none_of_the_first(
        towns: Review, query: Query, engine: str) -> None:
    before = query("SELECT id, version, state FROM jurisdictions ORDER BY id")
    report = await played(towns, GOOD + "2017-12-02,town-4,letter_snet,,\n")
    assert report.errors == ["line 12: “letter_snet” is not an event this record knows "
                             "(cleared, found_insufficient, injunction, lawsuit_filed, "
                             "letter_sent, preliminary_finding, response_received, ruling, "
                             "subpoena_threatened)"]
    assert not report.applied
    assert query("SELECT id, version, state FROM jurisdictions ORDER BY id") == before
    assert query("SELECT count(*) FROM events WHERE kind <> 'added'") == [(0,)]
    assert leftovers(query, engine) == []


async def test_a_step_refused_in_a_later_group_writes_nothing_and_is_named(
        towns: Review, query: Query) -> None:
    report = await played(towns, GOOD + "2017-12-05,town-4,response_received,,\n")
    assert len(report.errors) == 1 and report.errors[0].startswith(
        "line 12: response_received on 2017-12-05 for town-4:")
    assert query("SELECT count(*) FROM events WHERE kind <> 'added'") == [(0,)]


async def test_a_dry_run_in_groups_counts_as_the_import_would_and_writes_nothing(
        towns: Review, query: Query) -> None:
    report = await played(towns, GOOD, dry_run=True)
    assert (report.errors, report.jurisdictions, report.steps) == ([], 5, 10)
    assert report.standing() == ["5 response received, under review"]
    assert query("SELECT count(*) FROM events WHERE kind <> 'added'") == [(0,)]


async def test_a_stream_that_fails_half_way_writes_nothing(
        towns: Review, store: Store, query: Query, engine: str) -> None:
    """As a process that dies after its first group: nothing is written, nothing left."""
    first = await towns.repo.get_many(TOWNS[:2])
    changes = [StagedChange(j, j.version, [], (), None) for j in first.values()]

    async def groups() -> AsyncIterator[Sequence[StagedChange]]:
        yield changes
        raise RuntimeError("the importing process died")

    with pytest.raises(RuntimeError, match="died"):
        await store.save_stream(groups(), len(TOWNS))
    assert query("SELECT count(*) FROM events WHERE kind <> 'added'") == [(0,)]
    assert leftovers(query, engine) == []


async def test_a_change_to_an_early_group_while_later_ones_are_checked_writes_nothing(
        towns: Review, store: Store, query: Query) -> None:
    early = await towns.repo.get_many(TOWNS[:2])
    later = await towns.repo.get_many(TOWNS[2:])

    async def groups() -> AsyncIterator[Sequence[StagedChange]]:
        yield [StagedChange(j, j.version, [], (), None) for j in early.values()]
        await towns.assign("UADMIN", TOWNS[0], owner="UDEB")  # someone steps in
        yield [StagedChange(j, j.version, [], (), None) for j in later.values()]

    before = query("SELECT id, version FROM jurisdictions WHERE id <> 'town-0' ORDER BY id")
    with pytest.raises(Conflict):
        await store.save_stream(groups(), len(TOWNS))
    assert query("SELECT id, version FROM jurisdictions WHERE id <> 'town-0'"
                 " ORDER BY id") == before
