"""Steps written by many people at once: ``python -m bench.writes``.

The bot runs as a user runs it, ``python -m bot run`` in HTTP mode against the stand-in
Slack (``bench.stand_in``, at the lowest priority), on a database of ``--size``
jurisdictions seeded by ``bench.seed``, posting to channels without Slack's pace of
one message a second per channel (``SLACK_POST_INTERVAL=0``: the stand-in has none,
and the pace would hide whether every announcement goes out). ``--clients`` analysts
each step jurisdictions of their own, in a closed loop (each sends its next signed
``/review`` command when the last was answered on its ``response_url``, which this
process serves): a letter (due in 30 days), then a response, then the response
found insufficient, then a letter again, and so on, each jurisdiction in turn. Only
legal steps are sent: a refusal, a failed request or an answer that does not come is
an error, and is printed.

After ``--warmup`` seconds, the events table is counted, and again ``--seconds``
later: steps committed per second. Each answer is timed from the signed request to
its arrival. Then the channel announcements are waited for (``--settle`` seconds at
most): every step of the run must be announced exactly once (the stand-in reports
the outbox id each announcement carries). Not a test: it exits 0 unless something
failed to run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, ClientTimeout, TCPConnector

from bench.ack import SECRET, TOKEN, StandIn, bot_args, bot_env
from bench.load import percentile
from bench.processes import ChildFailed, Server, measured, niced, publish, run_json, server
from bench.seed import ADMIN, CHANNELS
from bench.stall import RUN, Receiver
from bench.stand_in import NICENESS
from bot.console.stand_in.records import Posted
from bot.console.stand_in.sender import SlackSender
from bot.wiring.app import EVENTS_PATH

ANSWER_TIMEOUT = 30.0
STEPS_PER_SECOND = 500
P99_MS = 500
NEXT = {"new": "letter", "cleared": "letter", "insufficient": "letter",
        "awaiting_response": "response", "response_received": "insufficient"}
"""The step sent to a jurisdiction in each state, always one an analyst may take."""
AFTER = {"letter": "awaiting_response", "response": "response_received",
         "insufficient": "insufficient"}
TEXT = {"letter": "letter {id} due=30 days", "response": "response {id}",
        "insufficient": "insufficient {id}"}


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m bench.writes", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--clients", type=int, default=20, help="analysts stepping at once (20)")
    top.add_argument("--seconds", type=float, default=20.0, help="the measured window (20)")
    top.add_argument("--warmup", type=float, default=3.0,
                     help="seconds of load before the window opens (3)")
    top.add_argument("--size", type=int, default=10_000,
                     help="jurisdictions in the bot's database (10000)")
    top.add_argument("--settle", type=float, default=120.0,
                     help="seconds to wait for the announcements after the load (120)")
    top.add_argument("--profile", type=Path,
                     help="run the bot under cProfile, its stats written to this file")
    top.add_argument("--json", type=Path, help="also write the figures here as JSON")
    top.add_argument("--workdir", type=Path,
                     help="keep the database and the logs here (default: a temporary "
                          "folder, removed at the end)")
    return top


class Answers(Receiver):
    """The response_urls of the commands sent from here: when each answer came, and
    the keys answered more than once."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.times: Counter[str] = Counter()

    async def _record(self, posted: Posted) -> None:
        key = posted.response_key.split(":")[0]
        self.times[key] += 1
        await super()._record(posted)


@dataclass
class Tally:
    """What the clients saw."""

    seconds: list[tuple[float, float]] = field(default_factory=list)
    """(when answered, seconds to the answer) of each step answered as taken."""
    errors: list[str] = field(default_factory=list)
    sent: int = 0
    cpu: float = 0.0
    """CPU seconds the bot used in the window."""


