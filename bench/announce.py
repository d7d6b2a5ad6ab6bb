"""One person adding jurisdictions one after the other: ``python -m bench.announce``.

The bot runs as ``python -m bench.stall`` runs it (HTTP mode, the stand-in Slack, a small
seeded database). One admin sends ``--commands`` ``add`` commands, each sent when the
last was answered; each add announces itself in the review's channel, where Slack takes
about one message a second. Each answer is timed from the signed request to its arrival
at the command's ``response_url``; then the channel is read back (``conversations.history``)
until every announcement is there, or ``--settle`` seconds have passed, to check that
each came once and in the order of the commands.

Prints the answer times (p50, p99, worst, and the last command's) and what reached the
channel; with ``--out``, the figures as JSON. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, ClientTimeout

from bench.ack import SECRET, TOKEN, StandIn
from bench.load import percentile
from bench.processes import measured, publish
from bench.seed import ADMIN, DEFAULT_CHANNEL
from bench.stall import ANSWER_TIMEOUT, Other, Receiver, running_bot
from bot.console.stand_in.sender import SlackSender
from bot.wiring.app import EVENTS_PATH

NAME = "Announce Town {n:03d}"
ANNOUNCED = re.compile(r"Announce Town (\d{3})")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m bench.announce", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--commands", type=int, default=40, help="adds sent, one by one (40)")
    top.add_argument("--size", type=int, default=50,
                     help="jurisdictions in the bot's database to begin with (50)")
    top.add_argument("--settle", type=float, default=120.0,
                     help="seconds to wait for the announcements after the last answer")
    top.add_argument("--out", type=Path, help="also write the figures here as JSON")
    return top


async def channel_numbers(slack: StandIn, channel: str) -> list[int]:
    """The town numbers announced in ``channel``, oldest first (however many a message
    holds)."""
    async with ClientSession() as session, session.post(
            slack.api_url + "conversations.history", data={"channel": channel, "limit": 1000},
            headers={"Authorization": f"Bearer {TOKEN}"}) as response:
        body = await response.json()
    texts = [str(m.get("text", "")) for m in reversed(body.get("messages", []))]
    return [int(number) for text in texts for number in ANNOUNCED.findall(text)]


async def measure(opts: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    async with running_bot(workdir, opts.size) as (bot, slack):
        receiver = Receiver()
        await receiver.start()
        try:
            async with ClientSession(timeout=ClientTimeout(total=ANSWER_TIMEOUT)) as session:
                other = Other(session, SlackSender(bot.url + EVENTS_PATH, SECRET, receiver),
                              receiver)
                seconds, failed = [], 0
                for n in range(opts.commands):
                    timed = await other.send(ADMIN, f'add announce-{n:03d} "{NAME.format(n=n)}"')
                    if timed is None or not timed[1]:
                        failed += 1
                    else:
                        seconds.append(timed[0])
        finally:
            await receiver.stop()
        settled = time.perf_counter()
        numbers = await channel_numbers(slack, DEFAULT_CHANNEL)
        while len(numbers) < opts.commands and time.perf_counter() - settled < opts.settle:
            await asyncio.sleep(0.5)
            numbers = await channel_numbers(slack, DEFAULT_CHANNEL)
        took = time.perf_counter() - settled
    ordered = sorted(seconds)
    return {"commands": opts.commands, "failed": failed,
            "answer_p50_ms": round(percentile(ordered, 50) * 1000, 1) if ordered else None,
            "answer_p99_ms": round(percentile(ordered, 99) * 1000, 1) if ordered else None,
            "answer_max_ms": round(ordered[-1] * 1000, 1) if ordered else None,
            "last_answer_ms": round(seconds[-1] * 1000, 1) if seconds else None,
            "announced": len(numbers), "announced_once": len(set(numbers)) == len(numbers),
            "announced_in_order": numbers == sorted(numbers),
            "seconds_to_last_announcement_after_last_answer": round(took, 1)}


def render(f: dict[str, Any]) -> str:
    return (f"{f['commands']} adds, one after the other ({f['failed']} unanswered): answers in"
            f" p50 {f['answer_p50_ms']} ms, p99 {f['answer_p99_ms']} ms, worst"
            f" {f['answer_max_ms']} ms (the last: {f['last_answer_ms']} ms).\n"
            f"Channel: {f['announced']} announcement(s), each once: {f['announced_once']},"
            f" in order: {f['announced_in_order']}; the last came"
            f" {f['seconds_to_last_announcement_after_last_answer']} s after the last answer.\n")


def main(argv: list[str] | None = None) -> int:
    opts = parser().parse_args(argv)
    figures = measured(lambda folder: measure(opts, folder), None, "review-announce-")
    if figures is None:
        return 1
    return publish(figures, render, opts.out)


if __name__ == "__main__":
    raise SystemExit(main())
