"""Pure Block Kit builders: domain objects in, Slack messages out.

Every message is checked against Slack's limits here (50 blocks, 3,000 characters a
section, 150 a header), so nothing built elsewhere can break them.

Everything people typed (names, notes, links, court orders, batch notes, file names,
what a refusal quotes) goes into mrkdwn through ``escape``, the one escaping function
of the bot, exactly once; the only live mentions are the ones built here from ids the
bot holds: ``user`` for stored people, ``channel`` for channels resolved to IDs.
Plain-text objects (headers, buttons) are not parsed by Slack and take text as is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from workflows.batches import Batch
from workflows.deadlines import Tier, calendar_for
from workflows.errors import Channel, Code, Person, ReviewError, StepRefused
from workflows.model import Event, Jurisdiction, Listing, Role
from workflows.reminders import Due, Kind, lateness
from workflows.review import Home
from workflows.sweep import SNOOZE_SPANS

Labels = Callable[[str], str]
"""A state's words for people: the workflow in force's ``Definition.label_of``."""

MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_SECTION = 3000
MAX_HEADER = 150

Block = dict[str, Any]

VERBS = {
    "added": "added {name}",
    "aliased": "added an alias to {name}",
    "assigned": "assigned {name}",
    "letter": "sent a letter to {name}",
    "response": "recorded a response from {name}",
    "clarify": "requested clarification for {name} (clock paused)",
    "resume": "resumed the clock for {name}",
    "insufficient": "found the answer from {name} insufficient",
    "finding": "issued a preliminary finding to {name}",
    "threaten": "threatened {name} with a subpoena (document demand)",
    "subpoena": "requested a subpoena for {name} (needs counsel's approval)",
    "approve": "approved the subpoena for {name}",
    "deny": "denied the subpoena request for {name}",
    "clear": "cleared {name}",
    "close": "closed the review of {name}",
    "lawsuit": "recorded a lawsuit for {name}",
    "injunction": "recorded an injunction for {name}",
    "ruling": "recorded a ruling for {name}",
    "lifted": "recorded the end of an injunction for {name}",
}

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


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, MAX_SECTION)}}


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": _clip(text, MAX_HEADER)}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(text, MAX_SECTION)}]}


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


STEP_ACTION = "step_"
ORDER_ACTION = "order_open"
CONFIRM = {"subpoena", "approve", "deny", "clear", "close"}
"""Steps a click takes at once that deserve an "are you sure?" first."""


def card_value(j: Jurisdiction, step: str = "") -> str:
    """What a card's button carries: the jurisdiction and the version it was drawn from."""
    return json.dumps({"j": j.id, "v": j.version, "s": step}, separators=(",", ":"))


def card_buttons(j: Jurisdiction, allowed: Sequence[str], can_order: bool) -> Block | None:
    elements: list[Block] = []
    for name in allowed:
        button: Block = {"type": "button", "action_id": f"{STEP_ACTION}{name}",
                         "text": {"type": "plain_text", "text": name.capitalize()},
                         "value": card_value(j, name)}
        if name in CONFIRM:
            button["style"] = "danger" if name != "approve" else "primary"
            button["confirm"] = {
                "title": {"type": "plain_text", "text": "Are you sure?"},
                "text": {"type": "mrkdwn",
                         "text": f"{name.capitalize()} *{escape(j.name)}* today."},
                "confirm": {"type": "plain_text", "text": name.capitalize()},
                "deny": {"type": "plain_text", "text": "Cancel"}}
        elements.append(button)
    if can_order:
        elements.append({"type": "button", "action_id": ORDER_ACTION, "value": card_value(j),
                         "text": {"type": "plain_text", "text": "Court order…"}})
    return {"type": "actions", "block_id": "card", "elements": elements[:25]} if elements else None


