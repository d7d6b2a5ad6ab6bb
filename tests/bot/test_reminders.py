"""Reminders end to end: planned by steps, posted by sweeps to the stand-in, snoozed
from the message, never doubled or lost across a restart."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.console.stand_in.records import Failure, Posted
from bot.wiring.app import Bot, SlackAccess, build
from bot.wiring.settings import load_settings
from tests.bot.conftest import ADMIN, SECRET, Harness
from workflows.deadlines import DueSpec
from workflows.reminders import Due, Kind, collapse
from workflows.review import new_jurisdiction
from workflows.sweep import Sweeper

NY = "America/New_York"
LEAD = "ULEAD"


def at(day: str, hour: int = 10) -> datetime:
    """``hour`` o'clock in New York on ``day`` (EST in February: UTC-5)."""
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00-05:00").astimezone(UTC)


def ids_of(message: Posted) -> list[int]:
    assert message.metadata is not None
    return list(message.metadata["event_payload"]["ids"])


def channel_posts(h: Harness, channel: str) -> list[Posted]:
    return [p for p in h.slack.posted if p.channel == channel and p.metadata
            and p.metadata["event_type"] == "review_reminders"]


async def lettered(h: Harness, jid: str = "chicago", channel: str = "CMIDWEST",
                   owner: str = "UANA") -> None:
    await h.answer(ADMIN, f'add {jid} "{jid.title()}, IL" state=IL')
    await h.answer(ADMIN, f"assign {jid} owner=<@{owner}|o> channel=<#{channel}|c>")
    reply = await h.answer(ADMIN, f"letter {jid} date=2018-02-01 due=2018-02-23")
    assert reply.text.startswith(":white_check_mark:"), reply.text


async def test_a_letter_plans_its_reminders(harness: Harness) -> None:
    await lettered(harness)
    pending = await harness.bot.store.pending_reminders("chicago")
    planned = [(r.kind, r.due_at.astimezone(harness.bot.review.config.timezone).date())
               for r in pending]
    assert planned == [(Kind.BEFORE, date(2018, 2, 20)), (Kind.BEFORE, date(2018, 2, 22)),
                       (Kind.OVERDUE, date(2018, 2, 26)),
                       (Kind.ESCALATION, date(2018, 3, 26))]  # Illinois: Pulaski Day 3-5


async def test_the_sweep_posts_due_reminders_once_to_the_team_channel(harness: Harness) -> None:
    await lettered(harness)
    harness.clock.current = at("2018-02-20", 9) + timedelta(minutes=30)
    report = await harness.bot.sweeper.sweep()
    assert (report.posted, report.messages) == (1, 1)
    [message] = channel_posts(harness, "CMIDWEST")
    assert "due *2018-02-23* (in 3 business days)" in json.dumps(message.blocks)
    assert "<@UANA>" in json.dumps(message.blocks)
    assert len(ids_of(message)) == 1
    again = await harness.bot.sweeper.sweep()
    assert again.posted == 0 and len(channel_posts(harness, "CMIDWEST")) == 1


async def test_nothing_goes_out_outside_business_hours(harness: Harness) -> None:
    await lettered(harness)
    for moment in (at("2018-02-20", 7), at("2018-02-20", 18), at("2018-02-24", 11),
                   at("2018-02-19", 11)):  # early, late, a Saturday, Presidents' Day
        harness.clock.current = moment
        report = await harness.bot.sweeper.sweep()
        assert not report.in_hours and report.posted == 0, moment
    assert channel_posts(harness, "CMIDWEST") == []


async def test_a_response_cancels_the_reminders_that_no_longer_apply(harness: Harness) -> None:
    await lettered(harness)
    harness.clock.current = at("2018-02-05")
    await harness.answer(ADMIN, "response chicago date=2018-02-05")
    assert await harness.bot.store.pending_reminders("chicago") == []
    harness.clock.current = at("2018-03-26")
    assert (await harness.bot.sweeper.sweep()).posted == 0


