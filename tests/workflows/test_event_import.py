"""Importing past events (rows shaped like record.csv): every line checked against the
workflow on in-memory copies first, then all of them written, or none."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.workflows.conftest import FakeRepository, FixedClock
from workflows.collecting import COLLECTING
from workflows.deadlines import DueSpec
from workflows.errors import Conflict, NotPermitted
from workflows.history import find
from workflows.imports import Shape, read_csv, shape_of
from workflows.model import Role
from workflows.review import Review
from workflows.transfer import apply_events, import_csv, plan_events

DATA = Path(__file__).resolve().parents[2] / "data"
LEA, ANA = "U-LEA", "U-ANA"
"""A lead, who may take every step of the story, and an analyst, who may not."""
JURISDICTIONS = """id,name,kind,state,aliases
chicago,"Chicago, IL",city,IL,chi
albany,"Albany, NY",city,NY,
philadelphia,"Philadelphia, PA",city,PA,philly
"""
HEADER = "date,jurisdiction,event,due,detail,date_is_approximate\n"
STORY = HEADER + """\
2017-04-21,chicago,letter_sent,2017-06-30,first letter,
2017-06-30,chi,response_received,,legal opinion,
2017-08-07,chicago,lawsuit_filed,,"City of Chicago v. Sessions, N.D. Ill. 1:17-cv-05720",
2017-10-12,chicago,preliminary_finding,2017-10-27,the opinion is not enough,
2017-11-15,albany,letter_sent,2017-12-08,letter,yes
2018-01-24,albany,found_insufficient,,no answer,
2018-01-24,albany,subpoena_threatened,2018-02-23,document demand,
"""


def line_numbers(errors: list[str]) -> list[int]:
    return [int(error.split(":")[0].removeprefix("line ")) for error in errors]


@pytest.fixture
async def staffed(review: Review) -> Review:
    await review.grant("U-ADMIN", LEA, Role.LEAD)
    await review.grant("U-ADMIN", ANA, Role.ANALYST)
    return review


@pytest.fixture
async def loaded(staffed: Review) -> Review:
    review = staffed
    report = await import_csv(review, ANA, JURISDICTIONS, dry_run=False)
    assert report.applied and report.jurisdictions == 3
    return review


def test_a_csv_is_read_with_every_line_numbered_as_a_spreadsheet_shows_it() -> None:
    table = read_csv(" ID , Name\nchicago,Chicago\n\nalbany,Albany,NY\n,\nx,y\n")
    assert table.header == ["id", "name"]
    assert table.rows == [(2, {"id": "chicago", "name": "Chicago"}),
                          (6, {"id": "x", "name": "y"})]  # line 6, after blank lines
    assert table.errors == ["line 4: 3 fields but the header has 2; quote a field that "
                            "holds a comma"]
    assert table.lines == 2


def test_the_shape_is_told_by_the_header() -> None:
    assert shape_of(["date", "jurisdiction", "event", "due"]) is Shape.EVENTS
    assert shape_of(["id", "name", "state"]) is Shape.JURISDICTIONS
    assert shape_of(["jurisdiction", "event"]) is None


async def test_a_file_of_neither_shape_imports_nothing(staffed: Review,
                                                       repo: FakeRepository) -> None:
    before = repo.snapshot()
    report = await import_csv(staffed, ANA, "town,when\nchicago,2017\n", dry_run=False)
    assert report.shape is None and not report.applied
    assert line_numbers(report.errors) == [1]
    assert "jurisdictions file" in report.errors[0] and "events file" in report.errors[0]
    assert repo.snapshot() == before


async def test_a_dry_run_checks_every_line_and_writes_nothing(loaded: Review,
                                                              repo: FakeRepository) -> None:
    before = repo.snapshot()
    report = await import_csv(loaded, LEA, STORY, dry_run=True)
    assert report.errors == [] and not report.applied
    assert (report.lines, report.steps, report.orders, report.jurisdictions) == (7, 6, 1, 2)
    assert "would be recorded" in report.outcome()
    assert report.states == {"preliminary_finding": 1, "subpoena_threatened": 1}
    assert repo.snapshot() == before


async def test_each_row_is_judged_and_recorded_with_the_importers_own_role(
        loaded: Review, repo: FakeRepository) -> None:
    report = await import_csv(loaded, LEA, STORY, dry_run=False)
    assert report.applied and report.errors == []
    chicago = repo.jurisdictions["chicago"]
    assert chicago.state == "preliminary_finding" and chicago.due_on == date(2017, 10, 27)
    assert [(o.id, o.kind.value, o.case) for o in chicago.orders] == [
        (1, "lawsuit", "1:17-cv-05720")]
    events = repo.events["chicago"]
    assert [(e.seq, e.kind, e.detail.get("as")) for e in events] == [
        (1, "added", None), (2, "letter", "lead"), (3, "response", "lead"),
        (4, "lawsuit", "lead"), (5, "finding", "lead")]
    assert all(e.actor == LEA for e in events[1:])
    assert events[2].detail["line"] == 3 and events[2].detail["note"] == "legal opinion"
    albany = repo.events["albany"]
    assert [(e.kind, e.detail["as"]) for e in albany[1:]] == [
        ("letter", "lead"), ("insufficient", "lead"), ("threaten", "lead")]
    assert albany[1].detail["date_is_approximate"] is True
    assert repo.jurisdictions["albany"].due_on == date(2018, 2, 23)
    assert {r.deadline for r in repo.planned["albany"]} == {date(2018, 2, 23)}
    assert repo.notices == []  # an import is not announced step by step


async def test_an_analyst_may_not_import_a_leads_step_or_a_court_order(
        loaded: Review, repo: FakeRepository) -> None:
    before = repo.snapshot()
    report = await import_csv(loaded, ANA, STORY, dry_run=False)
    assert report.errors == [
        "line 4: lawsuit_filed on 2017-08-07 for chicago: Only admins, counsel or leads may "
        "record a lawsuit; you are an analyst.",
        "line 5: preliminary_finding on 2017-10-12 for chicago: Only leads may issue a "
        "preliminary finding; you are an analyst. (judged without line 4, which is bad too)",
        "line 8: subpoena_threatened on 2018-01-24 for albany: Only leads may threaten a "
        "subpoena (document demand); you are an analyst."]
    assert not report.applied and repo.snapshot() == before


async def test_an_admin_may_import_only_what_the_workflow_gives_admins(
        loaded: Review, repo: FakeRepository) -> None:
    before = repo.snapshot()
    report = await import_csv(loaded, "U-ADMIN", STORY, dry_run=True)
    assert line_numbers(report.errors) == [5, 8]
    assert all("Only leads may" in e and "you are an admin" in e for e in report.errors)
    assert repo.snapshot() == before


async def test_someone_without_a_role_may_not_import_at_all(
        loaded: Review, repo: FakeRepository) -> None:
    before = repo.snapshot()
    for text in (STORY, "id,name\ngotham,Gotham\n"):
        with pytest.raises(NotPermitted, match="may import; you are a viewer"):
            await import_csv(loaded, "U-NOBODY", text, dry_run=False)
    assert repo.snapshot() == before


async def test_rows_are_played_in_date_order(loaded: Review, repo: FakeRepository) -> None:
    text = HEADER + ("2017-06-30,chicago,response_received,,answer,\n"
                     "2017-04-21,chicago,letter_sent,2017-06-30,letter,\n")
    report = await import_csv(loaded, ANA, text, dry_run=False)
    assert report.errors == []
    assert [e.kind for e in repo.events["chicago"]] == ["added", "letter", "response"]


async def test_every_bad_line_is_reported_and_nothing_is_written(
        loaded: Review, repo: FakeRepository) -> None:
    text = HEADER + (
        "2017-04-21,chicago,letter_sent,2017-06-30,fine,\n"  # 2
        "2017-13-01,albany,letter_sent,2017-12-08,no such month,\n"  # 3
        "2017-05-01,atlantis,letter_sent,2017-06-30,no such place,\n"  # 4
        "2017-05-02,chicago,party,,no such event,\n"  # 5
        "2017-05-03,philadelphia,response_received,,no letter yet,\n"  # 6
        "2018-01-24,albany,found_insufficient,,after the bad letter,\n"  # 7
        "2017-05-04,chicago,letter_sent,,no deadline,\n"  # 8
        "\n"  # 9: blank, skipped
        "2017-05-05,chicago,cleared,,too,many,fields\n"  # 10
        "2017-06-30,chicago,response_received,,fine too,\n"  # 11
    )
    before = repo.snapshot()
    report = await import_csv(loaded, ANA, text, dry_run=False)
    assert line_numbers(report.errors) == [3, 4, 5, 6, 7, 8, 10]
    why = dict(zip(line_numbers(report.errors), report.errors, strict=True))
    assert "2017-13-01" in why[3]
    assert "“atlantis”" in why[4] and "import the jurisdictions first" in why[4]
    assert "“party”" in why[5]
    assert "added, no letter yet" in why[6] and "not possible" in why[6]
    assert "judged without line 3" in why[7]
    assert "give a deadline" in why[8] and "judged without line 5" in why[8]
    assert "7 fields but the header has 6" in why[10]
    assert report.outcome() == "7 bad line(s); nothing was imported."
    assert repo.snapshot() == before


async def test_names_that_match_several_or_none_are_bad_lines(staffed: Review) -> None:
    review = staffed
    two = "id,name\nspringfield-il,Springfield\nspringfield-ma,Springfield\n"
    assert (await import_csv(review, ANA, two, dry_run=False)).applied
    text = HEADER + ("2017-04-21,springfield,letter_sent,2017-06-30,which one?,\n"
                     "2017-04-21,springfield-m,letter_sent,2017-06-30,a prefix,\n"
                     "2017-04-21,,letter_sent,2017-06-30,nobody,\n")
    report = await import_csv(review, ANA, text, dry_run=True)
    assert "names several jurisdictions (springfield-il, springfield-ma" in report.errors[0]
    assert "did you mean springfield-ma?" in report.errors[1]
    assert report.errors[2] == "line 4: the jurisdiction column is empty"


async def test_a_file_imported_twice_is_refused_line_by_line(
        loaded: Review, repo: FakeRepository) -> None:
    assert (await import_csv(loaded, LEA, STORY, dry_run=False)).applied
    before = repo.snapshot()
    again = await import_csv(loaded, LEA, STORY, dry_run=False)
    assert line_numbers(again.errors) == [2, 3, 4, 5, 6, 7, 8]
    assert all("imported before?" in error for error in again.errors), again.errors
    assert repo.snapshot() == before


async def test_the_same_line_twice_in_one_file_is_refused(loaded: Review) -> None:
    line = "2017-04-21,chicago,letter_sent,2017-06-30,first letter,\n"
    report = await import_csv(loaded, ANA, HEADER + line + line, dry_run=True)
    assert line_numbers(report.errors) == [3]


async def test_a_step_before_the_last_recorded_one_is_refused(loaded: Review) -> None:
    await loaded.take("U-ADMIN", "chicago", "letter", date(2018, 1, 2),
                      DueSpec(on=date(2018, 2, 1)))
    text = HEADER + "2017-04-21,chicago,letter_sent,2017-06-30,first letter,\n"
    report = await import_csv(loaded, ANA, text, dry_run=True)
    assert line_numbers(report.errors) == [2]
    assert "steps are recorded in order" in report.errors[0]


async def test_a_change_made_while_the_file_was_checked_imports_nothing(
        loaded: Review, repo: FakeRepository) -> None:
    plan = await plan_events(loaded, LEA, read_csv(STORY))
    assert plan.errors == [] and len(plan.changes) == 2
    await loaded.take("U-ADMIN", "albany", "letter", date(2017, 11, 15),
                      DueSpec(on=date(2017, 12, 8)))
    with pytest.raises(Conflict, match="Someone changed Albany, NY"):
        await apply_events(loaded, plan)
    assert repo.jurisdictions["chicago"].state == "new"
    assert [e.kind for e in repo.events["chicago"]] == ["added"]
    assert [e.kind for e in repo.events["albany"]] == ["added", "letter"]


async def test_the_public_record_imports_without_a_bad_line(
        staffed: Review, repo: FakeRepository, clock: FixedClock) -> None:
    review = staffed
    clock.at = datetime(2018, 10, 5, 15, 0, tzinfo=UTC)  # the record's last day
    jurisdictions = (DATA / "jurisdictions.csv").read_text(encoding="utf-8")
    assert (await import_csv(review, ANA, jurisdictions, dry_run=False)).applied
    report = await import_csv(review, LEA, (DATA / "record.csv").read_text(encoding="utf-8"),
                              dry_run=False)
    assert report.errors == []
    assert (report.lines, report.steps, report.orders, report.jurisdictions) == (115, 108, 7, 38)
    philadelphia = repo.jurisdictions["philadelphia"]
    blocking = [o for o in philadelphia.active_orders(date(2018, 2, 1)) if o.blocks]
    assert len(blocking) == 1 and "threaten" in blocking[0].blocks
    assert sum(report.states.values()) == 38


async def test_the_collector_is_set_back_as_it_was_once_an_import_is_played(
        loaded: Review) -> None:
    """Playing an events file raises the cycle collector's thresholds
    (``workflows.collecting.COLLECTING``) for as long as it runs, and only that long."""
    before = gc.get_threshold()
    report = await import_csv(loaded, LEA, STORY, dry_run=True)
    assert not report.errors, report.errors
    assert gc.get_threshold() == before


async def test_a_jurisdictions_file_is_read_with_fewer_collections_and_they_come_back(
        staffed: Review) -> None:
    """Reading, checking and writing 100,000 jurisdiction lines with Python's thresholds
    spent a fifth of the import in the cycle collector: the file is read (in a worker
    thread, a line at a time) with ``COLLECTING``, and the thresholds are as they were
    once it is imported."""
    before, seen = gc.get_threshold(), []

    def lines() -> Iterator[str]:
        yield from JURISDICTIONS.splitlines(keepends=True)[:1]
        for line in JURISDICTIONS.splitlines(keepends=True)[1:]:
            seen.append(gc.get_threshold())
            yield line

    report = await import_csv(staffed, ANA, lines(), dry_run=False)
    assert report.applied and report.jurisdictions == 3
    assert seen and all(t == COLLECTING for t in seen), seen
    assert gc.get_threshold() == before


async def test_a_group_loads_only_its_own_jurisdictions_from_the_names_read_for_all(
        loaded: Review) -> None:
    """A big import reads every name of the file once and finds each group's
    jurisdictions by it: a group must load its own, not every one the file names (a
    million lines over 100,000 jurisdictions loaded them all fifty times)."""
    every = await loaded.repo.exact_many(["chicago", "albany", "philadelphia", "chi"])
    targets = await find(loaded, {"chi", "albany"}, every)
    assert {ref: j.id for ref, j in targets.found.items()} == {"chi": "chicago",
                                                               "albany": "albany"}
    assert set(targets.recorded) == {"chicago", "albany"}
