"""The stand-in Slack for the ack benchmark, in a process of its own at the lowest priority.

It is ``LocalSlack`` (the Web API the apps call, the ``response_url``s the bot answers
on) plus methods for the benchmarks: ``bench.answers``, how many answers arrived,
``bench.announcements``, the outbox ids the channel announcements carried, and
``bench.share``, a file on this machine shared as someone shares a file in Slack.
Slack's side is not what is measured, so it runs at nice 19 and takes only the CPU
that the apps and the load leave idle; otherwise, on a small machine, the bot's
answers would slow the bot by the stand-in's work of receiving them.

``python -m bench.stand_in`` prints its base URL on the first line, then serves until
SIGTERM.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bot.console.stand_in.server import LocalSlack
from bot.wiring.runtime import until_signalled

NICENESS = 19


class BenchSlack(LocalSlack):
    async def _m_bench_answers(self, params: dict[str, Any]) -> dict[str, Any]:
        """How many answers reached a response_url; ``reset`` forgets them."""
        count = sum(1 for posted in self.posted if posted.response_key)
        if params.get("reset"):
            self.posted.clear()
        return {"ok": True, "answers": count}

    async def _m_bench_announcements(self, params: dict[str, Any]) -> dict[str, Any]:
        """The outbox ids of the announcements posted so far, in the order they came
        (an id posted twice is there twice)."""
        ids = [(p.metadata or {}).get("event_payload", {}).get("id") for p in self.posted
               if (p.metadata or {}).get("event_type") == "review_announcement"]
        return {"ok": True, "ids": ids}

    async def _m_bench_share(self, params: dict[str, Any]) -> dict[str, Any]:
        """Share the file at ``path`` (on this machine) as ``name``, uploaded by
        ``user``; returns its id."""
        path = Path(str(params["path"]))
        return {"ok": True, "file": self.share(str(params.get("name") or path.name),
                                               path.read_bytes(), str(params.get("user", "")))}


async def serve() -> None:
    slack = BenchSlack()
    print(await slack.start(), flush=True)
    try:
        await until_signalled()
    finally:
        await slack.stop()


if __name__ == "__main__":
    asyncio.run(serve())
