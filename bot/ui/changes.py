"""What a change says: to the person who made it, to the team channel, in a history
line, and to its author when the channel refuses the announcement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.ui import deadlines
from bot.ui.evidence import evidence_line
from bot.ui.render import (
    MAX_BLOCKS,
    Reply,
    channel,
    context,
    deadline,
    escape,
    section,
    steps_hint,
    user,
)
from workflows.definition import NAME, Definition
from workflows.derivation import EXTENDED, MOVED
from workflows.evidence import EVIDENCE, Evidence
from workflows.model import Event, Jurisdiction
from workflows.mutes import MUTE, UNMUTE

EVENTS = {
    "added": "added {name}",
    "aliased": "added an alias to {name}",
    "assigned": "assigned {name}",
    "lawsuit": "recorded a lawsuit for {name}",
    "injunction": "recorded an injunction for {name}",
    "ruling": "recorded a ruling for {name}",
    "lifted": "recorded the end of an injunction for {name}",
    EVIDENCE: "attached evidence to {name}",
    EXTENDED: "moved the deadline of {name}",
    MOVED: "recounted the deadline of {name} around closure days",
    MUTE: "muted the reminders of {name}",
    UNMUTE: "unmuted the reminders of {name}",
}
"""What the events that are no workflow step say; a step's words are its workflow's
(``done:``)."""


def history_line(event: Event, definition: Definition) -> str:
    label, move = definition.label_of, ""
    if event.from_state != event.to_state and event.to_state:
        move = f" · {label(event.from_state or '') or 'new'} → {label(event.to_state)}"
    extra = [f"due {event.detail['due_on']}"] if _sets_deadline(event, definition) else []
    if event.kind == EVIDENCE:
        extra.append(_evidence(event))
    if event.kind in (MOVED, EXTENDED):
        extra.append(f"{escape(event.detail.get('from'))} → {escape(event.detail.get('to'))}"
                     f" ({escape(event.detail.get('reason') or _closure(event))})")
    if event.kind == MUTE:
        extra.append(_mute(event))
    for key in ("order", "note", "link", "alias"):
        if event.detail.get(key):
            extra.append(escape(event.detail[key]))
    if event.kind == "assigned":
        extra.append(f"owner {user(event.detail.get('owner'))}, "
                     f"announced in {channel(event.detail.get('channel'))}")
    tail = (" — " + "; ".join(extra)) if extra else ""
    return f"`{event.on}` *{event.kind}*{move} · by {user(event.actor)}{tail}"


def done(change_event: Event, j: Jurisdiction, allowed: Sequence[str], today: date, *,
         definition: Definition) -> Reply:
    text = (f":white_check_mark: {_sentence('You', change_event, j.name, definition)} "
            f"{escape(j.name)} is now {definition.label_of(j.state)}, "
            f"{deadline(j.due_on, j.us_state, today)}.")
    return Reply(text, [section(text), context(steps_hint(allowed))])


def announcement(event: Event, *, definition: Definition) -> Reply:
    """What the team channel sees when a change commits."""
    if event.kind == MOVED:
        return deadlines.moved_announcement(event)
    if event.kind == EXTENDED:
        return deadlines.extended_announcement(event)
    label, name = definition.label_of, str(event.detail.get("name", event.jurisdiction_id))
    if event.kind == EVIDENCE:  # its "name" is the file's
        name = event.jurisdiction_id
    text = _sentence(user(event.actor), event, name, definition)
    if event.from_state and event.to_state and event.from_state != event.to_state:
        text += f" {label(event.from_state)} → *{label(event.to_state)}*."
    if _sets_deadline(event, definition):
        text += f" Due {event.detail['due_on']}."
    return Reply(text, [section(text),
                        context(f"`{escape(event.jurisdiction_id)}` · {event.on}")],
                 in_channel=True)


ANNOUNCEMENTS_TOGETHER = 20
"""Announcements one message holds at most (two blocks each, as they are now)."""
TOGETHER_TEXT = 4_000
"""Characters of text a message of several announcements holds at most (Slack's advice
for a message's text, which notifications show)."""


def together(replies: Sequence[Reply]) -> list[list[int]]:
    """Announcements to one channel, in their order, as messages: the positions in
    ``replies`` each message holds (``ANNOUNCEMENTS_TOGETHER`` at most, their text within
    ``TOGETHER_TEXT`` characters and their blocks within Slack's 50; one over those
    goes alone)."""
    messages: list[list[int]] = []
    size = blocks = 0
    for n, reply in enumerate(replies):
        grows = len(reply.text) + 1
        if (not messages or len(messages[-1]) >= ANNOUNCEMENTS_TOGETHER
                or size + grows > TOGETHER_TEXT or blocks + len(reply.blocks) > MAX_BLOCKS):
            messages.append([])
            size = blocks = 0
        messages[-1].append(n)
        size += grows
        blocks += len(reply.blocks)
    return messages


def joined(replies: Sequence[Reply]) -> Reply:
    """Announcements as one message, in their order, each its own lines."""
    if len(replies) == 1:
        return replies[0]
    return Reply("\n".join(r.text for r in replies), [b for r in replies for b in r.blocks],
                 in_channel=True)


def _sets_deadline(event: Event, definition: Definition) -> bool:
    """Whether the event's step leaves a deadline to tell (see ``sets_deadline``)."""
    return bool(event.detail.get("due_on")) and definition.sets_deadline(event.kind)


def _sentence(who: str, event: Event, name: str, definition: Definition) -> str:
    """"{who} {did something to} *{name}*…": ``who`` is mrkdwn already (a mention); the
    step's sentence, the name, alias, order and note are escaped here."""
    template = (definition.done_of(event.kind) or EVENTS.get(event.kind)
                or f"{event.kind} {NAME}")
    detail = event.detail
    what = f"{who} {escape(template).replace(NAME, f'*{escape(name)}*', 1)}"
    if event.kind == "aliased":
        what += f": `{escape(detail.get('alias'))}`"
    if detail.get("order"):
        what += f": {escape(detail['order'])}"
    if event.kind == EVIDENCE:
        what += f": {_evidence(event)}"
    if event.kind == MUTE:
        what += f" ({_mute(event)})"
    if detail.get("note"):
        what += f" ({escape(detail['note'])})"
    return what + "."


def _closure(event: Event) -> str:
    closure = event.detail.get("closure") or {}
    return f"closure #{closure.get('id', '?')}: {closure.get('reason', '')}"


def _mute(event: Event) -> str:
    """“until 2018-03-01: in litigation”, or the reason alone (escaped)."""
    until = event.detail.get("until")
    return (f"until {escape(until)}: " if until else "") + escape(event.detail.get("reason", ""))


def _evidence(event: Event) -> str:
    """The file an ``evidence`` event records (or a word, if its detail is not one)."""
    try:
        return evidence_line(Evidence.of(event))
    except (KeyError, TypeError, ValueError):
        return "a file (its details are unreadable)"


UNDELIVERED = {
    "channel_not_found": "there is no such channel (or it is private and the bot is not in it)",
    "not_in_channel": "the bot is not in that channel",
    "is_archived": "the channel is archived",
    "restricted_action": "the workspace does not let the bot post there",
}


def undelivered(channel_id: str, error: str, count: int, name: str) -> Reply:
    """The direct message to someone whose announcements a channel refuses."""
    name = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    what = (f"The announcement of your step on *{name}*" if count == 1 else
            f"{count} announcements of your steps (*{name}* among them)")
    why = UNDELIVERED.get(error, f"Slack refused it ({error})")
    text = (f":warning: {what} could not be posted in {channel(channel_id)}: {why}. "
            f"{'It stays' if count == 1 else 'They stay'} in the bot's outbox, tried again "
            "less often each time, and go out once the bot can post there: invite the bot "
            "(`/invite @review-bot`), have the channel made, or give the jurisdiction "
            "another channel (`/review assign <jurisdiction> channel=#…`).")
    return Reply(text, [section(text)])