async def test_a_moved_deadline_replaces_its_reminders(harness: Harness) -> None:
    await lettered(harness)
    harness.clock.current = at("2018-02-02")
    await harness.answer(ADMIN, "letter chicago date=2018-02-02 due=2018-03-30")
    deadlines = {r.deadline for r in await harness.bot.store.pending_reminders("chicago")}
    assert deadlines == {date(2018, 3, 30)}


async def test_overdue_reminders_follow_up_then_escalate_to_leads(harness: Harness) -> None:
    await harness.answer(ADMIN, f"role <@{LEAD}|lead> lead")
    await lettered(harness)
    harness.clock.current = at("2018-02-26")
    await harness.bot.sweeper.sweep()
    [overdue] = channel_posts(harness, "CMIDWEST")
    assert "*overdue* since 2018-02-23" in json.dumps(overdue.blocks)
    follow_ups = [r for r in await harness.bot.store.pending_reminders("chicago")
                  if r.kind is Kind.FOLLOW_UP]
    assert [r.due_at.astimezone(harness.bot.review.config.timezone).date()
            for r in follow_ups] == [date(2018, 3, 6)]  # 5 Illinois business days
    harness.clock.current = at("2018-03-26")
    await harness.bot.sweeper.sweep()
    last = channel_posts(harness, "CMIDWEST")[-1]
    assert "very overdue" in json.dumps(last.blocks) and f"<@{LEAD}>" in json.dumps(last.blocks)


def days_heard(h: Harness, channel: str) -> list[str]:
    """The days (team time) on which ``channel`` got a reminder message."""
    zone = h.bot.review.config.timezone
    return [datetime.fromtimestamp(float(m.ts), zone).date().isoformat()
            for m in channel_posts(h, channel)]


async def test_one_chain_after_the_escalation_and_its_lines_say_very_overdue(
        harness: Harness) -> None:
    """Chicago's deadline (2-23) goes by unanswered: a nudge every 5 Illinois business days,
    the escalation once 20 late (3-26), then the same one chain from there, never two
    nudges a week; lines after the escalation say "very overdue", as `list` does."""
    await harness.answer(ADMIN, f"role <@{LEAD}|lead> lead")
    await lettered(harness)
    day = date(2018, 2, 26)
    while day <= date(2018, 4, 13):
        harness.clock.current = at(day.isoformat())
        harness.slack.clock_offset = harness.clock.current.timestamp() - time.time()
        await harness.bot.sweeper.sweep()
        day += timedelta(days=1)
    assert days_heard(harness, "CMIDWEST") == [
        "2018-02-26", "2018-03-06", "2018-03-13", "2018-03-20", "2018-03-26", "2018-04-02",
        "2018-04-09"]
    *_, escalation, after, later = channel_posts(harness, "CMIDWEST")
    assert "very overdue" in json.dumps(escalation.blocks) and f"<@{LEAD}>" in json.dumps(
        escalation.blocks)
    for message in (after, later):
        text = json.dumps(message.blocks)
        assert "*very overdue* since 2018-02-23" in text and f"<@{LEAD}>" not in text


async def test_catch_up_after_downtime_nudges_again_in_a_week_not_each_minute(
        harness: Harness) -> None:
    """Down from before the deadline until 3-20: the catch-up line goes out once, and the
    next nudge is five business days after it, not a follow-up a minute per week missed."""
    await lettered(harness)
    harness.clock.current = start = at("2018-03-20")
    for minute in range(5):
        await harness.bot.sweeper.sweep(start + timedelta(minutes=minute))
    assert len(channel_posts(harness, "CMIDWEST")) == 1
    waiting = [r.due_at.astimezone(harness.bot.review.config.timezone).date()
               for r in await harness.bot.store.pending_reminders("chicago")
               if r.kind is Kind.FOLLOW_UP]
    assert waiting == [date(2018, 3, 27)]


