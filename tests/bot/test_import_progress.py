"""A slow ``/review import`` shows how far it has got, over real HTTP through the Slack
stand-in: the ephemeral answer says "checked N of M lines…" every so often (at most
``MAX_INTERIM`` times: Slack takes five answers a response_url), then the report takes
its place."""

from __future__ import annotations

import asyncio
import io

from bot.cli.progress import bar, drawn
from bot.console.stand_in.records import Posted
from bot.slack.progress import MAX_INTERIM
from tests.bot.conftest import ADMIN, Harness
from workflows.event_lines import Tally

TOWNS = 2_000
EVENTS_PER = 10


def share(h: Harness, name: str, text: str) -> str:
    file_id = h.slack.share(name, text.encode(), ADMIN)
    return f"<https://local.slack.com/files/{ADMIN}/{file_id}/{name}>"


async def answers(h: Harness, text: str) -> list[Posted]:
    """Everything answered on one command's response_url, up to its last answer."""
    start = len(h.slack.posted)
    key = await h.sender.command_only(h.session, ADMIN, text, "CREVIEW")

    def ours(p: Posted) -> bool:
        return p.response_key.split(":")[0] == key

    await h.slack.wait_for(lambda p: ours(p) and ":hourglass" not in p.text, 30)
    return [p for p in h.slack.posted[start:] if ours(p)]


def files() -> tuple[str, str]:
    towns = "id,name\n" + "".join(f"town-{n:05d},Town {n}\n" for n in range(TOWNS))
    events = "date,jurisdiction,event,due\n" + "".join(
        f"2017-0{1 + k // 3}-{10 + k % 3:02d},town-{n:05d},"
        + ("letter_sent,2017-12-01" if k % 3 == 0 else
           "response_received," if k % 3 == 1 else "found_insufficient,") + "\n"
        for k in range(EVENTS_PER) for n in range(TOWNS))
    return towns, events


async def test_a_slow_import_shows_its_progress_then_its_report_in_its_place(
        harness: Harness) -> None:
    towns, events = files()
    added = await harness.answer(ADMIN, f"import {share(harness, 'towns.csv', towns)} apply")
    assert f"{TOWNS} jurisdiction(s) added" in added.text
    harness.bot.responder.progress_every = 0.02

    posted = await answers(harness, f"import {share(harness, 'events.csv', events)}")

    progress = [p for p in posted if ":hourglass_flowing_sand:" in p.text]
    assert 1 <= len(progress) <= MAX_INTERIM, [p.text for p in posted]
    assert all(p.ephemeral and "*events.csv*: " in p.text for p in progress)
    assert all(p.text.endswith(" lines…") for p in progress), [p.text for p in progress]
    assert [p.response_key.endswith(":replaced") for p in progress] == [
        False] + [True] * (len(progress) - 1)
    report = posted[-1]
    assert report.text.startswith(":mag: Dry run of *events.csv*: every line is good.")
    assert report.ephemeral and report.response_key.endswith(":replaced")


async def test_an_import_for_the_channel_takes_its_progress_away(harness: Harness) -> None:
    towns, events = files()
    added = await harness.answer(ADMIN, f"import {share(harness, 'towns.csv', towns)} apply")
    assert f"{TOWNS} jurisdiction(s) added" in added.text  # done, not its progress
    harness.bot.responder.progress_every = 0.02
    posted = await answers(harness, f"import {share(harness, 'events.csv', events)} apply")
    assert any(":hourglass_flowing_sand:" in p.text for p in posted)
    report = posted[-1]
    assert ":inbox_tray:" in report.text and not report.ephemeral
    assert harness.slack.deleted  # the progress only the importer saw is gone


async def test_a_quick_command_answers_once_as_before(harness: Harness) -> None:
    harness.bot.responder.progress_every = 0.02
    posted = await harness.command(ADMIN, "help")
    assert len(posted) == 1 and not posted[0].response_key.endswith(":replaced")


def test_the_progress_says_how_many_lines_of_how_many_are_checked() -> None:
    tally = Tally("reading", 50_000)
    assert tally.line() == "read 50,000 lines…"
    tally.stage, tally.done, tally.total = "checking", 400_000, 1_000_000
    assert tally.line() == "checked 400,000 of 1,000,000 lines…"
    assert bar(tally) == f"[{'#' * 12}{'-' * 18}] checked 400,000 of 1,000,000 lines…"


class Terminal(io.StringIO):
    """What ``review-bot import`` draws its bar on: a stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


async def test_the_command_line_draws_a_bar_on_a_terminal_only() -> None:
    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        async with drawn(stream, every=0.01) as tally:
            tally.stage, tally.total, tally.done = "checking", 10, 5
            await asyncio.sleep(0.05)
    assert "[###############---------------] checked 5 of 10 lines…" in terminal.getvalue()
    assert terminal.getvalue().endswith("\r\033[K")  # wiped at the end
    assert pipe.getvalue() == ""
