"""End to end over real HTTP: signed slash commands in, Slack Web API calls out."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from bot.console.local_slack import Failure, sign
from tests.bot.conftest import ADMIN, Harness

LEAD, ANALYST, COUNSEL, COUNSEL2 = "ULEAD", "UANALYST", "UCOUNSEL", "UCOUNSELB"


async def setup_chicago(h: Harness) -> None:
    for user, role in ((LEAD, "lead"), (ANALYST, "analyst"), (COUNSEL, "counsel"),
                       (COUNSEL2, "counsel")):
        answer = await h.answer(ADMIN, f"role <@{user}|{user.lower()}> {role}")
        assert f"is now {role}" in answer.text
    answer = await h.answer(ANALYST, 'add chicago "Chicago, IL" kind=city state=IL aliases=chi')
    assert "added *Chicago, IL*" in answer.text


async def test_signed_command_is_acked_fast_and_answered(harness: Harness) -> None:
    body = harness.sender.form(ADMIN, "help", "CREVIEW", "k1")
    started = time.perf_counter()
    status, _text = await harness.sender.post(harness.session, body)
    elapsed = time.perf_counter() - started
    assert status == 200
    assert elapsed < 1.5, f"ack took {elapsed:.2f}s"
    [reply] = await harness.slack.wait_for(lambda p: p.response_key == "k1")
    assert reply.ephemeral
    assert "Compliance review commands" in reply.text


async def test_forged_stale_and_unsigned_requests_get_401(harness: Harness) -> None:
    body = harness.sender.form(ADMIN, 'add x "X"', "CREVIEW", "forged")
    now = str(int(time.time()))
    forged = sign("not-the-secret", now, body)
    assert (await harness.sender.post(harness.session, body, now, forged))[0] == 401
    stale = str(int(time.time()) - 6 * 60)
    assert (await harness.sender.post(harness.session, body, stale))[0] == 401
    async with harness.session.post(harness.sender.bot_url, data=body.encode(),
                                    headers={"Content-Type": "application/x-www-form-urlencoded"}
                                    ) as resp:
        assert resp.status == 401
    tampered = body.replace("add+x", "add+y")
    assert (await harness.sender.post(harness.session, tampered, now,
                                      sign("test-signing-secret", now, body)))[0] == 401
    assert harness.slack.posted == []
    assert await harness.bot.store.get("x") is None


async def test_a_replayed_request_is_refused_and_runs_once(harness: Harness) -> None:
    body = harness.sender.form(ADMIN, 'add replayed "Replayed, IL"', "CREVIEW", "r1")
    now = str(int(time.time()))
    signature = sign("test-signing-secret", now, body)
    assert (await harness.sender.post(harness.session, body, now, signature))[0] == 200
    await harness.slack.wait_for(lambda p: p.response_key == "r1")
    assert (await harness.sender.post(harness.session, body, now, signature))[0] == 401
    fresh = harness.sender.form(ADMIN, "show replayed", "CREVIEW", "r2")
    assert (await harness.sender.post(harness.session, fresh))[0] == 200  # others still pass
    await harness.slack.wait_for(lambda p: p.response_key == "r2")
    assert len([p for p in harness.slack.posted if p.response_key == "r1"]) == 1
    assert (await harness.bot.store.history("replayed", 0, 10))[1] == 1  # added once


async def test_healthz(harness: Harness) -> None:
    async with harness.session.get(harness.url + "/healthz") as resp:
        assert resp.status == 200
        assert (await resp.json())["ok"] is True


async def test_the_chicago_story_from_letter_to_threat(harness: Harness) -> None:
    await setup_chicago(harness)
    steps = [
        (ANALYST, "letter chi date=2017-04-21 due=2017-06-30", "letter sent, awaiting response"),
        (ANALYST, "response chicago date=2017-06-30 note=legal opinion", "response received"),
        (ANALYST, "insufficient chicago date=2018-01-24", "response insufficient"),
        (LEAD, "threaten chicago date=2018-01-24 due=30 days note=no documents",
         "subpoena threatened"),
    ]
    for user, text, state in steps:
        posted = await harness.command(user, text)
        channel_posts = [p for p in posted if not p.response_key]
        assert len(channel_posts) == 1, posted
        assert harness.slack.channels[channel_posts[0].channel] == "compliance-review"
        assert state in channel_posts[0].text
        assert posted[-1].ephemeral and state in posted[-1].text
    j = await harness.bot.store.get("chicago")
    assert j is not None and j.state == "subpoena_threatened"
    assert j.due_on is not None and j.due_on.isoformat() == "2018-02-23"

    refused = await harness.answer(ANALYST, "threaten chicago due=30 days")
    assert "Only leads may threaten" in refused.text and "you are an analyst" in refused.text
    assert "Nothing was changed" in refused.text
    after = await harness.bot.store.get("chicago")
    assert after is not None and after.version == j.version

    history = json.dumps((await harness.answer(ANALYST, "history chicago")).blocks)
    kinds = ["threaten", "insufficient", "response", "letter", "added"]
    positions = [history.index(f"*{kind}*") for kind in kinds]
    assert positions == sorted(positions), "history is newest first"


async def test_subpoena_needs_a_different_counsel(harness: Harness) -> None:
    await setup_chicago(harness)
    harness.clock.current = datetime(2018, 2, 27, 15, 0, tzinfo=UTC)  # no step is dated ahead
    for user, text in ((ANALYST, "letter chicago date=2017-04-21 due=2017-06-30"),
                       (ANALYST, "insufficient chicago date=2017-07-05"),
                       (LEAD, "threaten chicago date=2018-01-24 due=2018-02-23 note=none came"),
                       (LEAD, "subpoena chicago date=2018-02-26")):
        reply = await harness.answer(user, text)
        assert reply.text.startswith(":white_check_mark:"), reply.text
    assert (await harness.bot.store.get("chicago")).state == "subpoena_requested"  # type: ignore[union-attr]
    refused = await harness.answer(LEAD, "approve chicago")
    assert "Only counsel may approve" in refused.text
    done = await harness.answer(COUNSEL, "approve chicago date=2018-02-27")
    assert "approved the subpoena" in done.text
    assert (await harness.bot.store.get("chicago")).state == "subpoena_issued"  # type: ignore[union-attr]


async def test_an_injunction_blocks_and_the_refusal_names_it(harness: Harness) -> None:
    await setup_chicago(harness)
    await harness.answer(ANALYST, "letter chicago date=2017-04-21 due=2017-06-30")
    await harness.answer(ANALYST, "response chicago date=2017-06-30")
    order = await harness.answer(
        COUNSEL, "injunction chicago case=2:17-cv-03894 court=E.D. Pa. date=2017-11-15 "
                 "blocks=escalation scope=grants may not be withheld over 1373")
    assert "recorded an injunction" in order.text
    refused = await harness.answer(LEAD, "finding chicago date=2017-12-01 due=15 days")
    assert "2:17-cv-03894" in refused.text and "blocks “finding”" in refused.text
    assert (await harness.bot.store.get("chicago")).state == "response_received"  # type: ignore[union-attr]
    await harness.answer(COUNSEL, "lift chicago 1 date=2018-01-02")
    allowed = await harness.answer(LEAD, "finding chicago date=2018-01-03 due=15 days")
    assert "preliminary finding" in allowed.text


async def test_bad_input_answers_ephemerally_and_changes_nothing(harness: Harness) -> None:
    await setup_chicago(harness)
    await harness.answer(ANALYST, 'add cook-county "Cook County, IL" state=IL')
    await harness.answer(ANALYST, 'add contra-costa "Contra Costa County, CA" state=CA')
    before = await harness.bot.store.history("chicago", 0, 100)
    cases = {
        "frobnicate chicago": "is not a command",
        "letter": "Name the jurisdiction",
        "letter atlantis due=30 days": "No jurisdiction matches",
        "letter c due=30 days": "matches several jurisdictions",
        "letter chicago date=2017-02-30 due=30 days": "is not a date",
        "letter chicago due=soon": "is not a deadline",
        "letter chicago": "give a deadline",
        "response chicago": "not possible from there",
        "letter chicago due=30 days color=red": "Unknown option color=",
        "role <@UANALYST|a> emperor": "is not a role",
        'add "unclosed': "quote is not closed",
    }
    for text, expected in cases.items():
        reply = await harness.answer(ANALYST, text)
        assert reply.ephemeral, text
        assert expected in reply.text, (text, reply.text)
        assert "Traceback" not in reply.text
    assert await harness.bot.store.history("chicago", 0, 100) == before


async def test_lists_page_within_block_limits(harness: Harness) -> None:
    from workflows.review import new_jurisdiction

    batch = [new_jurisdiction(f"town-{n:03d}", f"Town {n:03d}", "city", "CA") for n in range(45)]
    await harness.bot.review.import_jurisdictions("test", batch)
    first = await harness.answer(ADMIN, "list")
    assert "page 1 of 3" in first.text
    assert len(first.blocks) <= 50
    text = json.dumps(first.blocks)
    assert text.count("*Town ") == 20 and "list page=2" in text
    last = await harness.answer(ADMIN, "list page=3")
    assert json.dumps(last.blocks).count("*Town ") == 5
    assert "page=4" not in json.dumps(last.blocks)


async def test_steps_are_announced_in_the_assigned_channel(harness: Harness) -> None:
    await setup_chicago(harness)
    await harness.answer(LEAD, "assign chicago owner=<@UANALYST|ana> channel=<#CMIDWEST|midwest>")
    posted = await harness.command(ANALYST, "letter chicago date=2017-04-21 due=2017-06-30")
    assert [p.channel for p in posted if not p.response_key] == ["CMIDWEST"]
    card = await harness.answer(ANALYST, "show chicago")
    assert "<@UANALYST>" in str(card.blocks)


async def test_announcements_survive_slack_errors(harness: Harness) -> None:
    await setup_chicago(harness)
    harness.slack.failures.extend([Failure(429, retry_after=1), Failure(500)])
    posted = await harness.command(ANALYST, "letter chicago date=2017-04-21 due=2017-06-30")
    channel_posts = [p for p in posted if not p.response_key]
    assert len(channel_posts) == 1 and "sent a letter" in channel_posts[0].text
    assert await harness.bot.store.pending_notices(10) == []
