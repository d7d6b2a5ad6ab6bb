"""Leadership summaries, sent: now, when due, and after the bot was down.

A channel's summary covers the time since its previous one (``workflows.summary``
says what it holds). It is sent when asked for (``send``), by its subscription's job
at the scheduled moment (``send_if_due``), and at start for every channel whose moment
passed while the bot was down (``catch_up``): one summary, however many moments
were missed. A scheduled summary is sent only by whoever holds the channel's lease,
and only if none went out since the scheduled moment, so two replicas, or a job and a
catch-up, never send the same one twice. The subscriptions stored are the truth:
``start`` gives each one its job, and ``subscribe`` and ``unsubscribe`` keep the
schedule in step. The message is recorded as sent before its chart is uploaded, so a
chart that fails never brings the summary back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

from workflows.errors import DeliveryFailed
from workflows.ports import Clock, Subscriptions, SummaryPoster, SummarySchedule
from workflows.stats import StatsQuery, StatsService
from workflows.summary import (
    PERIODS,
    Cadence,
    Schedule,
    Sent,
    Subscription,
    Summary,
    SummarySource,
    build_summary,
)

log = logging.getLogger(__name__)

SENDING_LEASE = timedelta(minutes=5)
"""How long a replica may take to send a scheduled summary before another may try."""


class SummaryService:
    """Builds, sends and schedules the summaries. ``timezone`` is the team's: it decides
    what "today" is and is the zone of a summary to a channel with no subscription."""

    def __init__(self, store: Subscriptions, source: SummarySource, poster: SummaryPoster,
                 schedule: SummarySchedule, clock: Clock, timezone: ZoneInfo,
                 numbers: StatsService | None = None) -> None:
        self.store = store
        self.numbers = numbers
        self.source = source
        self.poster = poster
        self.schedule = schedule
        self.clock = clock
        self.timezone = timezone
        self._locks: dict[str, asyncio.Lock] = {}

    async def build(self, channel: str, subscription: Subscription | None) -> Summary:
        """The channel's summary as of now: since its previous one (or one period ago;
        a day without a subscription). A weekly one carries the review's numbers
        (``workflows.stats``): they move little from one day to the next, and each
        takes a pass over every round."""
        now = self.clock.now()
        if subscription is None:
            since, title = now - PERIODS[Cadence.DAILY], "Summary"
        else:
            since = subscription.period_start(now)
            title = f"{subscription.schedule.cadence.value.capitalize()} summary"
        summary = await build_summary(self.source, channel, title, since, now, self.timezone)
        weekly = subscription is not None and subscription.schedule.cadence is Cadence.WEEKLY
        if weekly and self.numbers is not None:
            stats = await self.numbers.compute(StatsQuery(), summary.today)
            return replace(summary, stats=stats)
        return summary

    async def send(self, channel: str) -> Sent:
        """Post the channel's summary now (covering the time since its previous one).
        Raises ``DeliveryFailed``, and then records nothing."""
        async with self._lock(channel):
            return await self._send(channel, await self.store.subscription(channel))

    async def send_if_due(self, channel: str) -> Sent | None:
        """Post the scheduled summary unless one went out since the scheduled moment,
        or someone else holds the channel's lease; None when nothing was sent."""
        async with self._lock(channel):
            if not await self.store.claim_sending(channel, self.clock.now(), SENDING_LEASE):
                return None  # another replica is sending it (or no subscription)
            try:
                # read under the lease: another replica may have sent it a moment ago
                subscription = await self.store.subscription(channel)
                if subscription is None or not subscription.missed(self.clock.now()):
                    return None
                return await self._send(channel, subscription)
            finally:
                await self.store.release_sending(channel)

    async def run_job(self, channel: str) -> None:
        """What the schedule runs: a failure is logged, never raised into the scheduler."""
        try:
            await self.send_if_due(channel)
        except DeliveryFailed as failure:
            log.warning("summary for %s not posted: %s", channel, failure)
        except Exception:
            log.exception("summary for %s failed", channel)

    async def catch_up(self) -> list[Sent]:
        """Send one summary to each channel whose scheduled moment passed with no summary
        since (the bot was down): however many moments were missed, one summary covers
        the whole time since the previous one. A channel Slack refuses is left for its
        next moment; the others are sent all the same."""
        return await self._catch_up(await self.store.subscriptions())

    async def start(self) -> list[Sent]:
        """At start: a job for each stored subscription, then the summaries missed while
        the bot was down."""
        subscriptions = await self.store.subscriptions()
        for subscription in subscriptions:
            self.schedule.add(subscription, self.run_job)
        return await self._catch_up(subscriptions)

    async def subscribe(self, channel: str, schedule: Schedule,
                        by: str) -> tuple[Subscription, Subscription | None]:
        """Save the channel's subscription (replacing any) and its job; return it and
        the replaced one."""
        subscription = Subscription(channel, schedule, by, self.clock.now())
        replaced = await self.store.subscribe(subscription)
        self.schedule.add(subscription, self.run_job)
        return subscription, replaced

    async def unsubscribe(self, channel: str) -> Subscription | None:
        """Remove the channel's subscription and its job; return it (None: there was
        none, and nothing changed)."""
        removed = await self.store.unsubscribe(channel)
        if removed is not None:
            self.schedule.remove(channel)
        return removed

    async def subscriptions(self) -> list[Subscription]:
        return await self.store.subscriptions()

    async def _catch_up(self, subscriptions: Sequence[Subscription]) -> list[Sent]:
        now = self.clock.now()
        sent: list[Sent] = []
        for subscription in subscriptions:
            if not subscription.missed(now):
                continue
            try:
                result = await self.send_if_due(subscription.channel)
            except DeliveryFailed as failure:
                log.warning("missed summary for %s not posted: %s", subscription.channel,
                            failure)
                continue
            if result is not None:
                sent.append(result)
        return sent

    async def _send(self, channel: str, subscription: Subscription | None) -> Sent:
        summary = await self.build(channel, subscription)
        zone = subscription.schedule.zone if subscription else self.timezone
        sent = await self.poster.post(channel, summary, zone)
        await self.store.mark_sent(channel, summary.until)
        if summary.no_change:
            return sent
        return await self.poster.add_chart(sent, zone)

    def _lock(self, channel: str) -> asyncio.Lock:
        return self._locks.setdefault(channel, asyncio.Lock())
