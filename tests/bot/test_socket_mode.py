"""Socket Mode, the manifest's transport, against the stand-in speaking Slack's protocol:
acks and their payloads by envelope type, App Home events handled once, and a
connection refreshed or dropped mid-run losing nothing and running nothing twice.

What Slack does per type, which the stand-in copies: an ``events_api`` envelope not
acked is sent again (``retry_attempt`` 1, 2, …); a slash command or an interactive
envelope (click, form, menu, shortcut) is never sent again: the person sees a timeout.
The same commands, clicks and forms also run over both transports in the interaction
tests (the ``transported`` fixture)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest

from bot.console.stand_in.socket_mode import Envelope
from bot.console.stand_in.workspace import TEAM
from tests.bot.conftest import ADMIN, Harness
from tests.bot.test_evidence import TEAM_CHANNEL
from tests.bot.test_evidence import team as evidence_team
from tests.bot.test_interactions import ANALYST, LEAD, buttons, card_for, click_only, team

ANA, BEN, CAT = "UANA", "UBEN", "UCAT"


async def until(condition: Callable[[], object], timeout: float = 2.0) -> None:
    """Wait, a few milliseconds at a time, until ``condition()`` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition never held")
        await asyncio.sleep(0.005)


def home_opened(user: str, event_id: str) -> dict[str, Any]:
    return {"token": "legacy-verification-token", "team_id": TEAM, "api_app_id": "A0REVIEW",
            "type": "event_callback", "event_id": event_id, "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": user, "channel": "DHOME",
                      "tab": "home"}}


def publishes(h: Harness, user: str) -> int:
    return sum(1 for method, params in h.slack.calls
               if method == "views.publish" and params.get("user_id") == user)


def opened(h: Harness) -> int:
    return sum(1 for method, _ in h.slack.calls if method == "apps.connections.open")


def acked(h: Harness, envelope: Envelope) -> dict[str, Any]:
    return h.slack.acks[envelope.envelope_id]


def announced(h: Harness, words: str) -> int:
    return sum(1 for p in h.slack.posted if words in p.text and not p.response_key)


async def test_each_ack_carries_an_answer_only_where_the_envelope_takes_one(
        socket_harness: Harness) -> None:
    h = socket_harness
    await team(h)
    await h.answer(ANALYST, "insufficient chicago date=2017-07-05")
    card = await card_for(h, LEAD)
    await click_only(h, LEAD, buttons(card)["step_threaten"], card)
    [form] = h.slack.modals
    status, errors = await h.sender.submit(h.session, LEAD, form,
                                           {"date": "2018-01-24", "due": "soon", "note": ""})
    assert status == 200 and errors["response_action"] == "errors"
    assert set(errors["errors"]) == {"due", "note"}
    status, done = await h.sender.submit(h.session, LEAD, form, {
        "date": "2018-01-24", "due": "30 days", "note": "no documents came"})
    assert (status, done) == (200, {})
    j = await h.bot.store.get("chicago")
    assert j is not None and j.state == "subpoena_threatened"
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for envelope in h.slack.delivered:
        kind = envelope.payload.get("type", envelope.type)
        by_kind.setdefault(str(kind), []).append(acked(h, envelope))
    assert set(by_kind) == {"slash_commands", "block_actions", "view_submission"}
    assert all(set(ack) == {"envelope_id"} for ack in by_kind["slash_commands"]), \
        "a command is answered on its response_url, not in its ack"
    assert all(set(ack) == {"envelope_id"} for ack in by_kind["block_actions"])
    first, last = by_kind["view_submission"]
    assert first["payload"]["response_action"] == "errors" and "payload" not in last
    assert h.slack.ignored_payloads == [] and h.slack.unanswered == []


async def test_a_menu_is_answered_with_its_options_in_the_ack(socket_harness: Harness) -> None:
    h = socket_harness
    await evidence_team(h)
    seen = len(h.slack.modals)
    await h.sender.message_shortcut(h.session, ANALYST, TEAM_CHANNEL, "a reply")
    await until(lambda: len(h.slack.modals) > seen)
    shortcut = h.slack.delivered[-1]
    assert shortcut.payload["type"] == "message_action"
    assert not shortcut.accepts_response_payload and "payload" not in acked(h, shortcut)
    offered = await h.sender.suggest(h.session, ANALYST, h.slack.modals[-1], "jurisdiction",
                                     "alb")
    assert [o["value"] for o in offered] == ["albany"]
    menu = h.slack.delivered[-1]
    assert menu.payload["type"] == "block_suggestion" and menu.accepts_response_payload
    assert acked(h, menu)["payload"]["options"] == offered