def card(j: Jurisdiction, recent: Sequence[Event], allowed: Sequence[str],
         today: date, can_order: bool = False, *, label: Labels) -> Reply:
    current = j.current_round
    round_text = "none yet"
    if current is not None:
        round_text = f"{current.number} ({current.kind}, sent {current.sent_on})"
        if current.paused_on:
            round_text += (f", clock paused on {current.paused_on} "
                           f"with {current.days_left} days left")
    orders = [f"• {escape(o.label())}" + (" — *active*, blocks "
                                           + escape(", ".join(sorted(o.blocks)))
                                           if o.is_active(today) and o.blocks else "")
              + (f" — lifted {o.lifted_on}" if o.lifted_on else "") for o in j.orders]
    fields = [
        f"*Status*\n{label(j.state)}",
        f"*Deadline*\n{deadline(j.due_on, j.us_state, today)}",
        f"*Round*\n{round_text}",
        f"*Owner*\n{user(j.owner)} in {channel(j.channel)}",
    ]
    blocks: list[Block] = [
        header(j.name),
        {"type": "section",
         "fields": [{"type": "mrkdwn", "text": _clip(f, 2000)} for f in fields]},
        context(escape(f"`{j.id}`" + "".join(f" · `{a}`" for a in j.aliases)
                       + f" · {j.kind or 'kind not set'} · {j.us_state or 'state not set'}")),
    ]
    if orders:
        blocks.append(section("*Court orders*\n" + "\n".join(orders)))
    if recent:
        blocks.append(section("*Recent history*\n"
                              + "\n".join(history_line(e, label) for e in recent)))
    buttons = card_buttons(j, allowed, can_order)
    blocks.append(buttons or context(steps_hint(allowed)))
    text = f"{escape(j.name)}: {label(j.state)}, {deadline(j.due_on, j.us_state, today)}"
    return Reply(text, blocks)


def history_line(event: Event, label: Labels) -> str:
    move = ""
    if event.from_state != event.to_state and event.to_state:
        move = f" · {label(event.from_state or '') or 'new'} → {label(event.to_state)}"
    extra = [f"due {event.detail['due_on']}"] if _sets_deadline(event) else []
    for key in ("order", "note", "link", "alias"):
        if event.detail.get(key):
            extra.append(escape(event.detail[key]))
    if event.kind == "assigned":
        extra.append(f"owner {user(event.detail.get('owner'))}, "
                     f"channel {channel(event.detail.get('channel'))}")
    tail = (" — " + "; ".join(extra)) if extra else ""
    return f"`{event.on}` *{event.kind}*{move} · by {user(event.actor)}{tail}"


