"""Time to answer: from sending a command to its answer arriving, the bot beside bare Bolt.

What a person feels is not the ack but the answer. Both apps are started as in the
ack benchmark (``bench.ack``), each in its own process, served the same way (HTTP mode,
Bolt's aiohttp app behind an ``AppRunner``): the bot (``python -m bot run``) on a
freshly seeded database of ``--size`` jurisdictions, and the bare Bolt app
(``python -m bench.bare --answer``), whose listener acks and then answers a fixed text
through Bolt's ``respond()``. Both answer at the stand-in Slack's response_urls; the
stand-in stamps each answer's arrival (``bench.stand_in``). It runs at normal priority
here, not at nice 19 as for the ack: the answer's arrival is what is measured, and a
starved receiver would time its own starvation.

For each command (``list``; ``show <j>`` over every jurisdiction in turn; ``letter <j>
due=30 days``, each client on jurisdictions of its own that a letter may be sent to,
none written twice) and each client count, the same clients (``bench.answer_load``, one
person each, each sending its next command once its previous answer has arrived) load
each app in rounds ordered bare, bot, bot, bare. Failed acks, answers that never came,
answers that are refusals or apologies, and commands answered twice are counted and
printed, and a figure with any is marked. Beside the times, each app's CPU time per
command (from /proc, warm-up included): on a machine busy with other work, the figure
that least depends on it.

``python -m bench.answer --clients 1,50 --commands list,show,letter --json FILE``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.ack import SECRET, TOKEN, StandIn, app_env, bot_args, bot_env
from bench.processes import Server, measured, niced, publish, run_json, server
from bench.seed import ADMIN
from bot.ui.render import escape
from bot.wiring.app import EVENTS_PATH
from storage.sqlite import SqliteStore
from workflows.model import Role

COMMANDS = ("list", "show", "letter")
BARE_TEXT = "answered"
USERS = tuple(f"U0BENCH{n:03d}" for n in range(1, 201))
"""The clients: each a person of its own, an analyst (who may send letters)."""
LETTER_SOURCES = ("new", "awaiting_response", "insufficient", "cleared")
"""The states a letter may be sent from (workflows/review.yml)."""
READ_P99_RATIO, READ_RATE_RATIO, ONE_CLIENT_MS = 1.25, 0.8, 2.0
"""The targets: at 50 clients, reads answered with p99 within 1.25× the bare app's and
at 0.8× its rate or more; at 1 client, ``show`` and ``list`` within 2 ms of its p50."""


@dataclass(frozen=True)
class Plan:
    commands: tuple[str, ...]
    clients: tuple[int, ...]
    requests: int
    letters: int
    warmup: int
    rounds: int
    size: int

    def order(self) -> list[str]:
        return [app for n in range(self.rounds)
                for app in (("bare", "bot") if n % 2 == 0 else ("bot", "bare"))]

    def measured(self, command: str) -> int:
        return self.letters if command == "letter" else self.requests

    def share(self, command: str, n: int) -> int:
        total = self.measured(command)
        return total // self.rounds + (n < total % self.rounds)


@dataclass
class Pool:
    """What the commands name: every jurisdiction (id, name), and those a letter may
    still be sent to, handed out once each."""

    everyone: list[tuple[str, str]]
    letterable: list[str]
    taken: int = 0

    def letters(self, count: int, consume: bool) -> list[str]:
        """``count`` jurisdictions not written yet, now taken; or, for the bare app
        (which writes nothing), ``count`` names of such jurisdictions, taken or not."""
        if not consume:
            return [self.letterable[i % len(self.letterable)] for i in range(count)]
        if self.taken + count > len(self.letterable):
            raise SystemExit(f"bench: {count} more letters wanted, only "
                             f"{len(self.letterable) - self.taken} jurisdictions left a "
                             "letter may be sent to: use a bigger --size or fewer --letters")
        chosen = self.letterable[self.taken:self.taken + count]
        self.taken += count if consume else 0
        return chosen


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    """The app's CPU time over its rounds (warm-up included)."""
    commands: int = 0
    problems: dict[str, list[str]] = field(default_factory=dict)

    def add(self, report: dict[str, Any], cpu: float, commands: int) -> None:
        self.latencies_ms += report["latencies_ms"]
        self.seconds += report["seconds"]
        self.cpu_seconds += cpu
        self.commands += commands
        for kind in ("failed", "timed_out", "wrong", "doubled"):
            self.problems.setdefault(kind, []).extend(report[kind])

    def figures(self) -> dict[str, Any]:
        ms = sorted(self.latencies_ms)
        return {"answers": len(ms), "seconds": round(self.seconds, 3),
                "per_second": round(len(ms) / self.seconds, 1) if self.seconds else 0.0,
                "p50_ms": round(_percentile(ms, 50), 2), "p99_ms": round(_percentile(ms, 99), 2),
                "max_ms": round(ms[-1], 2) if ms else math.nan,
                "cpu_ms_per_command": round(self.cpu_seconds * 1000 / self.commands, 3)
                if self.commands else math.nan,
                **{kind: len(lines) for kind, lines in self.problems.items()},
                "problems": [f"{kind}: {line}" for kind, lines in self.problems.items()
                             for line in lines[:5]]}