async def test_app_home_is_drawn_once_however_often_slack_sends_the_event(
        socket_harness: Harness) -> None:
    h = socket_harness
    status, body = await h.sender.send_json(h.session, home_opened(ANA, "Ev1"))
    assert (status, body) == (200, "")
    await until(lambda: publishes(h, ANA) == 1)
    assert h.slack.views[ANA]["type"] == "home"
    again = await h.sender.send_json(h.session, home_opened(ANA, "Ev1"), retry=1)
    assert again == (200, ""), "a retry is acked, so Slack stops sending it"
    retry = h.slack.delivered[-1]
    assert (retry.retry_attempt, retry.retry_reason) == (1, "timeout")
    await h.sender.send_json(h.session, home_opened(BEN, "Ev2"))  # a fence behind the retry
    await until(lambda: publishes(h, BEN) == 1)
    assert publishes(h, ANA) == 1, "the retry drew App Home again"


@pytest.mark.parametrize("reason", ["refresh_requested", "warning"])
async def test_a_reconnect_mid_run_loses_nothing_and_runs_nothing_twice(
        socket_harness: Harness, reason: str) -> None:
    h = socket_harness
    await h.answer(ADMIN, f"role <@{ANALYST}|a> analyst")
    h.slack.lose_acks(1)  # the bot handles this event; its ack is lost on the way
    first = await h.slack.deliver("events_api", home_opened(ANA, "Ev1"))
    await until(lambda: publishes(h, ANA) == 1 and h.slack.lost_acks)
    await h.slack.disconnect(reason)
    # Sent while the bot is between connections: they wait for its next one.
    between = await h.slack.deliver("events_api", home_opened(BEN, "Ev2"))
    answer = await h.answer(ANALYST, 'add denver "Denver, CO" state=CO')
    assert "added *Denver, CO*" in answer.text
    command = [e for e in h.slack.delivered if e.type == "slash_commands"][-1]
    assert [h.slack.sent_on[e.envelope_id] for e in (first, between, command)] == [1, 2, 2]
    await h.slack.wait_for_socket(connections=2)
    await h.slack.close_draining()
    [retry] = [e for e in h.slack.delivered if e.retry_attempt]
    assert retry.payload["event_id"] == "Ev1" and retry.retry_attempt == 1
    assert h.slack.sent_on[retry.envelope_id] == 2
    assert await h.slack.wait_for_ack(retry.envelope_id) is not None
    await h.slack.deliver("events_api", home_opened(CAT, "Ev3"))  # a fence
    await until(lambda: publishes(h, CAT) == 1 and len(h.slack.sockets) == 1)
    assert (publishes(h, ANA), publishes(h, BEN)) == (1, 1)
    assert await h.bot.store.get("denver") is not None
    await h.bot.relay.settle()
    assert announced(h, "added *Denver, CO*") == 1
    assert opened(h) == h.slack.connections == 2
    assert h.slack.unanswered == [] and h.slack.ignored_payloads == []
    assert "Denver, CO" in (await h.answer(ANALYST, "show denver")).text


async def test_a_dropped_connection_comes_back_and_a_command_is_never_sent_twice(
        socket_harness: Harness) -> None:
    h = socket_harness
    await h.answer(ADMIN, f"role <@{ANALYST}|a> analyst")
    h.slack.lose_acks(1)
    fields = h.sender.fields(ANALYST, 'add denver "Denver, CO" state=CO', "CREVIEW", "lost")
    command = await h.slack.deliver("slash_commands", fields)
    await h.slack.wait_for(lambda p: p.response_key == "lost")
    await until(lambda: bool(h.slack.lost_acks))
    await h.slack.drop()
    await h.slack.wait_for_socket(connections=2)
    # Slack does not send a command again: the person was told it failed (though it ran).
    assert h.slack.unanswered == [command]
    assert [e for e in h.slack.delivered if e.payload is command.payload] == [command]
    answer = await h.answer(ANALYST, "show denver")
    assert "Denver, CO" in answer.text
    await h.bot.relay.settle()
    assert announced(h, "added *Denver, CO*") == 1
    assert opened(h) == 2
