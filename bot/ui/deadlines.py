"""What the deadline commands say: a deadline's derivation, the closures, what declaring
or withdrawing one moved, and the channel's one announcement of it. Pure: domain values
in, Block Kit out; every piece of text people typed (a reason, a name) escaped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.ui.render import Block, Reply, clip, context, count, escape, header, section, user
from workflows.closures import Closure
from workflows.deadline_changes import ClosureChange, Moved
from workflows.derivation import Derivation
from workflows.model import Event, Jurisdiction

MAX_ROUNDS = 10
"""Rounds shown, the latest ones (a section each)."""
LISTED = 40
"""Moved deadlines named in an answer; the rest are counted."""
WHY_ACTION = "why_deadline"
"""The card's "Why this date?" button; its value is the jurisdiction's id."""


def derivation_lines(d: Derivation) -> list[str]:
    """One derivation as mrkdwn lines: its stages (escaped: a reason is typed text)."""
    return [f"• {escape(line)}" for line in d.lines()]


def explained(j: Jurisdiction, found: Sequence[Derivation]) -> Reply:
    """``/review deadline <j>``: every round's deadline worked out, the latest first."""
    title = f"Why these dates: {j.name}"
    if not found:
        text = f"{escape(j.name)} has had no letter, finding or demand yet: no deadline."
        return Reply(text, [header(title), section(text)])
    blocks: list[Block] = [header(title)]
    shown = list(reversed(found))[:MAX_ROUNDS]
    for d in shown:
        running = " (running)" if d.due_on is not None and d is found[-1] else ""
        lines = [f"*Round {d.round}: {escape(d.round_kind)}{running}*", *derivation_lines(d)]
        blocks.append(section("\n".join(lines)))
    blocks.append(context("Counted as FRCP 6(a) counts: the trigger day left out; business "
                          "days skip weekends, federal and state holidays and closure days; a "
                          "last day on one moves to the next open day."))
    text = f"{title}: " + " | ".join("; ".join(d.lines()) for d in shown)
    return Reply(clip(text, 3000), blocks)


def closures_list(closures: Sequence[Closure]) -> Reply:
    if not closures:
        text = ("No closure days are declared. A lead declares one with "
                "`/review closed 2018-01-20..2018-01-22 reason=\"federal shutdown\"`.")
        return Reply(text, [section(text)])
    lines = [_closure_line(c) for c in closures[-40:]]
    text = "*Closure days* (FRCP 6(a)(3))\n" + "\n".join(lines)
    return Reply(text, [section(text),
                        context("Withdraw one with `/review closed withdraw <id>`.")])


def _closure_line(c: Closure) -> str:
    where = f" · {escape(c.us_state)} only" if c.us_state else " · every state"
    line = (f"#{c.id} `{c.span()}` {escape(c.reason)}{where} · declared by "
            f"{user(c.declared_by)}")
    if not c.active:
        line = f"~{line}~ withdrawn by {user(c.withdrawn_by)}"
    return f"• {line}"


def closure_changed(change: ClosureChange) -> Reply:
    """The answer to the lead who declared or withdrew a closure: every deadline moved."""
    c, moved = change.closure, change.moved
    did = "withdrew" if change.withdrawn else "declared"
    head = (f":white_check_mark: You {did} closure #{c.id}: `{c.span()}` closed "
            f"({escape(c.reason)}{', ' + escape(c.us_state) + ' only' if c.us_state else ''}).")
    if not moved:
        text = f"{head} No running deadline moved."
        return Reply(text, [section(text)])
    lines = [_moved_line(m) for m in moved[:LISTED]]
    if len(moved) > LISTED:
        lines.append(f"…and {len(moved) - LISTED:,} more.")
    text = f"{head} {count(len(moved), 'deadline')} moved:\n" + "\n".join(lines)
    tail = "Each channel is told once, with its own list."
    return Reply(clip(text, 3000), [section(text), context(tail)])


def _moved_line(m: Moved) -> str:
    return f"• *{escape(m.name)}* ({escape(m.jurisdiction_id)}): {m.before} → *{m.after}*"


def moved_announcement(event: Event) -> Reply:
    """The channel's one message about the deadlines a closure moved (the first of
    them carries the list, ``workflows.deadline_changes``)."""
    detail: dict[str, Any] = event.detail
    closure = detail.get("closure") or {}
    span = closure.get("first", "")
    if closure.get("last") and closure.get("last") != span:
        span = f"{span} to {closure['last']}"
    action = "withdrew the closure of" if detail.get("action") == "withdrawn" else "declared"
    tail = "" if detail.get("action") == "withdrawn" else " closed"
    rows = detail.get("moved") or [[event.jurisdiction_id, detail.get("name", ""),
                                    detail.get("from", ""), detail.get("to", "")]]
    total = int(detail.get("moved_total") or len(rows))
    lines = [f"• *{escape(name)}*: {escape(old)} → *{escape(new)}*"
             for _, name, old, new in rows]
    if total > len(rows):
        lines.append(f"…and {total - len(rows):,} more.")
    text = (f":calendar: {user(event.actor)} {action} `{escape(span)}`{tail} "
            f"({escape(closure.get('reason', ''))}): {count(total, 'deadline')} "
            "moved here.\n" + "\n".join(lines))
    return Reply(clip(text, 3000), [section(text), context("FRCP 6(a)(3) · "
                 "`/review deadline <jurisdiction>` shows why")], in_channel=True)


def extended_announcement(event: Event) -> Reply:
    detail = event.detail
    how = f"by {escape(detail['by'])}" if detail.get("by") else f"to {escape(detail.get('to'))}"
    text = (f":calendar: {user(event.actor)} moved the deadline of "
            f"*{escape(detail.get('name', event.jurisdiction_id))}* {how}: "
            f"{escape(detail.get('from'))} → *{escape(detail.get('to'))}* "
            f"({escape(detail.get('reason', ''))}).")
    return Reply(text, [section(text), context(f"`{escape(event.jurisdiction_id)}` · "
                                               f"{event.on}")], in_channel=True)


def why_button(jurisdiction_id: str) -> dict[str, Any]:
    return {"type": "button", "action_id": WHY_ACTION, "value": jurisdiction_id,
            "text": {"type": "plain_text", "text": "Why this date?"}}
