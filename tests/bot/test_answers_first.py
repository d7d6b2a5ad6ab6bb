"""The person who acted is answered at once; the announcements their changes wrote
reach the channel afterwards, at Slack's pace, each once and in order (those that
waited for it together)."""

from __future__ import annotations

import re
import time
from pathlib import Path

from tests.bot.conftest import ADMIN, running


async def test_an_answer_never_waits_for_the_channel_announcement(tmp_path: Path) -> None:
    async with running(tmp_path) as h:
        pacer = h.bot.relay.notifier.pacer
        pacer.interval, pacer.burst = 1.0, 1  # Slack's pace for one channel, no burst
        waited = []
        for n in range(4):
            started = time.perf_counter()
            posted = await h.sender.run(h.session, ADMIN, f'add town-{n} "Town {n}"')
            waited.append(time.perf_counter() - started)
            assert f"added *Town {n}*" in posted[-1].text
        # Answers that waited for their announcements took a second each from the second.
        assert max(waited) < 0.5, waited
        await h.bot.relay.settle()
        told = [p for p in h.slack.posted if not p.response_key]
        towns = [int(n) for p in told for n in re.findall(r"added \*Town (\d)\*", p.text)]
        assert towns == [0, 1, 2, 3]
        assert len(told) < 4  # those that waited for the pace went together
