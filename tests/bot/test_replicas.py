"""Three bot replicas in HTTP mode sharing one PostgreSQL database: what one records the
others see, each announcement is posted once, and with sweeps running on all of them at
once each reminder is posted exactly once. Real processes, real HTTP, a real server."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from aiohttp import ClientSession

from bot.console.stand_in.sender import SlackSender
from bot.console.stand_in.server import LocalSlack
from storage.postgres import PostgresStore
from tests.bot.test_cli import env, free_port, healthy
from tests.packaged import packaged_workflow
from tests.postgres import fresh_database
from workflows.deadlines import DueSpec
from workflows.review import Review, ReviewConfig, new_jurisdiction

SECRET = "replica-s3cret"
TOWNS, CHANNELS = 90, 9


class Fixed:
    def now(self) -> datetime:
        return datetime(2018, 2, 1, 15, tzinfo=UTC)


@pytest.fixture
async def database() -> AsyncIterator[str]:
    async with fresh_database() as url:
        yield url


async def seed(url: str) -> None:
    """TOWNS jurisdictions over CHANNELS channels, each with a letter due 2018-02-23."""
    store = await PostgresStore.open(url)
    try:
        review = Review(store, Fixed(), ReviewConfig("#review", frozenset({"UBOSS"})),
                        packaged_workflow())
        towns = [new_jurisdiction(f"town-{n:02d}", f"Town {n:02d}", "city", "CA")
                 for n in range(TOWNS)]
        await review.import_jurisdictions("test", towns)
        for n, town in enumerate(towns):
            await review.assign("UBOSS", town.id, channel=f"CREPLICA{n % CHANNELS}")
            await review.take("UBOSS", town.id, "letter", date(2018, 2, 1),
                              DueSpec(on=date(2018, 2, 23)))
    finally:
        await store.close()


async def test_three_replicas_share_one_database_and_post_everything_once(
        tmp_path: Path, database: str) -> None:
    await seed(database)
    slack = LocalSlack(token="xoxb-replicas", post_delay=0.02)
    await slack.start()
    settings = {"SLACK_BOT_TOKEN": slack.token, "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": slack.api_url, "DATABASE_URL": database,
                "REVIEW_ADMINS": "UBOSS", "REVIEW_CHANNEL": "CREVIEW", "HOST": "127.0.0.1",
                "REVIEW_SWEEP_SECONDS": "3600"}
    ports = [free_port() for _ in range(3)]
    replicas = [subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                 env=env(tmp_path, PORT=str(port), **settings))
                for port in ports]
    try:
        async with ClientSession() as session:
            for port in ports:
                await healthy(session, port)
            one, two, three = (SlackSender(f"http://127.0.0.1:{port}/slack/events", SECRET,
                                           slack) for port in ports)
            await one.run(session, "UBOSS", 'add denver "Denver, CO" state=CO')
            await two.run(session, "UBOSS", "letter denver date=2018-02-01 due=2018-03-01")
            status = await three.run(session, "UBOSS", "show denver")
            assert "awaiting response, due 2018-03-01" in status[-1].text, status[-1].text

            # The replicas swept once as they started (nothing was due in 2026's business
            # hours); now three sweeps "as of" 2018-02-20 run at once on the same rows.
            sweeps = [subprocess.Popen(
                [sys.executable, "-m", "bot", "sweep", "--as-of", "2018-02-20T10:00"],
                cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                env=env(tmp_path, **settings)) for _ in range(3)]
            outputs = [(await asyncio.to_thread(s.communicate, timeout=60))[0] for s in sweeps]
            assert all(s.returncode == 0 for s in sweeps), outputs
            # Both announcements (added, letter) go out before the replicas stop: a replica
            # stopped while posting one would leave it to the others after the lease.
            for step in ("added", "letter"):
                await slack.wait_for(lambda p, step=step: p.channel == "CREVIEW"
                                     and f"{step} " in p.text and "Denver" in p.text,
                                     timeout=40)  # each relay also runs every 30 s
    finally:
        for replica in replicas:
            replica.send_signal(signal.SIGTERM)
        logs = [(await asyncio.to_thread(r.communicate, timeout=30))[0] for r in replicas]
        await slack.stop()
    assert all(replica.returncode == 0 for replica in replicas), logs

    posted = [i for p in slack.posted if p.metadata and p.metadata["event_type"]
              == "review_reminders" for i in p.metadata["event_payload"]["ids"]]
    twice = [i for i, n in Counter(posted).items() if n > 1]
    assert not twice, f"reminders posted twice: {twice}"
    store = await PostgresStore.open(database)
    try:
        due = await store.read("SELECT id, status FROM reminders WHERE due_at <= ?",
                               "2018-02-20T15:00:00+00:00")
        sent = await store.read("SELECT id FROM reminders WHERE status = 'sent'")
    finally:
        await store.close()
    assert len(due) >= TOWNS and {r["status"] for r in due} == {"sent"}, "a reminder was lost"
    assert sorted(posted) == sorted(r["id"] for r in sent)

    announcements = Counter(line for p in slack.posted if p.channel == "CREVIEW"
                            for line in p.text.split("\n"))  # one or several a message
    assert sum(n for text, n in announcements.items() if "Denver" in text) == 2, announcements
    assert all(n == 1 for n in announcements.values()), announcements
