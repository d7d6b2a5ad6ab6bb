"""The reminder sweep: claim what is due, post it grouped by channel, mark it sent.

Claims are atomic (a row moves from pending to sending under one claim id), so two
sweeps never take the same reminder. A sweep that dies after claiming leaves rows in
``sending``; once their lease has run out, the next sweep asks the channel which of
them were posted (each message carries its reminder ids) and marks those sent and
puts the rest back. Nothing is doubled and nothing is lost.

That check reads the channel back to the last reminder message recorded before the
claim, by the timestamp Slack gave it: Slack's clock and the bot's (or a sweep's
``--as-of``) may disagree by any amount, so the two are never compared.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from workflows.errors import (
    BadInput,
    DeliveryFailed,
    NotFound,
    NotPermitted,
    Person,
    StepRefused,
)
from workflows.model import Jurisdiction, Role
from workflows.mutes import Standing, capped, dropped, postponed
from workflows.ports import ChannelMembers, Clock, ReminderNotifier, ReminderStore
from workflows.reminders import (
    Due,
    Kind,
    Policy,
    Reminder,
    StaleClaim,
    StoredReminder,
    collapse,
    follow_ups,
    snoozed,
)

log = logging.getLogger(__name__)

LINES_PER_MESSAGE = 40
"""Slack allows 50 blocks a message; a reminder line is one block."""
CLAIM_LIMIT = 2000
"""Reminders taken at once; a full claim is posted, then the sweep claims again. Small
claims keep each write transaction short (under 50 ms on SQLite at 100,000
jurisdictions, the claim written as rows of its own: bench.scale)."""
LEASE = timedelta(minutes=2)
"""How long a claim may go without progress before another sweep checks on it: a sweep
renews what it still holds after each message, so only a dead (or stuck) one lapses."""
SNOOZE_SPANS = {1: "tomorrow", 5: "next week"}


@dataclass
class SweepReport:
    at: datetime
    in_hours: bool
    claimed: int = 0
    """Taken from the store to post (each then posted, dropped or put back)."""
    posted: int = 0
    messages: int = 0
    recovered: int = 0
    released: int = 0
    dropped: int = 0
    """Claimed, then not posted: no longer applying when about to go out."""
    failed_channels: list[str] = field(default_factory=list)


class Sweeper:
    def __init__(self, store: ReminderStore, notifier: ReminderNotifier, clock: Clock,
                 policy: Policy, default_channel: str, label: Callable[[str], str],
                 claim_limit: int = CLAIM_LIMIT) -> None:
        """``label`` is the workflow in force's words for a state."""
        self.label = label
        self.store = store
        self.notifier = notifier
        self.clock = clock
        self.policy = policy
        self.default_channel = default_channel
        self.claim_limit = claim_limit

    async def sweep(self, now: datetime | None = None) -> SweepReport:
        """Post every reminder that is due; outside business hours, only recover."""
        now = now or self.clock.now()
        report = SweepReport(now, self.policy.in_hours(now))
        await self._recover(now, report)
        if not report.in_hours:
            return report
        while True:
            claim = uuid.uuid4().hex
            due = await self.store.claim_reminders(now, claim, self.default_channel,
                                                   self.claim_limit)
            report.claimed += len(due)
            await self._post(claim, due, now, report)
            if len(due) < self.claim_limit or report.failed_channels:
                return report  # all taken, or Slack is refusing: the next sweep goes on

    async def _post(self, claim: str, due: list[Due], now: datetime,
                    report: SweepReport) -> None:
        by_channel: dict[str, list[Due]] = {}
        for item in due:
            by_channel.setdefault(item.channel, []).append(item)
        leads: list[str] | None = None
        for channel, items in by_channel.items():
            if leads is None and any(i.reminder.kind is Kind.ESCALATION for i in items):
                leads = await self.store.users_with(Role.LEAD)
            await self._post_channel(claim, channel, items, leads or [], now, report)

    async def _post_channel(self, claim: str, channel: str, items: list[Due],
                            leads: list[str], now: datetime, report: SweepReport) -> None:
        lines = collapse(items)
        for start in range(0, len(lines), LINES_PER_MESSAGE):
            chunk, standings = await self._still_due(lines[start:start + LINES_PER_MESSAGE],
                                                     now, report)
            if not chunk:
                continue
            escalating = any(head.reminder.kind is Kind.ESCALATION for head, _ in chunk)
            try:
                ts = await self.notifier.remind(
                    channel, [(head, [_id(d) for d in (head, *riders)]) for head, riders in chunk],
                    leads if escalating else [])
            except DeliveryFailed as failure:
                rest = [d for head, riders in lines[start:] for d in (head, *riders)]
                await self._give_back(claim, channel, rest, failure, now, report)
                return
            ids = [_id(d) for head, riders in chunk for d in (head, *riders)]
            await self.store.mark_reminders_sent(ids, ts, now,
                                                 self._chained(chunk, standings, now))
            await self.store.renew_claim(claim, self.clock.now())
            report.posted += len(ids)
            report.messages += 1

    async def _still_due(self, chunk: list[tuple[Due, list[Due]]], now: datetime,
                         report: SweepReport
                         ) -> tuple[list[tuple[Due, list[Due]]], dict[str, Standing]]:
        """The lines of ``chunk`` that still apply as they are about to be posted
        (``workflows.mutes.dropped``), checked against the store as it is now; the
        others are marked dropped, and a nudge dropped in a mute waits for its end."""
        items = [d for head, riders in chunk for d in (head, *riders)]
        standings = await self.store.standings(sorted({d.reminder.jurisdiction_id
                                                       for d in items}))
        keep, drop, again = [], [], []
        for d in items:
            standing = standings.get(d.reminder.jurisdiction_id)
            why = dropped(d.reminder, standing, self.policy, now)
            if why is None:
                keep.append(d)
                continue
            log.info("reminder %s about %s dropped: %s", d.reminder.id, d.name, why)
            drop.append(_id(d))
            if standing is not None and (later := postponed(d.reminder, standing, self.policy,
                                                            d.us_state)):
                again.append(later)
        if drop:
            await self.store.drop_reminders(drop, now, again)
            report.dropped += len(drop)
        return (collapse(keep) if drop else chunk), standings

    def _chained(self, chunk: list[tuple[Due, list[Due]]], standings: dict[str, Standing],
                 now: datetime) -> list[Reminder]:
        """The follow-ups after ``chunk``, but none beyond the workflow's cap."""
        chained: list[Reminder] = []
        for head, riders in chunk:
            r, standing = head.reminder, standings.get(head.reminder.jurisdiction_id)
            sent = [d.reminder.kind for d in (head, *riders)]
            if standing is None or not capped(standing, (r.round, r.deadline), self.policy,
                                              sent):
                chained += follow_ups([head], self.policy, now)
        return chained

    async def _give_back(self, claim: str, channel: str, rest: list[Due],
                         failure: DeliveryFailed, now: datetime, report: SweepReport) -> None:
        ids = [_id(d) for d in rest]
        report.failed_channels.append(channel)
        if failure.permanent:
            log.error("reminders for %s dropped: %s", channel, failure)
            await self.store.cancel_reminders(ids, now)
        else:
            log.warning("reminders for %s not posted yet: %s", channel, failure)
            await self.store.release_reminders(ids, claim)
            report.released += len(ids)

    async def _recover(self, now: datetime, report: SweepReport) -> None:
        for stale in await self.store.stale_claims(now - LEASE):
            try:
                posted = await self.notifier.delivered(stale.channel, stale.after, stale.ids)
            except DeliveryFailed as failure:
                if not failure.permanent:
                    log.warning("cannot check %s for claimed reminders yet: %s",
                                stale.channel, failure)
                    continue
                # Slack will never show this channel (the bot is not in it, say): left
                # claimed, its reminders would wait forever; given back, they go out,
                # perhaps a second time, which is the lesser harm.
                log.warning("cannot read %s back (%s): its claimed reminders are given "
                            "back to post", stale.channel, failure)
                posted = {}
            await self._settle(stale, posted, now, report)

    async def _settle(self, stale: StaleClaim, posted: dict[int, str], now: datetime,
                      report: SweepReport) -> None:
        """Record what the dead sweep posted (with each message's timestamp, so later
        checks can start from it) and put the rest back for this sweep to post."""
        by_message: dict[str, list[int]] = {}
        for i in stale.ids:
            if i in posted:
                by_message.setdefault(posted[i], []).append(i)
        for ts, done in by_message.items():
            chained = follow_ups(await self.store.dues(done), self.policy, now)
            await self.store.mark_reminders_sent(done, ts, now, chained)
            report.recovered += len(done)
        rest = [i for i in stale.ids if i not in posted]
        await self.store.release_reminders(rest, stale.claim)
        report.released += len(rest)

    async def snooze(self, reminder_id: int, user: str, days: int,
                     members: ChannelMembers) -> tuple[str, datetime]:
        """Remind again ``days`` business days from now; returns (name, when). Only the
        people of the channel the reminder was posted in, or a lead, may; nobody may
        snooze an escalation, which tells the leads once that a deadline is very late."""
        if days not in SNOOZE_SPANS:
            raise BadInput("That snooze menu is out of date.")
        found = await self.store.reminder(reminder_id)
        if found is None:
            raise NotFound("That reminder no longer exists.")
        if found.reminder.kind is Kind.ESCALATION:
            raise StepRefused("An escalation cannot be snoozed: it tells the leads, once, "
                              "that a deadline is very overdue.")
        await self._may_snooze(user, found.channel or self.default_channel, members)
        j = await self._still_applies(found)
        again = snoozed(found.reminder, self.clock.now(), self.policy, days)
        if not await self.store.snooze(reminder_id, user, again):
            raise StepRefused(f"Someone snoozed this reminder about {j.name} a moment ago.")
        return j.name, again.due_at

    async def _may_snooze(self, user: str, channel: str, members: ChannelMembers) -> None:
        """The channel's people decide about its reminders; a lead may anywhere."""
        if await self.store.role(user) is Role.LEAD:
            return
        try:
            inside = await members.is_member(channel, user)
        except DeliveryFailed as failure:
            log.warning("cannot tell who is in %s: %s", channel, failure)
            raise StepRefused("I could not check who is in the channel this reminder was "
                              "posted in just now. Try again in a minute.") from None
        if not inside:
            raise NotPermitted("Only people in the channel this reminder was posted in, "
                               "or a lead, may snooze it.")

    async def _still_applies(self, found: StoredReminder) -> Jurisdiction:
        """The jurisdiction, if the reminder was posted, is not snoozed yet and is still
        about the deadline running."""
        original = found.reminder
        j = await self.store.get(original.jurisdiction_id)
        if j is None:
            raise NotFound("That jurisdiction no longer exists.")
        if found.status != "sent":
            raise StepRefused(f"That reminder about {j.name} was {found.status}; there is "
                              "nothing to snooze.")
        if found.snoozed_by is not None:
            raise StepRefused((Person(found.snoozed_by),
                               f" already snoozed this reminder about {j.name}."))
        if j.due_on != original.deadline:
            raise StepRefused(f"This reminder no longer applies: {j.name} is now "
                              f"{self.label(j.state)}.")
        return j


def _id(due: Due) -> int:
    assert due.reminder.id is not None
    return due.reminder.id
