"""Storage at scale: time what the bot does against one seeded database.

Each operation is the bot's own code path, minus Slack:

- **claim**: the first sweep of the business day finding and claiming the due
  reminders (``SqliteStore.claim_reminders`` with the Sweeper's ``CLAIM_LIMIT``);
- **summary**: the weekly leadership summary of a subscribed channel, built and rendered
  as the bot does before posting (subscription read, ``SummaryService.build``,
  ``summary_reply``); **chart**: its PNG, drawn as the bot draws it before uploading;
- **list first / last page**: ``/review list`` and ``/review list page=N`` through the
  slash command's own handler (``bot.subcommands.commands.run``), rendered to Block Kit;
- **export state**: ``review-bot export state`` (``workflows.transfer.export_state``)
  writing the CSV of every jurisdiction to a file.

``python -m bench.scale TARGET SIZE`` (a file made by ``bench.seed``, or the
``postgresql://`` URL of a database it made) runs in a fresh process, so that its peak
RSS is what these operations need at this size, and prints JSON (``--table``: the
figures as a table with the targets met or missed; ``--json FILE``: the JSON written
to FILE too).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_sdk.web.async_client import AsyncWebClient

from bench.databases import fresh_copy, is_postgres, open_target, remove
from bench.seed import (
    ANALYST,
    CHANNELS,
    DEFAULT_AS_OF,
    DEFAULT_CHANNEL,
    LEADERSHIP,
    peak_rss_kib,
    setting,
)
from bot.slack.posting.summaries import SlackSummaries
from bot.subcommands.commands import PAGE_SIZE, Caller, Services, command_table, run
from bot.ui.chart import chart_png
from bot.ui.render import Reply
from bot.ui.summary import summary_reply
from bot.wiring.review import FixedClock
from bot.wiring.schedule import SummaryJobs
from storage.store import Store
from storage.summaries import SummaryStore
from workflows.ports import Filters
from workflows.review import Review, ReviewConfig
from workflows.summaries import SummaryService
from workflows.summary import Summary
from workflows.sweep import CLAIM_LIMIT
from workflows.transfer import export_state

T = TypeVar("T")
OPERATIONS = ("claim", "summary", "chart", "list_first", "list_last", "export_state")
TARGETS_MS = {"claim": 50, "summary": 200, "chart": 150, "export_state": 2000}
"""Issue 14's targets at 100,000 jurisdictions (median of the runs)."""
RSS_TARGET_MIB = 200


@dataclass
class ScaleReport:
    """Seconds per run of each operation, what they handled, and the peak RSS."""

    size: int
    runs: dict[str, list[float]] = field(default_factory=dict)
    claimed: int = 0
    pages: int = 0
    summary_steps: int = 0
    exported: int = 0
    engine: str = "sqlite"
    peak_rss_kib: int = 0



async def timed(work: Callable[[], Awaitable[T]]) -> tuple[float, T]:
    started = time.perf_counter()
    result = await work()
    return time.perf_counter() - started, result


class Measure:
    """The bot's services on one database, at the moment the database stands at."""

    def __init__(self, store: Store, as_of: datetime) -> None:
        world = setting(as_of)
        definition = world.workflow.definition
        clock = FixedClock(as_of)
        self.zone = world.policy.timezone
        config = ReviewConfig(DEFAULT_CHANNEL, frozenset(), self.zone, world.policy)
        self.store = store
        self.as_of = as_of
        self.definition = definition
        self.review = Review(store, clock, config, world.workflow)
        self.services = Services(self.review, command_table(definition))
        client = AsyncWebClient(token="xoxb-not-used")  # building a summary posts nothing
        summaries = SummaryStore(store)
        self.summaries = SummaryService(summaries, summaries, SlackSummaries(client, definition),
                                        SummaryJobs(AsyncIOScheduler()), clock, self.zone)

    async def claim(self) -> int:
        due = await self.store.claim_reminders(self.as_of, uuid.uuid4().hex, DEFAULT_CHANNEL,
                                               CLAIM_LIMIT)
        return len(due)

    async def summary(self) -> Summary:
        subscription = await self.summaries.store.subscription(LEADERSHIP)
        assert subscription is not None, "the seeded database has a weekly subscription"
        summary = await self.summaries.build(LEADERSHIP, subscription)
        summary_reply(summary, subscription.schedule.zone, self.definition)
        return summary

    async def chart(self, summary: Summary) -> bytes:
        return await asyncio.to_thread(chart_png, summary, self.zone, self.definition)

    async def listing(self, page: int) -> Reply:
        caller = Caller(ANALYST, CHANNELS[0])
        return await run(self.services, caller, f"list page={page}")

    async def export(self) -> int:
        with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as out:
            return await export_state(self.review, out)


