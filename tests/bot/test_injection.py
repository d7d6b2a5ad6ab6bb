"""Mentions and links people type never go live in what the bot posts.

Each test puts hostile text (``ATTACK``: every kind of Slack control sequence) into a
name, a note, a court order's fields, a batch note or a file, drives the real bot over
signed HTTP, then walks everything the Slack stand-in recorded (messages, their
fallback text, modals, App Home views, uploads' comments and alt text) and checks that
every ``<`` in mrkdwn starts one of the bot's own mentions: a stored owner, lead or
actor, or a channel it resolved to an ID.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bot.console import textview
from bot.console.repl import run_console
from bot.console.stand_in.records import Posted
from bot.console.stand_in.server import LocalSlack
from bot.slack.posting.reminders import SlackReminders
from bot.wiring.settings import load_settings
from tests.bot.conftest import ADMIN, Harness

ATTACK = ("<!channel> <!here> <!everyone> <!subteam^S0EVIL> <@UEVIL> <#CEVIL> "
          "<https://evil.example|Open the file>")
NAME = f"Evil & Co {ATTACK}"
ANA, LEAD, LEAD2 = "UANA", "ULEAD", "ULEADB"
TEAM = "CMIDWEST"
OURS_USERS = {ADMIN, ANA, LEAD, LEAD2}
OURS_CHANNELS = {TEAM, "CREVIEW", "CLEAD"}
_OWN_USER = re.compile(r"<@([UW][A-Z0-9]+)>")
_OWN_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)>")


# -- what the stand-in recorded ------------------------------------------------------


def mrkdwn_texts(node: Any) -> Iterator[str]:
    """Every mrkdwn text object under ``node`` (sections, fields, context, confirms)."""
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from mrkdwn_texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from mrkdwn_texts(item)


def recorded(slack: LocalSlack) -> Iterator[tuple[str, str]]:
    """(where, text) for every piece of text Slack would parse for markup."""
    for posted in slack.posted:
        where = posted.channel or posted.response_key
        yield f"{where} fallback", posted.text
        for text in mrkdwn_texts(posted.blocks):
            yield where, text
    for n, view in enumerate(slack.modals):
        for text in mrkdwn_texts(view):
            yield f"modal {n}", text
    for user, view in slack.views.items():
        for text in mrkdwn_texts(view):
            yield f"App Home of {user}", text
    for upload in slack.files:
        yield f"comment on {upload.title}", upload.comment
        yield f"alt text of {upload.title}", upload.alt


def injected(slack: LocalSlack) -> list[tuple[str, str]]:
    """Every control sequence that is not one of the bot's own mentions."""
    found = []
    for where, text in recorded(slack):
        for match in re.finditer(r"<[^<>]*>?", text):
            user, chan = _OWN_USER.fullmatch(match[0]), _OWN_CHANNEL.fullmatch(match[0])
            if (user and user[1] in OURS_USERS) or (chan and chan[1] in OURS_CHANNELS):
                continue
            found.append((where, match[0]))
    return found


def shown(posted: Posted) -> str:
    """A message as a person reads it (the console's rendering of Slack's)."""
    return textview.blocks_to_text(posted.blocks, posted.text, str, str)


def channel_posts(h: Harness, channel: str | None = TEAM) -> list[Posted]:
    """Messages posted in ``channel`` (in any channel when None), answers left out."""
    return [p for p in h.slack.posted
            if p.channel and not p.response_key and channel in (None, p.channel)]


def assert_clean(h: Harness) -> None:
    assert injected(h.slack) == []


# -- setting the scene ---------------------------------------------------------------


async def staff(h: Harness) -> None:
    for user, role in ((ANA, "analyst"), (LEAD, "lead"), (LEAD2, "lead")):
        await h.answer(ADMIN, f"role <@{user}|x> {role}")


async def hostile(h: Harness, jid: str = "evil") -> None:
    """A jurisdiction with a hostile name, owned by Ana, announced in #midwest."""
    added = await h.answer(ADMIN, f'add {jid} "{NAME}" kind=city state=IL')
    assert added.text.startswith(":white_check_mark:"), added.text
    await h.answer(ADMIN, f"assign {jid} owner=<@{ANA}|ana> channel=<#{TEAM}|midwest>")
    h.slack.join(TEAM, ANA, LEAD, LEAD2)


