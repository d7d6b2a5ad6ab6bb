"""A jurisdiction's card: where it stands, and a button for each step one may take now."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from bot.ui.changes import history_line
from bot.ui.deadlines import why_button
from bot.ui.evidence import evidence_lines
from bot.ui.mutes import reminders_field
from bot.ui.render import (
    Block,
    Reply,
    channel,
    clip,
    context,
    deadline,
    escape,
    header,
    section,
    steps_hint,
    user,
)
from workflows.definition import Definition
from workflows.evidence import Evidence
from workflows.model import Event, Jurisdiction
from workflows.mutes import Mute

STEP_ACTION = "step_"
ORDER_ACTION = "order_open"
WORKFLOW_ACTION = "card_workflow"
"""The card's "Workflow" button: `/review workflow <j>`, its state highlighted."""
_compact = json.JSONEncoder(separators=(",", ":")).encode
"""``json.dumps(…, separators=(",", ":"))`` without a new encoder made at every call
(a card has a value for each of its buttons)."""


def card_value(j: Jurisdiction, step: str = "") -> str:
    """What a card's button carries: the jurisdiction and the version it was drawn from."""
    return _compact({"j": j.id, "v": j.version, "s": step})


def card_buttons(j: Jurisdiction, allowed: Sequence[str], can_order: bool,
                 definition: Definition) -> Block | None:
    """A button per step ``allowed``; a step its workflow says to confirm (``confirm:``)
    asks "are you sure?" before a click takes it."""
    elements: list[Block] = []
    for name in allowed:
        button: Block = {"type": "button", "action_id": f"{STEP_ACTION}{name}",
                         "text": {"type": "plain_text", "text": name.capitalize()},
                         "value": card_value(j, name)}
        if definition.confirms(name):
            button["style"] = "danger" if name != "approve" else "primary"
            button["confirm"] = {
                "title": {"type": "plain_text", "text": "Are you sure?"},
                "text": {"type": "mrkdwn",
                         "text": f"{name.capitalize()} *{escape(j.name)}* today."},
                "confirm": {"type": "plain_text", "text": name.capitalize()},
                "deny": {"type": "plain_text", "text": "Cancel"}}
        elements.append(button)
    if can_order:
        elements.append({"type": "button", "action_id": ORDER_ACTION, "value": card_value(j),
                         "text": {"type": "plain_text", "text": "Court order…"}})
    return {"type": "actions", "block_id": "card", "elements": elements[:25]} if elements else None


def card(j: Jurisdiction, recent: Sequence[Event], allowed: Sequence[str],
         today: date, can_order: bool = False, *, definition: Definition,
         evidence: tuple[Sequence[Evidence], int] = ((), 0), mute: Mute | None = None
         ) -> Reply:
    """``evidence``: the files kept as evidence (the first ones) and how many in all;
    ``mute``: the mute of its reminders in force."""
    label, orders = definition.label_of, _order_lines(j, today)
    fields = [
        f"*Status*\n{label(j.state)}",
        f"*Deadline*\n{deadline(j.due_on, j.us_state, today)}",
        f"*Round*\n{_round_text(j)}",
        f"*Owner*\n{user(j.owner)} in {channel(j.channel)}",
    ]
    blocks: list[Block] = [
        header(j.name),
        {"type": "section",
         "fields": [{"type": "mrkdwn", "text": clip(f, 2000)} for f in fields]},
        context(escape(f"`{j.id}`" + "".join(f" · `{a}`" for a in j.aliases)
                       + f" · {j.kind or 'kind not set'} · {j.us_state or 'state not set'}")),
    ]
    if mute:
        blocks.append(section(reminders_field(mute)))
    if orders:
        blocks.append(section("*Court orders*\n" + "\n".join(orders)))
    if evidence[1]:
        blocks.append(section("*Evidence*\n" + evidence_lines(*evidence)))
    if recent:
        blocks.append(section("*Recent history*\n"
                              + "\n".join(history_line(e, definition) for e in recent)))
    buttons = card_buttons(j, allowed, can_order, definition)
    buttons = buttons or {"type": "actions", "block_id": "card", "elements": []}
    extra = [why_button(j.id)] if j.rounds else []  # the deadline's derivation
    extra.append(workflow_button(j.id))
    buttons["elements"] = [*buttons["elements"][:25 - len(extra)], *extra]
    if not allowed:
        blocks.append(context(steps_hint(allowed)))
    if buttons:
        blocks.append(buttons)
    text = f"{escape(j.name)}: {label(j.state)}, {deadline(j.due_on, j.us_state, today)}"
    return Reply(text, blocks)


def workflow_button(jurisdiction_id: str) -> Block:
    return {"type": "button", "action_id": WORKFLOW_ACTION, "value": jurisdiction_id,
            "text": {"type": "plain_text", "text": "Workflow"}}


def _round_text(j: Jurisdiction) -> str:
    """The round under way: its number, kind and letter, and a paused clock."""
    current = j.current_round
    if current is None:
        return "none yet"
    text = f"{current.number} ({current.kind}, sent {current.sent_on})"
    if current.paused_on:
        text += f", clock paused on {current.paused_on} with {current.days_left} days left"
    return text


def _order_lines(j: Jurisdiction, today: date) -> list[str]:
    """One line per court order: what it blocks while active, when it was lifted."""
    return [f"• {escape(o.label())}" + (" — *active*, blocks "
                                         + escape(", ".join(sorted(o.blocks)))
                                         if o.is_active(today) and o.blocks else "")
            + (f" — lifted {o.lifted_on}" if o.lifted_on else "") for o in j.orders]