async def measure(target: str | Path, size: int, repeat: int,
                  as_of: datetime) -> ScaleReport:
    """Run every operation ``repeat`` times, each round on a fresh copy of ``target``:
    a reminder's first claim writes more than a repeated one (the row grows by its
    claim id, time and channel), and the first sweep of the day claims rows never
    claimed."""
    report = ScaleReport(size, {name: [] for name in OPERATIONS})
    report.engine = "postgresql" if is_postgres(str(target)) else "sqlite"
    for _ in range(repeat):
        scratch = await fresh_copy(str(target))
        try:
            store = await open_target(scratch)
            try:
                await _one_round(Measure(store, as_of), report)
            finally:
                await store.close()
        finally:
            await remove(scratch)
    report.peak_rss_kib = peak_rss_kib()
    return report


async def _one_round(m: Measure, report: ScaleReport) -> None:
    _, total = await m.store.page(Filters(), 0, 1)
    report.pages = max(1, -(-total // PAGE_SIZE))
    seconds, claimed = await timed(m.claim)
    report.runs["claim"].append(seconds)
    report.claimed = claimed
    seconds, summary = await timed(m.summary)
    report.runs["summary"].append(seconds)
    report.summary_steps = summary.activity.steps
    report.runs["chart"].append((await timed(lambda: m.chart(summary)))[0])
    report.runs["list_first"].append((await timed(lambda: m.listing(1)))[0])
    report.runs["list_last"].append((await timed(lambda: m.listing(report.pages)))[0])
    seconds, report.exported = await timed(m.export)
    report.runs["export_state"].append(seconds)
    if report.exported != report.size:
        raise RuntimeError(f"export state wrote {report.exported} rows, not {report.size}")


def table(report: ScaleReport) -> str:
    """The figures as a table: median (max) ms per operation, targets met or missed
    (the targets hold at 100,000 jurisdictions; at other sizes they are shown as a
    guide)."""
    lines = [f"{report.engine}, {report.size:,} jurisdictions, {len(report.runs['claim'])}"
             f" runs: median (max) ms; claimed {report.claimed:,}, summary steps"
             f" {report.summary_steps:,}, exported {report.exported:,} rows"]
    for name in OPERATIONS:
        runs = report.runs[name]
        figure = f"{statistics.median(runs) * 1000:9.1f} ({max(runs) * 1000:.1f})"
        target = TARGETS_MS.get(name)
        met = target is not None and statistics.median(runs) * 1000 < target
        verdict = "" if target is None else f"  under {target} ms [{'met' if met else 'missed'}]"
        lines.append(f"  {name:<14}{figure:>22}{verdict}")
    rss = report.peak_rss_kib / 1024
    lines.append(f"  {'peak RSS MiB':<14}{rss:>9.0f}{'':13}  under {RSS_TARGET_MIB} MiB"
                 f" [{'met' if rss < RSS_TARGET_MIB else 'missed'}]")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    args.add_argument("database", help="a file made by bench.seed, or the postgresql:// URL"
                      " of a database it made")
    args.add_argument("size", type=int, help="how many jurisdictions it holds")
    args.add_argument("--repeat", type=int, default=5, help="runs of each operation")
    args.add_argument("--as-of", type=datetime.fromisoformat, default=DEFAULT_AS_OF,
                      help="the moment the database was seeded to stand at")
    args.add_argument("--table", action="store_true",
                      help="print the figures as a table (targets met or missed), not JSON")
    args.add_argument("--json", type=Path, metavar="FILE", help="also write the JSON to FILE")
    opts = args.parse_args(argv)
    report = asyncio.run(measure(opts.database, opts.size, opts.repeat, opts.as_of))
    figures = json.dumps(asdict(report))
    if opts.json is not None:
        opts.json.write_text(figures + "\n", encoding="utf-8")
    print(table(report) if opts.table else figures)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
