"""The console shows a command's answer before the channel's announcement of it, as a
person reads them in Slack, even when the announcement is posted first."""

from __future__ import annotations

import io

from bot.console.repl import Console, ConsoleClock
from tests.bot.conftest import ADMIN, Harness


async def test_the_answer_comes_before_the_announcement_however_they_arrive(
        harness: Harness) -> None:
    out = io.StringIO()
    assert harness.slack.user("admin") == ADMIN
    console = Console(harness.bot, ConsoleClock(), harness.slack, harness.sender,
                      harness.session, out, "admin", "")
    harness.slack.respond_delay = 0.2  # the drain posts the announcement meanwhile
    await console.handle('/review add chicago "Chicago, IL" state=IL')
    shown = out.getvalue()
    announced = harness.slack.posted[0]
    assert announced.channel and "added *Chicago, IL*" in announced.text  # it came first
    assert "[only you see]" in shown and "[#" in shown, shown
    assert shown.index("[only you see]") < shown.index("[#"), shown
