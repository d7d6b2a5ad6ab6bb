"""Cards, buttons and forms, through signed block_actions and view_submission payloads."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlencode

from bot.console.stand_in.records import Posted
from tests.bot.conftest import ADMIN, Harness

ANALYST, LEAD, COUNSEL, VIEWER = "UANALYST", "ULEAD", "UCOUNSEL", "UVIEWER"


async def team(h: Harness) -> None:
    for user, role in ((ANALYST, "analyst"), (LEAD, "lead"), (COUNSEL, "counsel")):
        await h.answer(ADMIN, f"role <@{user}|x> {role}")
    await h.answer(ANALYST, 'add chicago "Chicago, IL" kind=city state=IL')
    await h.answer(ANALYST, "letter chicago date=2017-04-21 due=2017-06-30")
    await h.answer(ANALYST, "response chicago date=2017-06-30")


def buttons(card: Posted) -> dict[str, dict[str, object]]:
    actions = [b for b in card.blocks if b["type"] == "actions"]
    return {e["action_id"]: e for a in actions for e in a["elements"]}


async def card_for(h: Harness, user: str) -> Posted:
    card = await h.answer(user, "show chicago")
    assert "== " not in card.text
    return card


async def state(h: Harness) -> tuple[str, int]:
    j = await h.bot.store.get("chicago")
    assert j is not None
    return j.state, j.version


async def test_a_card_has_a_button_for_exactly_each_allowed_step(harness: Harness) -> None:
    await team(harness)
    analyst = buttons(await card_for(harness, ANALYST))
    lead = buttons(await card_for(harness, LEAD))
    viewer = await card_for(harness, VIEWER)
    why = "why_deadline"  # every reader may ask why the deadline falls where it does
    drawn = "card_workflow"  # and see where it stands in the workflow
    assert set(analyst) == {"step_clarify", "step_insufficient", "step_clear", why, drawn}
    assert set(lead) == {"step_clarify", "step_insufficient", "step_finding", "step_clear",
                         "step_close", "order_open", why, drawn}
    assert set(buttons(viewer)) == {why, drawn}
    assert json.loads(str(analyst["step_clear"]["value"])) == {"j": "chicago", "v": 3,
                                                                 "s": "clear"}
    assert "confirm" in lead["step_close"]


async def test_a_click_takes_the_step_and_redraws_the_card(transported: Harness) -> None:
    harness = transported
    await team(harness)
    card = await card_for(harness, ANALYST)
    status, key = await harness.sender.click(harness.session, ANALYST,
                                             buttons(card)["step_insufficient"], card)
    assert status == 200
    assert await state(harness) == ("insufficient", 4)
    # The click is answered after its card is redrawn, and announced in the background.
    await harness.slack.wait_for(lambda p: p.response_key == key)
    await harness.bot.relay.settle()
    answers = [p for p in harness.slack.posted if p.response_key.startswith(key)]
    redrawn = [p for p in answers if p.response_key.endswith(":replaced")]
    assert len(redrawn) == 1 and "response insufficient" in json.dumps(redrawn[0].blocks)
    assert any("found the answer from *Chicago, IL* insufficient" in p.text for p in answers)
    assert any("insufficient" in p.text for p in harness.slack.posted if p.channel)


async def test_a_stale_card_is_refused_and_redrawn(harness: Harness) -> None:
    await team(harness)
    old = await card_for(harness, LEAD)
    await harness.answer(ANALYST, "insufficient chicago date=2017-07-05")
    before = await state(harness)
    _, key = await harness.sender.click(harness.session, LEAD, buttons(old)["step_clear"], old)
    assert await state(harness) == before
    answers = [p for p in harness.slack.posted if p.response_key.startswith(key)]
    notice = [p for p in answers if not p.response_key.endswith(":replaced")]
    assert len(notice) == 1 and "changed since this card was drawn" in notice[0].text
    assert "now response insufficient" in notice[0].text
    fresh = [p for p in answers if p.response_key.endswith(":replaced")]
    assert len(fresh) == 1 and "step_threaten" in json.dumps(fresh[0].blocks)


async def test_a_step_that_needs_input_opens_its_form(transported: Harness) -> None:
    harness = transported
    await team(harness)
    await harness.answer(ANALYST, "insufficient chicago date=2017-07-05")
    card = await card_for(harness, LEAD)
    status, _ = await click_only(harness, LEAD, buttons(card)["step_threaten"], card)
    assert status == 200
    [form] = harness.slack.modals
    assert form["callback_id"] == "step_form"
    assert {b["block_id"] for b in form["blocks"] if b["type"] == "input"} == {
        "date", "due", "note"}
    before = await state(harness)
    status, ack = await harness.sender.submit(harness.session, LEAD, form,
                                              {"date": "2018-01-24", "due": "soon", "note": ""})
    assert status == 200 and ack["response_action"] == "errors"
    assert set(ack["errors"]) == {"due", "note"} and "is not a deadline" in ack["errors"]["due"]
    assert await state(harness) == before
    status, ack = await harness.sender.submit(
        harness.session, LEAD, form,
        {"date": "2018-01-24", "due": "30 days", "note": "no documents came"})
    assert status == 200 and ack == {}
    j = await harness.bot.store.get("chicago")
    assert j is not None and j.state == "subpoena_threatened"
    assert j.due_on is not None and j.due_on.isoformat() == "2018-02-23"
    confirmations = await harness.slack.wait_for(lambda p: p.response_key == f"ephemeral:{LEAD}")
    assert len(confirmations) == 1 and "threatened *Chicago, IL*" in confirmations[0].text
    redrawn = await harness.slack.wait_for(lambda p: p.response_key == "form:replaced")
    assert "subpoena threatened" in json.dumps(redrawn[-1].blocks)


async def test_a_form_for_a_step_the_workflow_refuses_shows_why_and_changes_nothing(
        harness: Harness) -> None:
    await team(harness)
    card = await card_for(harness, LEAD)
    await click_only(harness, LEAD, buttons(card)["step_finding"], card)
    [form] = harness.slack.modals
    await harness.answer(ANALYST, "clear chicago date=2017-07-01")  # meanwhile
    before = await state(harness)
    _, ack = await harness.sender.submit(harness.session, LEAD, form,
                                         {"date": "2017-10-12", "due": "15 days"})
    assert ack["response_action"] == "errors" and "changed since" in ack["errors"]["date"]
    assert await state(harness) == before


async def test_court_order_form(harness: Harness) -> None:
    await team(harness)
    card = await card_for(harness, COUNSEL)
    await click_only(harness, COUNSEL, buttons(card)["order_open"], card)
    [form] = harness.slack.modals
    assert form["callback_id"] == "order_form"
    _, ack = await harness.sender.submit(harness.session, COUNSEL, form,
                                         {"kind": "injunction", "case": "", "date": "2017-11-15"})
    assert set(ack["errors"]) == {"case"}
    _, ack = await harness.sender.submit(
        harness.session, COUNSEL, form,
        {"kind": "injunction", "case": "2:17-cv-03894", "court": "E.D. Pa.",
         "date": "2017-11-15", "blocks": ["escalation"], "scope": "1373 certification"})
    assert ack == {}
    j = await harness.bot.store.get("chicago")
    assert j is not None and [o.case for o in j.orders] == ["2:17-cv-03894"]
    assert j.orders[0].blocks == frozenset({"finding", "threaten", "subpoena", "approve"})


async def test_add_form_from_the_bare_command(transported: Harness) -> None:
    harness = transported
    await harness.answer(ADMIN, "role <@UANALYST|a> analyst")
    status, _ = await harness.sender.post(
        harness.session, harness.sender.form(ANALYST, "add", "CREVIEW", "bare"))
    assert status == 200
    for _ in range(100):
        if harness.slack.modals:
            break
        await asyncio.sleep(0.02)
    [form] = harness.slack.modals
    assert form["callback_id"] == "add_form"
    _, ack = await harness.sender.submit(harness.session, ANALYST, form,
                                         {"id": "denver", "name": "Denver, CO", "state": "ZZ"})
    assert list(ack["errors"]) == ["state"] and await harness.bot.store.get("denver") is None
    _, ack = await harness.sender.submit(harness.session, ANALYST, form,
                                         {"id": "denver", "name": "Denver, CO", "state": "CO",
                                          "aliases": "den"})
    assert ack == {}
    j = await harness.bot.store.get("denver")
    assert j is not None and j.aliases == ("den",)


async def click_only(h: Harness, user: str, action: dict[str, object],
                     card: Posted) -> tuple[int, str]:
    """A click that opens a form: nothing comes back on the response_url."""
    payload = {"type": "block_actions", "team": {"id": "T0LOCAL"}, "api_app_id": "A0REVIEW",
               "user": {"id": user}, "channel": {"id": "CREVIEW"},
               "response_url": h.slack.response_url("form"), "trigger_id": "t.form",
               "container": {"type": "message"}, "actions": [action]}
    seen = len(h.slack.modals)
    # The click's own answer comes on "form"; "form:replaced" is a card redrawn after an
    # earlier form was submitted, which may still be on its way.
    answered = sum(p.response_key == "form" for p in h.slack.posted)
    status, text = await h.sender.post(h.session, urlencode({"payload": json.dumps(payload)}))
    for _ in range(500):  # a form opened, or an answer to this click (not an earlier one)
        if len(h.slack.modals) > seen or sum(p.response_key == "form"
                                             for p in h.slack.posted) > answered:
            break
        await asyncio.sleep(0.02)
    return status, text


async def test_letter_and_response_forms(harness: Harness) -> None:
    await harness.answer(ADMIN, "role <@UANALYST|a> analyst")
    await harness.answer(ANALYST, 'add chicago "Chicago, IL" kind=city state=IL')
    card = await card_for(harness, ANALYST)
    await click_only(harness, ANALYST, buttons(card)["step_letter"], card)
    letter = harness.slack.modals[-1]
    _, ack = await harness.sender.submit(harness.session, ANALYST, letter,
                                         {"date": "2017-04-21", "due": ""})
    assert ack["response_action"] == "errors"  # a letter needs a deadline
    assert "deadline" in json.dumps(ack["errors"]).lower()
    assert (await state(harness))[0] == "new"
    _, ack = await harness.sender.submit(harness.session, ANALYST, letter,
                                         {"date": "2017-04-21", "due": "2017-06-30"})
    assert ack == {} and (await state(harness))[0] == "awaiting_response"
    card = await card_for(harness, ANALYST)
    await click_only(harness, ANALYST, buttons(card)["step_response"], card)
    response = harness.slack.modals[-1]
    assert {b["block_id"] for b in response["blocks"] if b["type"] == "input"} == {
        "date", "link", "evidence", "note"}
    _, ack = await harness.sender.submit(
        harness.session, ANALYST, response,
        {"date": "2017-06-30", "link": "https://example.org/opinion.pdf", "note": "opinion"})
    assert ack == {}
    [event], _ = await harness.bot.store.history("chicago", 0, 1)
    assert event.kind == "response" and event.detail["link"] == "https://example.org/opinion.pdf"


async def test_a_crafted_click_on_a_step_the_person_may_not_take_opens_no_form(
        harness: Harness) -> None:
    await team(harness)
    await harness.answer(ANALYST, "insufficient chicago date=2017-07-05")
    before = await state(harness)
    card = await card_for(harness, LEAD)
    threaten = buttons(card)["step_threaten"]  # a lead's button, a form step
    for user in (VIEWER, ANALYST):
        _, key = await harness.sender.click(harness.session, user, threaten, card)
        [answer] = [p for p in harness.slack.posted if p.response_key.startswith(key)]
        assert answer.ephemeral and "Only leads may threaten a subpoena" in answer.text, \
            answer.text
    crafted = {**threaten, "action_id": "step_letter"}  # no step from this state
    _, key = await harness.sender.click(harness.session, VIEWER, crafted, card)
    [answer] = [p for p in harness.slack.posted if p.response_key.startswith(key)]
    assert "Only admins, analysts or leads may send a letter" in answer.text, answer.text
    assert harness.slack.modals == []
    assert await state(harness) == before


async def test_a_form_carries_no_url_and_answers_on_the_card_it_came_from(
        harness: Harness) -> None:
    await team(harness)
    await harness.answer(ANALYST, "insufficient chicago date=2017-07-05")
    card = await card_for(harness, LEAD)
    await click_only(harness, LEAD, buttons(card)["step_threaten"], card)
    await click_only(harness, LEAD, buttons(card)["order_open"], card)
    threaten, order = harness.slack.modals
    for form in (threaten, order):
        meta = form["private_metadata"]
        assert "http" not in meta and "respond" not in meta and "rt" in meta, meta
    _, ack = await harness.sender.submit(harness.session, LEAD, threaten, {
        "date": "2018-01-24", "due": "30 days", "note": "no documents came"})
    assert ack == {}
    redrawn = await harness.slack.wait_for(lambda p: p.response_key == "form:replaced")
    assert len(redrawn) == 1 and "subpoena threatened" in json.dumps(redrawn[0].blocks)
    # The token answers once, and only for the person the form was opened for.
    stolen = {**order, "private_metadata": threaten["private_metadata"]}
    _, ack = await harness.sender.submit(harness.session, COUNSEL, stolen, {
        "kind": "lawsuit", "case": "1:17-cv-05720", "date": "2017-08-07"})
    assert ack == {}
    await harness.slack.wait_for(lambda p: p.response_key == f"ephemeral:{COUNSEL}")
    assert len([p for p in harness.slack.posted if p.response_key == "form:replaced"]) == 1
