"""Announcements reach their channel, or wait and say so: never dropped, never doubled.

The real app over real HTTP against the stand-in run as a workspace that has only the
channels it was given (``channels_on_demand=False``), so Slack's refusals (no such
channel, archived, the bot not in it) come as Slack gives them. At start the bot says in
one line whether the default channel takes posts; a refused announcement stays in the
outbox and is tried again later each time; whoever acted is told once, in a direct
message; a relay that died mid-post is finished by another without a double.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from aiohttp import ClientSession, web

from bot.console.stand_in.records import Failure, Posted
from bot.console.stand_in.sender import SlackSender
from bot.console.stand_in.server import LocalSlack
from bot.console.stand_in.workspace import SCOPES
from bot.slack.channels import Channels, check_default_channel
from bot.slack.posting.announcements import ANNOUNCEMENT, LEASE, retry_delay
from bot.wiring.app import EVENTS_PATH, SlackAccess, build, slack_client
from bot.wiring.runtime import start_http
from bot.wiring.settings import load_settings
from tests.bot import test_cli
from tests.bot.conftest import ADMIN, PACE, SECRET, Clock, Harness

ANALYST = "UANALYST"
DEFAULT = "#compliance-review"
POST = "chat.postMessage"
START = datetime(2018, 2, 1, 15, 0, tzinfo=UTC)


@pytest.fixture
async def workspace() -> AsyncIterator[LocalSlack]:
    """A Slack whose channels are only those made in the test."""
    slack = LocalSlack(channels_on_demand=False)
    await slack.start()
    yield slack
    await slack.stop()


@dataclass
class Served(Harness):
    runner: web.AppRunner | None = None


async def serve(tmp_path: Path, slack: LocalSlack, clock: Clock,
                session: ClientSession) -> Served:
    """The bot in HTTP mode on the test's file, beside ``slack``."""
    settings = load_settings(None, database_url=f"sqlite:///{tmp_path / 'review.db'}",
                             review_admins=ADMIN, review_channel=DEFAULT)
    bot = await build(settings, SlackAccess(slack.token, SECRET, slack.api_url), clock,
                      pace_seconds=PACE)
    runner, port = await start_http(bot, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{port}"
    return Served(bot, slack, SlackSender(url + EVENTS_PATH, SECRET, slack), session, clock,
                  url, runner)


async def stop(h: Served) -> None:
    assert h.runner is not None
    await h.runner.cleanup()
    await h.bot.close()


@pytest.fixture
async def h(tmp_path: Path, workspace: LocalSlack) -> AsyncIterator[Served]:
    async with ClientSession() as session:
        harness = await serve(tmp_path, workspace, Clock(START), session)
        await harness.answer(ADMIN, f"role <@{ANALYST}|ana> analyst")
        yield harness
        await stop(harness)


def rows(tmp_path: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(tmp_path / "review.db")
    try:
        return list(conn.execute(sql, args).fetchall())
    finally:
        conn.close()


def announcements(slack: LocalSlack, channel: str) -> list[Posted]:
    return [p for p in slack.posted if p.channel == channel and p.metadata
            and p.metadata["event_type"] == ANNOUNCEMENT]


def announced(slack: LocalSlack, channel: str) -> list[str]:
    """Each announcement's line in ``channel``, in order, however many went to a
    message."""
    return [line for p in announcements(slack, channel) for line in p.text.split("\n")]


def posts_to(slack: LocalSlack, channel: str) -> int:
    return sum(1 for method, params in slack.calls if method == POST
               and params.get("channel") == channel)


def waiting_until(tmp_path: Path, channel: str) -> datetime:
    [(until,)] = rows(tmp_path, "SELECT retry_at FROM channel_waits WHERE channel = ?", channel)
    return datetime.fromisoformat(str(until))


# -- (a) the default channel, checked at start ------------------------------------------

async def check(slack: LocalSlack, channel: str, caplog: pytest.LogCaptureFixture) -> str:
    client = slack_client(SlackAccess(slack.token, None, slack.api_url))
    with caplog.at_level(logging.INFO, logger="bot.slack.channels"):
        caplog.clear()
        await check_default_channel(Channels(client), channel)
    [line] = [r.getMessage() for r in caplog.records if r.name == "bot.slack.channels"]
    return line


async def test_the_check_of_the_default_channel_says_what_is_wrong_in_one_line(
        workspace: LocalSlack, caplog: pytest.LogCaptureFixture) -> None:
    assert "no such channel" in await check(workspace, DEFAULT, caplog)
    review = workspace.add_channel("compliance-review")
    assert "can post there" in await check(workspace, DEFAULT, caplog)
    assert "can post there" in await check(workspace, review, caplog)  # given as an ID
    workspace.archived.add(review)
    assert "is archived" in await check(workspace, DEFAULT, caplog)
    secret = workspace.add_channel("secret", private=True, bot_in=False)
    assert "no such channel" in await check(workspace, "#secret", caplog)
    assert "no such channel" in await check(workspace, secret, caplog)
    outside = workspace.add_channel("outside", bot_in=False)
    assert "can post there" in await check(workspace, "#outside", caplog)  # chat:write.public
    workspace.scopes.discard("chat:write.public")
    assert "not in the channel" in await check(workspace, "#outside", caplog)
    workspace.scopes.discard("groups:read")
    line = await check(workspace, outside, caplog)
    assert "can post" not in line and "not in the channel" in line
    assert "lacks the groups:read scope" in await check(workspace, "#outside", caplog)


def test_the_stand_in_grants_what_the_manifest_asks_for() -> None:
    manifest = yaml.safe_load((test_cli.REPO / "manifest.yml").read_text(encoding="utf-8"))
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == SCOPES
    assert {"channels:read", "groups:read"} <= SCOPES


async def run_until_checked(tmp_path: Path, slack: LocalSlack, **mode: str) -> str:
    """Start ``review-bot run`` in a mode, wait until it asked Slack about the default
    channel and still answers, stop it; returns what it logged."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
        env=test_cli.env(tmp_path, SLACK_BOT_TOKEN=slack.token, SLACK_API_URL=slack.api_url,
                         REVIEW_ADMINS="UBOSS", **mode))
    try:
        loop = asyncio.get_running_loop()
        give_up = loop.time() + 20
        while not any(m == "conversations.list" for m, _ in slack.calls):
            assert process.poll() is None and loop.time() < give_up, "it never checked"
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
        assert process.poll() is None, "the bot stopped"
        if "PORT" in mode:
            async with ClientSession() as session:
                await test_cli.healthy(session, int(mode["PORT"]))
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.to_thread(process.communicate, timeout=30)
    assert process.returncode == 0, output
    return output


async def test_http_mode_says_at_start_that_the_default_channel_is_missing(
        tmp_path: Path, workspace: LocalSlack) -> None:
    port = test_cli.free_port()
    output = await run_until_checked(tmp_path, workspace, SLACK_SIGNING_SECRET="s3cret",
                                     PORT=str(port), HOST="127.0.0.1")
    [line] = [x for x in output.splitlines() if "REVIEW_CHANNEL" in x]
    assert "WARNING" in line and "#compliance-review: no such channel" in line, output
    assert "keeps running" in line


async def test_socket_mode_says_at_start_that_the_bot_is_not_in_it(
        tmp_path: Path, workspace: LocalSlack) -> None:
    workspace.add_channel("compliance-review", bot_in=False)
    workspace.scopes.discard("chat:write.public")
    output = await run_until_checked(tmp_path, workspace, SLACK_APP_TOKEN=workspace.app_token)
    [line] = [x for x in output.splitlines() if "REVIEW_CHANNEL" in x]
    assert "#compliance-review: the bot is not in the channel" in line, output
    assert "/invite @review-bot" in line and "keeps running" in line


# -- (b) a refused announcement waits, and is tried again later each time ---------------

async def test_a_refused_announcement_waits_and_is_tried_again_later_each_time(
        h: Served, tmp_path: Path) -> None:
    await h.answer(ANALYST, 'add chicago "Chicago, IL"')
    assert posts_to(h.slack, DEFAULT) == 1
    [(sent, dropped, error)] = rows(tmp_path, "SELECT sent_at, dropped_at, last_error"
                                              " FROM outbox")
    assert (sent, dropped, error) == (None, None, "channel_not_found")
    waits = []
    for _ in range(4):
        until = waiting_until(tmp_path, DEFAULT)
        waits.append(until - h.clock.current)
        h.clock.current = until - timedelta(seconds=1)
        await h.bot.relay.flush()  # not yet: nothing is tried
        assert posts_to(h.slack, DEFAULT) == len(waits)
        h.clock.current = until
        await h.bot.relay.flush()
        assert posts_to(h.slack, DEFAULT) == len(waits) + 1
    assert waits == [retry_delay(n) for n in (1, 2, 3, 4)]
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8)]

    h.slack.add_channel("compliance-review")  # someone made the channel
    h.clock.current = waiting_until(tmp_path, DEFAULT)
    assert await h.bot.relay.flush() == 1
    [posted] = announcements(h.slack, h.slack.channel(DEFAULT))
    assert "Chicago, IL" in posted.text
    assert rows(tmp_path, "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == [(0,)]
    assert rows(tmp_path, "SELECT count(*) FROM channel_waits") == [(0,)]
    assert await h.bot.relay.flush() == 0
    assert len(announcements(h.slack, h.slack.channel(DEFAULT))) == 1


async def test_a_refusing_channel_holds_back_only_its_own_announcements_in_order(
        h: Served, tmp_path: Path) -> None:
    team = h.slack.add_channel("midwest")
    await h.answer(ANALYST, 'add chicago "Chicago, IL"')
    await h.answer(ANALYST, 'add denver "Denver, CO"')
    await h.answer(ADMIN, f"assign denver channel=<#{team}|midwest>")
    await h.answer(ANALYST, "alias denver mile-high")
    assert [p.text.count("Denver") for p in announcements(h.slack, team)] == [1, 1]
    assert posts_to(h.slack, DEFAULT) == 1  # the rest of its channel's wait behind it
    h.slack.add_channel("compliance-review")
    h.clock.current = waiting_until(tmp_path, DEFAULT)
    assert await h.bot.relay.flush() == 2
    [together] = announcements(h.slack, h.slack.channel(DEFAULT))  # waited: one message
    lines = together.text.split("\n")
    assert len(lines) == 2 and "Chicago" in lines[0] and "Denver" in lines[1], lines
    assert together.metadata == {"event_type": ANNOUNCEMENT, "event_payload": {"ids": [1, 2]}}


async def test_a_message_slack_refuses_waits_alone(h: Served, tmp_path: Path) -> None:
    review = h.slack.add_channel("compliance-review")
    h.slack.failures.append(Failure(200, error="invalid_blocks"))
    await h.answer(ANALYST, 'add chicago "Chicago, IL"')
    await h.answer(ANALYST, 'add denver "Denver, CO"')
    [denver] = announcements(h.slack, review)
    assert "Denver" in denver.text  # the channel takes others meanwhile
    [(retry_at, error)] = rows(tmp_path, "SELECT retry_at, last_error FROM outbox"
                                         " WHERE sent_at IS NULL")
    assert error == "invalid_blocks"
    h.clock.current = datetime.fromisoformat(str(retry_at))
    assert await h.bot.relay.flush() == 1
    assert "Chicago" in announcements(h.slack, review)[-1].text
    assert not [p for p in h.slack.posted if p.channel.startswith("D")], "nobody is told"


async def test_slack_out_of_reach_stops_the_flush_and_the_retry_looks_first(
        h: Served, tmp_path: Path) -> None:
    """An HTTP 500 after the client's own retries: the post may have landed, so the
    next attempt reads the channel before posting; nobody is told anything."""
    review = h.slack.add_channel("compliance-review")
    h.slack.failures.extend(Failure(500) for _ in range(4))
    await h.answer(ANALYST, 'add chicago "Chicago, IL"')
    assert rows(tmp_path, "SELECT recheck, sent_at FROM outbox") == [(1, None)]
    h.clock.current = waiting_until(tmp_path, DEFAULT)
    assert await h.bot.relay.flush() == 1
    assert [m for m, _ in h.slack.calls[-2:]] == ["conversations.history", POST]
    assert len(announcements(h.slack, review)) == 1
    assert not [p for p in h.slack.posted if p.channel.startswith("D")]


# -- (c) the person who acted is told once ------------------------------------------------

def told(slack: LocalSlack, user: str) -> list[Posted]:
    return [p for p in slack.posted if p.channel == slack.dm(user)]


async def test_whoever_acted_is_told_once_per_channel_even_across_a_restart(
        h: Served, tmp_path: Path) -> None:
    await h.answer(ANALYST, 'add chicago "Chicago, IL"')
    await h.answer(ANALYST, 'add denver "Denver, CO"')
    await h.answer(ADMIN, 'add austin "Austin, TX"')
    [message] = told(h.slack, ANALYST)
    assert "could not be posted in #compliance-review" in message.text
    assert "no such channel" in message.text and "Chicago, IL" in message.text
    assert "invite the bot" in message.text
    [mine] = told(h.slack, ADMIN)
    assert "Austin, TX" in mine.text
    for _ in range(3):  # retries, and more steps, tell nobody again
        h.clock.current = waiting_until(tmp_path, DEFAULT)
        await h.bot.relay.flush()
    await h.answer(ANALYST, "alias chicago chi")
    await stop(h)

    again = await serve(tmp_path, h.slack, Clock(h.clock.current), h.session)
    try:
        again.clock.current = waiting_until(tmp_path, DEFAULT)
        await again.bot.relay.flush()
        assert posts_to(h.slack, DEFAULT) == 5
        assert (len(told(h.slack, ANALYST)), len(told(h.slack, ADMIN))) == (1, 1)
        assert rows(tmp_path, "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == [(4,)]
    finally:
        h.runner, h.bot = again.runner, again.bot  # the fixture stops this one


async def test_a_channel_that_comes_back_and_fails_again_is_told_anew(
        h: Served, tmp_path: Path) -> None:
    await h.answer(ANALYST, 'add chicago "Chicago, IL"')
    review = h.slack.add_channel("compliance-review")
    h.clock.current = waiting_until(tmp_path, DEFAULT)
    assert await h.bot.relay.flush() == 1
    h.slack.archived.add(review)
    await h.answer(ANALYST, 'add denver "Denver, CO"')
    dms = told(h.slack, ANALYST)
    assert len(dms) == 2, (dms, [c for c in h.slack.calls if c[0] == POST],
                           rows(tmp_path, "SELECT * FROM outbox"),
                           rows(tmp_path, "SELECT * FROM channel_waits"),
                           rows(tmp_path, "SELECT * FROM delivery_warnings"))
    first, second = dms
    assert "no such channel" in first.text
    assert "archived" in second.text and "Denver, CO" in second.text


# -- (d) exactly once across a death mid-post ---------------------------------------------

async def test_a_relay_that_died_mid_post_is_finished_without_a_double(
        h: Served, tmp_path: Path) -> None:
    """The first announcement of a channel (nothing recorded there yet to bound the
    search) and a later one (bounded by the first's Slack ts) are each cut off with the
    post in flight: Slack has them, the database does not. The relay that takes over
    after the lease finds them in the channel (named #compliance-review: it looks the
    name up) and posts only the rest."""
    review = h.slack.add_channel("compliance-review")
    h.slack.post_delay = 0.3
    h.bot.store.notices_added = lambda: None  # this test drives the relay by hand
    for n in range(2):
        await h.bot.review.add(ANALYST, f"town-{n}", f"Town {n}", "city", "CA")
        before, tried = len(announcements(h.slack, review)), posts_to(h.slack, DEFAULT)
        dying = asyncio.create_task(h.bot.relay.flush())
        await until(lambda t=tried: posts_to(h.slack, DEFAULT) == t + 1)
        dying.cancel()
        with pytest.raises(asyncio.CancelledError):
            await dying
        await h.slack.wait_for(lambda p, k=before: len(announcements(h.slack, review)) > k)
        await h.bot.review.add(ANALYST, f"city-{n}", f"City {n}", "city", "CA")
        h.slack.post_delay = 0.0
        assert rows(tmp_path, "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == [(2,)]
        h.clock.current += LEASE + timedelta(seconds=1)
        assert await h.bot.relay.flush() == 1  # the city; the town was there already
        h.slack.post_delay = 0.3
    texts = [p.text for p in announcements(h.slack, review)]
    assert len(texts) == 4 and len(set(texts)) == 4, texts
    histories = [p for m, p in h.slack.calls if m == "conversations.history"]
    assert [bool(p.get("oldest")) for p in histories] == [False, True]
    assert rows(tmp_path, "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == [(0,)]


async def until(condition: Callable[[], bool], timeout: float = 10) -> None:
    loop = asyncio.get_running_loop()
    give_up = loop.time() + timeout
    while not condition():
        assert loop.time() < give_up, "timed out"
        await asyncio.sleep(0.002)


async def test_kill_9_while_announcing_then_another_bot_posts_each_once(
        tmp_path: Path, workspace: LocalSlack) -> None:
    """A real bot process announcing a run of steps is killed -9 while a post is in
    flight (Slack gets it, the database never hears); a bot started on the same file
    after the lease posts what is left, and each announcement is in the channel once."""
    review = workspace.add_channel("compliance-review")
    workspace.post_delay = 0.2
    admins = [ADMIN, *(f"UADMIN{n}" for n in range(1, 8))]
    port = test_cli.free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
        env=test_cli.env(tmp_path, SLACK_BOT_TOKEN=workspace.token, PORT=str(port),
                         SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=workspace.api_url,
                         HOST="127.0.0.1", REVIEW_ADMINS=",".join(admins), LOG_LEVEL="WARNING"))
    try:
        async with ClientSession() as session:
            await test_cli.healthy(session, port)
            sender = SlackSender(f"http://127.0.0.1:{port}{EVENTS_PATH}", SECRET, workspace)
            for n, admin in enumerate(admins):  # eight people: none waits for a fair share
                body = sender.form(admin, f'add town-{n} "Town {n}"', "CREVIEW", f"k{n}")
                assert (await sender.post(session, body))[0] == 200
            await until(lambda: posts_to(workspace, DEFAULT) >= 2)
            await asyncio.sleep(0.1)  # the second post (those that waited) is in flight
    finally:
        process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(process.communicate, timeout=30)
    await asyncio.sleep(workspace.post_delay + 0.1)  # it lands all the same
    landed = len(announced(workspace, review))
    unrecorded = rows(tmp_path, "SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0]
    assert landed >= 2 and int(str(unrecorded)) + landed > 8, "no post was cut off"

    workspace.post_delay = 0.0
    async with ClientSession() as session:
        later = await serve(tmp_path, workspace, Clock(datetime.now(UTC) + LEASE * 2), session)
        try:
            await later.bot.relay.flush()
        finally:
            await stop(later)
    texts = announced(workspace, review)
    assert sorted(texts) == sorted(set(texts)), "an announcement was posted twice"
    assert len(texts) == 8, texts
    assert rows(tmp_path, "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == [(0,)]
