"""The summary's chart: where the jurisdictions stand now against the start of the
period, one pair of bars per state of the workflow in force, as PNG bytes."""

from __future__ import annotations

from io import BytesIO
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.ui.render import Labels
from bot.ui.summary import clip, ordered
from workflows.definition import Definition
from workflows.summary import StateCount, Summary

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def chart_png(summary: Summary, zone: ZoneInfo, definition: Definition) -> bytes:
    """A horizontal bar chart of jurisdictions per state, at the start of the period and
    now, as PNG bytes. Built on its own Figure with the Agg canvas: no pyplot, no
    global figure to close, safe to run in a worker thread. matplotlib is imported here,
    on the first chart, not when the bot starts (it takes half a second)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = ordered(summary, definition)
    figure = Figure(figsize=(9, 1.8 + 0.5 * max(len(rows), 1)), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    if not rows:
        axes.text(0.5, 0.5, "No jurisdictions yet", ha="center", va="center")
        axes.set_axis_off()
    else:
        _bars(axes, rows, summary, zone, definition.label_of)
    buffer = BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def _bars(axes: Axes, rows: list[StateCount], summary: Summary, zone: ZoneInfo,
          label: Labels) -> None:
    positions = list(range(len(rows)))
    height = 0.4
    since = summary.since.astimezone(zone).date()
    before = axes.barh([p - height / 2 for p in positions], [r.before for r in rows], height,
                       label=f"start ({since})", color="#a8dadc")
    now = axes.barh([p + height / 2 for p in positions], [r.now for r in rows], height,
                    label=f"now ({summary.today})", color="#1d3557")
    axes.bar_label(now, padding=3, fontsize=8)
    axes.bar_label(before, padding=3, fontsize=8, color="#457b9d")
    axes.set_yticks(positions, [label(r.state) for r in rows])
    axes.invert_yaxis()
    axes.set_xlabel("jurisdictions")
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(f"Where the jurisdictions stand: {since} → {summary.today}")
    axes.margins(x=0.1)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2, frameon=False)


def chart_alt(summary: Summary, definition: Definition) -> str:
    """The chart in words, for people who cannot see it (Slack's ``alt_txt``)."""
    counts = "; ".join(f"{definition.label_of(c.state)}: {c.before:,} then {c.now:,}"
                       for c in ordered(summary, definition))
    return clip(f"Jurisdictions per state at the start of the period and now. {counts}", 1000)
