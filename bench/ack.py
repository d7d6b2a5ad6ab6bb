"""Ack latency: the bot in HTTP mode beside a bare Bolt app, under the same load.

Both are started as a user would start them, each in its own process, from the same
environment: the bot with ``python -m bot run`` (HTTP mode, because a bot token and a
signing secret are set) on a freshly seeded database, the bare app with
``python -m bench.bare``. Both talk to the stand-in Slack (``bench.stand_in``, at the
lowest priority), which also receives the bot's answers. Each app in turn gets the
same load from a separate ``bench.load`` process, in rounds ordered bare, bot, bot,
bare (and so on), so that a drift in the machine's other work weighs on both alike.
After each of the bot's rounds, its answers are counted as they arrive, to tell how
long after the last ack the work behind them was done, and so that the next round
starts on an idle machine.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from aiohttp import ClientSession

from bench.load import LoadReport, merge
from bench.processes import Server, niced, run_json, server
from bench.seed import ADMIN
from bench.stand_in import NICENESS
from bot.console.stand_in.server import LocalSlack
from bot.wiring.app import EVENTS_PATH

SECRET = "bench-signing-secret"
TOKEN = LocalSlack.token


def app_env(api_url: str) -> dict[str, str]:
    """What an app under measure (the bot or the bare one) is started with: the
    stand-in's Web API, its token, the signing secret the load signs with."""
    return {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": api_url, "LOG_LEVEL": "WARNING"}


def bot_env(api_url: str, database: Path, **extra: str) -> dict[str, str]:
    """``app_env`` for the bot, on the SQLite file ``database`` seeded by
    ``bench.seed`` (whose admin it knows), plus ``extra`` settings."""
    return {**app_env(api_url), "DATABASE_URL": f"sqlite:///{database}",
            "REVIEW_ADMINS": ADMIN, **extra}


def bot_args(profile: Path | None = None) -> list[str]:
    """The bot as a user starts it, under cProfile (its stats to ``profile``) if given."""
    args = ["-m", "bot", "run"]
    return ["-m", "cProfile", "-o", str(profile.resolve()), *args] if profile else args
ANSWER_WAIT_SECONDS = 120


@dataclass(frozen=True)
class Load:
    """The same load for both apps: ``requests`` and ``warmup`` per app in all, split
    over ``rounds`` rounds."""

    text: str
    clients: int
    requests: int
    warmup: int
    rounds: int = 2

    def order(self) -> list[str]:
        """Which app each round loads: bare, bot, bot, bare, bare, bot, …"""
        return [app for n in range(self.rounds)
                for app in (("bare", "bot") if n % 2 == 0 else ("bot", "bare"))]

    def share(self, total: int, n: int) -> int:
        return total // self.rounds + (n < total % self.rounds)


@dataclass
class AppFigures:
    name: str
    load: dict[str, Any]
    peak_rss_kib: int
    answers: int | None = None
    answered_after_s: float | None = None
    """Seconds from the last ack to the last answer posted to a response_url."""


@dataclass
class AckReport:
    load: Load
    size: int
    bare: AppFigures
    bot: AppFigures


async def measure_ack(workdir: Path, size: int, load: Load) -> AckReport:
    """Seed a database of ``size`` jurisdictions, start both apps, load them in turn."""
    database = workdir / "ack.db"
    database.unlink(missing_ok=True)
    await run_json(["-m", "bench.seed", str(database), str(size), "--now"], workdir)
    async with niced(["-m", "bench.stand_in"], workdir, NICENESS) as slack_url:
        slack = StandIn(slack_url)
        async with server("bare", ["-m", "bench.bare"], workdir, app_env(slack.api_url)) \
                as bare, server("bot", bot_args(), workdir,
                                bot_env(slack.api_url, database)) as bot:
            return await _rounds(load, size, {"bare": bare, "bot": bot}, slack, workdir)


async def _rounds(load: Load, size: int, apps: dict[str, Server], slack: StandIn,
                  workdir: Path) -> AckReport:
    reports: dict[str, list[LoadReport]] = {"bare": [], "bot": []}
    answers, answered_after = 0, 0.0
    for n, name in enumerate(load.order()):
        round_load = replace(load, requests=load.share(load.requests, n // 2),
                             warmup=load.share(load.warmup, n // 2))
        reports[name].append(await _drive(apps[name], slack, round_load, workdir))
        if name == "bot":
            count, after = await _answered(slack, round_load)
            answers, answered_after = answers + count, max(answered_after, after)
    bare = AppFigures("bare Bolt AsyncApp", _figures(merge(reports["bare"])),
                      apps["bare"].peak_rss_kib())
    bot = AppFigures("review-bot", _figures(merge(reports["bot"])),
                     apps["bot"].peak_rss_kib(), answers, answered_after)
    return AckReport(load, size, bare, bot)


def _figures(report: LoadReport) -> dict[str, Any]:
    figures = asdict(report)
    del figures["latencies_ms"]
    return figures


@dataclass(frozen=True)
class StandIn:
    """The stand-in Slack's process, seen from here."""

    url: str

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    async def answers(self, reset: bool = False) -> int:
        async with ClientSession() as session, session.get(
                self.api_url + "bench.answers", params={"reset": "1"} if reset else {},
                headers={"Authorization": f"Bearer {TOKEN}"}) as response:
            return int((await response.json())["answers"])


async def _drive(app: Server, slack: StandIn, load: Load, workdir: Path) -> LoadReport:
    await slack.answers(reset=True)
    figures = await run_json(
        ["-m", "bench.load", app.url + EVENTS_PATH, "--secret", SECRET, "--stand-in",
         slack.url, "--text", load.text, "--clients", str(load.clients),
         "--requests", str(load.requests), "--warmup", str(load.warmup)], workdir)
    return LoadReport(**figures)


async def _answered(slack: StandIn, load: Load) -> tuple[int, float]:
    """Wait for the bot's answers to every command of the round (warm-up included);
    return how many came and how many seconds after the last ack the last one did."""
    expected = load.requests + load.warmup
    loop = asyncio.get_running_loop()
    last_ack, give_up = time.perf_counter(), loop.time() + ANSWER_WAIT_SECONDS
    while (answers := await slack.answers()) < expected and loop.time() < give_up:
        await asyncio.sleep(0.1)
    return answers, time.perf_counter() - last_ack