async def home_of(h: Harness, user: str) -> dict[str, Any]:
    status, _ = await h.sender.app_home_opened(h.session, user, f"Ev-{user}")
    assert status == 200
    for _ in range(200):
        if user in h.slack.views:
            return h.slack.views[user]
        await asyncio.sleep(0.02)
    raise AssertionError("no App Home published")


def button(message: Posted, action_id: str) -> dict[str, Any]:
    for block in message.blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return dict(element)
    raise AssertionError(f"no {action_id} button in {message.text}")


async def click(h: Harness, user: str, action: dict[str, Any], message: Posted) -> list[Posted]:
    _, key = await h.sender.click(h.session, user, action, message)
    return [p for p in h.slack.posted if p.response_key.split(":")[0] == key]


async def open_form(h: Harness, user: str, action: dict[str, Any]) -> dict[str, Any]:
    """Click a button that opens a form; return the form."""
    seen = len(h.slack.modals)
    body = {"type": "block_actions", "team": {"id": "T0LOCAL"}, "api_app_id": "A0REVIEW",
            "user": {"id": user}, "channel": {"id": "CREVIEW"},
            "response_url": h.slack.response_url(f"form{seen}"), "trigger_id": "t.form",
            "container": {"type": "message"}, "actions": [action]}
    status, _ = await h.sender.post(h.session, urlencode({"payload": json.dumps(body)}))
    assert status == 200
    for _ in range(200):
        if len(h.slack.modals) > seen:
            return h.slack.modals[-1]
        await asyncio.sleep(0.02)
    raise AssertionError("no form opened")


async def submit(h: Harness, user: str, form: dict[str, Any], values: dict[str, Any]
                 ) -> dict[str, Any]:
    """Submit a form; when it is taken, wait for the bot to confirm it to ``user``."""
    seen = len(h.slack.posted)
    _, ack = await h.sender.submit(h.session, user, form, values)
    if ack == {}:
        await h.slack.wait_for(lambda p: p.response_key == f"ephemeral:{user}"
                               and h.slack.posted.index(p) >= seen)
    return ack


# -- the surfaces --------------------------------------------------------------------


async def test_names_notes_links_and_orders_typed_in_commands_reach_channels_escaped(
        harness: Harness) -> None:
    await hostile(harness)
    await harness.answer(ADMIN, f"letter evil date=2018-01-02 due=2018-03-30 note={ATTACK}")
    await harness.answer(ADMIN, f"response evil date=2018-01-10 note=see {ATTACK} "
                                "link=<https://evil.example|the answer>")
    await harness.answer(ADMIN, f"lawsuit evil case=1:18-cv-{ATTACK} court={ATTACK} "
                                f"date=2018-01-11 scope={ATTACK}")
    await harness.answer(ADMIN, f"injunction evil case={ATTACK} court=E.D. Pa. "
                                f"date=2018-01-12 blocks=escalation scope={ATTACK}")
    await harness.answer(ADMIN, "alias evil evil-co")
    card = await harness.answer(ADMIN, "show evil")
    await harness.answer(ADMIN, "history evil")
    await harness.answer(ADMIN, "list kind=city")
    await harness.answer(ADMIN, f"list kind={ATTACK}")
    announced = channel_posts(harness, None)
    assert len(announced) == 7  # added, assigned, letter, response, 2 orders, alias
    assert "&lt;!channel&gt;" in announced[0].text
    assert_clean(harness)
    assert f"added *{NAME}*." in shown(announced[0])  # read as typed: escaped once
    assert card.blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": NAME}}
    events, _ = await harness.bot.store.history("evil", 0, 10)
    [response] = [e for e in events if e.kind == "response"]
    assert response.detail["link"] == "https://evil.example"  # Slack's label dropped


async def test_text_slack_sends_encoded_is_kept_as_it_was_typed(harness: Harness) -> None:
    await harness.answer(ADMIN, 'add att "AT&amp;T &lt;Labs&gt;"')  # Slack's form of it
    j = await harness.bot.store.get("att")
    assert j is not None and j.name == "AT&T <Labs>"
    [added] = channel_posts(harness, None)
    assert "*AT&amp;T &lt;Labs&gt;*" in added.text
    assert_clean(harness)