def _percentile(ordered: list[float], p: float) -> float:
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else math.nan


async def prepare(database: Path, size: int, workdir: Path) -> Pool:
    """Seed the database, make the clients analysts, and read what commands may name."""
    database.unlink(missing_ok=True)
    await run_json(["-m", "bench.seed", str(database), str(size), "--now"], workdir)
    store = await SqliteStore.open(database)
    try:
        for user in USERS:
            await store.set_role(user, Role.ANALYST, ADMIN, datetime.now(UTC))
        rows = await store.read("SELECT id, name, state FROM jurisdictions ORDER BY id")
        blocked = {r["jurisdiction_id"] for r in await store.read(
            "SELECT DISTINCT jurisdiction_id FROM court_orders")}
    finally:
        await store.close()
    return Pool([(r["id"], r["name"]) for r in rows],
                [r["id"] for r in rows if r["state"] in LETTER_SOURCES
                 and r["id"] not in blocked])


def commands_for(command: str, count: int, pool: Pool, consume: bool) -> list[tuple[str, str]]:
    """``count`` commands and what each answer must say."""
    if command == "list":
        return [("list", "page 1 of")] * count
    if command == "show":
        return [(f"show {pool.everyone[i % len(pool.everyone)][0]}",
                 escape(pool.everyone[i % len(pool.everyone)][1])) for i in range(count)]
    return [(f"letter {j} due=30 days", "sent a letter to")
            for j in pool.letters(count, consume)]


async def drive(app: Server, slack_url: str, commands: list[tuple[str, str]], clients: int,
                warmup: int, bare: bool, workdir: Path) -> dict[str, Any]:
    """One round: client ``k`` takes every ``clients``-th command from the ``k``-th."""
    texts = workdir / "texts.json"
    texts.write_text(json.dumps([commands[k::clients] for k in range(clients)]))
    args = ["-m", "bench.answer_load", app.url + EVENTS_PATH, "--secret", SECRET,
            "--stand-in", slack_url, "--token", TOKEN, "--users", ",".join(USERS[:clients]),
            "--texts", str(texts), "--warmup", str(warmup)]
    report: dict[str, Any] = await run_json(args + (["--expect", BARE_TEXT] if bare else []),
                                            workdir)
    return report