async def test_a_step_that_keeps_an_overdue_deadline_starts_no_second_chain(
        harness: Harness) -> None:
    """A subpoena requested on an overdue demand keeps its deadline: the overdue nudge
    and the escalation it already has are not planned again."""
    await harness.answer(ADMIN, f"role <@{LEAD}|lead> lead")
    await lettered(harness)
    harness.clock.current = at("2018-02-26")
    await harness.answer(LEAD, "threaten chicago date=2018-02-26 due=2018-02-28 note=late")
    harness.clock.current = at("2018-03-01")
    await harness.bot.sweeper.sweep()  # overdue since 2-28
    harness.clock.current = at("2018-03-02")
    reply = await harness.answer(LEAD, "subpoena chicago date=2018-03-02")
    assert "due 2018-02-28 (overdue)" in reply.text
    waiting = sorted(r.kind for r in await harness.bot.store.pending_reminders("chicago"))
    assert waiting == [Kind.ESCALATION, Kind.FOLLOW_UP]


async def test_catch_up_after_downtime_is_one_message_per_channel(harness: Harness) -> None:
    for jid, channel in (("aurora", "CEAST"), ("boston", "CEAST"), ("camden", "CWEST")):
        await lettered(harness, jid, channel)
    harness.clock.current = at("2018-03-01")  # before-3, before-1 and overdue all due
    report = await harness.bot.sweeper.sweep()
    assert report.messages == 2 and report.posted == 9
    east = channel_posts(harness, "CEAST")
    assert len(east) == 1 and len(ids_of(east[0])) == 6
    text = json.dumps(east[0].blocks)
    assert text.count("*overdue* since 2018-02-23") == 2
    assert "2 earlier reminder(s) caught up" in text


async def test_many_reminders_fit_slack_limits_and_all_go_out(harness: Harness) -> None:
    batch = [new_jurisdiction(f"town-{n:03d}", f"Town {n:03d}", "city", "CA") for n in range(100)]
    await harness.bot.review.import_jurisdictions("test", batch)
    for j in batch:
        await harness.bot.review.take(ADMIN, j.id, "letter", date(2018, 2, 1),
                                      DueSpec(on=date(2018, 2, 23)))
    harness.clock.current = at("2018-02-20")
    harness.slack.failures.extend([Failure(429, retry_after=1), Failure(500)])
    report = await harness.bot.sweeper.sweep()
    messages = channel_posts(harness, harness.slack.channel("compliance-review"))
    assert report.posted == 100 and len(messages) == 3
    assert all(len(m.blocks) <= 50 for m in messages)
    sent = [i for m in messages for i in ids_of(m)]
    assert len(sent) == len(set(sent)) == 100


async def test_a_sweep_claims_again_until_everything_due_is_out(harness: Harness) -> None:
    """Claims are small (short write transactions); one sweep still posts the whole
    morning, a claim at a time, and stops claiming when Slack refuses."""
    batch = [new_jurisdiction(f"town-{n:02d}", f"Town {n:02d}", "city", "CA") for n in range(12)]
    await harness.bot.review.import_jurisdictions("test", batch)
    for j in batch:
        await harness.bot.review.take(ADMIN, j.id, "letter", date(2018, 2, 1),
                                      DueSpec(on=date(2018, 2, 23)))
    bot = harness.bot
    await bot.relay.settle()  # announcements out: the failures below are the sweep's
    sweeper = Sweeper(bot.store, bot.sweeper.notifier, harness.clock, bot.sweeper.policy,
                      "#compliance-review", bot.sweeper.label, claim_limit=5)
    harness.clock.current = at("2018-02-20")
    report = await sweeper.sweep()
    sent = [i for m in channel_posts(harness, harness.slack.channel("compliance-review"))
            for i in ids_of(m)]
    assert report.posted == 12 and sorted(sent) == sorted(set(sent)) and len(sent) == 12
    assert len(channel_posts(harness, harness.slack.channel("compliance-review"))) == 3

    harness.clock.current = at("2018-02-22")
    # The letters' announcements drain in the background: let them finish first, or
    # their posts take the failures meant for the sweep (seen about 1 run in 4).
    await bot.relay.settle()
    assert await bot.store.outbox_depth() == 0
    harness.slack.failures.extend([Failure(500)] * 4)  # more than the client retries
    failing = await sweeper.sweep()
    assert failing.posted == 0 and failing.released == 5  # one claim, given back, no loop