def history_page(j: Jurisdiction, events: Sequence[Event], total: int, page: int,
                 size: int, *, label: Labels) -> Reply:
    pages = max(1, -(-total // size))
    blocks = [header(f"History of {j.name}"),
              context(f"{total} events, newest first · page {page} of {pages}")]
    blocks += sections([history_line(e, label) for e in events] or ["No events on this page."])
    if page < pages:
        blocks.append(context(f"More: `history {j.id} page={page + 1}`"))
    return Reply(f"History of {escape(j.name)}, page {page} of {pages}", blocks)


def listing_page(items: Sequence[Listing], total: int, page: int, size: int, today: date,
                 filters: str, *, label: Labels) -> Reply:
    pages = max(1, -(-total // size))
    title = f"Jurisdictions{' (' + filters + ')' if filters else ''}"
    lines = [f"*{escape(i.name)}* `{escape(i.id)}` — {label(i.state)}, "
             f"{deadline(i.due_on, i.us_state, today)}"
             + (f", owner {user(i.owner)}" if i.owner else "") for i in items]
    blocks = [header(title), context(f"{total} in all · page {page} of {pages}")]
    blocks += sections(lines or ["None match. `add` creates one; `help` lists the commands."])
    if page < pages:
        more = f" {filters}" if filters else ""
        blocks.append(context(f"More: `list{escape(more)} page={page + 1}`"))
    return Reply(f"{escape(title)}: page {page} of {pages}", blocks)


def done(change_event: Event, j: Jurisdiction, allowed: Sequence[str], today: date, *,
         label: Labels) -> Reply:
    text = (f":white_check_mark: {_sentence('You', change_event, j.name)} "
            f"{escape(j.name)} is now {label(j.state)}, "
            f"{deadline(j.due_on, j.us_state, today)}.")
    return Reply(text, [section(text), context(steps_hint(allowed))])


def announcement(event: Event, *, label: Labels) -> Reply:
    """What the team channel sees when a change commits."""
    name = str(event.detail.get("name", event.jurisdiction_id))
    text = _sentence(user(event.actor), event, name)
    if event.from_state and event.to_state and event.from_state != event.to_state:
        text += f" {label(event.from_state)} → *{label(event.to_state)}*."
    if _sets_deadline(event):
        text += f" Due {event.detail['due_on']}."
    return Reply(text, [section(text),
                        context(f"`{escape(event.jurisdiction_id)}` · {event.on}")],
                 in_channel=True)


def _sets_deadline(event: Event) -> bool:
    return bool(event.detail.get("due_on")) and event.kind in ("letter", "finding", "threaten",
                                                               "resume")


def _sentence(who: str, event: Event, name: str) -> str:
    """"{who} {did something to} *{name}*…": ``who`` is mrkdwn already (a mention);
    the name, alias, order and note are escaped here."""
    template = VERBS.get(event.kind, event.kind + " {name}")
    detail = event.detail
    what = f"{who} {template.format(name=f'*{escape(name)}*')}"
    if event.kind == "aliased":
        what += f": `{escape(detail.get('alias'))}`"
    if detail.get("order"):
        what += f": {escape(detail['order'])}"
    if detail.get("note"):
        what += f" ({escape(detail['note'])})"
    return what + "."


def roles(pairs: Sequence[tuple[str, Role]]) -> Reply:
    lines = [f"{user(u)}: {role.value}" for u, role in pairs] or ["No roles given yet."]
    blocks = [header("Roles"), *sections(lines)[:MAX_BLOCKS - 2]]
    blocks.append(context("Everyone else is a viewer. `role @someone analyst` changes one."))
    return Reply("Roles", blocks)


def states_help(states: Mapping[str, str]) -> str:
    return "\n".join(f"`{key}`: {label}" for key, label in states.items())


# -- reminders -----------------------------------------------------------------------

SNOOZE_ACTION = "reminder_snooze"


def days(count: int) -> str:
    return f"{count} business day{'' if count == 1 else 's'}"


def reminder_line(due: Due, count: int, today: date, label: Labels) -> str:
    r = due.reminder
    late = lateness(r.deadline, today, due.us_state)
    if late <= 0:
        when = f"due *{r.deadline}* ({'today' if late == 0 else 'in ' + days(-late)})"
    elif r.kind is Kind.ESCALATION:
        when = f":rotating_light: *very overdue*: {days(late)} past {r.deadline}"
    elif calendar_for(due.us_state or None).tier(r.deadline, today) is Tier.VERY_OVERDUE:
        when = f"*very overdue* since {r.deadline} ({days(late)})"  # as `list` says
    else:
        when = f"*overdue* since {r.deadline} ({days(late)})"
    owner = f" · owner {user(due.owner)}" if due.owner else " · no owner"
    caught_up = f" · {count - 1} earlier reminder(s) caught up" if count > 1 else ""
    return f"*{escape(due.name)}* — {when} · {label(due.state)}{owner}{caught_up}"


def reminders(lines: Sequence[tuple[Due, Sequence[int]]], leads: Sequence[str],
              today: date, *, label: Labels) -> Reply:
    """One message for a channel: a line per jurisdiction, each with a snooze menu but
    the escalation's."""
    blocks: list[Block] = [context(f":alarm_clock: Deadline reminders for {today}")]
    for due, ids in lines:
        block = section(reminder_line(due, len(ids), today, label))
        blocks.append(block)
        if due.reminder.kind is Kind.ESCALATION:
            continue  # nobody may snooze an escalation: no menu
        block["accessory"] = {
            "type": "overflow", "action_id": SNOOZE_ACTION,
            "options": [{"text": {"type": "plain_text", "text": f"Remind me {label}"},
                         "value": f"{due.reminder.id}:{days}"}
                        for days, label in SNOOZE_SPANS.items()],
        }
    if leads:
        blocks.append(context("Very overdue: " + " ".join(user(lead) for lead in leads)))
    text = f"{len(lines)} deadline reminder(s) for {today}"
    return Reply(text, blocks, in_channel=True)


# -- App Home ------------------------------------------------------------------------


def home(who: str, view: Home, today: date, *, label: Labels) -> dict[str, Any]:
    """The App Home tab (at most 100 blocks)."""

    def rows(items: Sequence[Listing], total: int, empty: str) -> list[Block]:
        lines = [f"*{escape(i.name)}* `{escape(i.id)}` — {label(i.state)}, "
                 f"{deadline(i.due_on, i.us_state, today)}" for i in items] or [empty]
        if total > len(items):
            lines.append(f"…and {total - len(items)} more (`/review list`)")
        return sections(lines)

    blocks: list[Block] = [header("Compliance review"),
                           context(f"For {user(who)} · {today}")]
    blocks += [header("Your jurisdictions")]
    blocks += rows(view.mine, view.mine_total, "None assigned to you.")
    blocks += [header("Due within a week")]
    blocks += rows(view.due_soon, view.due_soon_total, "Nothing due this week.")
    blocks += [header("Overdue")]
    blocks += rows(view.overdue, view.overdue_total, "Nothing overdue.")
    blocks += [header("Latest changes")]
    blocks += sections([history_line(e, label)
                        + f" · *{escape(e.detail.get('name', e.jurisdiction_id))}*"
                        for e in view.recent] or ["No changes yet."])
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}


def home_closed(refusal: ReviewError) -> dict[str, Any]:
    """The App Home of someone who may not read the review: why, and nothing of it."""
    return {"type": "home", "blocks": [header("Compliance review"),
                                       section(f":lock: {refusal_text(refusal)}")]}


# -- batches -------------------------------------------------------------------------

BATCH_APPROVE = "batch_approve"
BATCH_REJECT = "batch_reject"
BATCH_LINES = 40


def batch_request(batch: Batch) -> Reply:
    """The channel message a lead approves or rejects a batch from."""
    what = f"`{escape(batch.step)}`" + (f", due {escape(batch.due)}" if batch.due else "") + (
        f", dated {batch.on}" if batch.on else "") + (
        f" ({escape(batch.note)})" if batch.note else "")
    shown = ", ".join(f"`{escape(t)}`" for t in batch.targets[:BATCH_LINES * 5])
    more = len(batch.targets) - BATCH_LINES * 5
    text = (f"Batch #{batch.id}: {user(batch.requester)} asks to take {what} for "
            f"{len(batch.targets)} jurisdictions. A lead other than them approves it.")
    buttons: list[Block] = [
        {"type": "button", "action_id": BATCH_APPROVE, "value": str(batch.id), "style": "primary",
         "text": {"type": "plain_text", "text": "Approve and run"},
         "confirm": {"title": {"type": "plain_text", "text": "Run the batch?"},
                     "text": {"type": "mrkdwn",
                              "text": f"{escape(batch.step)} × {len(batch.targets)}"},
                     "confirm": {"type": "plain_text", "text": "Run it"},
                     "deny": {"type": "plain_text", "text": "Cancel"}}},
        {"type": "button", "action_id": BATCH_REJECT, "value": str(batch.id),
         "text": {"type": "plain_text", "text": "Reject"}},
    ]
    blocks = [section(text), section(shown + (f" …and {more} more" if more > 0 else "")),
              {"type": "actions", "block_id": f"batch-{batch.id}", "elements": buttons}]
    return Reply(text, blocks, in_channel=True)


def batch_report(batch: Batch) -> Reply:
    """What running (or rejecting) the batch did, jurisdiction by jurisdiction."""
    if batch.status == "rejected":
        text = f"Batch #{batch.id} (`{batch.step}` × {len(batch.targets)}) was rejected by " \
               f"{user(batch.decided_by)}; nothing was changed."
        return Reply(text, [section(text)], in_channel=True)
    refused = [(j, why) for j, ok, why in batch.results if not ok]
    done = [j for j, ok, _ in batch.results if ok]
    text = (f"Batch #{batch.id} `{batch.step}`, approved by {user(batch.decided_by)}: "
            f"{len(done)} done, {len(refused)} refused.")
    blocks = [section(text)]
    blocks += sections([f"✗ `{escape(j)}`: {escape(why)}" for j, why in refused[:BATCH_LINES]]
                       + ([f"…and {len(refused) - BATCH_LINES} more refused"]
                          if len(refused) > BATCH_LINES else []))[:MAX_BLOCKS - 3]
    if done:
        blocks.append(section("Done: " + ", ".join(f"`{escape(j)}`" for j in done)))
    return Reply(text, blocks[:MAX_BLOCKS], in_channel=True)


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
