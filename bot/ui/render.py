"""The pieces of every Block Kit message, and the replies any command may give.

Pure: domain objects in, Slack blocks out. Here are sections, headers and contexts,
people and channels, deadlines, a refusal and an error on our side; the messages are
built from them in the modules beside this one: ``cards``, ``pages`` (lists, histories,
roles), ``changes`` (what a change says, to its author and to the channel),
``reminders``, ``app_home`` and ``batches``.

Every message is checked against Slack's limits here (50 blocks, 3,000 characters a
section, 150 a header), so nothing built elsewhere can break them.

Everything people typed (names, notes, links, court orders, batch notes, file names,
what a refusal quotes) goes into mrkdwn through ``escape``, the one escaping function
of the bot, exactly once; the only live mentions are the ones built here from ids the
bot holds: ``user`` for stored people, ``channel`` for channels resolved to IDs.
Plain-text objects (headers, buttons) are not parsed by Slack and take text as is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from workflows.deadlines import Tier, calendar_for
from workflows.errors import BadInput, Channel, Code, Person, ReviewError, StepRefused
from workflows.ports import stopped

Labels = Callable[[str], str]
"""A state's words for people: the workflow in force's ``Definition.label_of``."""

MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_SECTION = 3000
MAX_HEADER = 150

Block = dict[str, Any]

TIER_WORDS = {
    Tier.NONE: "",
    Tier.ON_TRACK: "",
    Tier.DUE_SOON: "due soon",
    Tier.OVERDUE: "overdue",
    Tier.VERY_OVERDUE: "very overdue",
}


@dataclass(frozen=True)
class Reply:
    """A message: fallback text plus blocks. Ephemeral unless ``in_channel``."""

    text: str
    blocks: list[Block] = field(default_factory=list)
    in_channel: bool = False
    modal: dict[str, Any] | None = None  # open this form instead of answering

    def __post_init__(self) -> None:
        if len(self.blocks) > MAX_BLOCKS:
            raise ValueError(f"{len(self.blocks)} blocks is over Slack's {MAX_BLOCKS}")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, MAX_SECTION)}}


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, MAX_HEADER)}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, MAX_SECTION)}]}


def sections(lines: Sequence[str]) -> list[Block]:
    """Pack lines into as few sections as fit Slack's 3,000-character limit."""
    blocks: list[Block] = []
    chunk = ""
    for line in lines:
        if chunk and len(chunk) + len(line) + 1 > MAX_SECTION:
            blocks.append(section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(section(chunk))
    return blocks


_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,}")


def count(n: int, word: str) -> str:
    """``n`` and ``word``, plural unless ``n`` is one: "1 step", "1,334 steps"."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def how_many(total: int) -> str:
    """A total as a store counts it: "1,234", or "more than 10,000" where it stopped
    counting (``workflows.ports.Total``)."""
    return f"more than {total - 1:,}" if stopped(total) else f"{total:,}"


def escape(text: object) -> str:
    """``text`` as mrkdwn that shows it as typed: Slack's three control characters
    (``&``, ``<``, ``>``) as the entities its documentation asks for, so no ``<!channel>``,
    ``<@U…>`` or ``<https://…|label>`` in it is ever live. Call it once per piece of
    text, where the text goes into mrkdwn."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def user(user_id: str | None) -> str:
    """A live mention of a person the review stored by Slack id; anything that is not
    an id (an importer's name, say) is shown as text."""
    if not user_id:
        return "nobody"
    return f"<@{user_id}>" if _USER_ID.fullmatch(user_id) else escape(user_id)


def channel(channel_id: str | None) -> str:
    """A live link to a channel resolved to its ID; a #name is shown as text."""
    if not channel_id:
        return "the default channel"
    return f"<#{channel_id}>" if _CHANNEL_ID.fullmatch(channel_id) else escape(channel_id)


def not_a_member(channel_id: str) -> BadInput:
    """The one line for Slack's ``not_in_channel``: uploads and reading a channel back
    need the bot in it (chat:write.public covers posting only)."""
    return BadInput(("The bot is not in ", Channel(channel_id), ": ",
                     Code("/invite @review-bot"), " there, then try again."))


def upload_refused(code: str, channel_id: str) -> BadInput:
    """What to do when Slack refuses an upload to ``channel_id`` with ``code``."""
    if code == "not_in_channel":
        return not_a_member(channel_id)
    return BadInput(f"Slack did not take the file ({code}); nothing was uploaded. Invite "
                    "the bot to this channel, or run the command where it is.")


def deadline(due: date | None, us_state: str, today: date) -> str:
    if due is None:
        return "no deadline running"
    tier = TIER_WORDS[calendar_for(us_state or None).tier(due, today)]
    return f"due {due.isoformat()}" + (f" ({tier})" if tier else "")


def steps_hint(allowed: Sequence[str]) -> str:
    if not allowed:
        return "No workflow step is open to you on it now."
    return "Steps open to you now: " + ", ".join(f"`{name}`" for name in allowed) + "."


# -- replies -------------------------------------------------------------------------


def refusal_text(error: ReviewError) -> str:
    """A refusal's sentence as mrkdwn: its words escaped, the people and channels it
    names (by the ids the review holds) as live mentions, the words to type as code."""
    return "".join(user(part.id) if isinstance(part, Person)
                   else channel(part.id) if isinstance(part, Channel)
                   else f"`{escape(part.text)}`" if isinstance(part, Code)
                   else escape(part) for part in error.parts)


def refusal(error: ReviewError) -> Reply:
    text = f":warning: {refusal_text(error)}"
    if isinstance(error, StepRefused):
        text += " Nothing was changed. " + steps_hint(error.allowed)
    return Reply(text, [section(text)])


def unexpected(reference: str) -> Reply:
    text = (f":x: Something went wrong on our side (reference `{reference}`). "
            "Check with `show` whether your change was made before you try again.")
    return Reply(text, [section(text)])
