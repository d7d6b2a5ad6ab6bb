"""kill -9 the reminder sweep again and again: every due reminder is posted exactly once.

Real processes (``review-bot sweep --as-of``), real HTTP to the Slack stand-in, one real
SQLite file. Hundreds of reminders wait in two dozen channels (given as IDs, which is
what lets a sweep ask a channel what a dead sweep already posted). Sweeps are killed at
seeded random moments mid-way (a post in flight, a post answered but not yet recorded,
a restart reading the channel history, a 429 being waited out), and each time a new
sweep runs once the dead one's claims are out of lease, as the scheduler's next tick
would. At the end the stand-in's messages and their metadata hold every due reminder
exactly once, and the database says each was sent.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import signal
import sqlite3
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from time import time as unix_time
from zoneinfo import ZoneInfo

import pytest

from bot.console.stand_in.records import Failure
from bot.console.stand_in.server import LocalSlack
from bot.wiring.app import SlackAccess, build
from bot.wiring.settings import load_settings
from storage.sqlite import SqliteStore
from storage.writes import utc_text
from tests.bot import test_cli
from tests.packaged import packaged_workflow
from tests.storage.conftest import Clock
from workflows.deadlines import DueSpec, calendar_for
from workflows.review import Review, ReviewConfig, new_jurisdiction
from workflows.sweep import LEASE, LINES_PER_MESSAGE

TEAM_TIME = ZoneInfo("America/New_York")
FIRST_SWEEP = datetime(2018, 2, 27, 10, 0, tzinfo=TEAM_TIME)
"""A Tuesday after a Friday deadline: most towns have several reminders due at once."""
GAP = LEASE + timedelta(minutes=1)
"""Each restart comes once the dead sweep's claims have run out of lease."""
CHANNEL_SIZES = (64, 56, 20, 18, 16, 14, 12, 11, 10, 9, 8, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2,
                 1, 1)
"""Towns per channel (287 in all); the first two channels need two messages each."""
DEADLINES = (date(2018, 2, 23), date(2018, 2, 23), date(2018, 2, 28), date(2018, 4, 30))
"""Towns take these in turn. Past on FIRST_SWEEP: three reminders due (3 and 1 business
days before, the day after). Tomorrow: two due. Weeks away: none due, none to post."""
DUE_REMINDERS = 576
DUE_MESSAGES = 26
POST = "chat.postMessage"
HISTORY = "conversations.history"
Calls = list[tuple[str, dict[str, object]]]


@dataclass(frozen=True)
class Kill:
    """When to kill a sweep: ``after`` seconds past its ``nth`` chat.postMessage, past
    its first conversations.history (a restart checking what a dead sweep posted), or
    past the call that used up the stand-in's queued failures (a 429 being waited out).
    Queued failures answer a sweep's first calls; posts are counted after them."""

    on: str  # "post", "history" or "rate-limited"
    after: float
    nth: int = 0

    def reached(self, calls: Calls, queued: int) -> bool:
        if self.on == "history":
            return any(method == HISTORY for method, _ in calls)
        if len(calls) < queued:
            return False
        return self.on == "rate-limited" or sum(
            1 for method, _ in calls[queued:] if method == POST) >= self.nth


@dataclass
class Run:
    """What the sweeps did: kills that landed, kills that caught a message posted but
    not yet recorded as sent (which only the message metadata can settle), output."""

    kills: int = 0
    posted_unrecorded: int = 0
    outputs: list[str] = field(default_factory=list)


def environment(tmp_path: Path, slack: LocalSlack) -> dict[str, str]:
    return test_cli.env(tmp_path, SLACK_BOT_TOKEN=slack.token, SLACK_SIGNING_SECRET="s",
                        SLACK_API_URL=slack.api_url, REVIEW_TIMEZONE=str(TEAM_TIME),
                        LOG_LEVEL="WARNING")


