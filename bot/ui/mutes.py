"""How a mute reads wherever reminders and deadlines are shown: the card, App Home,
the answer to ``mute`` and ``unmute``."""

from __future__ import annotations

from bot.ui.render import escape
from workflows.mutes import Mute


def muted(mute: Mute) -> str:
    """“muted until 2018-03-01: in litigation” (mrkdwn; the reason escaped)."""
    until = f" until {mute.until.isoformat()}" if mute.until else ""
    return f"muted{until}: {escape(mute.reason)}" if mute.reason else f"muted{until}"


def reminders_field(mute: Mute | None) -> str:
    """The card's line about its reminders."""
    return f":no_bell: Reminders {muted(mute)}" if mute else ""
