"""The jobs that run on their own: the reminder sweep and the outbox relay.

APScheduler 3 with its in-memory job store: the database is the only truth, so the
jobs are simply made again at every start and a sweep finds whatever is due.
"""

from __future__ import annotations

from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.wiring.app import Bot
from bot.wiring.settings import Settings

OUTBOX_SECONDS = 30


def build_scheduler(bot: Bot, settings: Settings) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=settings.timezone)
    now = datetime.now(settings.timezone)
    scheduler.add_job(bot.sweeper.sweep, "interval", seconds=settings.review_sweep_seconds,
                      id="reminders", max_instances=1, coalesce=True, next_run_time=now)
    scheduler.add_job(bot.relay.flush, "interval", seconds=OUTBOX_SECONDS, id="outbox",
                      max_instances=1, coalesce=True, next_run_time=now)
    return scheduler
