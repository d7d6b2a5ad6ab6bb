"""How evidence reads: one line per file (its name linked to Slack's permalink, its
size and the start of its hash), in a card, a history line and an announcement."""

from __future__ import annotations

from collections.abc import Sequence

from bot.ui.render import escape
from workflows.evidence import Evidence

UNITS = ("bytes", "KB", "MB", "GB")


def size_text(size: int) -> str:
    value, unit = float(size), 0
    while value >= 1024 and unit < len(UNITS) - 1:
        value, unit = value / 1024, unit + 1
    return f"{size:,} bytes" if unit == 0 else f"{value:.1f} {UNITS[unit]}"


def evidence_line(evidence: Evidence) -> str:
    """``name`` (linked when Slack gave a web address), size, ``sha256 abcdef012345``:
    the name and the address are escaped, and an address that would break out of the
    link (``|``, ``<``, ``>``, spaces) is not made a link."""
    name = escape(evidence.name) or "a file"
    link = evidence.permalink
    if link.startswith(("https://", "http://")) and not any(c in link for c in "|<> \n"):
        name = f"<{escape(link)}|{name}>"
    stored = "" if evidence.stored else ", bytes not kept"
    return f"{name} ({size_text(evidence.size)}, sha256 `{evidence.short_hash}`{stored})"


def evidence_lines(found: Sequence[Evidence], total: int) -> str:
    lines = [f"• {evidence_line(e)}" for e in found]
    if total > len(found):
        lines.append(f"… and {total - len(found)} more (see `history`).")
    return "\n".join(lines)
