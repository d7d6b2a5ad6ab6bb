"""The summaries use case against hand-written fakes of its ports: subscriptions with
their lease, a summary source, a poster and a schedule; the clock is fixed."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.workflows.conftest import FixedClock
from workflows.chain import ZERO, Seal
from workflows.errors import DeliveryFailed
from workflows.ports import SummaryJob
from workflows.summaries import SENDING_LEASE, SummaryService
from workflows.summary import (
    Activity,
    Blocked,
    Cadence,
    Capped,
    DateGroup,
    DeadlineGroup,
    DueItem,
    Schedule,
    Sent,
    StateCount,
    Subscription,
    Summary,
)

NOW = datetime(2018, 2, 1, 15, 0, tzinfo=UTC)  # a Thursday
TEAM = ZoneInfo("America/New_York")
DAILY_9 = Schedule(Cadence.DAILY, time(9), "UTC")
LEAD = "U-LEAD"


# -- the ports, in memory ----------------------------------------------------------------


class FakeSubscriptions:
    """Subscriptions and leases as the store keeps them: a lease is taken only when free
    or run out, and ``mark_sent`` never moves back and ends the lease."""

    def __init__(self) -> None:
        self.rows: dict[str, Subscription] = {}
        self.leases: dict[str, datetime] = {}
        self.claims: list[str] = []

    async def subscription(self, channel: str) -> Subscription | None:
        return self.rows.get(channel)

    async def subscriptions(self) -> list[Subscription]:
        return [self.rows[channel] for channel in sorted(self.rows)]

    async def subscribe(self, subscription: Subscription) -> Subscription | None:
        previous = self.rows.get(subscription.channel)
        kept = previous.last_sent_at if previous else None
        self.rows[subscription.channel] = replace(subscription, last_sent_at=kept)
        return previous

    async def unsubscribe(self, channel: str) -> Subscription | None:
        self.leases.pop(channel, None)
        return self.rows.pop(channel, None)

    async def mark_sent(self, channel: str, until: datetime) -> bool:
        found = self.rows.get(channel)
        if found is None:
            return False
        last = max(found.last_sent_at or until, until)
        self.rows[channel] = replace(found, last_sent_at=last)
        self.leases.pop(channel, None)
        return True

    async def claim_sending(self, channel: str, now: datetime, lease: timedelta) -> bool:
        held = self.leases.get(channel)
        if channel not in self.rows or (held is not None and held > now):
            return False
        self.leases[channel] = now + lease
        self.claims.append(channel)
        return True

    async def release_sending(self, channel: str) -> None:
        self.leases.pop(channel, None)


@dataclass
class FakeSource:
    """What a summary reads: three jurisdictions; ``steps`` taken in any period."""

    steps: int = 1
    since_asked: list[datetime] = field(default_factory=list)

    async def state_counts(self, since: datetime) -> list[StateCount]:
        self.since_asked.append(since)
        return [StateCount("new", 1, 1), StateCount("awaiting_response", 2, 2)]

    async def deadline_groups(self) -> list[DeadlineGroup]:
        return []

    async def seal(self) -> Seal:
        return Seal(0, 0, ZERO)

    async def deadline_dates(self, limit: int) -> list[DateGroup]:
        return []

    async def activity(self, since: datetime, until: datetime, limit: int) -> Activity:
        return Activity((), self.steps)

    async def deadlines_between(self, first: date, last: date, limit: int) -> Capped[DueItem]:
        return Capped()

    async def blocked(self, today: date, limit: int) -> tuple[Capped[Blocked], int]:
        return Capped(), 0


class FakePoster:
    """Records what it posts; a channel in ``refusing`` gets Slack's error code."""

    def __init__(self) -> None:
        self.posted: list[tuple[str, Summary, ZoneInfo]] = []
        self.charts: list[str] = []
        self.refusing: dict[str, DeliveryFailed] = {}

    async def post(self, channel: str, summary: Summary, zone: ZoneInfo) -> Sent:
        if channel in self.refusing:
            raise self.refusing[channel]
        self.posted.append((channel, summary, zone))
        return Sent(channel, f"{len(self.posted)}.000100", summary)

    async def add_chart(self, sent: Sent, zone: ZoneInfo) -> Sent:
        self.charts.append(sent.channel)
        return replace(sent, chart=f"F{len(self.charts)}")

    def channels(self) -> list[str]:
        return [channel for channel, _, _ in self.posted]


class FakeSchedule:
    """A job per channel, as the scheduler keeps them; ``fire`` runs one."""

    def __init__(self) -> None:
        self.jobs: dict[str, tuple[Schedule, SummaryJob]] = {}

    def add(self, subscription: Subscription, job: SummaryJob) -> None:
        self.jobs[subscription.channel] = (subscription.schedule, job)

    def remove(self, channel: str) -> None:
        self.jobs.pop(channel, None)

    async def fire(self, channel: str) -> None:
        await self.jobs[channel][1](channel)