def is_reminder(posted: Posted) -> bool:
    return (posted.metadata or {}).get("event_type") == SlackReminders.EVENT_TYPE


async def test_reminders_app_home_and_summaries_escape_the_name(harness: Harness) -> None:
    await staff(harness)
    await hostile(harness)
    await harness.answer(ADMIN, "letter evil date=2018-02-01 due=2018-02-23")
    await harness.answer(ADMIN, f"injunction evil case=1:18-cv-1 date=2018-02-01 "
                                f"blocks=escalation scope={ATTACK}")
    posted = await harness.command(ADMIN, "summary", channel="CLEAD")
    assert posted[-1].text.startswith(":white_check_mark: Summary posted"), posted[-1].text
    harness.clock.current = datetime(2018, 2, 20, 15, 0, tzinfo=UTC)
    report = await harness.bot.sweeper.sweep()
    assert report.posted == 1
    await home_of(harness, ANA)
    [reminder] = [p for p in channel_posts(harness) if is_reminder(p)]
    assert "&lt;!channel&gt;" in reminder.blocks[1]["text"]["text"]
    assert "<@UANA>" in reminder.blocks[1]["text"]["text"]  # the owner: still a mention
    assert len(harness.slack.files) == 1 and harness.slack.files[0].alt
    assert_clean(harness)


async def test_forms_show_the_name_escaped_and_what_they_record_goes_out_escaped(
        harness: Harness) -> None:
    await staff(harness)
    await hostile(harness)
    card = await harness.answer(ADMIN, "show evil")
    letter = await open_form(harness, ADMIN, button(card, "step_letter"))
    ack = await submit(harness, ADMIN, letter, {
        "date": "2018-01-02", "due": "2018-03-30", "note": ATTACK})
    assert ack == {}
    card = await harness.answer(LEAD, "show evil")
    assert any(b.get("confirm") for b in card.blocks[-1]["elements"])  # clear, close
    order = await open_form(harness, LEAD, button(card, "order_open"))
    ack = await submit(harness, LEAD, order, {
        "kind": "injunction", "case": ATTACK, "court": ATTACK, "date": "2018-01-03",
        "blocks": ["escalation"], "scope": ATTACK})
    assert ack == {}
    # A form closes first and records after: its announcement comes in the background.
    await harness.slack.until(lambda: len(channel_posts(harness, None)) >= 4)
    await harness.bot.relay.settle()
    assert len(harness.slack.modals) == 2 and len(channel_posts(harness, None)) == 4
    assert_clean(harness)


async def test_batch_requests_and_reports_escape_notes_names_and_reasons(
        harness: Harness) -> None:
    await staff(harness)
    for jid in ("evil", "evil-two"):
        await hostile(harness, jid)
        await harness.answer(ADMIN, f"letter {jid} date=2017-11-15 due=2017-12-08")
        await harness.answer(ADMIN, f"insufficient {jid} date=2018-01-24")
    await harness.answer(ADMIN, f"injunction evil-two case={ATTACK} date=2017-11-20 "
                                f"blocks=escalation scope={ATTACK}")
    request = await harness.answer(LEAD, f"batch threaten evil, evil-two date=2018-01-25 "
                                         f"due=30 days note={ATTACK}")
    assert "asks to take" in request.text and "&lt;!here&gt;" in request.text
    answers = await click(harness, LEAD2, button(request, "batch_approve"), request)
    [report] = [p for p in answers if p.response_key.endswith(":replaced")]
    assert "1 done, 1 refused" in report.text
    again = await click(harness, LEAD2, button(request, "batch_approve"), request)
    assert f"already done by <@{LEAD2}>." in again[-1].text  # the bot's own mention
    assert_clean(harness)


