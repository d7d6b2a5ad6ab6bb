"""A channel the bot is not a member of: the bot may post there (chat:write.public) but
not upload a file nor read it back, as Slack answers ``not_in_channel``. Each command
that uploads says so in one line, and no claim is left stuck."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.bot.conftest import ADMIN, Harness
from tests.bot.test_reminders import at, channel_posts, lettered

INVITE = "The bot is not in <#COUTSIDE>: `/invite @review-bot` there, then try again."


async def run_outside(h: Harness, text: str) -> str:
    outside = h.slack.add_channel("outside", bot_in=False)
    posted = await h.command(ADMIN, text, channel=outside)
    return posted[-1].text + json.dumps(posted[-1].blocks, ensure_ascii=False)


@pytest.mark.parametrize("text", ["export state", "dossier chicago", "calendar", "stats"])
async def test_an_upload_to_a_channel_without_the_bot_says_invite_it(
        harness: Harness, text: str) -> None:
    await harness.answer(ADMIN, 'add chicago "Chicago, IL" state=IL')
    await harness.answer(ADMIN, "letter chicago date=2018-01-10 due=2018-02-23")
    answer = await run_outside(harness, text)
    assert INVITE in answer, answer
    assert harness.slack.files == []
    inside = await harness.command(ADMIN, text)  # where the bot is, it uploads
    assert INVITE not in str(inside[-1].blocks) and len(harness.slack.files) == 1


async def test_a_summary_posts_there_and_says_why_there_is_no_chart(harness: Harness) -> None:
    await harness.answer(ADMIN, 'add chicago "Chicago, IL" state=IL')
    await harness.answer(ADMIN, "letter chicago date=2018-01-10 due=2018-02-23")
    answer = await run_outside(harness, "summary")
    assert answer.startswith(":white_check_mark: Summary posted in <#COUTSIDE>."), answer
    assert f"No chart: {INVITE}" in answer, answer
    assert harness.slack.files == []


async def test_a_dead_sweeps_claim_in_a_channel_it_cannot_read_is_given_back(
        harness: Harness) -> None:
    """The check of what a dead sweep posted reads the channel back; Slack refuses
    (not_in_channel): the claim is given back and the reminder goes out, not held
    forever."""
    harness.slack.add_channel("midwest", bot_in=False)
    await lettered(harness)
    harness.clock.current = now = at("2018-02-20")
    claimed = await harness.bot.store.claim_reminders(now, "dead-sweep", "#x", 100)
    assert len(claimed) == 1
    report = await harness.bot.sweeper.sweep(now + timedelta(minutes=5))
    assert (report.released, report.posted) == (1, 1), report
    assert len(channel_posts(harness, "CMIDWEST")) == 1
    later = await harness.bot.sweeper.sweep(now + timedelta(minutes=10))
    assert later.posted == 0  # settled: not posted again
