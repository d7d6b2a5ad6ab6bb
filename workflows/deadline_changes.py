"""The use cases about deadlines themselves: why a date, closure days, extensions.

``explain`` works out each round's deadline again (``workflows.derivation``). Declaring
or withdrawing a closure recounts every running deadline it can touch, with the very
count ``explain`` shows, and writes every one that moved, with a ``deadline_moved``
event and its reminders planned again, in one transaction with the closure's own row
(``ClosureStore``): all of it or nothing. A change to one of those jurisdictions at the
same moment makes the versions disagree; the recount is then made again from what is
stored, a few times, before the lead is told to try again. Each channel hears once,
from one announcement listing its moved deadlines. ``extend`` moves one running
deadline, by a count or to a date, with its reason in an ``extended`` event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Protocol

from workflows.closures import Closure, closed_days, parse_closure
from workflows.deadlines import Calendar, DueSpec, calendar_for, parse_date
from workflows.definition import Step
from workflows.derivation import EXTENDED, MOVED, Derivation, derive
from workflows.errors import BadInput, BeingImported, Code, Conflict, NotFound, StepRefused
from workflows.lengths import MAX_NOTE, check_length
from workflows.model import Event, Jurisdiction, Notice, Round
from workflows.ports import Filters, StagedChange
from workflows.reminders import plan
from workflows.review import Change, Review

RECOUNT_LIMIT = 100_000
"""Running deadlines one closure may recount."""
ATTEMPTS = 3
"""Recounts tried when someone changes one of the jurisdictions at the same moment."""
LISTED = 40
"""Moved deadlines an announcement names; the rest are counted."""
Kinds = tuple[frozenset[str], frozenset[str]]
"""The steps that pause a round's clock, and those that resume it."""
DEFAULT_KINDS: Kinds = (frozenset({"clarify"}), frozenset({"resume"}))
"""Those of the packaged workflow."""


def clock_steps(steps: Iterable[Step]) -> Kinds:
    """The steps of a workflow that pause a round's clock, and those that resume it."""
    steps = list(steps)
    return (frozenset(s.name for s in steps if s.pauses),
            frozenset(s.name for s in steps if s.resumes))


class ClosureStore(Protocol):
    async def closures(self) -> list[Closure]:
        """Every closure ever declared (withdrawn ones too), oldest first."""
        ...

    async def next_closure_id(self) -> int: ...

    async def declare_closure(self, closure: Closure,
                              changes: Sequence[StagedChange]) -> None:
        """Keep ``closure`` (its id from ``next_closure_id``) and write ``changes``, in
        one transaction. ``Conflict`` if the id was taken meanwhile or a jurisdiction
        is no longer at its expected version; nothing written then."""
        ...

    async def withdraw_closure(self, closure: Closure,
                               changes: Sequence[StagedChange]) -> None:
        """Mark ``closure`` withdrawn (by, at: as given) and write ``changes``, in one
        transaction; ``Conflict`` if it was withdrawn meanwhile or a version moved."""
        ...


@dataclass(frozen=True)
class Moved:
    jurisdiction_id: str
    name: str
    channel: str
    before: date
    after: date


@dataclass(frozen=True)
class ClosureChange:
    """What declaring or withdrawing a closure did."""

    closure: Closure
    moved: list[Moved] = field(default_factory=list)
    withdrawn: bool = False


