"""Block Kit as plain text, for the local console: what a person would read in Slack."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

EMOJI = {":white_check_mark:": "✓", ":warning:": "⚠", ":x:": "✗", ":alarm_clock:": "⏰",
         ":rotating_light:": "🚨", ":zzz:": "💤",
         ":hourglass_flowing_sand:": "⏳"}


_SPECIAL = re.compile(r"<!(channel|here|everyone)(?:\|[^>]*)?>")
_SUBTEAM = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|@?([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]*)(?:\|([^>]*))?>")


def mrkdwn(text: str, user_name: Callable[[str], str], channel_name: Callable[[str], str]) -> str:
    """Slack's markup as Slack shows it: live mentions and pings as @name, #name or
    @channel, links as their label and address, then escaped text (``&lt;`` and the
    other two entities) back as the characters people typed."""
    text = re.sub(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>", lambda m: "@" + user_name(m[1]), text)
    text = re.sub(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>", lambda m: "#" + channel_name(m[1]), text)
    text = _SPECIAL.sub(lambda m: "@" + m[1], text)
    text = _SUBTEAM.sub(lambda m: "@" + (m[2] or m[1]), text)
    text = _LINK.sub(lambda m: f"{m[2]} ({m[1]})" if m[2] else m[1], text)
    return unescape(_emoji(text))


def _emoji(text: str) -> str:
    for code, symbol in EMOJI.items():
        text = text.replace(code, symbol)
    return text


def unescape(text: str) -> str:
    """Undo ``bot.ui.render.escape``: the text as the person typed it."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def blocks_to_text(blocks: list[dict[str, Any]], fallback: str,
                   user_name: Callable[[str], str], channel_name: Callable[[str], str]) -> str:
    """The blocks as lines of text: mrkdwn rendered as Slack renders it, plain text
    (headers, buttons, menus) as it is, since Slack does not parse it."""

    def shown(obj: dict[str, Any]) -> str:
        text = str(obj.get("text", ""))
        if obj.get("type") == "mrkdwn":
            return mrkdwn(text, user_name, channel_name)
        return _emoji(text)

    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(f"== {shown(block['text'])} ==")
        elif kind == "section":
            if "text" in block:
                lines.append(shown(block["text"]))
            options = block.get("accessory", {}).get("options", [])
            if options:
                lines.append("    [" + " | ".join(shown(o["text"]) for o in options) + "]")
            for item in block.get("fields", []):
                lines.append(shown(item).replace("\n", ": ", 1).replace("*", ""))
        elif kind == "context":
            lines.append("  " + " ".join(shown(e) for e in block["elements"]))
        elif kind == "actions":
            lines.append("  " + " ".join(f"[{shown(e['text'])}]" for e in block["elements"]))
        elif kind == "divider":
            lines.append("-" * 40)
    return "\n".join(lines) if lines else mrkdwn(fallback, user_name, channel_name)