@dataclass
class Analyst:
    """One client: its jurisdictions and their states, stepped in turn."""

    number: int
    user: str
    states: dict[str, str]
    sender: SlackSender
    answers: Answers

    async def run(self, session: ClientSession, stop: asyncio.Event, tally: Tally) -> None:
        ids, n = list(self.states), 0
        while not stop.is_set():
            jid = ids[n % len(ids)]
            step = NEXT[self.states[jid]]
            n += 1
            tally.sent += 1
            said = await self._send(session, f"c{self.number}-{n}-{RUN}",
                                    TEXT[step].format(id=jid), tally)
            if said is None:
                continue
            if not _taken(said):
                tally.errors.append(f"{jid} {step}: refused: {said[:160]!r}")
                return  # its states are unknown now: this analyst stops
            self.states[jid] = AFTER[step]

    async def _send(self, session: ClientSession, key: str, text: str, tally: Tally,
                    user: str = "") -> str | None:
        answer = self.answers.expect(key)
        started = time.perf_counter()
        try:
            status, body = await self.sender.post(session, self.sender.form(
                user or self.user, text, CHANNELS[0], key))
        except (TimeoutError, OSError) as failure:
            tally.errors.append(f"{text}: request failed: {failure!r}")
            return None
        if status != 200:
            tally.errors.append(f"{text}: HTTP {status} {body[:100]!r}")
            return None
        try:
            arrived, said = await asyncio.wait_for(answer, ANSWER_TIMEOUT)
        except TimeoutError:
            tally.errors.append(f"{text}: no answer within {ANSWER_TIMEOUT:.0f} s")
            return None
        tally.seconds.append((arrived, arrived - started))
        return said


def analyst(n: int) -> str:
    """The Slack user id of client ``n``: one person per client, as on a team (the
    bot shares its workers between people fairly, a few commands of each at a time)."""
    return f"U0WRITER{n:02d}"


def _taken(said: str) -> bool:
    """Whether an answer says the step was taken (a refusal says nothing changed)."""
    return "othing was changed" not in said and "can't" not in said.lower() and bool(said)


def jurisdictions(database: Path, clients: int) -> list[dict[str, str]]:
    """Each client's jurisdictions (id -> state): those in a state ``NEXT`` knows,
    dealt round."""
    conn = sqlite3.connect(database)
    try:
        rows = conn.execute(
            f"SELECT id, state FROM jurisdictions WHERE state IN"
            f" ({', '.join('?' * len(NEXT))}) AND import_run IS NULL ORDER BY id",
            tuple(NEXT)).fetchall()
    finally:
        conn.close()
    return [dict(rows[n::clients]) for n in range(clients)]


Census = tuple[int, int]