class Deadlines:
    def __init__(self, review: Review, store: ClosureStore) -> None:
        self.review = review
        self.store = store

    # -- why this date -------------------------------------------------------------------

    async def explain(self, actor: str, ref: str) -> tuple[Jurisdiction, list[Derivation]]:
        """Every round of the jurisdiction ``ref`` names, its deadline worked out."""
        await self.review.require_reader(actor)
        j = await self.review.resolve(ref)
        events = (await self.review.repo.events_of([j.id])).get(j.id, [])
        return j, derivations(j, events, await self.store.closures(), self._kinds())

    def _kinds(self) -> Kinds:
        return clock_steps(self.review.workflow.definition.steps)

    # -- closures ------------------------------------------------------------------------

    async def closures(self, actor: str) -> list[Closure]:
        await self.review.require_reader(actor)
        return await self.store.closures()

    async def declare(self, actor: str, days: str, reason: str, us_state: str = ""
                      ) -> ClosureChange:
        await self.review.require(actor, "closed")
        closure = parse_closure(days, reason, us_state, self.review.today())
        for attempt in range(ATTEMPTS):
            declared = Closure(closure.first, closure.last, closure.reason, closure.us_state,
                               await self.store.next_closure_id(), actor, self.review.now())
            staged, moved = await self._recount(actor, declared, [declared])
            try:
                await self.store.declare_closure(declared, staged)
            except (Conflict, BeingImported):
                if attempt == ATTEMPTS - 1:
                    raise _busy() from None
                continue
            return ClosureChange(declared, moved)
        raise _busy()

    async def withdraw(self, actor: str, closure_id: int) -> ClosureChange:
        await self.review.require(actor, "closed")
        for attempt in range(ATTEMPTS):
            found = next((c for c in await self.store.closures() if c.id == closure_id), None)
            if found is None:
                raise NotFound([f"There is no closure #{closure_id}; ", Code("closed"),
                                " lists them."])
            if not found.active:
                raise StepRefused(f"Closure #{closure_id} was already withdrawn.")
            gone = Closure(found.first, found.last, found.reason, found.us_state, found.id,
                           found.declared_by, found.declared_at, actor, self.review.now())
            staged, moved = await self._recount(actor, gone, [gone])
            try:
                await self.store.withdraw_closure(gone, staged)
            except (Conflict, BeingImported):
                if attempt == ATTEMPTS - 1:
                    raise _busy() from None
                continue
            return ClosureChange(gone, moved, withdrawn=True)
        raise _busy()

    async def _recount(self, actor: str, closure: Closure, replacing: list[Closure]
                       ) -> tuple[list[StagedChange], list[Moved]]:
        """The running deadlines ``closure`` can touch, counted again with the closures
        as they will be (``replacing`` put in place of their stored selves)."""
        ids = {c.id for c in replacing}
        stored = await self.store.closures()
        closures = [c for c in stored if c.id not in ids] + replacing
        listings, total = await self.review.repo.deadlines(
            closure.first, date.max, Filters(us_state=closure.us_state), RECOUNT_LIMIT)
        if total > RECOUNT_LIMIT:
            raise BadInput(f"More than {RECOUNT_LIMIT:,} running deadlines would be "
                           f"recounted; at most {RECOUNT_LIMIT:,} at once. Nothing was "
                           "changed.")
        loaded = await self.review.repo.get_many([item.id for item in listings])
        events = await self.review.repo.events_of(list(loaded))
        moved: list[tuple[Jurisdiction, Moved]] = []
        for j in sorted(loaded.values(), key=lambda j: j.id):
            current = j.current_round
            if current is None or j.due_on is None or current.sent_on > closure.last:
                continue
            history = events.get(j.id, [])
            old = derive(j, current, history, _calendar(j, stored), *self._kinds()).due_on
            new = derive(j, current, history, _calendar(j, closures), *self._kinds()).due_on
            if new is not None and new != old:  # moved by this closure, nothing else
                channel = j.channel or self.review.config.default_channel
                moved.append((j, Moved(j.id, j.name, channel, j.due_on, new)))
        return self._staged(actor, closure, moved), [m for _, m in moved]

    def _staged(self, actor: str, closure: Closure, moved: list[tuple[Jurisdiction, Moved]]
                ) -> list[StagedChange]:
        today, policy = self.review.today(), self.review.config.policy
        by_channel: dict[str, list[Moved]] = {}
        for _, m in moved:
            by_channel.setdefault(m.channel, []).append(m)
        staged = []
        for j, m in moved:
            version = j.version
            assert j.current_round is not None
            j.current_round.due_on = m.after
            detail: dict[str, object] = {
                "name": j.name, "round": j.current_round.number, "from": m.before.isoformat(),
                "to": m.after.isoformat(), "closure": closure.detail(),
                "action": "withdrawn" if closure.withdrawn_at else "declared"}
            group = by_channel[m.channel]
            if group[0] is m:  # the channel's one announcement
                detail["moved"] = [[g.jurisdiction_id, g.name, g.before.isoformat(),
                                    g.after.isoformat()] for g in group[:LISTED]]
                detail["moved_total"] = len(group)
            event = Event(j.id, MOVED, actor, today, self.review.now(), j.state, j.state,
                          detail)
            notices = [Notice(m.channel, event)] if group[0] is m else []
            staged.append(StagedChange(j, version, [event], notices, plan(j, policy, today)))
        return staged

    # -- extensions ----------------------------------------------------------------------

    async def extend(self, actor: str, ref: str, by: str = "", to: str = "",
                     reason: str = "") -> Change:
        """Move ``ref``'s running deadline ``by`` a count of days after it, or ``to`` a
        date (which may shorten it); refused before today, without a running deadline,
        on a paused clock, without a reason."""
        await self.review.require(actor, "extend")
        reason = check_length(" ".join(reason.split()), "reason", MAX_NOTE, "note")
        if not reason:
            raise BadInput("Say why the deadline moves: reason=\"asked for more time\".",
                           field="note")
        if bool(by.strip()) == bool(to.strip()):
            raise BadInput("Give by= (e.g. by=\"10 business days\") or to= (a date), one of "
                           "them.", field="due")
        j = await self.review.resolve(ref)
        current, due = j.current_round, j.due_on
        if current is not None and current.is_open and current.paused_on is not None:
            raise StepRefused(f"{j.name}'s clock is paused (since {current.paused_on}); "
                              "resume it before moving its deadline.")
        if current is None or due is None:
            raise StepRefused(f"{j.name} has no running deadline to extend.")
        calendar = _calendar(j, await self.store.closures())
        new, rule = _extended(calendar, due, by, to)
        today = self.review.today()
        if new < today:
            raise BadInput(f"That would end the deadline on {new}, before today ({today}).",
                           field="due")
        if new == due:
            raise BadInput(f"{j.name}'s deadline is {due} already; nothing was changed.",
                           field="due")
        return await self._save_extension(actor, j, current.number, due, new, rule, reason)

    async def _save_extension(self, actor: str, j: Jurisdiction, number: int, due: date,
                              new: date, rule: str, reason: str) -> Change:
        version = j.version
        assert j.current_round is not None
        j.current_round.due_on = new
        event = Event(j.id, EXTENDED, actor, self.review.today(), self.review.now(),
                      j.state, j.state, {"name": j.name, "round": number, "from": due.isoformat(),
                                         "to": new.isoformat(), "by": rule, "reason": reason})
        notice = Notice(j.channel or self.review.config.default_channel, event)
        try:
            await self.review.repo.save(j, version, [event], [notice],
                                        plan(j, self.review.config.policy, self.review.today()))
        except (Conflict, BeingImported):
            raise Conflict(f"Someone changed {j.name} at the same moment; nothing was "
                           "changed. Look at it again before you retry.") from None
        j.version = version + 1
        return Change(j, replace(event, seq=version + 1))


