"""The ports the use cases need. Adapters live in ``storage/`` and ``bot/``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from workflows.closures import Closure
from workflows.model import Event, Jurisdiction, Listing, Notice, Role
from workflows.mutes import Standing
from workflows.reminders import Due, Reminder, StaleClaim, StoredReminder
from workflows.state_items import StateItem
from workflows.summary import Sent, Subscription, Summary


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class Directory(Protocol):
    """Who people are in the workspace (the bot asks Slack)."""

    async def is_guest(self, user: str) -> bool:
        """True for a guest (single- or multi-channel) or someone Slack does not know as
        a member of the workspace."""
        ...


@dataclass(frozen=True)
class DueRange:
    """Deadlines from ``first`` to ``last`` (inclusive; None: open) of the jurisdictions
    of ``us_state`` (empty: those without one): a tier is a range per calendar."""

    us_state: str
    first: date | None = None
    last: date | None = None


@dataclass(frozen=True)
class Cursor:
    """Where a page of the list starts: just after (or, ``backward``, just before) the
    jurisdiction whose lower-cased name and id these are, in the list's order."""

    name_key: str
    id: str
    backward: bool = False


COUNT_CAP = 10_000
"""The most a page's total counts where no kept count answers (``Filters``)."""


class Total(int):
    """How many match, or (``stopped``) one more than the count stopped at."""

    stopped = False

    @classmethod
    def more_than(cls, cap: int) -> Total:
        total = cls(cap + 1)
        total.stopped = True
        return total


def stopped(total: int) -> bool:
    """Whether ``total`` is where a count stopped (more match), not how many match."""
    return isinstance(total, Total) and total.stopped


@dataclass(frozen=True)
class Filters:
    """What ``list`` narrows by; empty fields match everything, and ``due`` None does
    (a tuple: a running deadline in one of its ranges). A page's total is exact for
    one filter or none; for more, or a ``due``, it is counted up to ``COUNT_CAP`` (or the
    page's size if larger), and past that it is ``Total.more_than`` that."""

    state: str = ""
    kind: str = ""
    us_state: str = ""
    owner: str = ""
    due: tuple[DueRange, ...] | None = None


@dataclass(frozen=True)
class StagedChange:
    """One jurisdiction's change, computed in memory and not yet written: the aggregate
    as it will be, the version it was computed from, its events (in order), notices,
    and the reminders its running deadline implies (None: leave reminders alone)."""

    jurisdiction: Jurisdiction
    expected_version: int
    events: Sequence[Event]
    notices: Sequence[Notice] = ()
    reminders: Sequence[Reminder] | None = None


class ExportSource(Protocol):
    """Everything stored, page by page, as of one moment (a read snapshot)."""

    async def jurisdictions_after(self, after: str, limit: int) -> list[Jurisdiction]:
        """Whole jurisdictions (rounds, orders, aliases) whose id sorts after ``after``,
        in id order."""
        ...

    async def state_after(self, after: str, limit: int) -> list[StateItem]:
        """What a state export reads of the jurisdictions whose id sorts after
        ``after``, in id order: their columns, aliases, court orders and current round."""
        ...

    async def events_after(self, after: tuple[str, int], limit: int) -> list[Event]:
        """Events after (jurisdiction id, seq), ordered by jurisdiction id then seq."""
        ...

    async def events_between(self, first: str, last: str,
                             kinds: Collection[str]) -> dict[str, list[Event]]:
        """The events of ``kinds`` of the jurisdictions whose ids sort from ``first`` to
        ``last``, by jurisdiction, in order (what a page's deadlines are derived from)."""
        ...

    async def closures(self) -> list[Closure]:
        """Every closure declared, withdrawn ones too."""
        ...


