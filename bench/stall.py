"""One person's big import while another person works: ``python -m bench.stall``.

The bot is started as a user starts it, ``python -m bot run`` in HTTP mode against the
stand-in Slack (``bench.stand_in``, at the lowest priority), on a database of
``--size`` jurisdictions seeded by ``bench.seed``. An analyst shares a CSV file of
``--rows`` new jurisdictions and runs ``/review import <file> apply``. While it runs,
another person (an admin) sends ``whoami``, ``list`` and ``show <jurisdiction>`` in
``--clients`` closed loops (each sends its next command when the last was answered),
and a write of theirs (``role``, which takes the write lock the import's transaction
holds) every half second. Each is timed from the signed request to its answer
reaching its ``response_url``, which this process serves. The same commands are timed
first on the idle bot, for comparison.

It prints the p50, p90, p99 and worst answer times, how long the import took and the
bot's peak RSS, and with ``--out`` writes them as JSON. Not a test: it asserts nothing
and exits 0 unless something failed to run.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, ClientTimeout

from bench.ack import SECRET, TOKEN, StandIn, bot_args, bot_env
from bench.load import percentile
from bench.processes import Server, measured, niced, publish, run_json, server
from bench.seed import ADMIN, ANALYST, CHANNELS
from bench.stand_in import NICENESS
from bot.console.stand_in.records import Posted
from bot.console.stand_in.sender import SlackSender
from bot.console.stand_in.server import LocalSlack
from bot.wiring.app import EVENTS_PATH

ANSWER_TIMEOUT = 120.0
"""Seconds an answer is waited for; one that never comes counts as this long."""
WRITE_EVERY = 0.5
RUN = secrets.token_hex(3)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m bench.stall", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--rows", type=int, default=100_000,
                     help="jurisdictions in the imported file (100000)")
    top.add_argument("--size", type=int, default=1000,
                     help="jurisdictions in the bot's database before the import (1000)")
    top.add_argument("--clients", type=int, default=3,
                     help="the other person's closed loops of whoami, list, show (3)")
    top.add_argument("--idle-seconds", type=float, default=5.0,
                     help="how long the same commands are timed before the import (5)")
    top.add_argument("--limit", type=float, default=900.0,
                     help="seconds to wait for the import before giving up (900)")
    top.add_argument("--out", type=Path, help="also write the figures here as JSON")
    top.add_argument("--workdir", type=Path,
                     help="keep the database, the file and the logs here (default: a "
                          "temporary folder, removed at the end)")
    return top


@dataclass
class Timings:
    """Seconds from request to answer, and the requests that failed or went unanswered."""

    seconds: list[float] = field(default_factory=list)
    failed: int = 0

    def figures(self) -> dict[str, Any]:
        ordered = sorted(self.seconds)
        if not ordered:
            return {"answers": 0, "failed": self.failed}
        return {"answers": len(ordered), "failed": self.failed,
                **{f"p{p}_ms": round(percentile(ordered, p) * 1000, 1) for p in (50, 90, 99)},
                "max_ms": round(ordered[-1] * 1000, 1)}


@dataclass
class Phase:
    """What another person saw during one phase: reads (whoami, list, show) and writes."""

    reads: Timings = field(default_factory=Timings)
    writes: Timings = field(default_factory=Timings)


class Receiver(LocalSlack):
    """Serves the ``response_url``s of the commands sent from here and notes when each
    answer arrives (keeping nothing else)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.waiting: dict[str, asyncio.Future[tuple[float, str]]] = {}

    def expect(self, key: str) -> asyncio.Future[tuple[float, str]]:
        self.waiting[key] = asyncio.get_running_loop().create_future()
        return self.waiting[key]

    async def _record(self, posted: Posted) -> None:
        waiting = self.waiting.pop(posted.response_key.split(":")[0], None)
        if waiting is not None and not waiting.done():
            waiting.set_result((time.perf_counter(), posted.text))


@dataclass
class Other:
    """The other person's side: sends signed commands and times their answers."""

    session: ClientSession
    sender: SlackSender
    receiver: Receiver
    count: int = 0

    async def send(self, user: str, text: str, wait: float = ANSWER_TIMEOUT
                   ) -> tuple[float, str] | None:
        """Seconds to the answer and its text (``wait`` seconds and "" when none came in
        time), or None if the bot refused the request."""
        self.count += 1
        key = f"k{self.count}-{RUN}"
        answer = self.receiver.expect(key)
        started = time.perf_counter()
        status, _ = await self.sender.post(self.session, self.sender.form(
            user, text, CHANNELS[0], key))
        if status != 200:
            self.receiver.waiting.pop(key, None)
            return None
        try:
            arrived, said = await asyncio.wait_for(answer, wait)
        except TimeoutError:
            return wait, ""
        return arrived - started, said

    async def reads(self, texts: list[str], stop: asyncio.Event, into: Timings) -> None:
        n = 0
        while not stop.is_set():
            timed = await self.send(ADMIN, texts[n % len(texts)])
            n += 1
            if timed is None:
                into.failed += 1
            else:
                into.seconds.append(timed[0])

    async def writes(self, stop: asyncio.Event, into: Timings) -> None:
        roles = ("viewer", "analyst")
        n = 0
        while not stop.is_set():
            timed = await self.send(ADMIN, f"role <@U0STALLER|staller> {roles[n % 2]}")
            n += 1
            if timed is None:
                into.failed += 1
            else:
                into.seconds.append(timed[0])
            await asyncio.sleep(WRITE_EVERY)