async def test_imports_escape_the_file_name_and_the_lines_they_quote(harness: Harness) -> None:
    evil_name = "targets <!here> <@UEVIL>.csv"
    lines = "".join(f"2018-01-0{n % 9 + 1},{ATTACK} {n},letter_sent\n" for n in range(45))
    bad = harness.slack.share(evil_name, ("date,jurisdiction,event\n" + lines
                                          + f"2018-01-02,x,{ATTACK}\n").encode(), ADMIN)
    listed = await harness.answer(ADMIN, f"import {bad}")
    assert "46 bad line(s)" in listed.text and "&lt;!here&gt;" in listed.text
    assert [f.title for f in harness.slack.files] == ["targets <!here> <@UEVIL>-bad-lines.txt"]
    good = harness.slack.share(evil_name, f'id,name\nevil,"{NAME}"\n'.encode(), ADMIN)
    applied = await harness.command(ADMIN, f"import {good} apply")
    assert "imported" in applied[-1].text and not applied[-1].ephemeral
    notutf8 = harness.slack.share(evil_name, b"\xff\xfe<!channel>", ADMIN)
    refused = await harness.answer(ADMIN, f"import {notutf8}")
    assert "not UTF-8" in refused.text
    exported = await harness.answer(ADMIN, "export state")
    assert "uploaded" in exported.text
    assert_clean(harness)


async def test_refusals_escape_what_was_typed_and_keep_the_bots_own_mentions(
        harness: Harness) -> None:
    await hostile(harness)
    unknown = await harness.answer(ADMIN, f"show {ATTACK}")
    assert "No jurisdiction matches “&lt;!channel&gt;" in unknown.text
    nonsense = await harness.answer(ADMIN, "<!here>")
    assert "“&lt;!here&gt;” is not a command" in nonsense.text
    await harness.answer(ADMIN, "letter evil date=2018-02-01 due=2018-02-23")
    harness.clock.current = datetime(2018, 2, 20, 15, 0, tzinfo=UTC)
    await harness.bot.sweeper.sweep()
    [reminder] = [p for p in channel_posts(harness) if is_reminder(p)]
    option = reminder.blocks[1]["accessory"]["options"][0]
    action = {"type": "overflow", "action_id": "reminder_snooze", "block_id": "b",
              "selected_option": option}
    snoozed = await click(harness, ANA, action, reminder)
    assert "&lt;!channel&gt;" in snoozed[-1].text
    refused = await click(harness, LEAD, action, reminder)
    assert refused[-1].text.startswith(f":warning: <@{ANA}> already snoozed this reminder "
                                       "about Evil &amp; Co &lt;!channel&gt;")
    assert_clean(harness)


# -- length limits -------------------------------------------------------------------


async def test_a_name_over_200_characters_is_refused_by_command_form_and_import(
        harness: Harness) -> None:
    long_name = "N" * 201
    refused = await harness.answer(ADMIN, f"add longville {long_name}")
    assert "at most 200" in refused.text and "201" in refused.text
    status, _ = await harness.sender.post(
        harness.session, harness.sender.form(ADMIN, "add", "CREVIEW", "bare"))
    assert status == 200
    for _ in range(200):
        if harness.slack.modals:
            break
        await asyncio.sleep(0.02)
    [form] = harness.slack.modals
    _, ack = await harness.sender.submit(harness.session, ADMIN, form,
                                         {"id": "longville", "name": long_name})
    assert list(ack["errors"]) == ["name"] and "at most 200" in ack["errors"]["name"]
    shared = harness.slack.share("long.csv", f"id,name\nlongville,{long_name}\n".encode(),
                                 ADMIN)
    imported = await harness.answer(ADMIN, f"import {shared} apply")
    assert "line 2:" in json.dumps(imported.blocks) and "at most 200" in json.dumps(
        imported.blocks)
    fits = await harness.answer(ADMIN, f"add longville {'N' * 200}")
    assert fits.text.startswith(":white_check_mark:"), fits.text
    assert (await harness.bot.store.get("longville")) is not None