async def test_a_restart_after_claiming_loses_nothing(harness: Harness) -> None:
    await lettered(harness)
    harness.clock.current = now = at("2018-02-20")
    claimed = await harness.bot.store.claim_reminders(now, "dead-sweep", "#x", 100)
    assert len(claimed) == 1  # the sweep that claimed it dies here, before posting
    restarted = await restart(harness)
    try:
        assert (await restarted.sweeper.sweep(now + timedelta(minutes=1))).posted == 0
        report = await restarted.sweeper.sweep(now + timedelta(minutes=5))
        assert report.released == 1 and report.posted == 1
    finally:
        await restarted.close()
    assert [ids_of(m) for m in channel_posts(harness, "CMIDWEST")] == [[claimed[0].reminder.id]]


async def test_a_restart_after_posting_does_not_post_again(harness: Harness) -> None:
    await lettered(harness)
    harness.clock.current = now = at("2018-02-20")
    claimed = await harness.bot.store.claim_reminders(now, "dead-sweep", "#x", 100)
    await harness.bot.sweeper.notifier.remind(claimed[0].channel, [(claimed[0], [1])], [])
    restarted = await restart(harness)  # died after posting, before recording it
    try:
        report = await restarted.sweeper.sweep(now + timedelta(minutes=5))
    finally:
        await restarted.close()
    assert report.recovered == 1 and report.posted == 0
    assert len(channel_posts(harness, "CMIDWEST")) == 1
    assert await harness.bot.store.pending_reminders("chicago") != []


@pytest.mark.parametrize("skew", [timedelta(minutes=-10), timedelta(minutes=10),
                                  timedelta(days=-400), timedelta(days=400)],
                         ids=["bot-10min-ahead", "bot-10min-behind", "bot-far-ahead",
                              "bot-far-behind"])
async def test_a_restart_after_posting_finds_the_post_whatever_slacks_clock_says(
        harness: Harness, skew: timedelta) -> None:
    """Slack stamps messages by its own clock (here the bot's plus ``skew``): the check
    of what a dead sweep posted never compares the two clocks."""
    def move_to(moment: datetime) -> None:
        """Both clocks move on; Slack's stays ``skew`` off the bot's."""
        harness.clock.current = moment
        harness.slack.clock_offset = (moment + skew).timestamp() - time.time()

    move_to(harness.clock.current)
    await lettered(harness, "aurora", "CMIDWEST")
    move_to(at("2018-02-20"))
    await harness.bot.sweeper.sweep()  # an earlier reminder message in the channel
    await lettered(harness)
    move_to(now := at("2018-02-22"))
    claimed = await harness.bot.store.claim_reminders(now, "dead-sweep", "#x", 100)
    lines = [(head, [_id(d) for d in (head, *riders)]) for head, riders in collapse(claimed)]
    await harness.bot.sweeper.notifier.remind("CMIDWEST", lines, [])
    restarted = await restart(harness)  # died after posting, before recording it
    try:
        report = await restarted.sweeper.sweep(now + timedelta(minutes=5))
    finally:
        await restarted.close()
    assert (report.recovered, report.posted) == (len(claimed), 0)
    posted = [i for m in channel_posts(harness, "CMIDWEST") for i in ids_of(m)]
    assert len(posted) == len(set(posted)), "posted twice"
    assert {_id(d) for d in claimed} <= set(posted) and len(claimed) == 3


