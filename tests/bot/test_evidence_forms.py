"""Evidence from forms: the message shortcut "Record as response" (a signed
message_action payload, as Slack sends it) and the response form's evidence field.
The response and its evidence are one change: one block of the chain."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import zipfile

from bot.console.stand_in.records import Posted
from tests.bot.conftest import Harness
from tests.bot.test_evidence import ANALYST, LEAD, PDF, SHA, TEAM_CHANNEL, VIEWER, team
from tests.bot.test_interactions import buttons, click_only
from workflows.dossier_check import check_dossier

REPLY = "Albany's reply: the <!channel> mayor signed it & sent it"


async def modal_after(h: Harness, seen: int) -> dict[str, object]:
    for _ in range(500):
        if len(h.slack.modals) > seen:
            return h.slack.modals[-1]
        await asyncio.sleep(0.01)
    raise AssertionError("no form was opened")


async def told(h: Harness, user: str, words: str) -> Posted:
    """The ephemeral message the bot posts to ``user`` once a closed form is done."""
    found = await h.slack.wait_for(lambda p: p.ephemeral and words in p.text
                                   and p.response_key == f"ephemeral:{user}")
    return found[-1]


async def events(h: Harness) -> list[tuple[int, str, str]]:
    rows = await h.bot.store.read("SELECT id, kind, to_state FROM events"
                                  " WHERE jurisdiction_id = 'albany' ORDER BY seq")
    return [(r["id"], r["kind"], r["to_state"]) for r in rows]


async def test_a_message_recorded_as_albanys_response_shows_in_its_card(
        transported: Harness) -> None:
    h = transported
    await team(h)
    file_id = h.slack.share("albany-response.pdf", PDF, ANALYST, TEAM_CHANNEL)
    seen = len(h.slack.modals)
    status, _ = await h.sender.message_shortcut(h.session, ANALYST, TEAM_CHANNEL, REPLY,
                                                (file_id,))
    assert status == 200
    form = await modal_after(h, seen)
    assert "albany-response.pdf" in json.dumps(form)
    note = next(b for b in form["blocks"] if b.get("block_id") == "note")  # type: ignore[union-attr]
    assert note["element"]["initial_value"] == REPLY
    offered = await h.sender.suggest(h.session, ANALYST, form, "jurisdiction", "alb")
    assert [(o["value"], o["text"]["text"]) for o in offered] == [("albany", "Albany, NY (albany)")]
    status, ack = await h.sender.submit(h.session, ANALYST, form, {
        "jurisdiction": "albany", "date": "2018-01-25", "note": REPLY})
    assert (status, ack) == (200, {})
    answer = await told(h, ANALYST, "recorded a response from")
    assert "&lt;!channel&gt;" in answer.text and "<!channel>" not in answer.text
    written = await events(h)
    assert [(kind, to) for _, kind, to in written[-2:]] == [
        ("response", "response_received"), ("evidence", "response_received")]
    block = await h.bot.store.read("SELECT first_id, last_id, events FROM chain_blocks"
                                   " ORDER BY number DESC LIMIT 1")
    assert (block[0]["first_id"], block[0]["last_id"], block[0]["events"]) == (
        written[-2][0], written[-1][0], 2)  # one change, one transaction
    detail = json.loads((await h.bot.store.read(
        "SELECT detail FROM events WHERE kind = 'evidence'"))[0]["detail"])
    assert (detail["note"], detail["round"], detail["sha256"]) == (REPLY, 1, SHA)
    card = await h.answer(LEAD, "show albany")
    shown = json.dumps(card.blocks)
    assert "albany-response.pdf" in shown and SHA[:12] in shown
    assert h.bot.services.record is not None
    assert (await h.bot.services.record.verify()).intact
    await h.answer(LEAD, "dossier albany")  # the administrative record holds it too
    bundle = h.slack.files[-1].data
    assert check_dossier(io.BytesIO(bundle), (await h.bot.store.seal()).fingerprint).intact
    with zipfile.ZipFile(io.BytesIO(bundle)) as unzipped:
        timeline = unzipped.read("timeline/albany.html").decode()
    assert "albany-response.pdf" in timeline and SHA in timeline


async def test_a_viewer_gets_no_form_and_a_file_they_cannot_see_records_nothing(
        harness: Harness) -> None:
    h = harness
    await team(h)
    file_id = h.slack.share("memo.pdf", PDF, LEAD, "CSECRET")
    seen = len(h.slack.modals)
    status, key = await h.sender.message_shortcut(h.session, VIEWER, TEAM_CHANNEL, "hi",
                                                  (file_id,))
    refused = await h.slack.wait_for(lambda p: p.response_key == key)
    assert status == 200 and "you are viewer" in refused[-1].text
    assert len(h.slack.modals) == seen
    before = await events(h)
    await h.sender.message_shortcut(h.session, ANALYST, TEAM_CHANNEL, "hi", (file_id,))
    form = await modal_after(h, seen)
    status, ack = await h.sender.submit(h.session, ANALYST, form, {
        "jurisdiction": "albany", "date": "2018-01-25"})
    assert (status, ack) == (200, {})
    await told(h, ANALYST, "you are in")
    assert await events(h) == before


async def test_the_shortcut_form_refuses_a_jurisdiction_that_cannot_respond(
        harness: Harness) -> None:
    h = harness
    await team(h)
    await h.answer(ANALYST, 'add troy "Troy, NY"')  # no letter: no response to record
    seen = len(h.slack.modals)
    await h.sender.message_shortcut(h.session, ANALYST, TEAM_CHANNEL, "a reply")
    form = await modal_after(h, seen)
    for typed, words in (("atlantis", "No jurisdiction matches"), ("troy", "record a response")):
        _, ack = await h.sender.submit(h.session, ANALYST, form, {
            "jurisdiction": typed, "date": "2018-01-25"})
        assert ack.get("response_action") == "errors", ack
        assert words in ack["errors"]["jurisdiction"]


async def test_the_response_form_takes_a_file_as_evidence(harness: Harness) -> None:
    h = harness
    await team(h)
    other = b"%PDF-1.4 an opinion"
    file_id = h.slack.share("opinion.pdf", other, ANALYST, TEAM_CHANNEL)
    card = await h.answer(ANALYST, "show albany")
    await click_only(h, ANALYST, buttons(card)["step_response"], card)
    form = h.slack.modals[-1]
    assert any(b.get("block_id") == "evidence" for b in form["blocks"])
    status, ack = await h.sender.submit(h.session, ANALYST, form, {
        "date": "2018-01-25", "evidence": "https://evil.example.com/files/U1/F0ABC1234/x.pdf"})
    assert "is not a link into Slack" in ack["errors"]["evidence"]
    link = h.slack.permalink(file_id)
    status, ack = await h.sender.submit(h.session, ANALYST, form, {
        "date": "2018-01-25", "evidence": link, "note": "legal opinion"})
    assert (status, ack) == (200, {})
    await told(h, ANALYST, "recorded a response from")
    assert [kind for _, kind, _ in (await events(h))[-2:]] == ["response", "evidence"]
    shown = json.dumps((await h.answer(LEAD, "history albany")).blocks)
    assert "opinion.pdf" in shown and hashlib.sha256(other).hexdigest()[:12] in shown


async def test_the_jurisdiction_menu_offers_what_was_typed_to_readers_only(
        transported: Harness) -> None:
    h = transported
    await team(h)
    await h.answer(ANALYST, 'add albany-county "Albany County, NY <!channel>" kind=county')
    for n in range(120):
        await h.bot.services.review.add(ANALYST, f"town-{n:03}", f"Town {n}")
    seen = len(h.slack.modals)
    await h.sender.message_shortcut(h.session, ANALYST, TEAM_CHANNEL, "a reply")
    form = await modal_after(h, seen)
    offered = await h.sender.suggest(h.session, ANALYST, form, "jurisdiction", "ALBANY")
    assert [o["value"] for o in offered] == ["albany"]  # an exact match stands alone
    offered = await h.sender.suggest(h.session, ANALYST, form, "jurisdiction", "alba")
    assert [o["value"] for o in offered] == ["albany", "albany-county"]
    assert offered[1]["text"] == {"type": "plain_text",
                                  "text": "Albany County, NY <!channel> (albany-county)"}
    assert len(await h.sender.suggest(h.session, ANALYST, form, "jurisdiction", "town")) == 100
    assert await h.sender.suggest(h.session, ANALYST, form, "jurisdiction", "  ") == []
    h.slack.guests.add("UGUEST")  # a guest with no role reads nothing of the review
    assert await h.sender.suggest(h.session, "UGUEST", form, "jurisdiction", "alb") == []
