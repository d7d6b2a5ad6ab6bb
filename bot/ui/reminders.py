"""A channel's deadline reminders: one line per jurisdiction, each with its snooze menu."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.ui.render import Block, Labels, Reply, context, escape, section, user
from workflows.deadlines import Tier, calendar_for
from workflows.reminders import Due, Kind, lateness
from workflows.sweep import SNOOZE_SPANS

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