async def test_a_restart_reads_the_channel_back_only_to_the_last_recorded_reminder(
        harness: Harness) -> None:
    """A sweep died after claiming, before posting: the check reads the busy channel
    from its newest message back to the last reminder message the database recorded
    (by Slack's timestamp), no further, then the reminder goes out once."""
    slack = harness.slack
    await lettered(harness)
    harness.clock.current = at("2018-02-20")
    for n in range(1000):  # older chatter, before any reminder
        slack.posted.append(Posted("CMIDWEST", f"old {n}", [], ts=f"{1_500_000_000 + n}.000001"))
    await harness.bot.sweeper.sweep()
    [recorded] = channel_posts(harness, "CMIDWEST")
    for n in range(450):  # chatter since, by Slack's clock
        slack.posted.append(Posted("CMIDWEST", f"new {n}", [],
                                   ts=f"{float(recorded.ts) + (n + 1) / 1000:.6f}"))
    harness.clock.current = now = at("2018-02-22")
    await harness.bot.store.claim_reminders(now, "dead-sweep", "#x", 100)
    reads = len(slack.calls)
    report = await harness.bot.sweeper.sweep(now + timedelta(minutes=5))
    history = [p for method, p in slack.calls[reads:] if method == "conversations.history"]
    assert [p.get("oldest") for p in history] == [recorded.ts] * 3  # 450 messages: 3 pages
    assert (report.recovered, report.released, report.posted) == (0, 1, 1)
    assert len(channel_posts(harness, "CMIDWEST")) == 2


async def restart(h: Harness) -> Bot:
    """A second bot on the same database file, as after a restart."""
    settings = load_settings(None, database_url=f"sqlite:///{h.bot.store.path}",
                             review_admins=ADMIN)
    return await build(settings, SlackAccess(h.slack.token, SECRET, h.slack.api_url), h.clock)


async def test_snooze_from_the_reminder(harness: Harness) -> None:
    await lettered(harness)
    harness.slack.join("CMIDWEST", "UANA", "UBOB")
    harness.clock.current = at("2018-02-20")
    await harness.bot.sweeper.sweep()
    [message] = channel_posts(harness, "CMIDWEST")
    option = message.blocks[1]["accessory"]["options"][0]
    action = {"type": "overflow", "action_id": "reminder_snooze", "block_id": "b",
              "selected_option": option}
    _, key = await harness.sender.click(harness.session, "UANA", action, message)
    [answer] = [p for p in harness.slack.posted if p.response_key == key]
    assert answer.ephemeral and "Wednesday 2018-02-21 at 09:00" in answer.text
    snoozed = [r for r in await harness.bot.store.pending_reminders("chicago")
               if r.kind is Kind.SNOOZED]
    assert len(snoozed) == 1
    _, again = await harness.sender.click(harness.session, "UBOB", action, message)
    [refusal] = [p for p in harness.slack.posted if p.response_key == again]
    assert "already snoozed" in refusal.text
    assert len([r for r in await harness.bot.store.pending_reminders("chicago")
                if r.kind is Kind.SNOOZED]) == 1


async def test_a_snooze_after_the_answer_came_is_refused(harness: Harness) -> None:
    await lettered(harness)
    harness.slack.join("CMIDWEST", "UANA")
    harness.clock.current = at("2018-02-20")
    await harness.bot.sweeper.sweep()
    [message] = channel_posts(harness, "CMIDWEST")
    await harness.answer(ADMIN, "response chicago date=2018-02-20")
    action = {"type": "overflow", "action_id": "reminder_snooze", "block_id": "b",
              "selected_option": message.blocks[1]["accessory"]["options"][1]}
    _, key = await harness.sender.click(harness.session, "UANA", action, message)
    [refusal] = [p for p in harness.slack.posted if p.response_key == key]
    assert "no longer applies" in refusal.text and "response received" in refusal.text
    assert await harness.bot.store.pending_reminders("chicago") == []


