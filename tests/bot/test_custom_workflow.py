"""A team's own workflow file (``REVIEW_WORKFLOW``) adds a state and a step: every
surface follows it, through the real app over signed HTTP. The step needs input (a
date, a deadline, a note), so its button opens a form."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from bot.console.stand_in.records import Posted
from tests.bot.conftest import ADMIN, Harness, running
from tests.bot.test_interactions import click_only
from workflows.deadlines import DueSpec
from workflows.review import new_jurisdiction

PACKAGED = Path(__file__).resolve().parents[2] / "workflows" / "review.yml"
LEAD, LEAD2 = "ULEAD", "ULEADB"
REFERRED = "referred to the Attorney General"
TOWNS = ("town-a", "town-b", "town-c", "town-d")
REFER = """steps:
  - name: refer
    label: refer to the Attorney General
    sources: [insufficient]
    dest: referred
    roles: [lead]
    opens_round: referral
    deadline: required
    done: referred {name} to the inspector general
    confirm: true

"""


def custom_workflow(folder: Path) -> Path:
    """The packaged workflow with a ``referred`` state and a ``refer`` step to it."""
    text = PACKAGED.read_text(encoding="utf-8")
    text = text.replace("steps:\n", REFER, 1).replace(
        "  closed: closed\n", f"  closed: closed\n  referred: {REFERRED}\n", 1)
    path = folder / "custom.yml"
    path.write_text(text, encoding="utf-8")
    return path


def without_close(folder: Path) -> Path:
    """The packaged workflow with no ``close`` step (and so no ``closed`` state)."""
    text = PACKAGED.read_text(encoding="utf-8").replace("  closed: closed\n", "", 1)
    path = folder / "no-close.yml"
    path.write_text(text[:text.index("  - name: close\n")] + text[text.index("scopes:"):],
                    encoding="utf-8")
    return path


@pytest.fixture
async def team(tmp_path: Path) -> AsyncIterator[Harness]:
    """Two leads, and four towns whose responses were found insufficient."""
    async with running(tmp_path, review_workflow=str(custom_workflow(tmp_path))) as h:
        for user in (LEAD, LEAD2):
            await h.answer(ADMIN, f"role <@{user}|x> lead")
        review = h.bot.review
        await review.import_jurisdictions(ADMIN, [
            new_jurisdiction(t, t.replace("-", " ").title(), "city", "CA") for t in TOWNS])
        for town in TOWNS:
            await review.take(LEAD, town, "letter", date(2017, 11, 15),
                              DueSpec(on=date(2017, 12, 8)))
            await review.take(LEAD, town, "insufficient", date(2018, 1, 24))
        yield h


async def state_of(h: Harness, jid: str) -> str:
    j = await h.bot.store.get(jid)
    assert j is not None
    return j.state


def element(message: Posted, action_id: str) -> dict[str, object]:
    for block in message.blocks:
        for found in block.get("elements", []):
            if found.get("action_id") == action_id:
                return dict(found)
    raise AssertionError(f"no {action_id} in {message.blocks}")


async def test_the_added_step_runs_as_a_command(team: Harness) -> None:
    reply = await team.answer(LEAD, "refer town-a date=2018-01-25 due=30 days note=no answer")
    assert f"is now {REFERRED}" in reply.text, reply.text
    assert await state_of(team, "town-a") == "referred"


async def test_the_added_step_runs_as_an_approved_batch(team: Harness) -> None:
    request = await team.answer(LEAD, "batch refer town-b, town-c due=30 days note=no answer")
    assert "asks to take `refer`" in request.text and "for 2 jurisdictions" in request.text
    _, key = await team.sender.click(team.session, LEAD2, element(request, "batch_approve"),
                                     request)
    await team.bot.relay.settle()
    [report] = [p for p in team.slack.posted if p.response_key == f"{key}:replaced"]
    assert "2 done, 0 refused" in report.text, report.text
    assert [await state_of(team, t) for t in ("town-b", "town-c")] == ["referred"] * 2


async def test_the_added_step_from_a_card_button_and_its_form(team: Harness) -> None:
    card = await team.answer(LEAD, "show town-d")
    status, _ = await click_only(team, LEAD, element(card, "step_refer"), card)
    assert status == 200
    [form] = team.slack.modals
    assert {b["block_id"] for b in form["blocks"] if b["type"] == "input"} == {
        "date", "due", "note"}
    status, ack = await team.sender.submit(team.session, LEAD, form, {
        "date": "2018-01-25", "due": "30 days", "note": "no answer"})
    assert status == 200 and ack == {}, ack
    j = await team.bot.store.get("town-d")
    assert j is not None and j.state == "referred" and j.due_on == date(2018, 2, 26)


async def test_the_added_step_is_announced_in_its_words_with_its_deadline(
        team: Harness) -> None:
    posted = await team.command(LEAD, "refer town-a date=2018-01-25 due=30 days")
    said = f"<@{LEAD}> referred *Town A* to the inspector general."
    [announced] = [line for p in posted if p.channel and not p.response_key
                   for line in p.text.split("\n")  # the setup's may come late, with it
                   if line.startswith(said)]
    assert "Due 2018-02-26." in announced, announced
    history = await team.answer(LEAD, "history town-a")
    assert "*refer* · response insufficient → referred to the Attorney General" in (
        json.dumps(history.blocks, ensure_ascii=False))
    assert "due 2018-02-26" in json.dumps(history.blocks)


async def test_the_added_step_asks_are_you_sure_on_its_card(team: Harness) -> None:
    card = await team.answer(LEAD, "show town-a")
    button = element(card, "step_refer")
    confirm = button.get("confirm")
    assert isinstance(confirm, dict), button
    assert confirm["title"]["text"] == "Are you sure?"
    assert confirm["text"]["text"] == "Refer *Town A* today."
    assert "confirm" not in element(card, "step_letter")


async def test_help_list_summary_and_diagram_show_the_added_state_and_step(
        team: Harness) -> None:
    await team.answer(LEAD, "refer town-a date=2018-01-25 due=30 days")
    helped = await team.answer(LEAD, "help all")
    assert "/review refer <jurisdiction>" in json.dumps(helped.blocks)
    detail = await team.answer(LEAD, "help list")
    assert "referred" in json.dumps(detail.blocks)
    listing = await team.answer(LEAD, "list status=referred")
    shown = json.dumps(listing.blocks)
    assert "Town A" in shown and "Town B" not in shown
    posted = await team.command(ADMIN, "summary", channel="CLEAD")
    [message] = [p for p in posted if p.channel == "CLEAD" and not p.response_key]
    assert f"{REFERRED}: *1*" in json.dumps(message.blocks, ensure_ascii=False)
    diagram = await team.answer(LEAD, "workflow text")
    text = json.dumps(diagram.blocks)
    assert "insufficient --&gt; referred: refer (lead)" in text, text


async def test_a_step_the_workflow_in_force_lacks_is_no_command(tmp_path: Path) -> None:
    async with running(tmp_path, review_workflow=str(without_close(tmp_path))) as h:
        helped = await h.answer(ADMIN, "help all")
        shown = json.dumps(helped.blocks)
        assert "/review clear <jurisdiction>" in shown
        assert not re.search(r"/review close\b", shown)  # (`closed`, of closure days, stays)
        refused = await h.answer(ADMIN, "close chicago")
        assert "“close” is not a command" in refused.text, refused.text
        assert "`close`" not in refused.text and "`clear`" in refused.text
        batch = await h.answer(ADMIN, "batch close chicago, cook")
        assert "“close” is not a workflow step" in batch.text, batch.text
