"""The jobs that run on their own: the reminder sweep, the outbox drain, the summaries.

APScheduler 3 with its in-memory job store: the database is the only truth, so the
jobs are made again at every start. ``add_periodic_jobs`` adds the sweep and the drain,
which run every few seconds; ``SummaryJobs`` is the summaries' ``SummarySchedule``: one
cron job per subscribed channel, in the subscription's own time zone, added by
``SummaryService.start`` from the stored subscriptions and kept in step by its
``subscribe`` and ``unsubscribe``.
"""

from __future__ import annotations

import logging
from datetime import datetime

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.slack.posting.announcements import OutboxRelay
from bot.wiring.settings import Settings
from workflows.ports import SummaryJob
from workflows.summary import WEEKDAYS, Schedule, Subscription
from workflows.sweep import Sweeper

log = logging.getLogger(__name__)
OUTBOX_SECONDS = 30
IMPORTS_SECONDS = 60
"""How often to look for big imports another (stopped) process left part-written."""
MISFIRE_GRACE = 15 * 60
"""Seconds a late summary job may still run; longer outages are the catch-up's."""


def add_periodic_jobs(scheduler: BaseScheduler, sweeper: Sweeper, relay: OutboxRelay,
                      settings: Settings) -> None:
    """The reminder sweep and the outbox drain, each first run at once (call this just
    before the scheduler starts: a first run more than a second late is skipped), and
    the check for big imports a stopped process left part-written."""
    now = datetime.now(settings.timezone)
    scheduler.add_job(sweeper.sweep, "interval", seconds=settings.review_sweep_seconds,
                      id="reminders", max_instances=1, coalesce=True, next_run_time=now)
    scheduler.add_job(relay.flush, "interval", seconds=OUTBOX_SECONDS, id="outbox",
                      max_instances=1, coalesce=True, next_run_time=now)
    scheduler.add_job(relay.store.finish_imports, "interval", seconds=IMPORTS_SECONDS,
                      id="imports", max_instances=1, coalesce=True)


def job_id(channel: str) -> str:
    return f"summary:{channel}"


def cron_trigger(schedule: Schedule) -> CronTrigger:
    """Fires at the schedule's time in the schedule's own time zone."""
    day = "*" if schedule.weekday is None else WEEKDAYS[schedule.weekday][:3]
    return CronTrigger(day_of_week=day, hour=schedule.at.hour, minute=schedule.at.minute,
                       timezone=schedule.zone)


class SummaryJobs:
    """One APScheduler job per subscribed channel (the ``SummarySchedule`` port)."""

    def __init__(self, scheduler: BaseScheduler) -> None:
        self.scheduler = scheduler

    def add(self, subscription: Subscription, job: SummaryJob) -> None:
        """Add the channel's job, replacing the one of an earlier subscription."""
        self._drop(subscription.channel)  # a scheduler not started keeps duplicates
        self.scheduler.add_job(
            job, cron_trigger(subscription.schedule),
            args=(subscription.channel,), id=job_id(subscription.channel),
            name=f"summary for {subscription.channel}, {subscription.schedule.describe()}",
            replace_existing=True, coalesce=True, max_instances=1,
            misfire_grace_time=MISFIRE_GRACE)

    def remove(self, channel: str) -> None:
        if not self._drop(channel):
            log.info("no summary job for %s to remove", channel)

    def _drop(self, channel: str) -> bool:
        """Remove the channel's job (every copy a scheduler not yet started holds);
        False if it had none."""
        dropped = False
        while True:
            try:
                self.scheduler.remove_job(job_id(channel))
            except JobLookupError:
                return dropped
            dropped = True