async def test_a_note_over_3000_characters_is_refused_by_command_form_batch_and_import(
        harness: Harness) -> None:
    await staff(harness)
    await harness.answer(ADMIN, 'add chicago "Chicago, IL" state=IL')
    await harness.answer(ADMIN, 'add denver "Denver, CO" state=CO')
    note = "x" * 3001
    refused = await harness.answer(ADMIN, f"letter chicago due=2018-03-30 note={note}")
    assert "at most 3,000" in refused.text and "3,001" in refused.text
    batch = await harness.answer(LEAD, f"batch letter chicago, denver due=2018-03-30 "
                                       f"note={note}")
    assert "at most 3,000" in batch.text
    rows = await harness.bot.store.read("SELECT count(*) AS n FROM batches")
    assert rows[0]["n"] == 0
    shared = harness.slack.share("notes.csv", (
        "date,jurisdiction,event,due,detail\n"
        f"2018-01-02,chicago,letter_sent,2018-03-30,{note}\n").encode(), ADMIN)
    imported = await harness.answer(ADMIN, f"import {shared}")
    assert "line 2:" in json.dumps(imported.blocks) and "at most 3,000" in imported.text \
        + json.dumps(imported.blocks)
    card = await harness.answer(ADMIN, "show chicago")
    form = await open_form(harness, ADMIN, button(card, "step_letter"))
    _, ack = await harness.sender.submit(harness.session, ADMIN, form, {
        "date": "2018-01-02", "due": "2018-03-30", "note": note})
    assert list(ack["errors"]) == ["note"] and "at most 3,000" in ack["errors"]["note"]
    j = await harness.bot.store.get("chicago")
    assert j is not None and j.state == "new"
    fits = await harness.answer(ADMIN, f"letter chicago due=2018-03-30 note={'x' * 3000}")
    assert fits.text.startswith(":white_check_mark:"), fits.text


async def test_court_order_fields_have_limits_shown_under_their_field(
        harness: Harness) -> None:
    await harness.answer(ADMIN, 'add chicago "Chicago, IL" state=IL')
    refused = await harness.answer(ADMIN, f"lawsuit chicago case={'1' * 201}")
    assert "case number" in refused.text and "at most 200" in refused.text
    refused = await harness.answer(ADMIN, f"lawsuit chicago case=1 court={'C' * 201}")
    assert "court" in refused.text and "at most 200" in refused.text
    refused = await harness.answer(ADMIN, f"lawsuit chicago case=1 scope={'s' * 3001}")
    assert "scope" in refused.text and "at most 3,000" in refused.text
    card = await harness.answer(ADMIN, "show chicago")
    form = await open_form(harness, ADMIN, button(card, "order_open"))
    fields = {"kind": "lawsuit", "case": "1:17-cv-05720", "court": "N.D. Ill.",
              "date": "2017-08-07", "scope": ""}
    for field, value in (("case", "1" * 201), ("court", "C" * 201), ("scope", "s" * 3001)):
        _, ack = await harness.sender.submit(harness.session, ADMIN, form,
                                             {**fields, field: value})
        assert list(ack.get("errors", {})) == [field], (field, ack)
    j = await harness.bot.store.get("chicago")
    assert j is not None and j.orders == []


# -- the console ---------------------------------------------------------------------


def test_the_stand_in_turns_a_typed_at_channel_into_a_ping_as_slack_does() -> None:
    slack = LocalSlack()
    assert slack.escape("@channel @here @everyone @ana #midwest") == (
        f"<!channel> <!here> <!everyone> <@{slack.user('ana')}|ana> "
        f"<#{slack.channel('midwest')}|midwest>")
    assert slack.escape("AT&T <b>") == "AT&amp;T &lt;b&gt;"


def test_the_console_shows_escaped_text_as_typed_and_pings_as_pings() -> None:
    text = textview.mrkdwn("*AT&amp;T &lt;!channel&gt;* <!here> by <@UANA>",
                           lambda uid: "ana", str)
    assert text == "*AT&T <!channel>* @here by @ana"


async def test_the_console_shows_a_hostile_name_as_it_was_typed(tmp_path: Path) -> None:
    lines = iter(['/review add evil "Evil @channel & <Co>" state=IL', "/review show evil"])
    out = io.StringIO()

    def read() -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    settings = load_settings(None, database_url=f"sqlite:///{tmp_path / 'review.db'}")
    await run_console(settings, read=read, out=out)
    printed = out.getvalue()
    assert "added *Evil <!channel> & <Co>*" in printed, printed
    assert "== Evil <!channel> & <Co> ==" in printed
    assert "@channel" not in printed.split("/review show evil")[-1]
