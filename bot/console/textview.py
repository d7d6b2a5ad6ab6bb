"""Block Kit as plain text, for the local console: what a person would read in Slack,
with every button and menu option numbered so that ``:click N`` can press it."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

EMOJI = {":white_check_mark:": "✓", ":warning:": "⚠", ":x:": "✗", ":alarm_clock:": "⏰",
         ":rotating_light:": "🚨", ":zzz:": "💤", ":lock:": "🔒", ":mag:": "🔍",
         ":hourglass_flowing_sand:": "⏳"}
FENCE = "```"
CODE = "\x00code\x00"
"""Marks a line of a code block: printed as it is, never wrapped or indented."""

_SPECIAL = re.compile(r"<!(channel|here|everyone)(?:\|[^>]*)?>")
_SUBTEAM = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|@?([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]*)(?:\|([^>]*))?>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
Names = Callable[[str], str]


@dataclass(frozen=True)
class Target:
    """Something a person can press in a message: a button, or one option of a menu.
    ``action`` is what Slack sends in ``actions[]`` when it is pressed."""

    label: str
    action: dict[str, Any]
    confirm: dict[str, Any] | None = None


def mrkdwn(text: str, user_name: Names, channel_name: Names,
           bold: Callable[[str], str] | None = None) -> str:
    """Slack's markup as Slack shows it: live mentions and pings as @name, #name or
    @channel, links as their label and address, then escaped text (``&lt;`` and the
    other two entities) back as the characters people typed. ``bold`` styles
    ``*bold*`` (a terminal's bold); without it the asterisks stay, as Markdown reads."""
    text = re.sub(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>", lambda m: "@" + user_name(m[1]), text)
    text = re.sub(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>", lambda m: "#" + channel_name(m[1]), text)
    text = _SPECIAL.sub(lambda m: "@" + m[1], text)
    text = _SUBTEAM.sub(lambda m: "@" + (m[2] or m[1]), text)
    text = _LINK.sub(lambda m: f"{m[2]} ({m[1]})" if m[2] else m[1], text)
    if bold is not None:
        text = _BOLD.sub(lambda m: bold(m[1]), text)
    return unescape(_emoji(text))


def _emoji(text: str) -> str:
    for code, symbol in EMOJI.items():
        text = text.replace(code, symbol)
    return text


def unescape(text: str) -> str:
    """Undo ``bot.ui.render.escape``: the text as the person typed it."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def code_aware(text: str, render: Callable[[str], str]) -> str:
    """``render`` the prose of ``text``; its code blocks (between ``` fences) only
    unescaped, each line marked as code (Slack reads no markup inside them)."""
    parts = text.split(FENCE)
    out: list[str] = []
    for index, part in enumerate(parts):
        if index % 2 and index < len(parts) - 1:
            lines = unescape(part.strip("\n")).splitlines()
            out.append("\n".join(CODE + line for line in lines))
        else:
            out.append(render(part))
    return "\n".join(piece.strip("\n") for piece in out if piece.strip("\n"))


def targets(blocks: list[dict[str, Any]]) -> list[Target]:
    """The message's buttons and menu options, in the order ``blocks_to_text`` numbers
    them."""
    found: list[Target] = []
    for block in blocks:
        elements = ([block["accessory"]] if block.get("type") == "section"
                    and "accessory" in block else
                    block.get("elements", []) if block.get("type") == "actions" else [])
        for element in elements:
            found.extend(_pressable(element, str(block.get("block_id", ""))))
    return found


def _pressable(element: dict[str, Any], block_id: str) -> list[Target]:
    base = {"type": element.get("type"), "action_id": element.get("action_id", ""),
            "block_id": block_id}
    if element.get("type") == "button":
        label = str(element.get("text", {}).get("text", ""))
        return [Target(_emoji(label), {**base, "value": element.get("value", ""),
                                       "text": element.get("text")}, element.get("confirm"))]
    return [Target(_emoji(str(option["text"]["text"])), {**base, "selected_option": option},
                   element.get("confirm"))
            for option in element.get("options", [])]


def blocks_to_text(blocks: list[dict[str, Any]], fallback: str, user_name: Names,
                   channel_name: Names, bold: Callable[[str], str] | None = None) -> str:
    """The blocks as lines of text: mrkdwn rendered as Slack renders it, plain text
    (headers, buttons, menus) as it is, since Slack does not parse it; buttons and
    menu options numbered as ``targets`` lists them; code blocks marked (``CODE``)."""

    def shown(obj: dict[str, Any]) -> str:
        text = str(obj.get("text", ""))
        if obj.get("type") == "mrkdwn":
            return code_aware(text, lambda t: mrkdwn(t, user_name, channel_name, bold))
        return _emoji(text)

    lines: list[str] = []
    for block in blocks:
        lines.extend(_block_lines(block, shown, lines))
    if not lines:
        return code_aware(fallback, lambda t: mrkdwn(t, user_name, channel_name, bold))
    return "\n".join(lines)  # a text split over sections: its code lines run on


def _block_lines(block: dict[str, Any], shown: Callable[[dict[str, Any]], str],
                 before: list[str]) -> list[str]:
    """One block's lines; its buttons numbered on from those ``before`` it."""
    kind = block.get("type")
    if kind == "header":
        return [f"== {shown(block['text'])} =="]
    if kind == "context":
        return ["  " + " ".join(shown(e) for e in block["elements"] if "text" in e)]
    if kind == "divider":
        return ["-" * 40]
    if kind == "actions":
        return _numbered([t for e in block["elements"] for t in _pressable(e, "")],
                         "  buttons: ", before)
    if kind != "section":
        return []
    lines = [shown(block["text"])] if "text" in block else []
    lines += [shown(item).replace("\n", ": ", 1).replace("*", "")
              for item in block.get("fields", [])]
    if "accessory" in block:
        lines += _numbered(_pressable(block["accessory"], ""), "    menu: ", before)
    return lines


_NUMBER = re.compile(r"\((\d+)\) ")


def _numbered(found: list[Target], lead: str, before: list[str]) -> list[str]:
    """``found`` as one line, numbered on from the last number in ``before``."""
    if not found:
        return []
    last = max((int(n) for line in before if line.lstrip().startswith(("buttons:", "menu:"))
                for n in _NUMBER.findall(line)), default=0)
    return [lead + "   ".join(f"({last + i}) {t.label}" for i, t in enumerate(found, 1))]


def wrap(text: str, width: int, indent: str = "  ") -> str:
    """Lines of prose wrapped to ``width`` under ``indent`` (a wrapped line keeps its own
    leading spaces); code lines as they are, with no indent, so that they paste."""
    out: list[str] = []
    for line in text.splitlines():
        if line.startswith(CODE):
            out.append(line[len(CODE):])
            continue
        lead = indent + line[:len(line) - len(line.lstrip())]
        out.extend(textwrap.wrap(line.strip(), max(width, 20), initial_indent=lead,
                                 subsequent_indent=lead + "  ", break_on_hyphens=False,
                                 break_long_words=False) or [""])
    return "\n".join(out)
