"""A running bot beside the Slack stand-in, on loopback, per test: in HTTP mode
(``harness``), in Socket Mode (``socket_harness``), or once in each (``transported``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import ClientSession

from bot.console.stand_in.records import Posted
from bot.console.stand_in.sender import SlackSender
from bot.console.stand_in.server import LocalSlack
from bot.console.stand_in.socket_sender import SocketSender
from bot.wiring.app import EVENTS_PATH, Bot, SlackAccess, build
from bot.wiring.runtime import start_http, start_socket, stop_socket
from bot.wiring.settings import load_settings

SECRET = "test-signing-secret"
PACE = 0.01
"""Seconds between posts to one channel: Slack's is 1; tests keep the pacing, faster."""
ADMIN = "UADMIN"


class Clock:
    """The injected clock: a fixed instant that a test can move."""

    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


@dataclass
class Harness:
    bot: Bot
    slack: LocalSlack
    sender: SlackSender
    session: ClientSession
    clock: Clock
    url: str
    """The bot's HTTP address; empty in Socket Mode, where it serves nothing over HTTP."""

    async def command(self, user: str, text: str, channel: str = "CREVIEW") -> list[Posted]:
        """Everything posted for one command: channel messages first, its answers last.
        The answer comes first; the announcements its change wrote are drained in the
        background, and this waits for that too."""
        start = len(self.slack.posted)
        posted = await self.sender.run(self.session, user, text, channel)
        await self.bot.relay.settle()
        key = posted[-1].response_key
        since = self.slack.posted[start:]
        return ([p for p in since if p.response_key != key]
                + [p for p in since if p.response_key == key])

    async def answer(self, user: str, text: str) -> Posted:
        """The ephemeral answer to one command (the last thing posted for it)."""
        posted = await self.command(user, text)
        assert posted[-1].response_key, posted
        return posted[-1]


@pytest.fixture
async def slack() -> AsyncIterator[LocalSlack]:
    """The Slack stand-in on its own, for tests that drive a service without the app."""
    stand_in = LocalSlack()
    await stand_in.start()
    yield stand_in
    await stand_in.stop()


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running(tmp_path) as h:
        yield h


@pytest.fixture
async def socket_harness(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_socket(tmp_path) as h:
        yield h


@pytest.fixture(params=["http", "socket"])
async def transported(request: pytest.FixtureRequest, tmp_path: Path
                      ) -> AsyncIterator[Harness]:
    """The same test over each transport: signed POSTs, then Socket Mode envelopes."""
    serving = running if request.param == "http" else running_socket
    async with serving(tmp_path) as h:
        yield h


async def start_bot(tmp_path: Path, slack: LocalSlack, signing_secret: str | None,
                    **settings_given: str) -> tuple[Bot, Clock]:
    settings = load_settings(None, **{
        "database_url": f"sqlite:///{tmp_path / 'review.db'}", "review_admins": ADMIN,
        "review_channel": "#compliance-review", **settings_given})
    clock = Clock(datetime(2018, 2, 1, 15, 0, tzinfo=UTC))
    bot = await build(settings, SlackAccess(slack.token, signing_secret, slack.api_url),
                      clock, pace_seconds=PACE)
    return bot, clock


@asynccontextmanager
async def running(tmp_path: Path, **settings_given: str) -> AsyncIterator[Harness]:
    """The bot in HTTP mode beside a fresh stand-in, with these settings over the
    tests' own."""
    slack = LocalSlack()
    await slack.start()
    bot, clock = await start_bot(tmp_path, slack, SECRET, **settings_given)
    runner, port = await start_http(bot, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{port}"
    try:
        async with ClientSession() as session:
            sender = SlackSender(url + EVENTS_PATH, SECRET, slack)
            yield Harness(bot, slack, sender, session, clock, url)
    finally:
        await runner.cleanup()
        await bot.close()
        await slack.stop()



@asynccontextmanager
async def running_socket(tmp_path: Path, **settings_given: str) -> AsyncIterator[Harness]:
    """The bot in Socket Mode beside a fresh stand-in: it asks apps.connections.open
    (with the app-level token) for the stand-in's websocket, as it asks Slack."""
    slack = LocalSlack()
    await slack.start()
    bot, clock = await start_bot(tmp_path, slack, None, **settings_given)
    handler = await start_socket(bot, slack.app_token)
    try:
        await slack.wait_for_socket()
        async with ClientSession() as session:
            yield Harness(bot, slack, SocketSender.to(slack), session, clock, "")
    finally:
        await stop_socket(handler)
        await bot.close()
        await slack.stop()
