"""``review-bot stats [--kind K] [--state XX] [--since YYYY-MM-DD] [--csv]``: the review's
numbers (``workflows.stats``) as the aligned tables ``/review stats`` shows, or as CSV
(one row per group, and one per month of escalations). Exit 0, or 2 when it could
not answer (no database, a bad filter)."""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import datetime
from typing import TYPE_CHECKING, TextIO

from bot.wiring.settings import Settings
from workflows.deadlines import parse_date
from workflows.errors import ReviewError
from workflows.stats import DIMENSIONS, ESCALATIONS, Figures, Stats, StatsService

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

CSV_COLUMNS = ("dimension", "group", "rounds", "answered", "median_days", "p90_days",
               "on_time", "decided", "on_time_share", "open", "open_0_30", "open_31_60",
               "open_61_90", "open_over_90", *ESCALATIONS)
"""``dimension`` is total, kind, state, batch (``group`` the day it was opened) or month
(``group`` YYYY-MM: only the escalation columns are filled)."""


def add_parser(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "stats", help="the review's numbers: days to first response (median, p90), share "
                      "answered by the deadline, open rounds by age, escalations per month; "
                      "per kind, US state and batch")
    parser.add_argument("--kind", default="", help="only jurisdictions of this kind")
    parser.add_argument("--state", default="", help="only jurisdictions of this US state (XX)")
    parser.add_argument("--since", default="", metavar="YYYY-MM-DD",
                        help="only rounds opened (and escalations taken) on or after this day")
    parser.add_argument("--as-of", default="", metavar="YYYY-MM-DD",
                        help="count ages and deadlines as of this day (default: today in "
                             "REVIEW_TIMEZONE), e.g. for a replayed record")
    parser.add_argument("--csv", action="store_true", help="print CSV rather than tables")


async def run(settings: Settings, options: dict[str, str], as_csv: bool, as_of: str = "",
              out: TextIO = sys.stdout) -> int:
    from storage import open_store
    from storage.stats import StatsStore

    if not settings.on_postgres and not settings.database_path.exists():
        print(f"review-bot: there is no database at {settings.database_path}", file=sys.stderr)
        return 2
    store = await open_store(settings.database_url)
    try:
        service = StatsService(StatsStore(store), settings.definition)
        try:
            today = parse_date(as_of, "date") if as_of else datetime.now(settings.timezone).date()
            stats = await service.compute(await service.query(options, today), today)
        except ReviewError as refusal:
            print(f"review-bot: {refusal.message}", file=sys.stderr)
            return 2
    finally:
        await store.close()
    (write_csv if as_csv else write_tables)(stats, out)
    return 0


def write_tables(stats: Stats, out: TextIO) -> None:
    # Here, not at the top: bot.ui brings Slack's SDK, which no other command needs.
    from bot.ui.stats import month_lines, overall_lines, table_lines

    lines = [f"The review's numbers on {stats.today}, covering {stats.query.describe()}.", "",
             *overall_lines(stats), "", *table_lines("US state", stats.groups["state"]), "",
             *table_lines("batch (opened)", stats.groups["batch"]), "",
             *month_lines(stats.months)]
    out.write("\n".join(lines) + "\n")


def write_csv(stats: Stats, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerow(_row("total", "all", stats.total))
    for dimension in DIMENSIONS:
        for group, figures in stats.groups[dimension]:
            writer.writerow(_row(dimension, group, figures))
    for month in stats.months:
        writer.writerow(["month", month.month, *[""] * (len(CSV_COLUMNS) - 2 - len(ESCALATIONS)),
                         *month.counts])


def _row(dimension: str, group: str, f: Figures) -> list[object]:
    share = f.on_time_share
    return [dimension, group, f.rounds, f.answered, _blank(f.median_days), _blank(f.p90_days),
            f.on_time, f.decided, "" if share is None else f"{share:.4f}", f.open, *f.ages,
            *[""] * len(ESCALATIONS)]


def _blank(value: int | None) -> object:
    return "" if value is None else value