async def phase(other: Other, texts: list[str], clients: int, until: asyncio.Event) -> Phase:
    """Time the other person's reads and writes until ``until`` is set."""
    seen = Phase()
    loops = [other.reads(texts[n:] + texts[:n], until, seen.reads) for n in range(clients)]
    await asyncio.gather(*loops, other.writes(until, seen.writes))
    return seen


def towns(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.write("id,name,kind,state\n")
        for n in range(rows):
            out.write(f"stall-{n:06d},Stall Town {n},city,CA\n")
    return path


def some_ids(database: Path, count: int = 5) -> list[str]:
    conn = sqlite3.connect(database)
    try:
        return [r[0] for r in conn.execute("SELECT id FROM jurisdictions ORDER BY id LIMIT ?",
                                           (count,))]
    finally:
        conn.close()


@asynccontextmanager
async def running_bot(workdir: Path, size: int) -> AsyncIterator[tuple[Server, StandIn]]:
    """The stand-in Slack and the bot in HTTP mode on a freshly seeded database."""
    database = workdir / "stall.db"
    database.unlink(missing_ok=True)
    await run_json(["-m", "bench.seed", str(database), str(size), "--now"], workdir)
    async with niced(["-m", "bench.stand_in"], workdir, NICENESS) as slack_url:
        slack = StandIn(slack_url)
        async with server("bot", bot_args(), workdir, bot_env(slack.api_url, database)) as bot:
            yield bot, slack


async def share(slack: StandIn, path: Path, user: str) -> str:
    async with ClientSession() as session, session.post(
            slack.api_url + "bench.share", json={"path": str(path), "user": user},
            headers={"Authorization": f"Bearer {TOKEN}"}) as response:
        return str((await response.json())["file"])


async def measure(opts: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    csv_file = towns(workdir / "towns.csv", opts.rows)
    async with running_bot(workdir, opts.size) as (bot, slack):
        texts = ["whoami", "list", *(f"show {jid}" for jid in some_ids(workdir / "stall.db"))]
        link = f"<https://local.slack.com/files/{ANALYST}/{await share(slack, csv_file, ANALYST)}/>"
        receiver = Receiver()
        await receiver.start()
        try:
            async with ClientSession(timeout=ClientTimeout(total=ANSWER_TIMEOUT)) as session:
                other = Other(session, SlackSender(bot.url + EVENTS_PATH, SECRET, receiver),
                              receiver)
                idle = await _idle(other, texts, opts)
                during, took, said = await _during_import(other, texts, opts, link)
        finally:
            await receiver.stop()
        rss = bot.peak_rss_kib()
    return {"rows": opts.rows, "size": opts.size, "clients": opts.clients,
            "import_seconds": round(took, 2), "import_answer": said,
            "bot_peak_rss_mib": round(rss / 1024, 1),
            "idle": {"reads": idle.reads.figures(), "writes": idle.writes.figures()},
            "during_import": {"reads": during.reads.figures(),
                              "writes": during.writes.figures()}}


async def _idle(other: Other, texts: list[str], opts: argparse.Namespace) -> Phase:
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(opts.idle_seconds, stop.set)
    return await phase(other, texts, opts.clients, stop)


async def _during_import(other: Other, texts: list[str], opts: argparse.Namespace,
                         link: str) -> tuple[Phase, float, str]:
    """Start the import, time the other person until it is answered; returns what they
    saw, how long the import took and what it answered."""
    stop = asyncio.Event()
    importing = asyncio.create_task(other.send(ANALYST, f"import {link} apply", opts.limit))
    importing.add_done_callback(lambda _: stop.set())
    seen = await phase(other, texts, opts.clients, stop)
    done = await importing
    took, said = done if done is not None else (0.0, "(the bot refused the request)")
    return seen, took, said or "(not answered within --limit)"


def render(figures: dict[str, Any]) -> str:
    lines = [f"A {figures['rows']:,}-row import of jurisdictions from Slack, on a bot of "
             f"{figures['size']:,}: answered after {figures['import_seconds']} s "
             f"({figures['import_answer'][:80]!r}); bot peak RSS "
             f"{figures['bot_peak_rss_mib']} MiB.",
             f"Another person's commands ({figures['clients']} loops of whoami, list, show; "
             f"a role change every {WRITE_EVERY} s):",
             f"{'':22}{'answers':>8}{'failed':>7}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}"
             f"{'max ms':>9}"]
    for when in ("idle", "during_import"):
        for kind in ("reads", "writes"):
            f = figures[when][kind]
            cells = "".join(f"{f.get(k, '-'):>9}" for k in ("p50_ms", "p90_ms", "p99_ms",
                                                             "max_ms"))
            lines.append(f"{when.replace('_', ' ') + ', ' + kind:<22}{f['answers']:>8}"
                         f"{f['failed']:>7}{cells}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    opts = parser().parse_args(argv)
    figures = measured(lambda folder: measure(opts, folder), opts.workdir, "review-stall-")
    if figures is None:
        return 1
    return publish(figures, render, opts.out)


if __name__ == "__main__":
    raise SystemExit(main())