async def measure(plan: Plan, workdir: Path, profile: Path | None) -> dict[str, Any]:
    database = workdir / "answer.db"
    pool = await prepare(database, plan.size, workdir)
    if "letter" in plan.commands:  # refuse now rather than after the reads have run
        pool.letters(sum(plan.letters + plan.rounds * plan.warmup * c for c in plan.clients),
                     consume=True)
        pool.taken = 0
    async with niced(["-m", "bench.stand_in"], workdir, 0) as slack_url:
        api_url = StandIn(slack_url).api_url
        async with server("bare", ["-m", "bench.bare", "--answer", BARE_TEXT], workdir,
                          app_env(api_url)) as bare, server(
                "bot", bot_args(profile), workdir, bot_env(api_url, database)) as bot:
            apps = {"bare": bare, "bot": bot}
            results: dict[str, Any] = {}
            for command in plan.commands:
                for clients in plan.clients:
                    tallies = {"bare": Tally(), "bot": Tally()}
                    for n, name in enumerate(plan.order()):
                        count = plan.share(command, n // 2) + plan.warmup * clients
                        commands = commands_for(command, count, pool, name == "bot")
                        before = cpu_seconds(apps[name].process.pid)
                        report = await drive(apps[name], slack_url, commands, clients,
                                             plan.warmup, name == "bare", workdir)
                        tallies[name].add(report, cpu_seconds(apps[name].process.pid)
                                          - before, count)
                    results.setdefault(command, {})[str(clients)] = judged(
                        command, clients, tallies["bare"].figures(), tallies["bot"].figures())
    return {"size": plan.size, "rounds": plan.rounds, "warmup_per_client": plan.warmup,
            "figures": results}


def judged(command: str, clients: int, bare: dict[str, Any], bot: dict[str, Any]
           ) -> dict[str, Any]:
    """The two apps' figures, their ratios and the targets that apply, met or missed."""
    ratios = {"p50": bot["p50_ms"] / bare["p50_ms"], "p99": bot["p99_ms"] / bare["p99_ms"],
              "cpu": bot["cpu_ms_per_command"] / bare["cpu_ms_per_command"],
              "per_second": bot["per_second"] / bare["per_second"] if bare["per_second"]
              else math.nan}
    clean = not bare["problems"] and not bot["problems"]
    targets: dict[str, bool] = {}
    if clients >= 50 and command in ("list", "show"):
        targets[f"p99 <= {READ_P99_RATIO}x bare"] = clean and ratios["p99"] <= READ_P99_RATIO
        targets[f"answers/s >= {READ_RATE_RATIO}x bare"] = (
            clean and ratios["per_second"] >= READ_RATE_RATIO)
    if clients == 1 and command in ("list", "show"):
        targets[f"p50 within {ONE_CLIENT_MS:g} ms of bare"] = (
            clean and bot["p50_ms"] - bare["p50_ms"] <= ONE_CLIENT_MS)
    return {"bare": bare, "bot": bot, "ratios": {k: round(v, 3) for k, v in ratios.items()},
            "targets": targets}


def render(figures: dict[str, Any]) -> str:
    lines = [f"Time to answer (send to answer at the response_url), {figures['size']:,} "
             f"jurisdictions, {figures['rounds']} rounds per app (bare, bot, bot, bare)", ""]
    head = (f"{'command':<8}{'clients':>8}  {'app':<5}{'answers':>8}{'p50 ms':>9}"
            f"{'p99 ms':>9}{'max ms':>9}{'ans/s':>9}{'cpu ms':>8}  problems")
    lines.append(head)
    for command, by_clients in figures["figures"].items():
        for clients, fig in by_clients.items():
            for name in ("bare", "bot"):
                f = fig[name]
                bad = sum(f.get(k, 0) for k in ("failed", "timed_out", "wrong", "doubled"))
                lines.append(f"{command:<8}{clients:>8}  {name:<5}{f['answers']:>8}"
                             f"{f['p50_ms']:>9.2f}{f['p99_ms']:>9.2f}{f['max_ms']:>9.2f}"
                             f"{f['per_second']:>9.1f}{f['cpu_ms_per_command']:>8.2f}"
                             f"  {bad or 'none'}")
                lines += [f"{'':>23}! {problem}" for problem in f["problems"]]
            r = fig["ratios"]
            lines.append(f"{'':>16}bot/bare: p50 {r['p50']:.2f}x, p99 {r['p99']:.2f}x, "
                         f"answers/s {r['per_second']:.2f}x, CPU per command {r['cpu']:.2f}x")
            lines += [f"{'':>16}{name}: [{'met' if ok else 'missed'}]"
                      for name, ok in fig["targets"].items()]
    return "\n".join(lines) + "\n"


def parser() -> argparse.ArgumentParser:
    args = argparse.ArgumentParser(prog="python -m bench.answer", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    args.add_argument("--clients", type=_numbers, default=(1, 50),
                      help="client counts, comma-separated (1,50)")
    args.add_argument("--commands", type=_commands, default=COMMANDS,
                      help="list, show, letter, comma-separated (all three)")
    args.add_argument("--requests", type=int, default=600,
                      help="measured list and show commands per app and client count (600)")
    args.add_argument("--letters", type=int, default=200,
                      help="measured letters per app and client count (200)")
    args.add_argument("--warmup", type=int, default=2,
                      help="warm-up commands per client and round, not counted (2)")
    args.add_argument("--rounds", type=int, default=2, help="rounds per app (2)")
    args.add_argument("--size", type=int, default=1000,
                      help="jurisdictions in the bot's database (1000)")
    args.add_argument("--json", type=Path, help="also write the figures here as JSON")
    args.add_argument("--workdir", type=Path,
                      help="keep the database and logs here (default: a temporary folder)")
    args.add_argument("--profile", type=Path,
                      help="run the bot under cProfile and write its profile here")
    return args


def _numbers(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split(","))


def _commands(text: str) -> tuple[str, ...]:
    chosen = tuple(x.strip() for x in text.split(","))
    unknown = [x for x in chosen if x not in COMMANDS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown command(s) {', '.join(unknown)}; "
                                         f"choose from {', '.join(COMMANDS)}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    opts = parser().parse_args(argv)
    plan = Plan(opts.commands, opts.clients, opts.requests, opts.letters, opts.warmup,
                opts.rounds, opts.size)
    figures = measured(lambda folder: measure(plan, folder, opts.profile), opts.workdir,
                       "bench-answer-")
    if figures is None:
        return 1
    return publish(figures, render, opts.json)


if __name__ == "__main__":
    raise SystemExit(main())
