"""A form (modal) the bot opened, as the console shows it and fills it in.

Its input fields are numbered; ``:set FIELD VALUE`` fills one (by number or block id),
checked as Slack's own widgets check it (a date is a date, a menu's choice is one of
its options); ``:submit`` sends what is filled, as Slack sends a view_submission.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

KINDS = {"plain_text_input": "text", "url_text_input": "link", "datepicker": "date",
         "static_select": "menu", "external_select": "menu, searched as you type",
         "multi_static_select": "menu, several: a, b", "number_input": "number",
         "email_text_input": "email"}


@dataclass
class Form:
    """The view the bot opened and what has been filled in so far (block id -> value:
    text, a date string, an option's value, or a list of them)."""

    view: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for block in self.inputs():
            initial = _initial(block["element"])
            if initial is not None:
                self.values.setdefault(block["block_id"], initial)

    @property
    def title(self) -> str:
        return str(self.view.get("title", {}).get("text", "Form"))

    def inputs(self) -> list[dict[str, Any]]:
        return [b for b in self.view.get("blocks", []) if b.get("type") == "input"]

    def field(self, name: str) -> dict[str, Any] | None:
        """The input block called ``name``: its number as printed, or its block id."""
        inputs = self.inputs()
        if name.isdigit() and 1 <= int(name) <= len(inputs):
            return inputs[int(name) - 1]
        wanted = name.strip().lower()
        return next((b for b in inputs if b["block_id"].lower() == wanted
                     or _label(b).lower() == wanted), None)

    def choose(self, block: dict[str, Any], typed: str) -> str:
        """Fill ``block`` with ``typed``; returns what it now holds, as read back. A
        menu's choice must be one of its options (by value or by its words)."""
        element, block_id = block["element"], block["block_id"]
        kind = element.get("type")
        if not typed.strip():
            self.values.pop(block_id, None)
            return "(empty)"
        if kind == "datepicker":
            self.values[block_id] = date.fromisoformat(typed.strip()).isoformat()
        elif kind == "static_select":
            self.values[block_id] = option_value(element.get("options", []), typed)
        elif kind == "multi_static_select":
            self.values[block_id] = [option_value(element.get("options", []), one)
                                     for one in typed.split(",") if one.strip()]
        else:
            self.values[block_id] = typed
        return shown_value(self.values[block_id])

    def describe(self) -> list[str]:
        """The form as lines: its text, then each field numbered with its kind, its
        options and what it holds."""
        lines = [f"== Form: {self.title} ==  (submit: "
                 f"{self.view.get('submit', {}).get('text', 'Submit')})"]
        for block in self.view.get("blocks", []):
            if block.get("type") == "section" and "text" in block:
                lines.append(str(block["text"].get("text", "")))
        for number, block in enumerate(self.inputs(), 1):
            lines.append(self.describe_field(number, block))
        return lines

    def describe_field(self, number: int, block: dict[str, Any]) -> str:
        element = block["element"]
        kind = KINDS.get(str(element.get("type")), str(element.get("type")))
        optional = ", optional" if block.get("optional") else ""
        line = f"({number}) {block['block_id']}: {_label(block)} [{kind}{optional}]"
        options = element.get("options", [])
        if options:
            line += " one of: " + ", ".join(_option_text(o) for o in options)
        hint = element.get("placeholder", {}).get("text") or block.get("hint", {}).get("text")
        if hint and not options:
            line += f" e.g. {hint}"
        held = self.values.get(block["block_id"])
        return line + f"\n    = {shown_value(held)}" if held not in (None, "", []) else line


def option_value(options: list[dict[str, Any]], typed: str) -> str:
    """The value of the option ``typed`` names (its value or its words, any case)."""
    wanted = typed.strip().lower()
    for option in options:
        if wanted in (str(option.get("value", "")).lower(), _option_text(option).lower()):
            return str(option["value"])
    raise ValueError(f"“{typed.strip()}” is not one of: "
                     + ", ".join(_option_text(o) for o in options))


def shown_value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(empty)"
    return "(empty)" if value in (None, "") else str(value)


def _label(block: dict[str, Any]) -> str:
    return str(block.get("label", {}).get("text", block["block_id"]))


def _option_text(option: dict[str, Any]) -> str:
    return str(option.get("text", {}).get("text", option.get("value", "")))


def _initial(element: dict[str, Any]) -> Any:
    if "initial_date" in element:
        return element["initial_date"]
    if "initial_value" in element:
        return element["initial_value"]
    if "initial_option" in element:
        return element["initial_option"].get("value")
    if "initial_options" in element:
        return [o.get("value") for o in element["initial_options"]]
    return None