class Repository(Protocol):
    """Jurisdictions, their history and the notices waiting to be posted.

    ``add``, ``save`` and ``save_many`` are each one transaction: the aggregates, their
    events and notices are written together or not at all. ``save`` and ``save_many``
    raise ``Conflict`` when a stored version is no longer the expected one."""

    async def get(self, jurisdiction_id: str) -> Jurisdiction | None: ...

    async def lookup(self, text: str, limit: int) -> tuple[list[Listing], list[Listing]]:
        """Jurisdictions whose id, alias or name equals ``text`` (case-insensitive), and
        those for which it is only a prefix."""
        ...

    async def exact(self, text: str, limit: int) -> Jurisdiction | list[Listing]:
        """The one jurisdiction whose id, alias or name equals ``text``, whole; else
        the listings of those that do (none, or several; up to ``limit``)."""
        ...

    async def glance(self, jurisdiction_id: str, recent: int, evidence: int
                     ) -> tuple[list[Event], list[Event], int, list[Event]]:
        """What a card shows of a jurisdiction's events, in one read: the newest
        ``recent`` (newest first), the first ``evidence`` evidence events (oldest first)
        and how many there are, and its mute and unmute events (oldest first)."""
        ...

    async def exact_many(self, texts: Sequence[str]) -> dict[str, list[str]]:
        """For each of ``texts`` (already lower case), the ids, in order, of the
        jurisdictions whose id, alias or name equals it, as ``lookup`` finds them; a
        text that names none is left out. A few queries for thousands of texts."""
        ...

    async def get_many(self, ids: Sequence[str]) -> dict[str, Jurisdiction]:
        """The jurisdictions of ``ids`` that exist, as ``get`` reads each."""
        ...

    async def events_of(self, ids: Sequence[str]) -> dict[str, list[Event]]:
        """Every event of each of ``ids``, oldest first (none: left out)."""
        ...

    async def add(self, j: Jurisdiction, events: Sequence[Event],
                  notices: Sequence[Notice]) -> None: ...

    async def add_many(self, batch: Sequence[tuple[Jurisdiction, Sequence[Event],
                                                   Sequence[Notice]]]) -> None: ...

    async def taken_keys(self) -> set[str]:
        """Every id and alias in use."""
        ...

    async def save(self, j: Jurisdiction, expected_version: int, events: Sequence[Event],
                   notices: Sequence[Notice],
                   reminders: Sequence[Reminder] | None = None) -> None:
        """``reminders``, when given, are the ones the running deadline implies: pending
        reminders about any other deadline are cancelled, missing ones are added."""
        ...

    async def save_many(self, changes: Sequence[StagedChange]) -> None:
        """Every change, or none: a conflict (``Conflict``; ``BeingImported`` when
        another big write holds one of them) leaves the store as it was. A big one may
        be written in parts, each its own transaction, once all its jurisdictions are
        reserved: a failure part-way (a process killed) leaves it to be finished, not
        lost, and a change to a reserved jurisdiction meanwhile is ``BeingImported``."""
        ...

    async def save_stream(self, groups: AsyncIterator[Sequence[StagedChange]],
                          count: int) -> None:
        """Every change of every group ``groups`` yields (each jurisdiction in one group
        only), or none, as ``save_many``: and if ``groups`` raises part-way, nothing is
        written either. ``count`` is how many changes there may be (at most). A big
        import hands its changes over a few thousand jurisdictions at a time, so that
        they need not all be in memory at once."""
        ...

    def snapshot(self) -> AbstractAsyncContextManager[ExportSource]:
        """A consistent view of everything stored, for exports: later changes do not
        show in it, and reading it does not hold up changes."""
        ...

    async def page(self, filters: Filters, offset: int, limit: int,
                   after: Cursor | None = None) -> tuple[list[Listing], int]:
        """A page in name order (``offset`` rows on, or from ``after`` when given), and
        how many match in all (``Filters``)."""
        ...

    async def history(self, jurisdiction_id: str, offset: int,
                      limit: int) -> tuple[list[Event], int]: ...

    async def events_of_kind(self, jurisdiction_id: str, kind: str,
                             limit: int) -> tuple[list[Event], int]:
        """The jurisdiction's events of ``kind``, oldest first, and how many there are."""
        ...

    async def deadlines(self, first: date, last: date, filters: Filters,
                        limit: int) -> tuple[list[Listing], int]:
        """Running deadlines from ``first`` to ``last`` (inclusive), soonest first."""
        ...

    async def recent_events(self, limit: int) -> list[Event]: ...

    async def due_states(self) -> list[str]:
        """The US states (empty: none) of the jurisdictions with a deadline running."""
        ...

    async def closed_days(self, us_state: str) -> dict[date, str]:
        """The days closures declared (and not withdrawn) close for a jurisdiction of
        ``us_state``, each with why (``workflows.closures.closed_days``)."""
        ...

    async def role(self, user: str) -> Role | None: ...

    async def set_role(self, user: str, role: Role, by: str, at: datetime) -> None: ...

    async def roles(self) -> list[tuple[str, Role]]: ...


