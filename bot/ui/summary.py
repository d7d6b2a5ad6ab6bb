"""A leadership summary as one Slack message (Block Kit).

``summary_reply`` renders a ``workflows.summary.Summary`` so that it always fits
Slack's limits: a fixed set of blocks (never more than 14; two of them, the review's
numbers, only in a weekly summary), each list cut to what a
section holds and closed with "…and N more". States are named and ordered as the
workflow in force (its ``Definition``) names and orders them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.ui import record, render
from bot.ui.render import MAX_SECTION, Block, Labels, Reply, count
from bot.ui.stats import summary_blocks
from workflows.deadlines import Tier
from workflows.definition import Definition
from workflows.summary import (
    DUE_AHEAD_DAYS,
    Activity,
    Blocked,
    DueItem,
    Move,
    StateCount,
    Summary,
)

MAX_LINES = 20
"""Items shown per list; a section holds 3,000 characters, so about 20 lines of 140."""
MAX_LINE = 280
MORE_RESERVE = 40
"""Characters kept free in a list's section for "…and N more"."""

TIER_LABELS = {Tier.ON_TRACK: "on track", Tier.DUE_SOON: "due soon",
               Tier.OVERDUE: "overdue", Tier.VERY_OVERDUE: "very overdue"}




def summary_reply(summary: Summary, zone: ZoneInfo, definition: Definition) -> Reply:
    """The summary as one message; times shown in ``zone`` (the channel's), states in
    the words and order of ``definition`` (the workflow in force)."""
    if summary.no_change:
        return _no_change(summary, zone, definition)
    label = definition.label_of
    blocks: list[Block] = [
        render.header(f"{summary.title} — {_day(summary.today)}"),
        render.context(f"Since {when(summary.since, zone)} · "
                       f"{count(summary.total, 'jurisdiction')} in the review"),
        render.section(_states_text(summary, definition)),
        render.context(_tiers_text(summary)),
        render.context(_dates_text(summary, label)),
        {"type": "divider"},
        _activity_section(summary.activity, label),
        capped_section(f"*Due in the next {DUE_AHEAD_DAYS} days* ({summary.due_ahead.total:,})",
                       [_due_line(item, label) for item in summary.due_ahead.items],
                       summary.due_ahead.total),
        capped_section(f"*Newly overdue* ({summary.newly_overdue.total:,})",
                       [_due_line(item, label) for item in summary.newly_overdue.items],
                       summary.newly_overdue.total),
        capped_section(_blocked_title(summary),
                       [_blocked_line(item) for item in summary.blocked.items],
                       summary.blocked.total),
        *_numbers(summary),
        render.context("The chart below compares where the jurisdictions stand now with "
                       "the start of the period."),
        *_sealed(summary),
    ]
    return Reply(_fallback(summary, zone), blocks, in_channel=True)


def _no_change(summary: Summary, zone: ZoneInfo, definition: Definition) -> Reply:
    label = definition.label_of
    standing = " · ".join(f"{label(c.state)} {c.now:,}" for c in ordered(summary, definition)
                          if c.now) or "no jurisdictions yet"
    blocks = [
        render.header(f"{summary.title} — {_day(summary.today)}"),
        render.section(f":zzz: *No change* since {when(summary.since, zone)}: no step taken, "
                       "nothing added, no deadline passed."),
        render.section(f"Where the {count(summary.total, 'jurisdiction')} stand: {standing}."),
        render.context(_dates_text(summary, label)),
        render.context(f"{_tiers_text(summary)} · {summary.due_ahead.total:,} due in the next "
                       f"{DUE_AHEAD_DAYS} days · {summary.blocked_jurisdictions:,} blocked by "
                       "court orders"),
        *_numbers(summary),
        *_sealed(summary),
    ]
    return Reply(_fallback(summary, zone), blocks, in_channel=True)


def _numbers(summary: Summary) -> list[Block]:
    """The review's numbers, which weekly summaries carry (two blocks)."""
    return summary_blocks(summary.stats) if summary.stats is not None else []


def _sealed(summary: Summary) -> list[Block]:
    """The record's fingerprint, so that Slack keeps a copy of it with every summary."""
    return [record.seal_context(summary.seal)] if summary.seal and summary.seal.events else []


