"""The stand-in Slack for the ack benchmark, in a process of its own at the lowest priority.

It is ``LocalSlack`` (the Web API the apps call, the ``response_url``s the bot answers
on) plus methods for the benchmarks: ``bench.answers``, how many answers arrived;
``bench.answer``, which waits for the answer to one command and says when it arrived
(``time.monotonic()`` as its POST reached this process, a clock every process on the
machine shares) and what it said; ``bench.tally``, how many answers each command got
(to find the ones answered twice); ``bench.announcements``, the outbox ids the channel
announcements carried; and ``bench.share``, a file on this machine shared as someone
shares a file in Slack.
Slack's side is not what is measured, so it runs at nice 19 and takes only the CPU
that the apps and the load leave idle; otherwise, on a small machine, the bot's
answers would slow the bot by the stand-in's work of receiving them.

``python -m bench.stand_in`` prints its base URL on the first line, then serves until
SIGTERM.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.console.stand_in.server import LocalSlack
from bot.slack.posting.announcements import announced_ids
from bot.wiring.runtime import until_signalled

NICENESS = 19


class BenchSlack(LocalSlack):
    def __post_init__(self) -> None:
        super().__post_init__()
        self.arrivals: dict[str, list[tuple[float, str]]] = {}
        """Each response key's answers: when each arrived, and its text."""
        self._arrived: dict[str, asyncio.Event] = {}

    async def _respond(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        response = await super()._respond(request)
        key = request.match_info["key"]
        text = str((await request.json()).get("text", ""))  # the body is read once, kept
        self.arrivals.setdefault(key, []).append((arrived, text[:300]))
        self._arrived.setdefault(key, asyncio.Event()).set()
        return response

    async def _m_bench_answers(self, params: dict[str, Any]) -> dict[str, Any]:
        """How many answers reached a response_url; ``reset`` forgets them."""
        count = sum(1 for posted in self.posted if posted.response_key)
        if params.get("reset"):
            self.posted.clear()
            self.arrivals.clear()
            self._arrived.clear()
        return {"ok": True, "answers": count}

    async def _m_bench_announcements(self, params: dict[str, Any]) -> dict[str, Any]:
        """The outbox ids of the announcements posted so far, in the order they came
        (an id posted twice is there twice)."""
        ids = [i for p in self.posted for i in announced_ids(p.metadata or {})]
        return {"ok": True, "ids": ids}

    async def _m_bench_answer(self, params: dict[str, Any]) -> dict[str, Any]:
        """Wait up to ``timeout`` seconds for the first answer on response key ``key``:
        when it arrived and its text; ``arrived`` is null if none came in time."""
        key = str(params["key"])
        if key not in self.arrivals:
            event = self._arrived.setdefault(key, asyncio.Event())
            try:
                await asyncio.wait_for(event.wait(), float(params.get("timeout", 30)))
            except TimeoutError:
                return {"ok": True, "arrived": None, "text": ""}
        arrived, text = self.arrivals[key][0]
        return {"ok": True, "arrived": arrived, "text": text}

    async def _m_bench_tally(self, params: dict[str, Any]) -> dict[str, Any]:
        """How many answers each response key starting with ``prefix`` got."""
        prefix = str(params.get("prefix", ""))
        return {"ok": True, "tally": {key: len(answers) for key, answers
                                      in self.arrivals.items() if key.startswith(prefix)}}

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