class ReminderStore(Protocol):
    """Reminder rows: claimed by a sweep, marked sent once Slack took them."""

    async def claim_reminders(self, now: datetime, claim: str, default_channel: str,
                              limit: int) -> list[Due]:
        """Take about ``limit`` reminders due by ``now`` (oldest first) for ``claim``,
        and the other due reminders of their jurisdictions with them, so that no
        jurisdiction's backlog is split between two claims."""
        ...

    async def mark_reminders_sent(self, ids: Sequence[int], ts: str, now: datetime,
                                  follow_ups: Sequence[Reminder]) -> None:
        """Follow-ups are kept only while their deadline is still the running one."""
        ...

    async def release_reminders(self, ids: Sequence[int], claim: str) -> None:
        """Put back those of ``ids`` that ``claim`` still holds (a reminder another
        sweep took since is that sweep's)."""
        ...

    async def dues(self, ids: Sequence[int]) -> list[Due]:
        """The reminders ``ids`` as a sweep claims them (with their jurisdiction)."""
        ...

    async def renew_claim(self, claim: str, now: datetime) -> None:
        """Still at work: move the claim's reminders not yet sent to ``now``."""
        ...

    async def cancel_reminders(self, ids: Sequence[int], now: datetime) -> None: ...

    async def standings(self, jurisdiction_ids: Sequence[str]) -> dict[str, Standing]:
        """Each jurisdiction as a firing reminder is checked against (none: gone)."""
        ...

    async def drop_reminders(self, ids: Sequence[int], now: datetime,
                             again: Sequence[Reminder]) -> None:
        """Mark ``ids`` dropped (never claimed again) and plan ``again`` in their place,
        each only while its deadline is still the running one."""
        ...

    async def stale_claims(self, before: datetime) -> list[StaleClaim]:
        """Claims (per channel) that have not moved since ``before``."""
        ...

    async def reminder(self, reminder_id: int) -> StoredReminder | None: ...

    async def snooze(self, reminder_id: int, by: str, again: Reminder) -> bool:
        """Mark it snoozed and plan ``again``; False if someone snoozed it first."""
        ...

    async def get(self, jurisdiction_id: str) -> Jurisdiction | None: ...

    async def users_with(self, role: Role) -> list[str]: ...

    async def role(self, user: str) -> Role | None: ...


class ChannelMembers(Protocol):
    """Who is in a channel; the bot asks Slack (conversations.members)."""

    async def is_member(self, channel: str, user: str) -> bool:
        """Whether ``user`` is in ``channel`` (where a reminder was posted, as stored).
        Raises ``DeliveryFailed`` when Slack cannot say."""
        ...


class ReminderNotifier(Protocol):
    """Posts reminder messages; the bot implements it over Slack."""

    async def remind(self, channel: str, lines: Sequence[tuple[Due, Sequence[int]]],
                     leads: Sequence[str]) -> str:
        """Post one message, a line per reminder with the ids of all the reminders it
        stands for; return the message's timestamp (Slack's). The message carries those
        ids, so ``delivered`` can find them. Raises ``DeliveryFailed``."""
        ...

    async def delivered(self, channel: str, after: str | None,
                        wanted: Collection[int]) -> dict[int, str]:
        """Which of ``wanted`` the channel's messages after the message stamped
        ``after`` carry, each with the timestamp of its message. Read newest first and
        stop once all are found; without ``after``, read back a bounded way. Only
        Slack's timestamps bound the read, never the bot's clock."""
        ...


class Subscriptions(Protocol):
    """Summary subscriptions, one per channel, and the lease on sending a channel's
    scheduled summary (what a summary reads is ``workflows.summary.SummarySource``)."""

    async def subscription(self, channel: str) -> Subscription | None: ...

    async def subscriptions(self) -> list[Subscription]:
        """Every subscription, by channel."""
        ...

    async def subscribe(self, subscription: Subscription) -> Subscription | None:
        """Save the channel's subscription; return the one it replaced, keeping that
        one's ``last_sent_at``."""
        ...

    async def unsubscribe(self, channel: str) -> Subscription | None:
        """Remove the channel's subscription; return it (None if there was none)."""
        ...

    async def mark_sent(self, channel: str, until: datetime) -> bool:
        """The channel's summary covered everything up to ``until`` (never moves
        backwards), and any lease on sending it ends. False without a subscription."""
        ...

    async def claim_sending(self, channel: str, now: datetime, lease: timedelta) -> bool:
        """Take the sending of the channel's scheduled summary until ``now + lease``;
        False if someone else holds it (or the channel has no subscription)."""
        ...

    async def release_sending(self, channel: str) -> None: ...


class SummaryPoster(Protocol):
    """Posts summaries; the bot implements it over Slack, with the labels and the
    order of states of the workflow in force."""

    async def post(self, channel: str, summary: Summary, zone: ZoneInfo) -> Sent:
        """Post the summary's message, its times shown in ``zone``; the ``Sent`` has no
        chart yet. Raises ``DeliveryFailed``."""
        ...

    async def add_chart(self, sent: Sent, zone: ZoneInfo) -> Sent:
        """Upload the chart of a posted summary to its channel: ``sent`` with the
        chart's id, or with ``chart_error`` saying why there is none (a refused chart
        does not undo the message)."""
        ...


SummaryJob = Callable[[str], Awaitable[None]]
"""What a schedule runs at a subscription's moments: given the channel."""


class SummarySchedule(Protocol):
    """The jobs that send scheduled summaries (the bot's scheduler); the subscriptions
    stored are the truth, and jobs are made again from them at each start."""

    def add(self, subscription: Subscription, job: SummaryJob) -> None:
        """Run ``job(channel)`` at each of the subscription's moments, in its time zone,
        instead of any job the channel had."""
        ...

    def remove(self, channel: str) -> None:
        """Stop the channel's job (none: nothing to do)."""
        ...
