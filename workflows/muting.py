"""Muting a jurisdiction's reminders, and unmuting them: the use case beside ``Review``.

A mute is recorded as a ``mute`` event (with its reason and the day it ends, if
given) and ended early by an ``unmute`` event: both go into the jurisdiction's history,
and so into the record's chain, and neither moves its state. Who may is the workflow's
``mute`` permission (leads and admins unless the file says otherwise). What a mute does
to reminders is ``workflows.mutes``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Protocol

from workflows.errors import BadInput, Code
from workflows.model import Event, Jurisdiction
from workflows.mutes import MUTE, UNMUTE, Mute, resumed
from workflows.reminders import plan
from workflows.review import Change, Review

MAX_REASON = 500
LONGEST = timedelta(days=5 * 366)
"""How far ahead ``until=`` may be: a mistyped year is refused, not kept for decades."""


class MuteStore(Protocol):
    async def mutes(self, ids: Sequence[str]) -> dict[str, Mute]:
        """The latest mute of each of ``ids`` ever muted (``workflows.mutes.mute_from``)."""
        ...


class Mutes:
    def __init__(self, review: Review, store: MuteStore) -> None:
        self.review = review
        self.store = store

    async def mute(self, actor: str, ref: str, reason: str, until: date | None) -> Change:
        """Stop ``ref``'s reminders (until the day ``until``, if given)."""
        await self.review.require(actor, MUTE)
        reason = " ".join(reason.split())
        if not reason:
            raise BadInput(["Say why the reminders stop, e.g. ", Code("reason=in litigation"),
                            "; nothing was changed."])
        if len(reason) > MAX_REASON:
            raise BadInput(f"Keep the reason to {MAX_REASON} characters; nothing was changed.")
        self._check_until(until)
        j = await self.review.resolve(ref)
        detail = {"reason": reason, "until": until.isoformat() if until else None}
        return await self._record(j, MUTE, actor, detail)

    def _check_until(self, until: date | None) -> None:
        today = self.review.today()
        if until is not None and until <= today:
            raise BadInput(f"until={until} is not after today ({today}): a mute ends on a day "
                           "to come. Nothing was changed.")
        if until is not None and until > today + LONGEST:
            raise BadInput(f"until={until} is more than five years away; nothing was changed.")

    async def unmute(self, actor: str, ref: str) -> Change:
        """Start ``ref``'s reminders again, planned from its running deadline as of now."""
        await self.review.require(actor, MUTE)
        j = await self.review.resolve(ref)
        if await self.current(j.id) is None:
            raise BadInput(f"The reminders of {j.name} are not muted; nothing was changed.")
        return await self._record(j, UNMUTE, actor, {})

    async def current(self, jurisdiction_id: str) -> Mute | None:
        return (await self.of([jurisdiction_id])).get(jurisdiction_id)

    async def of(self, ids: Sequence[str]) -> dict[str, Mute]:
        """The mutes in force now among ``ids``."""
        now, zone = self.review.now(), self.review.config.policy.timezone
        return {jid: m for jid, m in (await self.store.mutes(ids)).items()
                if m.active(now, zone)}

    async def _record(self, j: Jurisdiction, kind: str, actor: str,
                      detail: Mapping[str, object]) -> Change:
        """One event, saved as every change is; an unmute plans the reminders again,
        from the moment it is recorded (which is also the event's)."""
        review, now = self.review, self.review.now()
        event = Event(j.id, kind, actor, review.today(), now, j.state, j.state,
                      {"name": j.name, **detail})
        reminders = None
        if kind == UNMUTE:
            today = review.today()
            overdue = j.due_on is not None and j.due_on < today
            reminders = resumed(plan(j, review.config.policy, today), review.config.policy,
                                now, overdue)
        return await review._save(j, j.version, event, reminders)