def capped_section(title: str, lines: Sequence[str], total: int) -> Block:
    """One section: the title, as many lines as fit (at most MAX_LINES), then
    "…and N more" for the ``total`` items not shown."""
    if total == 0:
        return render.section(f"{title}: none.")
    text, shown = title, 0
    for line in lines[:MAX_LINES]:
        line = clip(line, MAX_LINE)
        if len(text) + 1 + len(line) > MAX_SECTION - MORE_RESERVE:
            break
        text, shown = f"{text}\n{line}", shown + 1
    if total > shown:
        text += f"\n…and {total - shown:,} more"
    return render.section(text)


def _activity_section(activity: Activity, label: Labels) -> Block:
    counts = [count(activity.steps, "step")]
    if activity.added:
        counts.append(f"{activity.added:,} added")
    if activity.other:
        counts.append(f"{count(activity.other, 'other update')} (court orders, owners, aliases)")
    return capped_section(f"*What changed* ({', '.join(counts)})",
                          [_move_line(m, label) for m in activity.moves], activity.steps)


def _states_text(summary: Summary, definition: Definition) -> str:
    label = definition.label_of
    lines = [f"• {label(c.state)}: *{c.now:,}*" + (f" ({c.now - c.before:+,})"
                                                      if c.now != c.before else "")
             for c in ordered(summary, definition)]
    return "*Where the jurisdictions stand* (change since the period began)\n" + (
        "\n".join(lines) or "No jurisdictions yet.")


def _dates_text(summary: Summary, label: Labels) -> str:
    """The largest groups of deadlines: "23 subpoena threatened …, due 2018-02-23"."""
    parts = []
    for group in summary.deadline_dates:
        since = "overdue since" if group.due_on < summary.today else "due"
        parts.append(f"{group.count:,} {label(group.state)}, {since} {group.due_on}")
    return "Deadlines: " + (" · ".join(parts) if parts else "none running")


def _tiers_text(summary: Summary) -> str:
    return "Running deadlines: " + " · ".join(
        f"{summary.tiers.get(tier, 0):,} {label}" for tier, label in TIER_LABELS.items())


def _blocked_title(summary: Summary) -> str:
    return (f"*Blocked by court orders* ({count(summary.blocked_jurisdictions, 'jurisdiction')},"
            f" {count(summary.blocked.total, 'injunction')})")


def _move_line(move: Move, label: Labels) -> str:
    return (f"{render.escape(move.name)}: {label(move.from_state)} → "
            f"{label(move.to_state)} (by {render.user(move.actor)})")


def _due_line(item: DueItem, label: Labels) -> str:
    owner = f" · {render.user(item.owner)}" if item.owner else ""
    return f"`{item.due_on}` {render.escape(item.name)} — {label(item.state)}{owner}"


def _blocked_line(item: Blocked) -> str:
    order = item.order
    blocks = render.escape(", ".join(sorted(order.blocks))) or "nothing named"
    scope = f" ({render.escape(order.scope)})" if order.scope else ""
    return (f"{render.escape(item.name)}: {render.escape(order.label())} — "
            f"blocks {blocks}{scope}")


def _fallback(summary: Summary, zone: ZoneInfo) -> str:
    since = when(summary.since, zone)
    sealed = (f" Record fingerprint {summary.seal.fingerprint}."
              if summary.seal and summary.seal.events else "")
    if summary.no_change:
        return (f"{summary.title}: no change since {since} "
                f"({count(summary.total, 'jurisdiction')}).{sealed}")
    return (f"{summary.title}: {count(summary.total, 'jurisdiction')}; "
            f"{count(summary.activity.steps, 'step')} and {summary.newly_overdue.total:,} "
            f"newly overdue since {since}.{sealed}")


def ordered(summary: Summary, definition: Definition) -> list[StateCount]:
    """States in the workflow's order (unknown ones last)."""
    order = {state: n for n, state in enumerate(definition.states)}
    return sorted(summary.states, key=lambda c: (order.get(c.state, len(order)), c.state))


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def when(moment: datetime, zone: ZoneInfo) -> str:
    """A moment as people of ``zone`` read it: "Thu 1 Feb 2018, 10:00 EST"."""
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
