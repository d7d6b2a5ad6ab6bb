"""Modals (Block Kit views) for the steps and facts that need input, and reading
what people typed back out of a view_submission.

Pure: no Slack calls. Each input block's ``block_id`` names the field, so a field's
error can be shown under it (``response_action: errors``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from bot.ui.render import clip, escape
from workflows.definition import Definition, Step
from workflows.lengths import MAX_NOTE
from workflows.model import Jurisdiction, Listing, OrderKind

STEP_FORM = "step_form"
ADD_FORM = "add_form"
ORDER_FORM = "order_form"
RESPONSE_SHORTCUT = "record_response"
"""The message shortcut "Record as response" (its callback_id in manifest.yml)."""
RESPONSE_FORM = "response_form"
JURISDICTION_PICKER = "pick_jurisdiction"
"""The action_id of the menu that offers jurisdictions as someone types (the options
Slack loads from the bot: block_suggestion)."""
MAX_OPTION_TEXT = 75
MAX_METADATA = 3000

View = dict[str, Any]


def needs_form(step: Step) -> bool:
    """Steps that take a deadline, a response's details or a text the workflow says
    they need (a threat's rationale)."""
    return step.deadline != "none" or step.name == "response" or bool(step.needs)


def _text(kind: str, text: str) -> dict[str, Any]:
    return {"type": kind, "text": text[:150] if kind == "plain_text" else text}


def _input(block_id: str, label: str, element: dict[str, Any], optional: bool = False,
           hint: str = "") -> dict[str, Any]:
    block: dict[str, Any] = {"type": "input", "block_id": block_id, "optional": optional,
                             "label": _text("plain_text", label),
                             "element": {"action_id": "value", **element}}
    if hint:
        block["hint"] = _text("plain_text", hint)
    return block


def _plain(placeholder: str = "", multiline: bool = False, initial: str = "") -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "multiline": multiline}
    if placeholder:
        element["placeholder"] = _text("plain_text", placeholder)
    if initial:
        element["initial_value"] = initial
    return element


def _view(callback: str, title: str, submit: str, blocks: list[dict[str, Any]],
          meta: Mapping[str, Any]) -> View:
    metadata = json.dumps(meta, separators=(",", ":"))
    if len(metadata) > MAX_METADATA:
        raise ValueError("private_metadata over Slack's 3,000 characters")
    return {"type": "modal", "callback_id": callback, "title": _text("plain_text", title[:24]),
            "submit": _text("plain_text", submit), "close": _text("plain_text", "Cancel"),
            "blocks": blocks, "private_metadata": metadata}


def step_modal(j: Jurisdiction, step: Step, today: date, meta: Mapping[str, Any],
               label: Callable[[str], str]) -> View:
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": _text("mrkdwn", f"*{escape(j.name)}* is {label(j.state)}. "
                                                     f"You are about to {step.label}.")},
        _input("date", "Date", {"type": "datepicker", "initial_date": today.isoformat()}),
    ]
    if step.deadline != "none":
        blocks.append(_input("due", "Deadline", _plain("2018-02-23, 30 days or 20 business days"),
                             optional=step.deadline == "optional",
                             hint="A date, N calendar days or N business days from the date."))
    if step.name == "response" or "link" in step.needs:
        words = "Link to the response" if step.name == "response" else "Link"
        blocks.append(_input("link", words, {"type": "url_text_input"},
                             optional="link" not in step.needs))
    if step.name == "response":
        blocks.append(_evidence_input())
    rationale = "note" in step.needs
    blocks.append(_input("note", "Rationale" if rationale else "Note", _plain(multiline=True),
                         optional=not rationale))
    return _view(STEP_FORM, step.label.capitalize(), "Record", blocks, meta)


def _evidence_input() -> dict[str, Any]:
    return _input("evidence", "Evidence (a file shared in Slack)",
                  _plain("https://team.slack.com/files/U…/F…/letter.pdf"), optional=True,
                  hint="“Copy link to file” on the file in Slack, or its id (F…); the bot "
                       "keeps its hash in the record.")