def derivations(j: Jurisdiction, events: Sequence[Event], closures: Sequence[Closure],
                kinds: Kinds) -> list[Derivation]:
    """Each round of ``j`` worked out; a settled round with the closures that were in
    force the day it was settled, a running one with those in force now."""
    return [_derived(j, rnd, events, closures, kinds) for rnd in j.rounds]


def current_derivation(j: Jurisdiction, events: Sequence[Event], closures: Sequence[Closure],
                       kinds: Kinds) -> Derivation:
    """``derivations(…)[-1]``, the last round's alone (``j`` has a round)."""
    return _derived(j, j.rounds[-1], events, closures, kinds)


def _derived(j: Jurisdiction, rnd: Round, events: Sequence[Event], closures: Sequence[Closure],
             kinds: Kinds) -> Derivation:
    when = rnd.closed_on if not rnd.is_open else None
    known = [c for c in closures if when is None or _in_force(c, when)]
    return derive(j, rnd, events, _calendar(j, known), *kinds)


def _in_force(closure: Closure, day: date) -> bool:
    declared = closure.declared_at.date() if closure.declared_at else date.min
    withdrawn = closure.withdrawn_at.date() if closure.withdrawn_at else date.max
    return declared <= day < withdrawn


def _calendar(j: Jurisdiction, closures: Sequence[Closure]) -> Calendar:
    return calendar_for(j.us_state).closing(closed_days(closures, j.us_state))


def _extended(calendar: Calendar, due: date, by: str, to: str) -> tuple[date, str]:
    """The new deadline and the rule that says how (empty for a date given)."""
    if to.strip():
        return calendar.reopened(parse_date(to, "due")), ""
    if by.strip().startswith("-"):
        raise BadInput("by= must be a positive count of days; to shorten a deadline, give "
                       "its new date with to=.", field="due")
    spec = DueSpec.parse(by)
    if spec.on is not None:
        raise BadInput("by= takes a count of days (by=\"10 business days\"); for a date, "
                       "write to=.", field="due")
    return calendar.due_on(spec, due), spec.describe()


def _busy() -> Conflict:
    return Conflict("Some of these deadlines were being changed at the same moment, again and "
                    "again; nothing was changed. Try again in a moment.")


