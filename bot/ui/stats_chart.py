"""The numbers' chart, for leadership at a glance: per batch (the rounds opened on one
day), the share answered by the deadline on the left and the rounds still open, by
age, on the right. PNG bytes, drawn on its own Figure (no pyplot), safe in a thread."""

from __future__ import annotations

from io import BytesIO
from typing import TYPE_CHECKING

from bot.ui.stats import BATCHES_SHOWN
from workflows.stats import AGES, Figures, Stats

if TYPE_CHECKING:
    from matplotlib.axes import Axes

AGE_COLOURS = ("#a8dadc", "#f4a261", "#e76f51", "#9d0208")
ON_TIME, LATE, NOT_DUE = "#2a9d8f", "#e9c46a", "#e9ecef"


def stats_png(stats: Stats) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    batches = stats.groups["batch"][-BATCHES_SHOWN:]
    figure = Figure(figsize=(12, 2.4 + 0.55 * max(len(batches), 1)), dpi=100,
                    layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(f"Rounds by batch, as of {stats.today} ({stats.query.describe()})",
                    fontsize=13, fontweight="bold")
    if not batches:
        axes = figure.add_subplot()
        axes.text(0.5, 0.5, "No rounds opened yet", ha="center", va="center")
        axes.set_axis_off()
    else:
        share, aging = figure.subplots(1, 2, sharey=True, width_ratios=(1, 1.2))
        labels = [f"{day}  ({f.rounds:,} rounds)" for day, f in batches]
        _shares(share, [f for _, f in batches], labels)
        _aging(aging, [f for _, f in batches])
    buffer = BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _shares(axes: Axes, figures: list[Figures], labels: list[str]) -> None:
    positions = list(range(len(figures)))
    shares = [100 * (f.on_time_share or 0) for f in figures]
    axes.barh(positions, [100 if f.decided else 0 for f in figures], color=LATE,
              label="late or unanswered")
    axes.barh(positions, shares, color=ON_TIME, label="answered by the deadline")
    axes.barh(positions, [0 if f.decided else 100 for f in figures], color=NOT_DUE,
              label="none due yet")
    for y, f in zip(positions, figures, strict=True):
        text = (f"{f.on_time_share:.0%} ({f.on_time:,} of {f.decided:,})"
                if f.decided else "none due yet")
        axes.text(2, y, text, va="center", fontsize=9, color="black")
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("% of the rounds answered or past their deadline")
    axes.set_title("Answered by the deadline")
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=3, frameon=False,
                fontsize=9)


def _aging(axes: Axes, figures: list[Figures]) -> None:
    from matplotlib.ticker import MaxNLocator

    positions = list(range(len(figures)))
    left = [0] * len(figures)
    for n, (age, colour) in enumerate(zip(AGES, AGE_COLOURS, strict=True)):
        counts = [f.ages[n] for f in figures]
        axes.barh(positions, counts, left=left, color=colour, label=f"{age} days")
        left = [a + b for a, b in zip(left, counts, strict=True)]
    for y, total in zip(positions, left, strict=True):
        axes.text(total, y, f" {total:,}", va="center", fontsize=9)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlim(0, max(max(left) * 1.15, 1))
    axes.set_xlabel("rounds still awaiting a response")
    axes.set_title("Still open, by age")
    axes.tick_params(axis="y", left=False)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=4, frameon=False,
                fontsize=9)


def stats_alt(stats: Stats) -> str:
    """The chart in words (Slack's ``alt_txt``)."""
    parts = [f"{day}: {f.on_time:,} of {f.decided:,} on time, {f.open:,} open"
             for day, f in stats.groups["batch"][-BATCHES_SHOWN:]]
    return ("Per batch, rounds answered by the deadline and rounds still open. "
            + "; ".join(parts))[:1000]