async def snooze_click(h: Harness, user: str, message: Posted, value: str) -> Posted:
    """``user`` picks ``value`` in a snooze menu of ``message``; returns the answer."""
    action = {"type": "overflow", "action_id": "reminder_snooze", "block_id": "b",
              "selected_option": {"text": {"type": "plain_text", "text": "Remind me"},
                                  "value": value}}
    _, key = await h.sender.click(h.session, user, action, message)
    [answer] = [p for p in h.slack.posted if p.response_key == key]
    assert answer.ephemeral, answer
    return answer


async def snoozes(h: Harness, jid: str = "chicago") -> int:
    return len([r for r in await h.bot.store.pending_reminders(jid) if r.kind is Kind.SNOOZED])


async def test_only_the_channels_people_or_a_lead_may_snooze(harness: Harness) -> None:
    """Slack shows the menu to whoever reads the channel; only its members (as
    conversations.members tells) or a lead may use it, and a refusal changes nothing."""
    await harness.answer(ADMIN, f"role <@{LEAD}|lead> lead")
    await lettered(harness)
    harness.slack.join("CMIDWEST", "UANA")
    harness.slack.join("COTHER", "UEVE")
    harness.clock.current = at("2018-02-20")
    await harness.bot.sweeper.sweep()
    [message] = channel_posts(harness, "CMIDWEST")
    option = message.blocks[1]["accessory"]["options"][0]["value"]
    refusal = await snooze_click(harness, "UEVE", message, option)
    assert "Only people in the channel" in refusal.text and "or a lead" in refusal.text
    rid = option.split(":")[0]
    for crafted in (f"{rid}:30", f"{rid}:0", "9" * 30 + ":1", f"{rid}:1:1", "x:1"):
        assert "out of date" in (await snooze_click(harness, "UANA", message, crafted)).text
    assert await snoozes(harness) == 0
    done = await snooze_click(harness, LEAD, message, option)  # not in it, but a lead
    assert "Snoozed" in done.text and await snoozes(harness) == 1


async def test_the_default_channel_by_name_is_checked_where_the_message_is(
        harness: Harness) -> None:
    """A jurisdiction with no team channel is reminded in REVIEW_CHANNEL, given by name:
    its members are those of the channel the clicked message is in."""
    await harness.answer(ADMIN, 'add aurora "Aurora, IL" state=IL')
    await harness.answer(ADMIN, "letter aurora date=2018-02-01 due=2018-02-23")
    review_channel = harness.slack.channel("compliance-review")
    harness.slack.join(review_channel, "UANA")
    harness.clock.current = at("2018-02-20")
    await harness.bot.sweeper.sweep()
    [message] = channel_posts(harness, review_channel)
    option = message.blocks[1]["accessory"]["options"][1]["value"]
    assert "Only people" in (await snooze_click(harness, "UEVE", message, option)).text
    assert "Snoozed" in (await snooze_click(harness, "UANA", message, option)).text
    assert await snoozes(harness, "aurora") == 1


async def test_nobody_snoozes_an_escalation(harness: Harness) -> None:
    """The escalation line offers no menu; a crafted click naming it is refused, even
    a lead's, and nothing changes."""
    await harness.answer(ADMIN, f"role <@{LEAD}|lead> lead")
    await lettered(harness)
    harness.slack.join("CMIDWEST", "UANA")
    harness.clock.current = at("2018-03-26")
    await harness.bot.sweeper.sweep()
    [message] = channel_posts(harness, "CMIDWEST")
    [line] = [b for b in message.blocks if "very overdue" in json.dumps(b)]
    assert "accessory" not in line
    [escalation] = [i for i in ids_of(message)
                    if (found := await harness.bot.store.reminder(i)) is not None
                    and found.reminder.kind is Kind.ESCALATION]
    for user in ("UANA", LEAD):
        refusal = await snooze_click(harness, user, message, f"{escalation}:5")
        assert "escalation cannot be snoozed" in refusal.text
    assert await snoozes(harness) == 0


