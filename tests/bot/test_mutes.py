"""Muting reminders end to end: ``/review mute`` and ``unmute`` as signed commands over
HTTP, sweeps run by the injected clock, what the stand-in's channels got. A reminder is
checked again as it is about to go out: muted, or beyond the workflow's cap, it is
dropped, never posted, never claimed again."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from tests.bot.conftest import ADMIN, Harness, running
from tests.bot.test_reminders import LEAD, at, channel_posts, days_heard, lettered
from workflows.reminders import Due, Kind
from workflows.sweep import Sweeper


async def sweep_daily(h: Harness, first: date, last: date,
                      sweeper: Sweeper | None = None) -> None:
    """A sweep at 10:00 each day, both clocks moved (Slack stamps by its own)."""
    day = first
    while day <= last:
        h.clock.current = at(day.isoformat())
        h.slack.clock_offset = h.clock.current.timestamp() - time.time()
        await (sweeper or h.bot.sweeper).sweep()
        day += timedelta(days=1)


async def events_of(h: Harness, jid: str = "chicago") -> list[Any]:
    events, _ = await h.bot.store.history(jid, 0, 100)
    return events


async def muted_chicago(h: Harness, text: str = "mute chicago reason=in litigation") -> None:
    await h.answer(ADMIN, f"role <@{LEAD}|lead> lead")
    await lettered(h)
    h.clock.current = at("2018-02-19")
    reply = await h.answer(LEAD, text)
    assert reply.text.startswith(":white_check_mark:"), reply.text


async def test_a_mute_stops_every_reminder_and_is_recorded_without_moving_the_state(
        harness: Harness) -> None:
    await muted_chicago(harness)
    state = (await harness.bot.store.get("chicago"))
    await sweep_daily(harness, date(2018, 2, 20), date(2018, 3, 30))
    assert channel_posts(harness, "CMIDWEST") == []
    assert await harness.bot.store.pending_reminders("chicago") == []  # dropped, not waiting
    mute = (await events_of(harness))[0]
    assert (mute.kind, mute.actor, mute.from_state, mute.to_state) == (
        "mute", LEAD, "awaiting_response", "awaiting_response")
    assert mute.detail["reason"] == "in litigation" and mute.detail["until"] is None
    assert state is not None and (await harness.bot.store.get("chicago")).state == state.state
    shown = await harness.answer(ADMIN, "show chicago")
    assert "Reminders muted: in litigation" in json.dumps(shown.blocks)


async def test_an_unmute_plans_from_now_with_no_burst_of_what_was_missed(
        harness: Harness) -> None:
    """Muted from before the deadline until long after the escalation was due: the
    unmute posts one line (the escalation, to the leads), then the chain goes on."""
    await muted_chicago(harness)
    await sweep_daily(harness, date(2018, 2, 20), date(2018, 3, 30))
    harness.clock.current = at("2018-04-02", 9)
    reply = await harness.answer(LEAD, "unmute chicago")
    assert "unmuted the reminders of *Chicago, IL*" in reply.text
    await sweep_daily(harness, date(2018, 4, 2), date(2018, 4, 13))
    assert days_heard(harness, "CMIDWEST") == ["2018-04-02", "2018-04-09"]
    first = channel_posts(harness, "CMIDWEST")[0]
    assert f"<@{LEAD}>" in json.dumps(first.blocks)  # the escalation the mute held back
    assert json.dumps(first.blocks).count("Chicago, IL") == 1  # one line, not a burst
    assert [e.kind for e in await events_of(harness)][:2] == ["unmute", "mute"]


async def test_a_mute_until_a_day_ends_by_itself_and_the_chain_goes_on_from_then(
        harness: Harness) -> None:
    await muted_chicago(harness, "mute chicago until=2018-03-08 reason=talks with counsel")
    await sweep_daily(harness, date(2018, 2, 20), date(2018, 3, 16))
    assert days_heard(harness, "CMIDWEST") == ["2018-03-08", "2018-03-15"]
    shown = await harness.answer(ADMIN, "show chicago")
    assert "muted" not in json.dumps(shown.blocks).split("Recent history")[0]


class MuteWhileClaiming:
    """The real store, through which a mute is recorded (by a lead, over HTTP) in the
    moment after a sweep claimed reminders and before it posts them."""

    def __init__(self, store: Any, record: Callable[[], Awaitable[None]]) -> None:
        self.store, self.record = store, record

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    async def claim_reminders(self, *args: Any) -> list[Due]:
        claimed: list[Due] = await self.store.claim_reminders(*args)
        if claimed:
            await self.record()
        return claimed


async def test_a_reminder_claimed_while_a_mute_is_recorded_is_dropped_not_posted(
        harness: Harness) -> None:
    await harness.answer(ADMIN, f"role <@{LEAD}|lead> lead")
    await lettered(harness)
    bot = harness.bot

    async def mute() -> None:
        await harness.answer(LEAD, "mute chicago reason=in litigation")

    sweeper = Sweeper(MuteWhileClaiming(bot.store, mute), bot.sweeper.notifier,  # type: ignore[arg-type]
                      harness.clock, bot.sweeper.policy, "#compliance-review", bot.sweeper.label)
    harness.clock.current = at("2018-02-20")
    [before] = [r for r in await bot.store.pending_reminders("chicago")
                if r.due_at <= harness.clock.current]
    report = await sweeper.sweep()
    assert (report.posted, report.dropped) == (0, 1)
    assert channel_posts(harness, "CMIDWEST") == []
    assert before.id is not None
    stored = await bot.store.reminder(before.id)
    assert stored is not None and stored.status == "cancelled"
    assert (await bot.sweeper.sweep()).posted == 0  # not claimed again
    assert (await events_of(harness))[0].kind == "mute"


async def test_follow_ups_stop_at_the_cap_the_workflow_file_sets(tmp_path: Path) -> None:
    packaged = resources.files("workflows").joinpath("review.yml").read_text(encoding="utf-8")
    capped = tmp_path / "capped.yml"
    capped.write_text(packaged.replace("  # max_follow_ups: 6 ", "  max_follow_ups: 1 "),
                      encoding="utf-8")
    async with running(tmp_path, review_workflow=str(capped)) as h:
        assert h.bot.sweeper.policy.max_follow_ups == 1
        await h.answer(ADMIN, f"role <@{LEAD}|lead> lead")
        await lettered(h)
        await sweep_daily(h, date(2018, 2, 26), date(2018, 4, 13))
        assert days_heard(h, "CMIDWEST") == ["2018-02-26", "2018-03-06", "2018-03-26"]


async def test_the_escalation_can_end_the_follow_ups(harness: Harness) -> None:
    await harness.answer(ADMIN, f"role <@{LEAD}|lead> lead")
    await lettered(harness)
    bot = harness.bot
    ending = Sweeper(bot.store, bot.sweeper.notifier, harness.clock,
                     replace(bot.sweeper.policy, stop_after_escalation=True),
                     "#compliance-review", bot.sweeper.label)
    await sweep_daily(harness, date(2018, 2, 26), date(2018, 4, 20), ending)
    assert days_heard(harness, "CMIDWEST")[-1] == "2018-03-26"  # the escalation, last


async def test_a_follow_up_planned_before_a_cap_is_dropped_when_it_fires(
        harness: Harness) -> None:
    await lettered(harness)
    bot = harness.bot
    await sweep_daily(harness, date(2018, 2, 26), date(2018, 2, 26))  # overdue; chains one
    assert Kind.FOLLOW_UP in {r.kind for r in await bot.store.pending_reminders("chicago")}
    none = Sweeper(bot.store, bot.sweeper.notifier, harness.clock,
                   replace(bot.sweeper.policy, max_follow_ups=0), "#compliance-review",
                   bot.sweeper.label)
    harness.clock.current = at("2018-03-06")
    report = await none.sweep()
    assert (report.posted, report.dropped) == (0, 1)
    assert len(channel_posts(harness, "CMIDWEST")) == 1


@pytest.mark.parametrize(("user", "text", "says"), [
    (LEAD, "mute chicago", "Say why the reminders stop"),
    (LEAD, "mute chicago reason=   ", "Say why the reminders stop"),
    (LEAD, "mute chicago until=2018-02-01 reason=x", "is not after today"),
    (LEAD, "mute chicago until=2018-02-19 reason=x", "is not after today"),
    (LEAD, "mute chicago until=next week reason=x", "is not a date"),
    (LEAD, "mute atlantis reason=x", "No jurisdiction matches “atlantis”"),
    (LEAD, "mute reason=x", "Name a jurisdiction"),
    (LEAD, "unmute chicago", "are not muted"),
    ("UANA", "mute chicago reason=x", "Only admin or lead may use “mute”"),
])
async def test_bad_mutes_are_refused_and_change_nothing(harness: Harness, user: str,
                                                        text: str, says: str) -> None:
    await harness.answer(ADMIN, f"role <@{LEAD}|lead> lead")
    await harness.answer(ADMIN, "role <@UANA|ana> analyst")
    await lettered(harness)
    harness.clock.current = at("2018-02-19")
    before = (len(await events_of(harness)), await harness.bot.store.pending_reminders("chicago"))
    posted = await harness.command(user, text)
    [answer] = posted
    assert answer.response_key and says in answer.text, answer.text
    assert (len(await events_of(harness)),
            await harness.bot.store.pending_reminders("chicago")) == before


async def test_app_home_says_which_jurisdictions_are_muted(harness: Harness) -> None:
    await muted_chicago(harness, "mute chicago until=2018-03-01 reason=in <!channel> litigation")
    await harness.sender.app_home_opened(harness.session, "UANA", "Ev1")
    for _ in range(100):
        if "UANA" in harness.slack.views:
            break
        await asyncio.sleep(0.02)
    view = json.dumps(harness.slack.views["UANA"])
    assert "muted until 2018-03-01: in &lt;!channel&gt; litigation" in view


