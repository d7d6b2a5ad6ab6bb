"""Announcements that wait together go together: under a burst a channel gets a few
messages, not one a step (Slack takes about one a second a channel), and each
announcement is still in the channel once, in order, marked sent with its message's ts.

The real app over real HTTP against the stand-in; the relay is driven by hand (the
announcements of the steps wait until a test flushes them).
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta
from pathlib import Path

from bot.console.stand_in.records import Failure, Posted
from bot.slack.posting.announcements import LEASE, announced_ids
from bot.ui import changes
from bot.ui.render import MAX_BLOCKS, Reply, section
from storage.writes import utc_text
from tests.bot.conftest import ADMIN, Harness

POST = "chat.postMessage"


def rows(tmp_path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(tmp_path / "review.db") as conn:
        return list(conn.execute(sql).fetchall())


def messages(h: Harness) -> list[Posted]:
    return [p for p in h.slack.posted if announced_ids(p.metadata or {})]


async def added(h: Harness, count: int) -> None:
    """``count`` jurisdictions added, their announcements waiting for a flush."""
    h.bot.store.notices_added = lambda: None
    for n in range(count):
        await h.bot.review.add(ADMIN, f"town-{n:02d}", f"Town {n:02d}")


async def test_a_burst_goes_in_a_few_messages_each_announcement_once_in_order(
        harness: Harness, tmp_path: Path) -> None:
    await added(harness, 45)
    assert await harness.bot.relay.flush() == 45
    posted = messages(harness)
    assert [announced_ids(p.metadata or {}) for p in posted] == [
        list(range(1, 21)), list(range(21, 41)), list(range(41, 46))]
    lines = [line for p in posted for line in p.text.split("\n")]
    assert lines == [f"<@{ADMIN}> added *Town {n:02d}*." for n in range(45)]
    assert all(len(p.blocks) <= MAX_BLOCKS for p in posted)
    stamps = rows(tmp_path, "SELECT message_ts FROM outbox ORDER BY id")
    assert [ts for (ts,) in stamps] == [p.ts for p in posted for _ in announced_ids(
        p.metadata or {})]
    assert await harness.bot.relay.flush() == 0


async def test_a_burst_over_many_channels_goes_in_one_message_a_channel(
        harness: Harness) -> None:
    """Thirteen channels, ten announcements waiting in each (as twenty analysts' steps
    land in a busy review): one message a channel. A relay that took 50 at a time
    posted each channel three or four small messages: under twenty analysts' steps in
    13 channels, about 120 posts a second where 50 do."""
    h = harness
    h.bot.store.notices_added = lambda: None
    channels = [f"C{n:02d}TEAM" for n in range(13)]
    for n in range(130):
        await h.bot.review.add(ADMIN, f"town-{n:03d}", f"Town {n:03d}")
    assert await h.bot.relay.flush() == 130  # in the review's channel
    before = len(messages(h))
    for n in range(130):  # each one's assignment is announced in its new channel
        await h.bot.review.assign(ADMIN, f"town-{n:03d}", channel=channels[n % 13])
    assert await h.bot.relay.flush() == 130
    burst = messages(h)[before:]
    assert sorted(p.channel for p in burst) == channels
    assert sorted(len(announced_ids(p.metadata or {})) for p in burst) == [10] * 13


async def test_one_announcement_alone_carries_its_id_as_before(harness: Harness) -> None:
    await added(harness, 1)
    assert await harness.bot.relay.flush() == 1
    [posted] = messages(harness)
    assert posted.metadata == {"event_type": "review_announcement", "event_payload": {"id": 1}}


async def test_a_message_of_several_that_slack_refuses_goes_one_by_one(
        harness: Harness, tmp_path: Path) -> None:
    """Slack refuses the message of three itself, then the first alone: that one
    waits, on its own; the other two go, each in a message of its own."""
    await added(harness, 3)
    harness.slack.failures.extend([Failure(200, error="invalid_blocks"),
                                   Failure(200, error="invalid_blocks")])
    assert await harness.bot.relay.flush() == 2
    assert [announced_ids(p.metadata or {}) for p in messages(harness)] == [[2], [3]]
    assert rows(tmp_path, "SELECT id, last_error, retry_at IS NOT NULL FROM outbox"
                          " WHERE sent_at IS NULL") == [(1, "invalid_blocks", 1)]
    assert rows(tmp_path, "SELECT count(*) FROM channel_waits") == [(0,)]


async def test_slack_out_of_reach_has_every_announcement_of_the_message_looked_for(
        harness: Harness, tmp_path: Path) -> None:
    """An HTTP 500 after the client's retries: the message may have landed, so each of
    its announcements is looked for in the channel before it is posted again."""
    harness.slack.add_channel("compliance-review")  # its history can be read
    await added(harness, 3)
    harness.slack.failures.extend(Failure(500) for _ in range(4))
    assert await harness.bot.relay.flush() == 0
    assert rows(tmp_path, "SELECT id, recheck FROM outbox WHERE sent_at IS NULL"
                          " ORDER BY id") == [(1, 1), (2, 1), (3, 1)]
    assert rows(tmp_path, "SELECT failures FROM channel_waits") == [(1,)]  # counted once
    harness.clock.current += timedelta(hours=2)
    assert await harness.bot.relay.flush() == 3
    assert [m for m, _ in harness.slack.calls[-2:]] == ["conversations.history", POST]
    assert [announced_ids(p.metadata or {}) for p in messages(harness)] == [[1, 2, 3]]


async def test_a_message_of_several_cut_off_in_flight_is_found_not_posted_again(
        harness: Harness, tmp_path: Path) -> None:
    """The relay dies with the message of three in flight: Slack has it, the database
    does not. The relay that takes over after the lease finds all three in the channel
    and posts nothing."""
    harness.slack.add_channel("compliance-review")
    await added(harness, 3)
    harness.slack.post_delay = 0.3
    dying = asyncio.create_task(harness.bot.relay.flush())
    while not any(m == POST for m, _ in harness.slack.calls):
        await asyncio.sleep(0.002)
    dying.cancel()
    await asyncio.gather(dying, return_exceptions=True)
    await harness.slack.wait_for(lambda p: bool(messages(harness)))
    harness.slack.post_delay = 0.0
    harness.clock.current += LEASE + timedelta(seconds=1)
    assert await harness.bot.relay.flush() == 0
    [posted] = messages(harness)
    assert announced_ids(posted.metadata or {}) == [1, 2, 3]
    assert rows(tmp_path, "SELECT DISTINCT message_ts FROM outbox") == [(posted.ts,)]


def test_a_message_holds_twenty_announcements_and_four_thousand_characters() -> None:
    short = [Reply(f"step {n}", [], in_channel=True) for n in range(45)]
    assert [len(m) for m in changes.together(short)] == [20, 20, 5]
    long = [Reply("x" * 1_500, [], in_channel=True) for _ in range(5)]
    assert changes.together(long) == [[0, 1], [2, 3], [4]]
    assert changes.together([Reply("y" * 5_000, [])]) == [[0]]  # over it: alone
    wide = [Reply(f"step {n}", [section("a"), section("b"), section("c")]) for n in range(20)]
    assert [len(m) for m in changes.together(wide)] == [16, 4]  # 48 blocks, then 12
    assert changes.joined(long[:2]).text == "x" * 1_500 + "\n" + "x" * 1_500


async def test_a_batch_still_posting_at_half_its_lease_is_taken_again_not_left_to_lapse(
        harness: Harness, tmp_path: Path) -> None:
    """Three channels' announcements claimed at once, posted one message at a time.
    Half the lease passes while the first is in flight: the other two go back and are
    taken again under a new lease before they are posted, so that no other relay may
    take them (their lease lapsed) while this one is still posting them. With 200
    taken at a time and Slack's pace, a batch could take longer than the lease."""
    h = harness
    h.bot.store.notices_added = lambda: None
    for n in range(3):
        await h.bot.review.add(ADMIN, f"town-{n}", f"Town {n}")
    assert await h.bot.relay.flush() == 3
    before = len(messages(h))
    for n in range(3):
        await h.bot.review.assign(ADMIN, f"town-{n}", channel=f"C{n}TEAM")
    claimed_at = h.clock.current
    h.slack.post_delay = 0.3
    flushing = asyncio.create_task(h.bot.relay.flush())
    while len([m for m, _ in h.slack.calls if m == POST]) <= before:
        await asyncio.sleep(0.002)
    h.clock.current += LEASE / 2 + timedelta(seconds=1)
    assert await flushing == 3
    h.slack.post_delay = 0.0
    burst = messages(h)[before:]
    assert [announced_ids(p.metadata or {}) for p in burst] == [[4], [5], [6]]
    leases = rows(tmp_path, "SELECT claimed_until FROM outbox WHERE id > 3 ORDER BY id")
    first, *renewed = [str(until) for (until,) in leases]
    assert first == utc_text(claimed_at + LEASE), leases
    assert renewed == [utc_text(h.clock.current + LEASE)] * 2, leases
