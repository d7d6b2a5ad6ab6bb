"""A copy of a signed request is refused after a restart and by another replica, as it
is by the bot that got the first: the real app over real HTTP, real signatures, the
signatures kept in the database (a SQLite file, or one PostgreSQL database shared by
two bots)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import ClientSession

from bot.console.stand_in.sender import SlackSender, sign
from bot.console.stand_in.server import LocalSlack
from bot.wiring.app import EVENTS_PATH, Bot, SlackAccess, build
from bot.wiring.runtime import start_http
from bot.wiring.settings import load_settings
from tests.bot.conftest import ADMIN, PACE, SECRET, Clock
from tests.postgres import fresh_database


@asynccontextmanager
async def serving(database_url: str, slack: LocalSlack) -> AsyncIterator[tuple[Bot, str]]:
    """A bot in HTTP mode on ``database_url``; yields it and its events URL."""
    settings = load_settings(None, database_url=database_url, review_admins=ADMIN)
    bot = await build(settings, SlackAccess(slack.token, SECRET, slack.api_url),
                      Clock(datetime(2018, 2, 1, 15, tzinfo=UTC)), pace_seconds=PACE)
    runner, port = await start_http(bot, "127.0.0.1", 0)
    try:
        yield bot, f"http://127.0.0.1:{port}{EVENTS_PATH}"
    finally:
        await runner.cleanup()
        await bot.close()


def signed(sender: SlackSender, text: str, key: str) -> tuple[str, str, str]:
    """A command's body, timestamp and signature, to send once and then copy."""
    body = sender.form(ADMIN, text, "CREVIEW", key)
    now = str(int(time.time()))
    return body, now, sign(SECRET, now, body)


async def test_a_copy_is_refused_after_a_restart_on_the_same_file(
        tmp_path: Path, slack: LocalSlack) -> None:
    url = f"sqlite:///{tmp_path / 'review.db'}"
    async with ClientSession() as session:
        async with serving(url, slack) as (_, events):
            sender = SlackSender(events, SECRET, slack)
            body, now, signature = signed(sender, 'add replayed "Replayed, IL"', "first")
            assert (await sender.post(session, body, now, signature))[0] == 200
            await slack.wait_for(lambda p: p.response_key == "first")
        async with serving(url, slack) as (bot, events):  # the bot restarted on the file
            sender = SlackSender(events, SECRET, slack)
            assert (await sender.post(session, body, now, signature))[0] == 401
            fresh = sender.form(ADMIN, "show replayed", "CREVIEW", "fresh")
            assert (await sender.post(session, fresh))[0] == 200  # others still pass
            await slack.wait_for(lambda p: p.response_key == "fresh")
            assert (await bot.store.history("replayed", 0, 10))[1] == 1  # added once
    assert len([p for p in slack.posted if p.response_key == "first"]) == 1


async def test_a_retried_event_is_handled_once_across_a_restart(
        tmp_path: Path, slack: LocalSlack) -> None:
    """Slack retries an event minutes later, with a new signature and the same
    event_id; a restart in between must not handle it twice."""
    url = f"sqlite:///{tmp_path / 'review.db'}"

    def publishes() -> int:
        return sum(1 for method, _ in slack.calls if method == "views.publish")

    async with ClientSession() as session:
        async with serving(url, slack) as (_, events):
            sender = SlackSender(events, SECRET, slack)
            assert (await sender.app_home_opened(session, "UANA", "Ev0RETRY"))[0] == 200
            for _ in range(200):
                if publishes():
                    break
                await asyncio.sleep(0.01)
        assert publishes() == 1
        async with serving(url, slack) as (_, events):
            sender = SlackSender(events, SECRET, slack)
            assert (await sender.app_home_opened(session, "UANA", "Ev0RETRY", retry=2))[0] \
                == 200
            assert (await sender.app_home_opened(session, "UANA", "Ev0OTHER"))[0] == 200
            for _ in range(200):
                if publishes() == 2:
                    break
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.1)
    assert publishes() == 2, "the retry was handled again, or the other event not at all"


async def test_a_copy_is_refused_by_another_replica_on_postgres(slack: LocalSlack) -> None:
    async with fresh_database() as url, ClientSession() as session, \
            serving(url, slack) as (_, one_url), serving(url, slack) as (bot, two_url):
        one, two = SlackSender(one_url, SECRET, slack), SlackSender(two_url, SECRET, slack)
        body, now, signature = signed(one, 'add replayed "Replayed, IL"', "first")
        assert (await one.post(session, body, now, signature))[0] == 200
        await slack.wait_for(lambda p: p.response_key == "first")
        assert (await two.post(session, body, now, signature))[0] == 401

        # The same copy reaching both replicas at the same instant runs on one of them.
        copies = [signed(one, f"show replayed page={n}", f"race-{n}") for n in range(20)]
        statuses = await asyncio.gather(*(sender.post(session, *copy)
                                          for copy in copies for sender in (one, two)))
        pairs = [sorted((a[0], b[0])) for a, b in zip(statuses[::2], statuses[1::2],
                                                       strict=True)]
        assert pairs == [[200, 401]] * len(copies), pairs
        await slack.wait_for(lambda p: p.response_key == "race-19")
        assert (await bot.store.history("replayed", 0, 10))[1] == 1
