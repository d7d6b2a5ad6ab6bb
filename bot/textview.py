"""Block Kit as plain text, for the local console."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

EMOJI = {":white_check_mark:": "✓", ":warning:": "⚠", ":x:": "✗", ":alarm_clock:": "⏰",
         ":rotating_light:": "🚨", ":zzz:": "💤",
         ":hourglass_flowing_sand:": "⏳"}


def mrkdwn(text: str, user_name: Callable[[str], str], channel_name: Callable[[str], str]) -> str:
    text = re.sub(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>", lambda m: "@" + user_name(m[1]), text)
    text = re.sub(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>", lambda m: "#" + channel_name(m[1]), text)
    for code, symbol in EMOJI.items():
        text = text.replace(code, symbol)
    return text


def blocks_to_text(blocks: list[dict[str, Any]], fallback: str,
                   user_name: Callable[[str], str], channel_name: Callable[[str], str]) -> str:
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(f"== {block['text']['text']} ==")
        elif kind == "section":
            if "text" in block:
                lines.append(block["text"]["text"])
            options = block.get("accessory", {}).get("options", [])
            if options:
                lines.append("    [" + " | ".join(o["text"]["text"] for o in options) + "]")
            for item in block.get("fields", []):
                lines.append(item["text"].replace("\n", ": ", 1).replace("*", ""))
        elif kind == "context":
            lines.append("  " + " ".join(e.get("text", "") for e in block["elements"]))
        elif kind == "actions":
            lines.append("  " + " ".join(f"[{e['text']['text']}]" for e in block["elements"]))
        elif kind == "divider":
            lines.append("-" * 40)
    return mrkdwn("\n".join(lines) if lines else fallback, user_name, channel_name)