def cpu_seconds(pid: int) -> float:
    """The CPU time a process has used so far (user and system, all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def census(database: Path) -> Census:
    """(how many events, the last event id) as committed."""
    conn = sqlite3.connect(database)
    try:
        count, last = conn.execute("SELECT count(*), coalesce(max(id), 0) FROM events").fetchone()
    finally:
        conn.close()
    return int(count), int(last)


def notices_after(database: Path, event_id: int) -> list[int]:
    """The outbox ids of the announcements of events after ``event_id``."""
    conn = sqlite3.connect(database)
    try:
        return [int(r[0]) for r in conn.execute(
            "SELECT o.id FROM outbox o WHERE o.event_id > ? ORDER BY o.id", (event_id,))]
    finally:
        conn.close()


@asynccontextmanager
async def running_bot(workdir: Path, size: int, profile: Path | None
                      ) -> AsyncIterator[tuple[Server, StandIn, Path]]:
    database = workdir / "writes.db"
    database.unlink(missing_ok=True)
    await run_json(["-m", "bench.seed", str(database), str(size), "--now"], workdir)
    async with niced(["-m", "bench.stand_in"], workdir, NICENESS) as slack_url:
        slack = StandIn(slack_url)
        env = bot_env(slack.api_url, database, SLACK_POST_INTERVAL="0")
        async with server("bot", bot_args(profile), workdir, env) as bot:
            yield bot, slack, database


async def announced(slack: StandIn) -> list[int]:
    async with ClientSession() as session, session.get(
            slack.api_url + "bench.announcements",
            headers={"Authorization": f"Bearer {TOKEN}"}) as response:
        return [int(i) for i in (await response.json())["ids"]]


async def measure(opts: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    async with running_bot(workdir, opts.size, opts.profile) as (bot, slack, database):
        answers = Answers()
        await answers.start()
        try:
            tally, window, (first, before, after) = await _load(opts, bot, answers, database)
        finally:
            await answers.stop()
        expected = notices_after(database, first[1])
        settled, posted = time.perf_counter(), await announced(slack)
        while (not set(expected) <= set(posted)
               and time.perf_counter() - settled < opts.settle):
            await asyncio.sleep(0.5)
            posted = await announced(slack)
        drained = time.perf_counter() - settled
        await _keep_metrics(bot, workdir / "metrics.txt")
        rss = bot.peak_rss_kib()
    return figures(opts, tally, window, before, after, expected, posted, drained, rss,
                   answers)


async def _keep_metrics(bot: Server, path: Path) -> None:
    """The bot's /metrics after the run (its database time by operation, its answer
    times), kept beside its log for whoever looks into a figure."""
    async with ClientSession() as session, session.get(bot.url + "/metrics") as response:
        path.write_text(await response.text(), encoding="utf-8")


async def _load(opts: argparse.Namespace, bot: Server, answers: Answers, database: Path
                ) -> tuple[Tally, tuple[float, float], tuple[Census, Census, Census]]:
    """Run the clients for the warm-up and the window; the tally, the window's (start,
    end) and the census before the load and at both ends of the window."""
    sender = SlackSender(bot.url + EVENTS_PATH, SECRET, answers)
    analysts = [Analyst(n, analyst(n), states, sender, answers)
                for n, states in enumerate(jurisdictions(database, opts.clients))]
    tally, stop = Tally(), asyncio.Event()
    async with ClientSession(timeout=ClientTimeout(total=ANSWER_TIMEOUT)) as session:
        for a in analysts:  # given their role by an admin, as a team starts
            said = await a._send(session, f"role-{a.number}-{RUN}",
                                 f"role <@{a.user}|{a.user.lower()}> analyst", tally, ADMIN)
            if said is None or "analyst" not in said:
                raise ChildFailed(f"{a.user} was not made an analyst: {said!r}")
    tally = Tally()
    first = census(database)
    async with ClientSession(connector=TCPConnector(limit=opts.clients),
                             timeout=ClientTimeout(total=ANSWER_TIMEOUT)) as session:
        loops = asyncio.gather(*(a.run(session, stop, tally) for a in analysts))
        await asyncio.sleep(opts.warmup)
        opened, start, cpu = census(database), time.perf_counter(), cpu_seconds(bot.process.pid)
        await asyncio.sleep(opts.seconds)
        last, end = census(database), time.perf_counter()
        tally.cpu = cpu_seconds(bot.process.pid) - cpu
        stop.set()
        await loops
    return tally, (start, end), (first, opened, last)


def figures(opts: argparse.Namespace, tally: Tally, window: tuple[float, float],
            before: Census, after: Census, expected: list[int],
            posted: list[int], drained: float, rss: int, answers: Answers) -> dict[str, Any]:
    start, end = window
    inside = sorted(s for at, s in tally.seconds if start <= at <= end)
    counts = Counter(posted)
    wanted = set(expected)
    doubled = [f"answer to {key} came {n} times" for key, n in answers.times.items() if n > 1]
    errors = tally.errors + doubled
    f: dict[str, Any] = {
        "clients": opts.clients, "size": opts.size, "seconds": round(end - start, 2),
        "steps_committed": after[0] - before[0],
        "steps_per_second": round((after[0] - before[0]) / (end - start), 1),
        "bot_cpu_ms_per_step": round(tally.cpu * 1000 / max(after[0] - before[0], 1), 2),
        "bot_cpu_share": round(tally.cpu / (end - start), 2),
        "answers_in_window": len(inside),
        "answers_per_second": round(len(inside) / (end - start), 1),
        "answer_p50_ms": _ms(inside, 50), "answer_p99_ms": _ms(inside, 99),
        "answer_max_ms": round(inside[-1] * 1000, 1) if inside else None,
        "sent": tally.sent, "errors": len(errors), "error_lines": errors[:50],
        "announcements_expected": len(expected),
        "announced_once": sum(1 for i in wanted if counts[i] == 1),
        "announcements_missing": sum(1 for i in wanted if counts[i] == 0),
        "announcements_doubled": sum(1 for i in wanted if counts[i] > 1),
        "announcements_unknown": sum(1 for i in counts if i not in wanted),
        "seconds_to_announce_after_load": round(drained, 1),
        "bot_peak_rss_mib": round(rss / 1024, 1)}
    f["targets"] = targets(f)
    return f


def _ms(ordered: list[float], p: float) -> float | None:
    return round(percentile(ordered, p) * 1000, 1) if ordered else None


def targets(f: dict[str, Any]) -> list[dict[str, Any]]:
    p99 = f["answer_p99_ms"]
    return [
        {"target": f"at least {STEPS_PER_SECOND} steps committed per second from "
                   f"{f['clients']} clients", "figure": f"{f['steps_per_second']}/s",
         "met": f["steps_per_second"] >= STEPS_PER_SECOND},
        {"target": f"answer p99 under {P99_MS} ms", "figure": f"{p99} ms",
         "met": p99 is not None and p99 < P99_MS},
        {"target": "every step announced exactly once",
         "figure": f"{f['announced_once']} of {f['announcements_expected']} once,"
                   f" {f['announcements_missing']} missing, {f['announcements_doubled']}"
                   f" doubled", "met": f["announced_once"] == f["announcements_expected"]
                                       and not f["announcements_unknown"]},
        {"target": "no errors", "figure": str(f["errors"]), "met": not f["errors"]},
    ]


def render(f: dict[str, Any]) -> str:
    lines = [f"Steps from {f['clients']} analysts at once (closed loops), on a bot of "
             f"{f['size']:,} jurisdictions, over {f['seconds']} s:",
             f"  steps committed   {f['steps_committed']:>8}   {f['steps_per_second']:>8}/s",
             f"  answers           {f['answers_in_window']:>8}   {f['answers_per_second']:>8}/s",
             f"  answer ms         p50 {f['answer_p50_ms']}  p99 {f['answer_p99_ms']}"
             f"  max {f['answer_max_ms']}",
             f"  errors            {f['errors']:>8}   (of {f['sent']} sent)",
             f"  announcements     {f['announced_once']} once, {f['announcements_missing']}"
             f" missing, {f['announcements_doubled']} doubled, {f['announcements_unknown']}"
             f" unknown, of {f['announcements_expected']}; the last"
             f" {f['seconds_to_announce_after_load']} s after the load",
             f"  bot CPU           {f['bot_cpu_ms_per_step']} ms a step ({f['bot_cpu_share']}"
             f" of a core)",
             f"  bot peak RSS      {f['bot_peak_rss_mib']} MiB", "Targets"]
    lines += [f"  [{'met   ' if t['met'] else 'missed'}] {t['target']}: {t['figure']}"
              for t in f["targets"]]
    lines += [f"  error: {line}" for line in f["error_lines"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    opts = parser().parse_args(argv)
    result = measured(lambda folder: measure(opts, folder), opts.workdir, "review-writes-")
    if result is None:
        return 1
    return publish(result, render, opts.json)


if __name__ == "__main__":
    raise SystemExit(main())
