"""The review's numbers as Block Kit: tables as aligned text in code blocks.

``stats_reply`` answers ``/review stats``: the whole review, then one table per kind,
US state and batch (the most recent ``BATCHES_SHOWN``), the escalations per month, and
a line on the chart. ``summary_blocks`` is the short form a weekly summary carries.
``table_lines`` is the plain text both use (and the console shows). Every name in
them is escaped: Slack reads ``&``, ``<`` and ``>`` as markup even in a code block.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.ui import render
from bot.ui.diagram import code_sections
from bot.ui.render import Block, Reply
from workflows.stats import ESCALATIONS, Figures, Month, Stats

BATCHES_SHOWN = 12
MONTHS_SHOWN = 12
MONTHS_IN_SUMMARY = 3
GROUP_WIDTH = 16
AGE_HEADS = ("0–30", "31–60", "61–90", "90+")
HEADER = (f"{'':<{GROUP_WIDTH}} {'rounds':>6} {'answered':>8} {'median':>6} {'p90':>5} "
          f"{'on time':>11}  {'open':>5} " + " ".join(f"{age:>5}" for age in AGE_HEADS))
DEFINITIONS = ("Days from letter to first response (nearest-rank median and p90); on time: "
               "answered by the due date, of the rounds answered or past due; open rounds by "
               "age in days (0–30, 31–60, 61–90, over 90: 90+). See README, “Numbers”.")


def table_lines(title: str, rows: Sequence[tuple[str, Figures]]) -> list[str]:
    """A header naming the group (``title``) and one aligned line per group."""
    return [title.ljust(GROUP_WIDTH) + HEADER[GROUP_WIDTH:],
            *(_line(name, figures) for name, figures in rows)]


def overall_lines(stats: Stats) -> list[str]:
    """The whole review, then each kind of jurisdiction."""
    return [*table_lines("whole review", [("all", stats.total)]), "",
            *table_lines("kind", stats.groups["kind"])]


def _line(name: str, f: Figures) -> str:
    share = f.on_time_share
    on_time = f"{f.on_time:,}/{f.decided:,} " + (f"{share:4.0%}" if share is not None else "   –")
    return (f"{name[:GROUP_WIDTH]:<{GROUP_WIDTH}} {f.rounds:>6,} {f.answered:>8,} "
            f"{_days(f.median_days):>6} {_days(f.p90_days):>5} {on_time:>11}  {f.open:>5,} "
            + " ".join(f"{n:>5,}" for n in f.ages))


def _days(days: int | None) -> str:
    return "–" if days is None else f"{days}d"


def month_lines(months: Sequence[Month]) -> list[str]:
    return [f"{'month':<8} " + " ".join(f"{label:>9}" for label in ESCALATIONS),
            *(f"{m.month:<8} " + " ".join(f"{n:>9,}" for n in m.counts) for m in months)]


def stats_reply(stats: Stats, picture: str) -> Reply:
    """The answer to ``/review stats``; ``picture`` says where the chart went."""
    batches = stats.groups["batch"]
    shown = batches[-BATCHES_SHOWN:]
    blocks: list[Block] = [
        render.header(f"The review's numbers — {stats.today}"),
        render.context(render.escape(f"Covering {stats.query.describe()}. {DEFINITIONS}")),
        *_code(overall_lines(stats)),
        *_code(table_lines("US state", stats.groups["state"]), 4),
        *_code(table_lines("batch (opened)", shown)
               + ([f"…and {len(batches) - len(shown):,} earlier batches (review-bot stats "
                   "--csv has them all)"] if len(batches) > len(shown) else [])),
        *_escalations(stats.months[-MONTHS_SHOWN:]),
        render.context(picture),
    ]
    return Reply(f"The review's numbers: {stats.total.rounds:,} rounds, "
                 f"{_share(stats.total)} answered by the deadline", blocks)


def summary_blocks(stats: Stats) -> list[Block]:
    """The numbers a weekly summary carries: the whole review and each kind, and the
    escalations of the last months."""
    months = stats.months[-MONTHS_IN_SUMMARY:]
    said = " · ".join(f"{m.month}: " + ", ".join(f"{n:,} {label}" for n, label
                                                   in zip(m.counts, ESCALATIONS, strict=True))
                      for m in months) or "none yet"
    lines = overall_lines(stats)
    return [render.section("*The review's numbers*\n```\n" + "\n".join(
                render.escape(line) for line in lines)[:render.MAX_SECTION - 60] + "\n```"),
            render.context(f"Escalations: {said}. `/review stats` shows each state and batch "
                           "and draws the chart.")]


def _share(f: Figures) -> str:
    share = f.on_time_share
    return "–" if share is None else f"{share:.0%}"


def _escalations(months: Sequence[Month]) -> list[Block]:
    if not months:
        return [render.section("*Escalations per month*: none yet.")]
    return [render.section("*Escalations per month* (findings issued, subpoenas threatened, "
                           "subpoenas issued)"), *_code(month_lines(months))]


def _code(lines: list[str], limit: int = 2) -> list[Block]:
    return code_sections("\n".join(lines), limit)
