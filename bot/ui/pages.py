"""Pages of lists: jurisdictions, a history, the roles, and the statuses ``help`` names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from bot.ui.changes import history_line
from bot.ui.render import (
    MAX_BLOCKS,
    Labels,
    Reply,
    context,
    deadline,
    escape,
    header,
    how_many,
    sections,
    user,
)
from workflows.definition import Definition
from workflows.model import Event, Jurisdiction, Listing, Role
from workflows.ports import COUNT_CAP


def history_page(j: Jurisdiction, events: Sequence[Event], total: int, page: int,
                 size: int, *, definition: Definition) -> Reply:
    pages = max(1, -(-total // size))
    blocks = [header(f"History of {j.name}"),
              context(f"{total} events, newest first · page {page} of {pages}")]
    blocks += sections([history_line(e, definition) for e in events] or ["No events on this page."])
    if page < pages:
        blocks.append(context(f"More: `history {j.id} page={page + 1}`"))
    return Reply(f"History of {escape(j.name)}, page {page} of {pages}", blocks)


def listing_page(items: Sequence[Listing], total: int, page: int, size: int, today: date,
                 filters: str, *, label: Labels) -> Reply:
    """A page of the list; where the store stopped counting (``how_many``) the page
    has a number but not a last one."""
    counted = total <= COUNT_CAP
    pages = max(1, -(-total // size))
    of = f"page {page} of {pages}" if counted else f"page {page}"
    title = f"Jurisdictions{' (' + filters + ')' if filters else ''}"
    lines = [f"*{escape(i.name)}* `{escape(i.id)}` — {label(i.state)}, "
             f"{deadline(i.due_on, i.us_state, today)}"
             + (f", owner {user(i.owner)}" if i.owner else "") for i in items]
    blocks = [header(title), context(f"{how_many(total).capitalize()} in all · {of}")]
    blocks += sections(lines or ["None match. `add` creates one; `help` lists the commands."])
    if page < pages if counted else len(items) == size:
        more = f" {filters}" if filters else ""
        blocks.append(context(f"More: `list{escape(more)} page={page + 1}`"))
    return Reply(f"{escape(title)}: {of}", blocks)


def roles(pairs: Sequence[tuple[str, Role]]) -> Reply:
    lines = [f"{user(u)}: {role.value}" for u, role in pairs] or ["No roles given yet."]
    blocks = [header("Roles"), *sections(lines)[:MAX_BLOCKS - 2]]
    blocks.append(context("Everyone else is a viewer. `role @someone analyst` changes one."))
    return Reply("Roles", blocks)


def states_help(states: Mapping[str, str]) -> str:
    return "\n".join(f"`{key}`: {label}" for key, label in states.items())