def rows(tmp_path: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    """What another process sees in the database now."""
    conn = sqlite3.connect(tmp_path / "review.db")
    try:
        return list(conn.execute(sql, args).fetchall())
    finally:
        conn.close()


def ids(tmp_path: Path, sql: str, *args: object) -> set[int]:
    return {int(str(found[0])) for found in rows(tmp_path, sql, *args)}


async def setup_towns(tmp_path: Path) -> None:
    """The towns, each with a letter out and its team channel's ID."""
    store = await SqliteStore.open(tmp_path / "review.db")
    try:
        review = Review(store, Clock(datetime(2018, 2, 1, 15, tzinfo=UTC)),
                        ReviewConfig("#review", frozenset({"UBOSS"})), packaged_workflow())
        towns, channels = [], []
        for c, size in enumerate(CHANNEL_SIZES):
            for _ in range(size):
                n = len(towns)
                towns.append(new_jurisdiction(f"town-{n:03d}", f"Town {n:03d}", "city", "CA"))
                channels.append(f"CTEAM{c:02d}")
        await review.import_jurisdictions("test", towns)
        for n, (town, channel) in enumerate(zip(towns, channels, strict=True)):
            await review.assign("UBOSS", town.id, owner=f"UOWNER{n % 7}", channel=channel)
            await review.take("UBOSS", town.id, "letter", date(2018, 2, 1),
                              DueSpec(on=DEADLINES[n % len(DEADLINES)]))
    finally:
        await store.close()


def due_ids(tmp_path: Path, at: datetime) -> set[int]:
    return ids(tmp_path, "SELECT id FROM reminders WHERE due_at <= ? AND status != 'cancelled'",
               utc_text(at))


def posted_ids(slack: LocalSlack) -> list[int]:
    return [int(i) for p in slack.posted if p.metadata
            and p.metadata.get("event_type") == "review_reminders"
            for i in p.metadata["event_payload"]["ids"]]


def messages_left(tmp_path: Path, due: set[int], slack: LocalSlack) -> int:
    """How many messages the due reminders neither posted nor marked sent need: a line
    per town, 40 lines a message."""
    done = set(posted_ids(slack))
    towns: dict[object, set[object]] = {}
    for rid, town, channel in rows(tmp_path, "SELECT r.id, r.jurisdiction_id, j.channel"
                                   " FROM reminders r JOIN jurisdictions j"
                                   " ON j.id = r.jurisdiction_id WHERE r.status != 'sent'"):
        if rid in due and rid not in done:
            towns.setdefault(channel, set()).add(town)
    return sum(-(-len(t) // LINES_PER_MESSAGE) for t in towns.values())


def at_a_post(rng: random.Random, left: int, kills_to_come: int, delay: float) -> Kill:
    """Kill at a seeded post, leaving posts for the kills still to come: ``after`` under
    ``delay`` is while the post is in flight (the stand-in records it all the same),
    a little over it is after Slack answered and before or while it is recorded."""
    return Kill("post", rng.uniform(0, 1.5 * delay),
                rng.randint(1, max(1, left - kills_to_come - 1)))


async def sweep(env: dict[str, str], cwd: Path, at: datetime) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "sweep", "--as-of", at.isoformat(timespec="minutes"),
        cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)


async def sweep_and_kill(env: dict[str, str], tmp_path: Path, slack: LocalSlack,
                         at: datetime, kill: Kill, run: Run) -> None:
    """Start a sweep at ``at``, wait for ``kill``'s moment, and kill -9 the sweep there
    (a sweep that ends first is let be: the test then fails on ``run.kills``)."""
    start, queued = len(slack.calls), len(slack.failures)
    process = await sweep(env, tmp_path, at)
    loop = asyncio.get_running_loop()
    give_up = loop.time() + 30
    while not kill.reached(slack.calls[start:], queued) and process.returncode is None:
        assert loop.time() < give_up, f"the sweep never reached {kill}"
        await asyncio.sleep(0.002)
    await asyncio.sleep(kill.after)
    if process.returncode is None:
        process.send_signal(signal.SIGKILL)
    output, _ = await process.communicate()
    run.outputs.append(output.decode())
    if process.returncode != -signal.SIGKILL:
        return
    run.kills += 1
    await asyncio.sleep(slack.post_delay + 0.05)  # a post in flight when it died lands
    sending = ids(tmp_path, "SELECT id FROM reminder_status WHERE status = 'sending'")
    if sending & set(posted_ids(slack)):
        run.posted_unrecorded += 1


async def until(condition: Callable[[], bool], timeout: float = 10) -> None:
    loop = asyncio.get_running_loop()
    give_up = loop.time() + timeout
    while not condition():
        assert loop.time() < give_up, "timed out"
        await asyncio.sleep(0.002)


async def finish(env: dict[str, str], tmp_path: Path, at: datetime, run: Run) -> int:
    """One sweep left alone; returns its exit status."""
    process = await sweep(env, tmp_path, at)
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    run.outputs.append(output.decode())
    assert process.returncode is not None
    return process.returncode


def assert_exactly_once(tmp_path: Path, slack: LocalSlack, due: set[int], run: Run) -> None:
    posted = posted_ids(slack)
    twice = sorted(i for i, n in Counter(posted).items() if n > 1)
    assert not twice, f"posted more than once: {twice[:20]}\n" + "\n".join(run.outputs)
    assert set(posted) == due, (f"lost: {sorted(due - set(posted))[:20]}; "
                                f"not due but posted: {sorted(set(posted) - due)[:20]}")
    status = dict(rows(tmp_path, "SELECT id, status FROM reminder_status"))
    assert {i: status[i] for i in due} == dict.fromkeys(due, "sent")
    assert "sending" not in status.values()
    assert len(status) > len(due), "the reminders of later deadlines are still waiting"
    channel_of = dict(rows(tmp_path, "SELECT r.id, j.channel FROM reminders r"
                                     " JOIN jurisdictions j ON j.id = r.jurisdiction_id"))
    for message in slack.posted:
        if message.metadata:
            in_it = message.metadata["event_payload"]["ids"]
            assert {channel_of[int(i)] for i in in_it} == {message.channel}


@pytest.fixture(scope="module")
def towns_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The towns' database, made once; each test sweeps a copy."""
    folder = tmp_path_factory.mktemp("towns")
    asyncio.run(setup_towns(folder))
    return folder / "review.db"


async def test_many_kills_mid_sweep_neither_double_nor_lose_a_reminder(
        tmp_path: Path, towns_db: Path) -> None:
    shutil.copy(towns_db, tmp_path / "review.db")
    due = due_ids(tmp_path, FIRST_SWEEP)
    assert len(due) == DUE_REMINDERS
    rng = random.Random(5)
    slack = LocalSlack(token="xoxb-kills", post_delay=0.05)
    await slack.start()
    run, at, kills = Run(), FIRST_SWEEP, 5
    try:
        env = environment(tmp_path, slack)
        assert messages_left(tmp_path, due, slack) == DUE_MESSAGES
        for k in range(kills):
            stale = ids(tmp_path, "SELECT id FROM reminder_status WHERE status = 'sending'")
            if stale and rng.random() < 0.4:
                kill = Kill("history", rng.uniform(0, 0.03))
            else:
                kill = at_a_post(rng, messages_left(tmp_path, due, slack), kills - k - 1,
                                 slack.post_delay)
            await sweep_and_kill(env, tmp_path, slack, at, kill, run)
            at += GAP
        assert await finish(env, tmp_path, at, run) == 0, run.outputs[-1]
    finally:
        await slack.stop()
    assert due_ids(tmp_path, at) == due, "more reminders came due meanwhile"
    assert_exactly_once(tmp_path, slack, due, run)
    assert run.kills == kills, "a sweep ended before it could be killed"
    assert run.posted_unrecorded >= 1, "no kill caught a post the database had not recorded"


async def test_kills_while_slack_is_slow_and_rate_limiting(
        tmp_path: Path, towns_db: Path) -> None:
    """Each sweep meets 429s first (on its posts, or on the history a restart reads)
    and a slower Slack: one is killed while it waits a 429 out, one after more 429s
    than the client retries (it gives a channel's reminders back, or leaves a dead
    sweep's claims for later), one while a slow post is in flight or just answered."""
    shutil.copy(towns_db, tmp_path / "review.db")
    due = due_ids(tmp_path, FIRST_SWEEP)
    rng = random.Random(429)
    slack = LocalSlack(token="xoxb-flaky")
    await slack.start()
    run, at = Run(), FIRST_SWEEP
    try:
        env = environment(tmp_path, slack)
        for failures, delay in ((rng.randint(1, 2), 0.1), (6, 0.05), (rng.randint(1, 2), 0.2)):
            slack.post_delay = delay
            slack.failures.extend(Failure(429) for _ in range(failures))
            if failures < 6 and delay < 0.2:
                kill = Kill("rate-limited", rng.uniform(0, 0.3))
            else:
                kill = Kill("post", rng.uniform(0, 1.5 * delay), rng.randint(1, 4))
            await sweep_and_kill(env, tmp_path, slack, at, kill, run)
            at += GAP
        slack.post_delay = 0.02
        assert await finish(env, tmp_path, at, run) == 0, run.outputs[-1]
    finally:
        await slack.stop()
    assert not slack.failures
    assert_exactly_once(tmp_path, slack, due, run)
    assert run.kills == 3, "a sweep ended before it could be killed"


def a_year_from_now() -> datetime:
    """10:00 team time on the first business day a year from now."""
    day = calendar_for(None).roll_forward(datetime.now(TEAM_TIME).date() + timedelta(days=365))
    return datetime.combine(day, time(10, 0), TEAM_TIME)


@pytest.mark.parametrize("skew", [timedelta(minutes=-10), timedelta(minutes=10), None],
                         ids=["bot-10min-ahead-of-slack", "bot-10min-behind-slack",
                              "as-of-a-year-from-now"])
async def test_a_kill_mid_post_is_not_doubled_whatever_slacks_clock_says(
        tmp_path: Path, towns_db: Path, skew: timedelta | None) -> None:
    """Slack stamps messages by its own clock, the sweep's clock is its --as-of: one
    sweep is killed while a post is in flight (Slack takes it, the database never
    hears), and the next sweep must find that post in the channel whatever the two
    clocks say. With ``skew`` the stand-in runs that far off the sweeps' --as-of; with
    None the sweeps run "as of" a year from now against the stand-in's real clock."""
    shutil.copy(towns_db, tmp_path / "review.db")
    at = FIRST_SWEEP if skew is not None else a_year_from_now()
    due = due_ids(tmp_path, at)
    slack = LocalSlack(token="xoxb-skew", post_delay=0.2)
    await slack.start()
    run = Run()

    def skewed(moment: datetime) -> datetime:
        if skew is not None:  # Slack's clock stays ``skew`` off the sweep's
            slack.clock_offset = (moment + skew).timestamp() - unix_time()
        return moment

    try:
        env = environment(tmp_path, slack)
        kill = Kill("post", slack.post_delay / 2, nth=3)
        await sweep_and_kill(env, tmp_path, slack, skewed(at), kill, run)
        slack.post_delay = 0.01
        assert await finish(env, tmp_path, skewed(at + GAP), run) == 0, run.outputs[-1]
    finally:
        await slack.stop()
    assert (run.kills, run.posted_unrecorded) == (1, 1), "the kill missed the post in flight"
    assert_exactly_once(tmp_path, slack, due, run)


async def test_a_reminder_recovered_after_a_crash_keeps_its_follow_up(tmp_path: Path) -> None:
    """Two towns overdue in two channels; the sweep dies while the second post is in
    flight (Slack takes it, the database never hears). The next sweep finds it in the
    channel and marks it sent, and both towns should be nudged again in five business
    days, as a sweep that had not died would have arranged."""
    slack = LocalSlack(token="xoxb-follow-up", post_delay=0.2)
    await slack.start()
    clock = Clock(FIRST_SWEEP)
    settings = load_settings(None, database_url=f"sqlite:///{tmp_path / 'review.db'}",
                             review_admins="UBOSS")
    bot = await build(settings, SlackAccess(slack.token, None, slack.api_url), clock,
                      pace_seconds=0)
    try:
        for n in range(2):
            await bot.review.add("UBOSS", f"town-{n}", f"Town {n}", "city", "CA")
            await bot.review.assign("UBOSS", f"town-{n}", channel=f"CTEAM0{n}")
            await bot.review.take("UBOSS", f"town-{n}", "letter", date(2018, 2, 1),
                                  DueSpec(on=date(2018, 2, 23)))
        await bot.relay.settle()  # the steps' announcements, drained in the background
        announced = [m for m, _ in slack.calls].count(POST)
        in_second = len([p for p in slack.posted if p.channel == "CTEAM01"])
        dying = asyncio.create_task(bot.sweeper.sweep())
        await until(lambda: [m for m, _ in slack.calls].count(POST) == announced + 2)
        dying.cancel()
        with pytest.raises(asyncio.CancelledError):
            await dying
        await slack.wait_for(  # the reminder in flight lands
            lambda _: len([p for p in slack.posted if p.channel == "CTEAM01"]) > in_second)
        status = dict(rows(tmp_path, "SELECT jurisdiction_id, status FROM reminder_status"
                                     " WHERE kind = 'overdue'"))
        assert status == {"town-0": "sent", "town-1": "sending"}
        clock.current += GAP
        report = await bot.sweeper.sweep()
        assert (report.recovered, report.posted) == (1, 0)
    finally:
        await bot.close()
        await slack.stop()
    follow_ups = rows(tmp_path, "SELECT jurisdiction_id, due_at FROM reminders"
                                " WHERE kind = 'follow_up' AND status = 'pending'"
                                " ORDER BY jurisdiction_id")
    assert [town for town, _ in follow_ups] == ["town-0", "town-1"]
    assert follow_ups[0][1] == follow_ups[1][1]

