"""The summary subcommands through the real Bolt app, over signed HTTP."""

from __future__ import annotations

from tests.bot.conftest import ADMIN, Harness


async def test_summary_commands_over_signed_http(harness: Harness) -> None:
    await harness.answer(ADMIN, 'add chicago "Chicago, IL" kind=city state=IL')
    answer = await harness.answer(ADMIN, "subscribe daily 09:00 tz=Mars/Olympus")
    assert answer.ephemeral and "is not a time zone" in answer.text, answer.text
    answer = await harness.answer(ADMIN, "subscribe weekly mon 08:30 tz=Europe/Paris")
    assert "weekly on Mondays at 08:30 (Europe/Paris)" in answer.text, answer.text
    posted = await harness.command(ADMIN, "summary", channel="CLEAD")
    assert posted[-1].text == ":white_check_mark: Summary posted in <#CLEAD>.", posted[-1]
    assert [p.channel for p in posted if not p.response_key] == ["CLEAD"]
    assert harness.slack.files[0].data.startswith(b"\x89PNG")
    help_ = await harness.answer(ADMIN, "help subscribe")
    assert "subscribe <daily|weekly>" in help_.text
    listing = await harness.answer(ADMIN, "subscriptions")
    assert "weekly on Mondays at 08:30 (Europe/Paris)" in str(listing.blocks)


async def test_only_leads_and_admins_subscribe_or_unsubscribe_a_channel(harness: Harness) -> None:
    await harness.answer(ADMIN, "role <@UANA|ana> analyst")
    await harness.answer(ADMIN, "role <@ULENA|lena> lead")
    for user in ("UANA", "UVIEWER"):
        answer = await harness.answer(user, "subscribe daily 09:00 channel=#leadership")
        assert answer.ephemeral and "Only admin or lead may use “summaries”" in answer.text, \
            answer.text
    assert await harness.bot.summaries.store.subscriptions() == []
    answer = await harness.answer("ULENA", "subscribe daily 09:00 channel=#leadership")
    assert "will get a summary daily at 09:00" in answer.text, answer.text
    answer = await harness.answer("UANA", "unsubscribe channel=#leadership")
    assert "Only admin or lead may use “summaries”" in answer.text, answer.text
    assert len(await harness.bot.summaries.store.subscriptions()) == 1
    answer = await harness.answer(ADMIN, "unsubscribe channel=#leadership")
    assert "will no longer get a summary" in answer.text, answer.text