def response_modal(names: list[str], note: str, today: date, meta: Mapping[str, Any]) -> View:
    """The message shortcut's form: which jurisdiction responded, and when; the
    message's text is the note and its files (``names``) the evidence."""
    files = ", ".join(escape(n) for n in names) or "none (the message has no files)"
    blocks = [
        {"type": "section", "text": _text("mrkdwn", clip(f"Evidence: {files}", 3000))},
        _input("jurisdiction", "Jurisdiction",
               {"type": "external_select", "action_id": JURISDICTION_PICKER,
                "min_query_length": 1, "placeholder": _text("plain_text", "Albany")},
               hint="Type its id, name, alias or the start of one, and pick it."),
        _input("date", "Date of the response",
               {"type": "datepicker", "initial_date": today.isoformat()}),
        _input("note", "Note", _plain(multiline=True, initial=note[:MAX_NOTE]), optional=True),
    ]
    return _view(RESPONSE_FORM, "Record as response", "Record", blocks, meta)


def add_modal(meta: Mapping[str, Any]) -> View:
    blocks = [
        _input("id", "Id", _plain("cook-county"), hint="Lowercase letters, digits and dashes."),
        _input("name", "Name", _plain("Cook County, IL")),
        _input("kind", "Kind", _plain("city, county, state…"), optional=True),
        _input("state", "US state", _plain("IL"), optional=True),
        _input("aliases", "Aliases", _plain("cook, cc"), optional=True,
               hint="Other short names, separated by commas."),
    ]
    return _view(ADD_FORM, "Add a jurisdiction", "Add", blocks, meta)


def order_modal(j: Jurisdiction, today: date, meta: Mapping[str, Any],
                definition: Definition) -> View:
    kinds = [{"text": _text("plain_text", kind.value), "value": kind.value} for kind in OrderKind]
    names = sorted(definition.scopes) + list(definition.step_names)
    steps = [{"text": _text("plain_text", name), "value": name} for name in names]
    blocks = [
        {"type": "section", "text": _text("mrkdwn", f"A court order for *{escape(j.name)}*.")},
        _input("kind", "Kind", {"type": "static_select", "options": kinds,
                                "initial_option": kinds[1]}),
        _input("case", "Case number", _plain("2:17-cv-03894")),
        _input("court", "Court", _plain("E.D. Pa."), optional=True),
        _input("date", "Date", {"type": "datepicker", "initial_date": today.isoformat()}),
        _input("blocks", "Steps it blocks (injunctions)",
               {"type": "multi_static_select", "options": steps}, optional=True),
        _input("scope", "Scope", _plain("What the order covers", multiline=True), optional=True),
    ]
    return _view(ORDER_FORM, "Court order", "Attach", blocks, meta)


def options(listings: Sequence[Listing]) -> list[dict[str, Any]]:
    """A menu's options for jurisdictions (plain text: nothing in a name can ping)."""
    return [{"text": _text("plain_text", clip(f"{j.name} ({j.id})", MAX_OPTION_TEXT)),
             "value": j.id} for j in listings]


def values(view: Mapping[str, Any]) -> dict[str, Any]:
    """The submitted value of each input block, by block_id ("" or [] when empty)."""
    result: dict[str, Any] = {}
    for block_id, actions in view.get("state", {}).get("values", {}).items():
        element: Mapping[str, Any] = next(iter(actions.values()), {}) if actions else {}
        kind = element.get("type")
        if kind == "datepicker":
            result[block_id] = element.get("selected_date") or ""
        elif kind in ("static_select", "external_select"):
            result[block_id] = (element.get("selected_option") or {}).get("value", "")
        elif kind == "multi_static_select":
            result[block_id] = [o["value"] for o in element.get("selected_options") or []]
        else:
            result[block_id] = (element.get("value") or "").strip()
    return result


def metadata(view: Mapping[str, Any]) -> dict[str, Any]:
    try:
        found = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        return {}
    return found if isinstance(found, dict) else {}
