"""Turn the text after the slash command into words and key=value options.

``letter chicago date=2017-04-21 due=30 business days note=first letter`` gives the
words ``[letter, chicago]`` and the options ``date``, ``due`` and ``note``: words after
an option belong to it, so quotes are optional. Slack's escaped mentions
(``<@U123|ana>``, ``<#C123|team>``) and links (``<https://…>``) are decoded here and
nowhere else. Slack sends the ``&``, ``<`` and ``>`` people type as ``&amp;``, ``&lt;``
and ``&gt;``; the words and options keep the characters as typed (the bot escapes them
again wherever it shows them).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from datetime import date

from workflows.deadlines import DueSpec, parse_date
from workflows.errors import BadInput

_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
_OPTION = re.compile(r"^([a-z_]+)=(.*)$", re.DOTALL)
_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_CHANNEL = re.compile(r"^<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>$")
_PLAIN_CHANNEL = re.compile(r"^#[a-z0-9][a-z0-9_-]{0,79}$")
_LINK = re.compile(r"^<((?:https?|mailto):[^|<>]+)(?:\|[^<>]*)?>$")
_PLAIN = re.compile(r"[^\s\"'\\]*(?:[ \t\r\n]+[^\s\"'\\]*)*")
"""Text that shlex would split at its whitespace alone: no quote, no backslash, no
whitespace but the four shlex splits at (``str.split`` splits at every other kind too)."""


@dataclass
class Args:
    words: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)

    def word(self, index: int, what: str, usage: str) -> str:
        if index >= len(self.words):
            raise BadInput(f"Missing {what}. Usage: `{usage}`")
        return self.words[index]

    def date(self, key: str = "date") -> date | None:
        value = self.options.get(key)
        return parse_date(value) if value else None

    def due(self) -> DueSpec | None:
        value = self.options.get("due")
        return DueSpec.parse(value) if value else None

    def page(self) -> int:
        value = self.options.get("page", "1")
        if not value.isdigit() or int(value) < 1:
            raise BadInput(f"“{value}” is not a page number; pages start at 1.")
        return int(value)


def split(text: str) -> Args:
    """Split command text; raise ``BadInput`` for unbalanced quotes."""
    try:
        words = tokens(text.translate(_SMART_QUOTES))
    except ValueError:
        raise BadInput("A quote is not closed; check the \" marks in your command.") from None
    args, last_key = Args(), None
    for token in map(as_typed, words):
        match = _OPTION.match(token)
        if match:
            last_key = match[1]
            if last_key in args.options:
                raise BadInput(f"“{last_key}=” is given twice.")
            args.options[last_key] = match[2]
        elif last_key is not None:
            args.options[last_key] = f"{args.options[last_key]} {token}".strip()
        else:
            args.words.append(token)
    return args


def tokens(text: str) -> list[str]:
    """``shlex.split(text)``; most commands have no quotes, and are split without
    shlex's character-by-character reading (a tenth of a ``show``'s CPU)."""
    return text.split() if _PLAIN.fullmatch(text) else shlex.split(text)


def as_typed(text: str) -> str:
    """Slack's entities for the three characters it escapes, back as typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def link(text: str) -> str:
    """A link someone gives, as its address alone. Slack sends a pasted address as
    ``<https://…>`` and a link with a label as ``<https://…|label>``: the label is
    dropped, so a link recorded from a command always shows where it goes."""
    match = _LINK.match(text.strip())
    return match[1] if match else text.strip()


def check_keys(args: Args, allowed: frozenset[str], usage: str) -> None:
    unknown = sorted(set(args.options) - allowed)
    if unknown:
        known = ", ".join(f"{key}=" for key in sorted(allowed)) or "none"
        raise BadInput(f"Unknown option {', '.join(k + '=' for k in unknown)}. "
                       f"This command takes: {known}. Usage: `{usage}`")


def user_id(text: str) -> str:
    """A Slack user from an escaped mention (<@U123|ana>) or a bare ID (U123)."""
    match = _USER.match(text.strip())
    if match:
        return match[1]
    if re.fullmatch(r"[UW][A-Z0-9]{2,}", text.strip()):
        return text.strip()
    raise BadInput(f"“{text}” is not a Slack user; mention them, e.g. @ana.")


def channel_id(text: str) -> str:
    """A channel from an escaped mention (<#C123|team>), an ID or a #name."""
    value = text.strip()
    match = _CHANNEL.match(value)
    if match:
        return match[1]
    if _PLAIN_CHANNEL.match(value) or re.fullmatch(r"[CG][A-Z0-9]{2,}", value):
        return value
    raise BadInput(f"“{text}” is not a channel; write it as #channel-name.")
