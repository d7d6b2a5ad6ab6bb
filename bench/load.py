"""The load: concurrent clients sending signed ``/review`` slash commands, timing each ack.

Each client sends what Slack sends (a form body signed with the signing secret, built
by the stand-in's ``SlackSender``), waits for the HTTP response, the ack, and sends the
next one: a closed loop, so ``--clients`` is the number of requests in flight. A
warm-up runs first and is not counted. The ``response_url`` of each command points at
the stand-in Slack, where the bot sends its answer.

It runs in a process of its own (``python -m bench.load URL``) so that making the load
does not take CPU from the app's event loop, and prints its figures as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import secrets
import time
from dataclasses import asdict, dataclass

from aiohttp import ClientSession, ClientTimeout, TCPConnector

from bench.seed import ANALYST, CHANNELS
from bot.console.stand_in.sender import SlackSender, sign
from bot.console.stand_in.server import LocalSlack

TIMEOUT_SECONDS = 60

RUN = secrets.token_hex(3)
"""Tells this load process's requests from another's (rounds repeat their keys)."""


@dataclass(frozen=True)
class LoadReport:
    """What a load measured; ``latencies_ms`` (every ack, in order of completion) lets
    the reports of several rounds be merged."""

    requests: int
    errors: int
    seconds: float
    per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    latencies_ms: list[float]


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summarise(latencies_ms: list[float], errors: int, seconds: float) -> LoadReport:
    ms = sorted(latencies_ms)
    return LoadReport(len(ms), errors, seconds, len(ms) / seconds, percentile(ms, 50),
                      percentile(ms, 90), percentile(ms, 99), ms[-1], sum(ms) / len(ms),
                      latencies_ms)


def merge(reports: list[LoadReport]) -> LoadReport:
    """Rounds of the same load as one: every latency, the time of all rounds."""
    return summarise([x for r in reports for x in r.latencies_ms],
                     sum(r.errors for r in reports), sum(r.seconds for r in reports))


@dataclass
class Phase:
    """One round of requests: what each took, and the statuses that were not 200."""

    name: str
    latencies: list[float]
    failures: list[int]


async def client(session: ClientSession, sender: SlackSender, text: str, phase: Phase,
                 number: int, count: int) -> None:
    for i in range(count):
        key = f"{phase.name}{number}-{i}-{RUN}"  # unique: a copy would be refused as a replay
        body = sender.form(ANALYST, text, CHANNELS[0], key)
        timestamp = str(int(time.time()))
        signature = sign(sender.signing_secret, timestamp, body)
        started = time.perf_counter()
        status, _ = await sender.post(session, body, timestamp, signature)
        phase.latencies.append(time.perf_counter() - started)
        if status != 200:
            phase.failures.append(status)


async def run_phase(session: ClientSession, sender: SlackSender, text: str, clients: int,
                    requests: int, name: str) -> tuple[Phase, float]:
    """``requests`` spread over ``clients``; returns the phase and its wall time."""
    phase = Phase(name, [], [])
    shares = [requests // clients + (n < requests % clients) for n in range(clients)]
    started = time.perf_counter()
    await asyncio.gather(*(client(session, sender, text, phase, n, share)
                           for n, share in enumerate(shares) if share))
    return phase, time.perf_counter() - started


async def drive(url: str, secret: str, stand_in: str, text: str, clients: int,
                requests: int, warmup: int) -> LoadReport:
    slack = LocalSlack()  # not started: it only names the response_urls on the stand-in
    slack.base_url = stand_in
    sender = SlackSender(url, secret, slack)
    async with ClientSession(connector=TCPConnector(limit=clients),
                             timeout=ClientTimeout(total=TIMEOUT_SECONDS)) as session:
        if warmup:
            await run_phase(session, sender, text, clients, warmup, "w")
        phase, seconds = await run_phase(session, sender, text, clients, requests, "m")
    return summarise([x * 1000 for x in phase.latencies], len(phase.failures), seconds)


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    args.add_argument("url", help="the app's /slack/events URL")
    args.add_argument("--secret", required=True, help="the signing secret")
    args.add_argument("--stand-in", required=True, help="the stand-in Slack's base URL")
    args.add_argument("--text", default="list", help="the command text after /review")
    args.add_argument("--clients", type=int, default=50)
    args.add_argument("--requests", type=int, default=5000)
    args.add_argument("--warmup", type=int, default=500)
    opts = args.parse_args(argv)
    report = asyncio.run(drive(opts.url, opts.secret, opts.stand_in, opts.text, opts.clients,
                               opts.requests, opts.warmup))
    print(json.dumps(asdict(report)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
