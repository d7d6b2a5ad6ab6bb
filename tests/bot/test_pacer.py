"""The per-channel pacer keeps floods to Slack's rate and lets short bursts through."""

from __future__ import annotations

import asyncio

from bot.slack.posting.pacing import Pacer


async def test_bursts_pass_and_floods_are_spaced_per_channel() -> None:
    pacer = Pacer(interval=0.05, burst=3)
    loop = asyncio.get_running_loop()
    start = loop.time()
    times = []
    for _ in range(7):
        await pacer.wait("C1")
        times.append(loop.time() - start)
    assert all(t < 0.02 for t in times[:3])
    assert times[-1] >= 0.19  # four more, 0.05 s apart
    other = loop.time()
    await pacer.wait("C2")
    assert loop.time() - other < 0.02


async def test_no_interval_means_no_wait() -> None:
    pacer = Pacer(interval=0)
    loop = asyncio.get_running_loop()
    start = loop.time()
    for _ in range(100):
        await pacer.wait("C1")
    assert loop.time() - start < 0.05
