"""Pages of lists: jurisdictions, a history, the roles, and the statuses ``help`` names.

A page of the list has Previous and Next buttons that carry a cursor (``cursor_text``):
the key of the page's first or last row, so the page they open is read from there in
the index, as fast as the first, however far in it is (``storage.reads.page_query``).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from datetime import date

from bot.ui.changes import history_line
from bot.ui.render import (
    MAX_BLOCKS,
    Block,
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
from workflows.errors import BadInput
from workflows.model import Event, Jurisdiction, Listing, Role
from workflows.ports import Cursor, stopped

PAGE_ACTION = "list_page"
"""A list page's Previous and Next: the button's value is the rest of a `list` command."""
MAX_VALUE = 2000
"""The most a button's value may hold (Slack's limit)."""
MAX_CURSOR = 1500


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
    counted = not stopped(total)
    pages = max(1, -(-total // size))
    of = f"page {page} of {pages}" if counted else f"page {page}"
    title = f"Jurisdictions{' (' + filters + ')' if filters else ''}"
    lines = [f"*{escape(i.name)}* `{escape(i.id)}` — {label(i.state)}, "
             f"{deadline(i.due_on, i.us_state, today)}"
             + (f", owner {user(i.owner)}" if i.owner else "") for i in items]
    blocks = [header(title), context(f"{how_many(total).capitalize()} in all · {of}")]
    blocks += sections(lines or ["None match. `add` creates one; `help` lists the commands."])
    more = page < pages if counted else len(items) == size
    if more:
        shown = f" {filters}" if filters else ""
        blocks.append(context(f"More: `list{escape(shown)} page={page + 1}`"))
    if buttons := _turns(items, page, more, filters):
        blocks.append({"type": "actions", "elements": buttons})
    return Reply(f"{escape(title)}: {of}", blocks)


def _turns(items: Sequence[Listing], page: int, more: bool, filters: str) -> list[Block]:
    """Previous and Next, each carrying the key it starts from (none too long)."""
    turns = [("‹ Previous", page - 1, items[0], True)] if items and page > 1 else []
    turns += [("Next ›", page + 1, items[-1], False)] if items and more else []
    buttons = []
    for label, number, item, backward in turns:
        value = (f"{filters} page={number} after="
                 f"{cursor_text(Cursor(item.name.lower(), item.id, backward))}").strip()
        if len(value) <= MAX_VALUE:
            buttons.append({"type": "button", "action_id": f"{PAGE_ACTION}_{number}",
                            "value": value, "text": {"type": "plain_text", "text": label}})
    return buttons


def cursor_text(cursor: Cursor) -> str:
    """A cursor as a button carries it: URL-safe base64 of JSON, no spaces or ``=``."""
    raw = json.dumps(["<" if cursor.backward else ">", cursor.name_key, cursor.id],
                     separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_from(text: str, again: str) -> Cursor:
    """The cursor of ``cursor_text``; ``BadInput`` (naming ``again``, the command that
    shows the page by its number) for one damaged, forged or too long."""
    try:
        if len(text) > MAX_CURSOR:
            raise ValueError(text)
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        way, key, jid = json.loads(raw.decode())
        if way not in ("<", ">") or not isinstance(key, str) or not isinstance(jid, str):
            raise ValueError(text)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise BadInput(f"That page button is damaged or out of date; `{escape(again)}` "
                       "shows the page by its number.") from None
    return Cursor(key, jid, way == "<")


def roles(pairs: Sequence[tuple[str, Role]]) -> Reply:
    lines = [f"{user(u)}: {role.value}" for u, role in pairs] or ["No roles given yet."]
    blocks = [header("Roles"), *sections(lines)[:MAX_BLOCKS - 2]]
    blocks.append(context("Everyone else is a viewer. `role @someone analyst` changes one."))
    return Reply("Roles", blocks)


def states_help(states: Mapping[str, str]) -> str:
    return "\n".join(f"`{key}`: {label}" for key, label in states.items())
