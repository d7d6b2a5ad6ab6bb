"""The summary's chart: where the jurisdictions stand now against the start of the
period, one pair of bars per state of the workflow in force, as PNG bytes."""

from __future__ import annotations

from io import BytesIO
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.ui.summary import clip, ordered
from workflows.definition import Definition
from workflows.summary import StateCount, Summary

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import FigureCanvasAgg


def chart_png(summary: Summary, zone: ZoneInfo, definition: Definition) -> bytes:
    """A horizontal bar chart of jurisdictions per state, at the start of the period and
    now, as PNG bytes. Built on its own Figure with the Agg canvas: no pyplot, no
    global figure to close, safe to run in a worker thread. matplotlib is imported here,
    on the first chart, not when the bot starts (it takes half a second).

    The margins are worked out from the longest state label (``_margins``) rather than
    with ``bbox_inches="tight"``, which draws the whole figure once more only to measure
    it: that second drawing was half the time of a chart."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = ordered(summary, definition)
    figure = Figure(figsize=(WIDTH, 1.8 + 0.5 * max(len(rows), 1)), dpi=DPI)
    canvas = FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    if not rows:
        axes.text(0.5, 0.5, "No jurisdictions yet", ha="center", va="center")
        axes.set_axis_off()
    else:
        labels = [definition.label_of(r.state) for r in rows]
        _bars(axes, rows, labels, summary, zone)
        figure.subplots_adjust(**_margins(canvas, labels, figure.get_figheight()))
    buffer = BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


WIDTH, DPI = 9.0, 100
"""The figure's width in inches, and its pixels per inch."""
_GAP = 0.25
"""Inches between the state labels and the figure's left edge, and at the right."""
_TOP, _BOTTOM = 0.45, 0.6
"""Inches above the bars (the title) and below them (the legend)."""


def _margins(canvas: FigureCanvasAgg, labels: list[str], height: float) -> dict[str, float]:
    """Where the bars go, in fractions of the figure: room on the left for the longest
    label (measured with the font it is drawn in, not guessed from its length)."""
    from matplotlib import rcParams
    from matplotlib.font_manager import FontProperties

    renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]
    font = FontProperties(size=rcParams["ytick.labelsize"])
    widest = max(renderer.get_text_width_height_descent(label, font, ismath=False)[0]
                 for label in labels) / DPI
    ticks = rcParams["ytick.major.pad"] / 72  # the tick marks are not drawn
    return {"left": min(0.6, (_GAP + widest + ticks) / WIDTH), "right": 1 - _GAP / WIDTH,
            "top": 1 - _TOP / height, "bottom": _BOTTOM / height}


def _bars(axes: Axes, rows: list[StateCount], labels: list[str], summary: Summary,
          zone: ZoneInfo) -> None:
    positions = list(range(len(rows)))
    height = 0.4
    since = summary.since.astimezone(zone).date()
    before = axes.barh([p - height / 2 for p in positions], [r.before for r in rows], height,
                       label=f"start ({since})", color="#a8dadc")
    now = axes.barh([p + height / 2 for p in positions], [r.now for r in rows], height,
                    label=f"now ({summary.today})", color="#1d3557")
    axes.bar_label(now, fmt="{:,.0f}", padding=3, fontsize=8)
    axes.bar_label(before, fmt="{:,.0f}", padding=3, fontsize=8, color="#457b9d")
    axes.set_yticks(positions, labels)
    axes.tick_params(axis="y", length=0)
    axes.invert_yaxis()
    axes.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        axes.spines[side].set_visible(False)
    axes.set_title(f"Jurisdictions in each state: {since} → {summary.today}")
    axes.margins(x=0.1)
    axes.figure.legend(loc="lower center", ncols=2, frameon=False)


def chart_alt(summary: Summary, definition: Definition) -> str:
    """The chart in words, for people who cannot see it (Slack's ``alt_txt``)."""
    counts = "; ".join(f"{definition.label_of(c.state)}: {c.before:,} then {c.now:,}"
                       for c in ordered(summary, definition))
    return clip(f"Jurisdictions per state at the start of the period and now. {counts}", 1000)
