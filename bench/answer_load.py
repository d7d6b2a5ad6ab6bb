"""The load for the time to answer: clients that each wait for their answer, not the ack.

Each client is a person of its own (``--users``, in turn), sending signed ``/review``
commands as Slack does. After the ack, it asks the stand-in Slack (``bench.answer``, a
long poll) for the answer to that command: the stand-in stamps each POST to a
``response_url`` with ``time.monotonic()`` as it arrives, the clock all processes on
the machine share, so the time to answer is that stamp minus the moment the command
was sent. Only then does the client send its next command: a closed loop on answers,
so ``--clients`` is the number of people waiting for an answer at once.

The commands come from ``--texts`` (a JSON file: for each client, a list of
``[text, expected]``: the command text and what its answer must contain), so each
client has its own (for a write: its own jurisdictions, so no write repeats a step).
``--expect`` replaces every expected text (the bare app's fixed answer). The first
``--warmup`` commands of each list are a warm-up, not counted.

Nothing is hidden: an ack that is not HTTP 200, an answer that never comes (within
``--timeout``), an answer that does not contain what it should, and a command answered
more than once are counted and their first few are printed (on standard error) and
listed in the JSON report. Run as ``python -m bench.answer_load URL ...``; it prints its
figures as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, TCPConnector

from bench.seed import CHANNELS
from bot.console.stand_in.sender import SlackSender, sign
from bot.console.stand_in.server import LocalSlack

TIMEOUT_SECONDS = 30.0
LATE_SECONDS = 1.0
"""How long to wait after the last answer for answers that come twice."""
SHOWN = 5
RUN = secrets.token_hex(3)


@dataclass
class AnswerReport:
    """What one round measured: every answer's time (ms), the round's wall time, and
    every command that went wrong, by how."""

    answers: int
    seconds: float
    per_second: float
    latencies_ms: list[float]
    failed: list[str] = field(default_factory=list)
    """Acks that were not HTTP 200, or requests that did not get through."""
    timed_out: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    """Answers that did not say what was expected (a refusal, an apology)."""
    doubled: list[str] = field(default_factory=list)


@dataclass
class Client:
    session: ClientSession
    sender: SlackSender
    stand_in: str
    token: str
    expect: str
    """When given, what every answer must contain instead of each command's own."""
    timeout: float

    async def answer(self, key: str) -> dict[str, Any]:
        async with self.session.get(
                f"{self.stand_in}/api/bench.answer",
                params={"key": key, "timeout": str(self.timeout)},
                headers={"Authorization": f"Bearer {self.token}"}) as response:
            return dict(await response.json())

    async def one(self, user: str, command: tuple[str, str], key: str,
                  report: AnswerReport, counted: bool) -> None:
        text, expected = command[0], self.expect or command[1]
        body = self.sender.form(user, text, CHANNELS[0], key)
        timestamp = str(int(time.time()))
        signature = sign(self.sender.signing_secret, timestamp, body)
        sent = time.monotonic()
        try:
            status, _ = await self.sender.post(self.session, body, timestamp, signature)
        except (ClientError, TimeoutError) as error:
            report.failed.append(f"{text!r}: {type(error).__name__} {error}")
            return
        if status != 200:
            report.failed.append(f"{text!r}: ack HTTP {status}")
            return
        got = await self.answer(key)
        if got["arrived"] is None:
            report.timed_out.append(f"{text!r}: no answer in {self.timeout:g} s")
        elif expected not in got["text"]:
            report.wrong.append(f"{text!r}: answered {got['text'][:120]!r}")
        elif counted:
            report.latencies_ms.append((float(got["arrived"]) - sent) * 1000)


async def run_client(client: Client, user: str, commands: list[tuple[str, str]],
                     number: int, warmup: int, report: AnswerReport) -> None:
    for i, command in enumerate(commands):
        await client.one(user, command, f"a{number}-{i}-{RUN}", report, i >= warmup)


async def tally(client: Client) -> dict[str, int]:
    async with client.session.get(
            f"{client.stand_in}/api/bench.tally", params={"prefix": "a"},
            headers={"Authorization": f"Bearer {client.token}"}) as response:
        return {k: int(v) for k, v in (await response.json())["tally"].items()
                if k.endswith(RUN)}


async def drive(url: str, secret: str, stand_in: str, token: str, users: list[str],
                texts: list[list[tuple[str, str]]], warmup: int, expect: str, timeout: float
                ) -> AnswerReport:
    slack = LocalSlack()  # not started: it only names the response_urls on the stand-in
    slack.base_url = stand_in
    sender = SlackSender(url, secret, slack)
    report = AnswerReport(0, 0.0, 0.0, [])
    async with ClientSession(connector=TCPConnector(limit=0),
                             timeout=ClientTimeout(total=timeout + 30)) as session:
        client = Client(session, sender, stand_in, token, expect, timeout)
        await asyncio.gather(*(run_client(client, users[n % len(users)], t[:warmup], n,
                                          warmup, report) for n, t in enumerate(texts)))
        started = time.monotonic()
        await asyncio.gather(*(run_client(client, users[n % len(users)], t[warmup:], n + len(
            texts), 0, report) for n, t in enumerate(texts)))
        report.seconds = time.monotonic() - started
        await asyncio.sleep(LATE_SECONDS)
        report.doubled = [f"{key}: answered {n} times" for key, n in
                          (await tally(client)).items() if n > 1]
    report.answers = len(report.latencies_ms)
    report.per_second = report.answers / report.seconds if report.seconds else 0.0
    return report


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(prog="python -m bench.answer_load", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    args.add_argument("url", help="the app's /slack/events URL")
    args.add_argument("--secret", required=True, help="the signing secret")
    args.add_argument("--stand-in", required=True, help="the stand-in Slack's base URL")
    args.add_argument("--token", required=True, help="the stand-in's bot token")
    args.add_argument("--users", required=True, help="the clients' user ids, comma-separated")
    args.add_argument("--texts", type=Path, required=True,
                      help="JSON: one list of command texts per client")
    args.add_argument("--warmup", type=int, default=0, help="texts per client not counted")
    args.add_argument("--expect", default="",
                      help="what every answer must contain (instead of each command's own)")
    args.add_argument("--timeout", type=float, default=TIMEOUT_SECONDS,
                      help="seconds to wait for an answer")
    opts = args.parse_args(argv)
    texts = [[(str(text), str(expected)) for text, expected in commands]
             for commands in json.loads(opts.texts.read_text())]
    report = asyncio.run(drive(opts.url, opts.secret, opts.stand_in, opts.token,
                               opts.users.split(","), texts, opts.warmup, opts.expect,
                               opts.timeout))
    for kind in ("failed", "timed_out", "wrong", "doubled"):
        for line in getattr(report, kind)[:SHOWN]:
            print(f"{kind}: {line}", file=sys.stderr)
    print(json.dumps(asdict(report)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
