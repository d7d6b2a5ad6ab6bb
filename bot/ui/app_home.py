"""The App Home tab: one's jurisdictions, what is due and overdue, the latest changes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from bot.ui.changes import history_line
from bot.ui.mutes import muted
from bot.ui.render import (
    MAX_HOME_BLOCKS,
    Block,
    context,
    deadline,
    escape,
    header,
    refusal_text,
    section,
    sections,
    user,
)
from workflows.definition import Definition
from workflows.errors import ReviewError
from workflows.model import Listing
from workflows.mutes import Mute
from workflows.ports import stopped
from workflows.review import Home


def home(who: str, view: Home, today: date, *, definition: Definition,
         mutes: Mapping[str, Mute] | None = None) -> dict[str, Any]:
    """The App Home tab (at most 100 blocks); ``mutes``: those in force, by id."""
    label, mutes = definition.label_of, mutes or {}

    def rows(items: Sequence[Listing], total: int, empty: str) -> list[Block]:
        lines = [f"*{escape(i.name)}* `{escape(i.id)}` — {label(i.state)}, "
                 f"{deadline(i.due_on, i.us_state, today)}"
                 + (f" · :no_bell: {muted(mutes[i.id])}" if i.id in mutes else "")
                 for i in items] or [empty]
        if total > len(items):
            more = (f"over {total - 1 - len(items):,}" if stopped(total)
                    else f"{total - len(items):,}")
            lines.append(f"…and {more} more (`/review list`)")
        return sections(lines)

    blocks: list[Block] = [header("Compliance review"),
                           context(f"For {user(who)} · {today}")]
    blocks += [header("Your jurisdictions")]
    blocks += rows(view.mine, view.mine_total, "None assigned to you.")
    blocks += [header("Due within a week")]
    blocks += rows(view.due_soon, view.due_soon_total, "Nothing due this week.")
    blocks += [header("Overdue")]
    blocks += rows(view.overdue, view.overdue_total, "Nothing overdue.")
    blocks += [header("Latest changes")]
    blocks += sections([history_line(e, definition)
                        + f" · *{escape(e.detail.get('name', e.jurisdiction_id))}*"
                        for e in view.recent] or ["No changes yet."])
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}


def home_closed(refusal: ReviewError) -> dict[str, Any]:
    """The App Home of someone who may not read the review: why, and nothing of it."""
    return {"type": "home", "blocks": [header("Compliance review"),
                                       section(f":lock: {refusal_text(refusal)}")]}