@dataclass
class World:
    store: FakeSubscriptions
    source: FakeSource
    poster: FakePoster
    schedule: FakeSchedule
    clock: FixedClock
    service: SummaryService

    def subscribed(self, channel: str, at: datetime, schedule: Schedule = DAILY_9,
                   last_sent: datetime | None = None) -> None:
        """``channel`` subscribed at ``at`` (and last sent a summary at ``last_sent``)."""
        self.store.rows[channel] = Subscription(channel, schedule, LEAD, at, last_sent)


@pytest.fixture
def world() -> World:
    store, source, poster, schedule = (FakeSubscriptions(), FakeSource(), FakePoster(),
                                       FakeSchedule())
    clock = FixedClock(NOW)
    service = SummaryService(store, source, poster, schedule, clock, TEAM)
    return World(store, source, poster, schedule, clock, service)


# -- sending now -------------------------------------------------------------------------


async def test_send_posts_once_with_its_chart_and_marks_the_channel_sent(world: World) -> None:
    world.subscribed("C1", NOW - timedelta(days=3), last_sent=NOW - timedelta(days=2))
    sent = await world.service.send("C1")
    assert world.poster.channels() == ["C1"] and world.poster.charts == ["C1"]
    assert (sent.channel, sent.ts, sent.chart) == ("C1", "1.000100", "F1")
    assert sent.summary.since == NOW - timedelta(days=2), "since the previous summary"
    assert world.poster.posted[0][2] == ZoneInfo("UTC"), "in the subscription's zone"
    stored = await world.store.subscription("C1")
    assert stored is not None and stored.last_sent_at == NOW


async def test_a_channel_without_subscription_gets_the_last_day_in_the_team_zone(
        world: World) -> None:
    sent = await world.service.send("C-ADHOC")
    assert sent.summary.title == "Summary" and sent.summary.since == NOW - timedelta(days=1)
    assert world.poster.posted[0][2] == TEAM
    assert world.store.rows == {}, "asking for one subscribes nobody"


async def test_a_period_without_change_goes_without_a_chart(world: World) -> None:
    world.source.steps = 0
    sent = await world.service.send("C1")
    assert sent.summary.no_change and sent.chart is None
    assert world.poster.channels() == ["C1"] and world.poster.charts == []


async def test_a_refused_summary_is_not_marked_sent(world: World) -> None:
    world.subscribed("C1", NOW - timedelta(days=3))
    world.poster.refusing["C1"] = DeliveryFailed("not_in_channel", permanent=True)
    with pytest.raises(DeliveryFailed):
        await world.service.send("C1")
    stored = await world.store.subscription("C1")
    assert stored is not None and stored.last_sent_at is None
    assert world.poster.charts == []


# -- sending when due ----------------------------------------------------------------------


async def test_send_if_due_sends_once_per_scheduled_moment(world: World) -> None:
    world.subscribed("C1", NOW - timedelta(days=2))  # 09:00 UTC passed today
    first = await world.service.send_if_due("C1")
    assert first is not None and world.poster.channels() == ["C1"]
    world.clock.at = NOW + timedelta(hours=2)
    assert await world.service.send_if_due("C1") is None, "sent since today's 09:00"
    world.clock.at = NOW + timedelta(hours=19)  # 10:00 the next day: the next moment
    assert await world.service.send_if_due("C1") is not None
    assert world.poster.channels() == ["C1", "C1"]
    assert world.store.leases == {}, "the lease ends with each send"


async def test_a_summary_sent_since_the_moment_is_not_sent_again(world: World) -> None:
    world.subscribed("C1", NOW - timedelta(days=2))
    await world.service.send("C1")  # someone asked for one at 15:00, after 09:00
    assert await world.service.send_if_due("C1") is None
    assert world.poster.channels() == ["C1"]


async def test_send_if_due_waits_while_another_holds_the_lease(world: World) -> None:
    world.subscribed("C1", NOW - timedelta(days=2))
    assert await world.store.claim_sending("C1", NOW, SENDING_LEASE)  # another replica
    assert await world.service.send_if_due("C1") is None
    assert world.poster.posted == []
    world.clock.at = NOW + SENDING_LEASE + timedelta(seconds=1)  # that replica died
    assert await world.service.send_if_due("C1") is not None
    assert world.poster.channels() == ["C1"]


async def test_two_jobs_at_once_send_one_summary(world: World) -> None:
    world.subscribed("C1", NOW - timedelta(days=2))
    results = await asyncio.gather(world.service.send_if_due("C1"),
                                   world.service.send_if_due("C1"))
    assert sum(r is not None for r in results) == 1
    assert world.poster.channels() == ["C1"]


async def test_a_refused_scheduled_summary_gives_back_its_lease(world: World) -> None:
    world.subscribed("C1", NOW - timedelta(days=2))
    world.poster.refusing["C1"] = DeliveryFailed("ratelimited")
    with pytest.raises(DeliveryFailed):
        await world.service.send_if_due("C1")
    assert world.store.leases == {}, "another replica may try at once"
    del world.poster.refusing["C1"]
    assert await world.service.send_if_due("C1") is not None