async def test_a_snooze_is_refused_when_slack_cannot_say_who_is_in_the_channel(
        harness: Harness) -> None:
    await lettered(harness)
    harness.slack.join("CMIDWEST", "UANA")
    harness.clock.current = at("2018-02-20")
    await harness.bot.sweeper.sweep()
    [message] = channel_posts(harness, "CMIDWEST")
    await harness.answer("UANA", "list")  # the bot knows UANA as a member of the workspace
    harness.slack.failures.extend([Failure(500)] * 4)  # more than the client retries
    option = message.blocks[1]["accessory"]["options"][0]["value"]
    refusal = await snooze_click(harness, "UANA", message, option)
    assert "could not check" in refusal.text and "Try again" in refusal.text
    assert await snoozes(harness) == 0


async def test_app_home_shows_my_jurisdictions_and_handles_retries_once(
        harness: Harness) -> None:
    await lettered(harness)
    harness.clock.current = at("2018-02-20")
    status, _ = await harness.sender.app_home_opened(harness.session, "UANA", "Ev1")
    assert status == 200
    for _ in range(100):
        if "UANA" in harness.slack.views:
            break
        await asyncio.sleep(0.02)
    view = json.dumps(harness.slack.views["UANA"])
    assert "Your jurisdictions" in view and "Chicago, IL" in view and "due soon" in view
    publishes = sum(1 for method, _ in harness.slack.calls if method == "views.publish")
    assert (await harness.sender.app_home_opened(harness.session, "UANA", "Ev1", retry=1))[0] \
        == 200
    await asyncio.sleep(0.2)
    assert sum(1 for method, _ in harness.slack.calls if method == "views.publish") == publishes


async def test_the_scheduler_sweeps_on_its_own(harness: Harness) -> None:
    from bot.wiring.schedule import add_periodic_jobs

    await lettered(harness)
    harness.clock.current = at("2018-02-20")
    settings = load_settings(None, review_sweep_seconds=5)
    scheduler = harness.bot.scheduler
    add_periodic_jobs(scheduler, harness.bot.sweeper, harness.bot.relay, settings)
    scheduler.start()
    try:
        for _ in range(200):
            if channel_posts(harness, "CMIDWEST"):
                break
            await asyncio.sleep(0.02)
    finally:
        scheduler.shutdown(wait=False)
    assert [len(ids_of(m)) for m in channel_posts(harness, "CMIDWEST")] == [1]
    assert {job.id for job in scheduler.get_jobs()} >= {"reminders", "outbox"}


async def test_reading_back_a_busy_channel_follows_every_page(harness: Harness) -> None:
    """A sweep that died long ago is checked against more messages than one page of
    conversations.history holds: the reminders of the oldest page count too."""
    slack = harness.slack
    for n in range(450):
        slack.posted.append(Posted("CBUSY", f"chatter {n}", [], ts=f"{1_517_500_000 + n}.000001",
                                   metadata={"event_type": "review_reminders",
                                             "event_payload": {"ids": [n]}}
                                   if n % 100 == 0 else None))
    found = await harness.bot.sweeper.notifier.delivered("CBUSY", None, range(0, 450, 100))
    assert set(found) == {0, 100, 200, 300, 400}
    pages = [params for method, params in slack.calls if method == "conversations.history"]
    assert len(pages) == 3


async def test_reading_back_goes_as_deep_as_ten_thousand_messages(harness: Harness) -> None:
    """A dead sweep's reminder under 6,000 later messages (30 pages) is found, so it is
    not posted again: the read-back's bound is 50 pages, and no other constant of the
    posting code stands in for it."""
    slack = harness.slack
    for n in range(6000):
        slack.posted.append(Posted("CBUSY", f"chatter {n}", [], ts=f"{1_517_500_000 + n}.000001",
                                   metadata={"event_type": "review_reminders",
                                             "event_payload": {"ids": [7]}}
                                   if n == 0 else None))
    found = await harness.bot.sweeper.notifier.delivered("CBUSY", None, [7])
    assert found == {7: "1517500000.000001"}


def _id(due: Due) -> int:
    assert due.reminder.id is not None
    return due.reminder.id
