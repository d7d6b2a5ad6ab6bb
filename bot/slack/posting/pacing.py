"""The pace of posts to one channel."""

from __future__ import annotations

import asyncio


class Pacer:
    """A token bucket per channel: short bursts go out at once, a flood at about one
    message per ``interval`` seconds (Slack's rate for chat.postMessage)."""

    def __init__(self, interval: float = 1.0, burst: int = 4) -> None:
        self.interval = interval
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}  # channel -> (tokens, when)

    async def wait(self, channel: str) -> None:
        if self.interval <= 0:
            return
        now = asyncio.get_running_loop().time()
        tokens, then = self._buckets.get(channel, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - then) / self.interval) - 1
        self._buckets[channel] = (tokens, now)
        if tokens < 0:
            await asyncio.sleep(-tokens * self.interval)