async def test_a_job_logs_a_failure_and_never_raises(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    world.subscribed("C1", NOW - timedelta(days=2))
    world.poster.refusing["C1"] = DeliveryFailed("is_archived", permanent=True)
    with caplog.at_level(logging.WARNING):
        await world.service.run_job("C1")
    assert "summary for C1 not posted: is_archived" in caplog.text
    world.poster.refusing["C1"] = RuntimeError("boom")  # type: ignore[assignment]
    await world.service.run_job("C1")
    assert "summary for C1 failed" in caplog.text


# -- catching up ---------------------------------------------------------------------------


async def test_catch_up_sends_one_summary_per_missed_channel(world: World) -> None:
    down_since = NOW - timedelta(days=5)  # five 09:00s passed while the bot was down
    world.subscribed("C-DAILY", NOW - timedelta(days=30), last_sent=down_since)
    weekly = Schedule(Cadence.WEEKLY, time(9), "UTC", 0)  # Mondays
    world.subscribed("C-WEEKLY", NOW - timedelta(days=30), weekly,
                           last_sent=datetime(2018, 1, 29, 9, 5, tzinfo=UTC))
    later = Schedule(Cadence.DAILY, time(16), "UTC")  # today's 16:00 has not come
    world.subscribed("C-LATER", NOW - timedelta(days=30), later,
                           last_sent=NOW - timedelta(hours=23))
    sent = await world.service.catch_up()
    assert [s.channel for s in sent] == ["C-DAILY"]
    assert sent[0].summary.since == down_since, "one summary covers the whole gap"
    assert world.poster.channels() == ["C-DAILY"]
    assert await world.service.catch_up() == []
    assert world.poster.channels() == ["C-DAILY"]


async def test_catch_up_skips_a_channel_that_refuses_and_sends_the_others(
        world: World) -> None:
    for channel in ("C-A", "C-GONE", "C-Z"):
        world.subscribed(channel, NOW - timedelta(days=3))
    world.poster.refusing["C-GONE"] = DeliveryFailed("channel_not_found", permanent=True)
    sent = await world.service.catch_up()
    assert [s.channel for s in sent] == ["C-A", "C-Z"]
    assert world.poster.channels() == ["C-A", "C-Z"]
    gone = await world.store.subscription("C-GONE")
    assert gone is not None and gone.last_sent_at is None
    assert world.store.leases == {}


async def test_start_gives_every_stored_subscription_a_job_then_catches_up(
        world: World) -> None:
    world.subscribed("C-MISSED", NOW - timedelta(days=2))
    later = Schedule(Cadence.DAILY, time(16), "UTC")
    world.subscribed("C-LATER", NOW - timedelta(days=2), later,
                           last_sent=NOW - timedelta(hours=23))
    sent = await world.service.start()
    assert set(world.schedule.jobs) == {"C-MISSED", "C-LATER"}
    assert world.schedule.jobs["C-LATER"][0] == later
    assert [s.channel for s in sent] == ["C-MISSED"]
    await world.schedule.fire("C-LATER")
    assert world.poster.channels() == ["C-MISSED"], "not before its time"
    world.clock.at = NOW + timedelta(hours=1)
    await world.schedule.fire("C-LATER")
    await world.schedule.fire("C-LATER")
    assert world.poster.channels() == ["C-MISSED", "C-LATER"]


# -- subscribing ---------------------------------------------------------------------------


async def test_subscribe_and_unsubscribe_keep_the_schedule_in_step(world: World) -> None:
    weekly = Schedule(Cadence.WEEKLY, time(8, 30), "Europe/Paris", 4)
    subscription, replaced = await world.service.subscribe("C1", DAILY_9, LEAD)
    assert replaced is None and subscription.created_at == NOW
    assert world.schedule.jobs["C1"][0] == DAILY_9
    _, replaced = await world.service.subscribe("C1", weekly, LEAD)
    assert replaced is not None and replaced.schedule == DAILY_9
    assert {c: s for c, (s, _) in world.schedule.jobs.items()} == {"C1": weekly}
    await world.service.subscribe("C2", DAILY_9, LEAD)
    removed = await world.service.unsubscribe("C1")
    assert removed is not None and removed.schedule == weekly
    assert set(world.schedule.jobs) == {"C2"}
    assert [s.channel for s in await world.service.subscriptions()] == ["C2"]


async def test_unsubscribing_a_channel_without_subscription_changes_nothing(
        world: World) -> None:
    await world.service.subscribe("C2", DAILY_9, LEAD)
    assert await world.service.unsubscribe("C1") is None
    assert set(world.schedule.jobs) == {"C2"}


async def test_a_subscription_job_sends_its_summary_when_due(world: World) -> None:
    world.clock.at = NOW - timedelta(days=1)
    await world.service.subscribe("C1", DAILY_9, LEAD)
    world.clock.at = NOW
    await world.schedule.fire("C1")
    assert world.poster.channels() == ["C1"]
    assert world.poster.posted[0][1].title == "Daily summary"
