"""Batches: one step for many jurisdictions, approved by a different lead, reported
jurisdiction by jurisdiction. Driven by signed slash commands and button clicks."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.console.stand_in.records import Posted
from tests.bot.conftest import ADMIN, Harness
from workflows.batches import MAX_FILE_ROWS, MAX_TARGETS
from workflows.deadlines import DueSpec
from workflows.errors import BadInput
from workflows.model import CourtOrder, OrderKind
from workflows.review import new_jurisdiction

LEAD, LEAD2, ANALYST = "ULEAD", "ULEADB", "UANALYST"


async def setup(h: Harness, count: int = 23, blocked: int = 2) -> list[str]:
    for user, role in ((LEAD, "lead"), (LEAD2, "lead"), (ANALYST, "analyst")):
        await h.answer(ADMIN, f"role <@{user}|x> {role}")
    towns = [new_jurisdiction(f"town-{n:02d}", f"Town {n:02d}", "city", "CA")
             for n in range(count)]
    review = h.bot.review
    await review.import_jurisdictions(ADMIN, towns)
    for town in towns:
        await review.take(ANALYST, town.id, "letter", date(2017, 11, 15),
                          DueSpec(on=date(2017, 12, 8)))
        await review.take(ANALYST, town.id, "insufficient", date(2018, 1, 24))
    for town in towns[:blocked]:
        await review.attach_order(ADMIN, town.id, CourtOrder(
            OrderKind.INJUNCTION, date(2017, 11, 15), "2:17-cv-03894", "E.D. Pa.",
            "1373 certification", review.workflow.definition.scopes["escalation"]))
    return [t.id for t in towns]


async def states(h: Harness, ids: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for jid in ids:
        j = await h.bot.store.get(jid)
        assert j is not None
        counts[j.state] = counts.get(j.state, 0) + 1
    return counts


def button(message: Posted, action_id: str) -> dict[str, object]:
    for block in message.blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return element
    raise AssertionError(f"no {action_id} button")


async def click(h: Harness, user: str, action: dict[str, object], message: Posted) -> list[Posted]:
    _, key = await h.sender.click(h.session, user, action, message)
    return [p for p in h.slack.posted if p.response_key.split(":")[0] == key]


async def test_a_batch_of_23_waits_for_another_lead_then_reports_each(harness: Harness) -> None:
    ids = await setup(harness)
    request = await harness.answer(
        LEAD, "batch threaten status=insufficient date=2018-01-24 due=30 days note=document demand")
    assert not request.ephemeral and "asks to take `threaten`" in request.text
    assert "for 23 jurisdictions" in request.text
    assert await states(harness, ids) == {"insufficient": 23}

    own = await click(harness, LEAD, button(request, "batch_approve"), request)
    assert "a different lead must approve" in own[-1].text
    analyst = await click(harness, ANALYST, button(request, "batch_approve"), request)
    assert "Only a lead may approve" in analyst[-1].text
    assert await states(harness, ids) == {"insufficient": 23}

    answers = await click(harness, LEAD2, button(request, "batch_approve"), request)
    [report] = [p for p in answers if p.response_key.endswith(":replaced")]
    assert "21 done, 2 refused" in report.text
    text = json.dumps(report.blocks)
    assert text.count("2:17-cv-03894") == 2 and "blocks \\u201cthreaten\\u201d" in text
    assert await states(harness, ids) == {"subpoena_threatened": 21, "insufficient": 2}
    j = await harness.bot.store.get("town-22")
    assert j is not None and j.due_on == date(2018, 2, 23)

    again = await click(harness, LEAD2, button(request, "batch_approve"), request)
    assert "already done" in again[-1].text
    assert await states(harness, ids) == {"subpoena_threatened": 21, "insufficient": 2}


async def test_a_rejected_batch_changes_nothing(harness: Harness) -> None:
    ids = await setup(harness, count=3, blocked=0)
    request = await harness.answer(LEAD, "batch threaten town-00, town-01 due=30 days note=late")
    answers = await click(harness, LEAD, button(request, "batch_reject"), request)
    [report] = [p for p in answers if p.response_key.endswith(":replaced")]
    assert "was rejected" in report.text and "nothing was changed" in report.text
    assert await states(harness, ids) == {"insufficient": 3}


async def test_one_jurisdiction_runs_at_once_and_bad_names_file_nothing(
        harness: Harness) -> None:
    ids = await setup(harness, count=3, blocked=0)
    single = await harness.answer(LEAD, "batch threaten town-00 date=2018-01-24 due=30 days "
                                        "note=late")
    assert single.ephemeral and "threatened *Town 00*" in single.text
    refused = await harness.answer(LEAD, "batch threaten town-01, atlantis due=30 days note=late")
    assert "Nothing was filed" in refused.text and "atlantis" in refused.text
    analyst = await harness.answer(ANALYST, "batch threaten town-01, town-02 due=30 days note=late")
    assert "may not take “threaten”" in analyst.text
    assert await states(harness, ids) == {"subpoena_threatened": 1, "insufficient": 2}
    rows = await harness.bot.store.read("SELECT count(*) AS n FROM batches")
    assert rows[0]["n"] == 0


async def test_a_batch_from_a_csv_shared_in_slack(harness: Harness) -> None:
    ids = await setup(harness, count=4, blocked=0)
    file_id = harness.slack.share("targets.csv", b"id,name\ntown-00,Town 00\ntown-02,Town 02\n",
                                  LEAD)
    request = await harness.answer(LEAD, f"batch threaten file={file_id} due=30 days note=late")
    assert "for 2 jurisdictions" in request.text
    answers = await click(harness, LEAD2, button(request, "batch_approve"), request)
    assert any("2 done, 0 refused" in p.text for p in answers)
    assert await states(harness, ids) == {"subpoena_threatened": 2, "insufficient": 2}
    await harness.bot.relay.flush()  # its announcements are out before the next command
    missing = harness.slack.share("bad.csv", b"town-01\natlantis\n", LEAD)
    refused = await harness.answer(LEAD, f"batch threaten file={missing} due=30 days note=late")
    assert "Nothing was filed" in refused.text and "atlantis" in refused.text


async def test_a_big_batch_shows_its_progress_while_it_runs(harness: Harness) -> None:
    ids = await setup(harness, count=60, blocked=0)
    request = await harness.answer(LEAD, "batch threaten status=insufficient due=30 days note=late")
    assert request.ts and request.channel == "CREVIEW"
    answers = await click(harness, LEAD2, button(request, "batch_approve"), request)
    updates = [params["text"] for method, params in harness.slack.calls
               if method == "chat.update"]
    assert updates == [":hourglass_flowing_sand: Running batch #1: 25 of 60 done so far.",
                       ":hourglass_flowing_sand: Running batch #1: 50 of 60 done so far."]
    assert any("60 done, 0 refused" in p.text for p in answers)
    assert await states(harness, ids) == {"subpoena_threatened": 60}


# -- what one batch may carry --------------------------------------------------------


async def test_a_batch_naming_more_than_5000_is_refused_before_any_is_looked_up(
        harness: Harness) -> None:
    await setup(harness, count=2, blocked=0)
    names = [f"town-{n:05d}" for n in range(MAX_TARGETS + 1)]
    with pytest.raises(BadInput, match=r"5,001 jurisdictions are named; a batch takes at "
                                       r"most 5,000") as refused:
        await harness.bot.batches.targets(names, None)
    assert "town-00000" not in refused.value.message  # no name was looked up
    exactly = ["town-00", "town-01"] * (MAX_TARGETS // 2) + ["town-00"]  # repeats count once
    assert await harness.bot.batches.targets(exactly, None) == ["town-00", "town-01"]
    unknown = names[:MAX_TARGETS]
    with pytest.raises(BadInput, match=r"“town-00019”.* …and 4,980 more names like these\.$"):
        await harness.bot.batches.targets(unknown, None)


async def test_a_batch_file_listing_more_than_5000_is_refused(harness: Harness) -> None:
    await setup(harness, count=2, blocked=0)
    names = "".join(f"town-{n:05d}\n" for n in range(MAX_TARGETS + 1)).encode()
    file_id = harness.slack.share("many.csv", names, LEAD)
    refused = await harness.answer(LEAD, f"batch threaten file={file_id} due=30 days note=late")
    assert "many.csv lists more than 5,000 jurisdictions; a batch takes at most 5,000" \
        in refused.text
    assert "town-00000" not in refused.text
    rows = await harness.bot.store.read("SELECT count(*) AS n FROM batches")
    assert rows[0]["n"] == 0


async def test_a_batch_file_of_more_than_10000_lines_is_refused(harness: Harness) -> None:
    await setup(harness, count=2, blocked=0)
    file_id = harness.slack.share("blank.csv", b"id\ntown-00\n" + b"\n" * MAX_FILE_ROWS
                                  + b"town-01\n", LEAD)
    refused = await harness.answer(LEAD, f"batch threaten file={file_id} due=30 days note=late")
    assert "blank.csv has more than 10,000 lines; a batch file may have at most 10,000" \
        in refused.text
    rows = await harness.bot.store.read("SELECT count(*) AS n FROM batches")
    assert rows[0]["n"] == 0
