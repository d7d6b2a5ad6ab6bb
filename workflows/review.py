"""The use cases: every change and question the team can put to the review.

Each change loads one jurisdiction, lets the workflow judge it, and saves the new
state, its event and the notice to the team channel in one transaction. Refusals are
``ReviewError``s and leave the store untouched.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from workflows.deadlines import DueSpec
from workflows.details import attach, step_detail
from workflows.errors import (
    AlreadyExists,
    BadInput,
    BeingImported,
    Code,
    Conflict,
    Field,
    NotFound,
    NotPermitted,
    Stale,
    StepRefused,
)
from workflows.evidence import EVIDENCE, MAX_FILES, Evidence, evidence_detail, readable
from workflows.finding import resolve
from workflows.jurisdictions import new_jurisdiction, slug
from workflows.machine import StepContext, Workflow, check_day
from workflows.model import CourtOrder, Event, Jurisdiction, Listing, Notice, Role
from workflows.ports import Clock, Directory, Filters, Repository
from workflows.reminders import Policy, Reminder, plan

DAY = timedelta(days=1)
WEEK = timedelta(days=7)
SUGGESTIONS = 100
"""The most jurisdictions a menu offers as someone types (Slack shows up to 100)."""


class Readers(StrEnum):
    """Who may read the review (``REVIEW_READERS``). Admins and everyone given a role
    always may; guests only when given a role."""

    MEMBERS = "members"
    """Everyone in the workspace who is not a guest."""
    ROLES = "roles"
    """Only people an admin gave a role (``viewer`` included)."""


class NoGuests:
    """The directory where there is no Slack to ask (the command line, the replay)."""

    async def is_guest(self, user: str) -> bool:
        return False


@dataclass(frozen=True)
class ReviewConfig:
    default_channel: str
    admins: frozenset[str] = frozenset()
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("America/New_York"))
    policy: Policy = field(default_factory=Policy)
    readers: Readers = Readers.MEMBERS


@dataclass(frozen=True)
class Home:
    """What one person's App Home shows."""

    mine: list[Listing]
    mine_total: int
    due_soon: list[Listing]
    due_soon_total: int
    overdue: list[Listing]
    overdue_total: int
    recent: list[Event]


@dataclass(frozen=True)
class Change:
    """What a successful change did: the jurisdiction as saved and its event."""

    jurisdiction: Jurisdiction
    event: Event


class Review:
    def __init__(self, repo: Repository, clock: Clock, config: ReviewConfig,
                 workflow: Workflow, directory: Directory | None = None) -> None:
        self.repo = repo
        self.clock = clock
        self.config = config
        self.workflow = workflow
        self.directory = directory or NoGuests()

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return self.clock.now().astimezone(self.config.timezone).date()

    def day_of(self, on: date | None) -> date:
        """The day something is recorded on: ``on``, or today without one; refused
        when it is after today or before 1990 (``workflows.machine.check_day``)."""
        today = self.today()
        day = on or today
        check_day(day, today)
        return day

    # -- who may do what ---------------------------------------------------------------

    async def role_of(self, user: str) -> Role:
        if user in self.config.admins:
            return Role.ADMIN
        return await self.repo.role(user) or Role.VIEWER

    async def require(self, user: str, command: str) -> Role:
        role = await self.role_of(user)
        allowed = self.workflow.definition.permissions[command]
        if role not in allowed:
            names = " or ".join(sorted(r.value for r in allowed))
            raise NotPermitted(f"Only {names} may use “{command}”; you are {role.value}.")
        return role

    async def require_reader(self, user: str) -> None:
        """Refuse to show anything of the review to someone ``config.readers`` keeps out:
        with ``roles``, everyone without a role; always, guests without one."""
        if user in self.config.admins or await self.repo.role(user) is not None:
            return
        if self.config.readers is Readers.ROLES:
            raise NotPermitted(["Only people with a role may read this review; ask an admin "
                                "to give you one (", Code("role"), ")."])
        if await self.directory.is_guest(user):
            raise NotPermitted(["Guests may read this review only once an admin gives them a "
                                "role (", Code("role"), ")."])

    async def may(self, user: str, command: str) -> bool:
        return await self.role_of(user) in self.workflow.definition.permissions[command]

    async def grant(self, actor: str, user: str, role: Role) -> None:
        await self.require(actor, "role")
        if user in self.config.admins and role is not Role.ADMIN:
            raise BadInput("That user is an admin by the bot's settings (REVIEW_ADMINS); "
                           "change the setting to change their role.")
        await self.repo.set_role(user, role, actor, self.now())

    async def roles(self) -> list[tuple[str, Role]]:
        stored = dict(await self.repo.roles())
        stored.update({admin: Role.ADMIN for admin in self.config.admins})
        return sorted(stored.items())

    # -- finding jurisdictions -----------------------------------------------------------

    async def resolve(self, text: str) -> Jurisdiction:
        """Find one jurisdiction by id, alias, name or unique prefix of any of them."""
        return await resolve(self.repo, text)

    async def suggest(self, user: str, text: str) -> list[Listing]:
        """What a menu offers a reader typing ``text``: exact matches, else prefixes."""
        await self.require_reader(user)
        exact, prefixed = await self.repo.lookup(text, SUGGESTIONS) if text.strip() else ([], [])
        return exact or prefixed

    async def page(self, filters: Filters, number: int, size: int) -> tuple[list[Listing], int]:
        if number < 1:
            raise BadInput("Pages are numbered from 1.")
        return await self.repo.page(filters, (number - 1) * size, size)

    async def history(self, j: Jurisdiction, number: int, size: int) -> tuple[list[Event], int]:
        if number < 1:
            raise BadInput("Pages are numbered from 1.")
        return await self.repo.history(j.id, (number - 1) * size, size)

    async def evidence_of(self, j: Jurisdiction, limit: int) -> tuple[list[Evidence], int]:
        """The first ``limit`` files kept as ``j``'s evidence, and how many there are."""
        events, total = await self.repo.events_of_kind(j.id, EVIDENCE, limit)
        return readable(events), total

    async def home(self, user: str, limit: int = 10) -> Home:
        """The person's jurisdictions, what is due within a week, what is overdue, and
        the latest changes."""
        today = self.today()
        mine, mine_total = await self.repo.page(Filters(owner=user), 0, limit)
        soon, soon_total = await self.repo.deadlines(today, today + WEEK, Filters(), limit)
        late, late_total = await self.repo.deadlines(date.min, today - DAY, Filters(), limit)
        return Home(mine, mine_total, soon, soon_total, late, late_total,
                    await self.repo.recent_events(limit))

    async def check_step(self, actor: str, j: Jurisdiction, step: str) -> None:
        """Refuse ``step`` on ``j`` now if this person could not take it whatever they
        typed next (role, state, court orders, guards), with the refusal ``take`` gives."""
        today = self.today()
        ctx = StepContext(actor, await self.role_of(actor), today, today=today)
        try:
            self.workflow.check(j, step, ctx)
        except StepRefused as refusal:
            refusal.allowed = self.workflow.allowed(j, ctx)
            raise

    async def allowed(self, actor: str, j: Jurisdiction) -> list[str]:
        today = self.today()
        ctx = StepContext(actor, await self.role_of(actor), today, today=today)
        return self.workflow.allowed(j, ctx)

    # -- changes -------------------------------------------------------------------------

    async def add(self, actor: str, jid: str, name: str, kind: str = "", us_state: str = "",
                  aliases: tuple[str, ...] = ()) -> Change:
        await self.require(actor, "add")
        j = new_jurisdiction(jid, name, kind, us_state, aliases)
        await self._check_free("id", j.id)
        await self._check_free("aliases", *j.aliases)
        j.version, j.state = 1, self.workflow.definition.initial
        event = self._event(j, "added", actor, self.today(), None, j.state,
                            {"kind": j.kind, "us_state": j.us_state})
        try:
            await self.repo.add(j, [event], [self._notice(j, event)])
        except AlreadyExists:
            await self._check_free("id", j.id)  # names the key taken meanwhile
            await self._check_free("aliases", *j.aliases)
            raise
        return Change(j, replace(event, seq=1))

    async def import_jurisdictions(self, actor: str, batch: list[Jurisdiction]) -> int:
        """Add many validated jurisdictions at once, all or none, without announcing each.
        Their events are made in a worker thread: for a big import that is a second or
        more of work the event loop need not wait for."""
        items = await asyncio.to_thread(self._additions, actor, batch, self.today())
        await self.repo.add_many(items)
        return len(items)

    def _additions(self, actor: str, batch: list[Jurisdiction], today: date
                   ) -> list[tuple[Jurisdiction, Sequence[Event], Sequence[Notice]]]:
        items: list[tuple[Jurisdiction, Sequence[Event], Sequence[Notice]]] = []
        now, initial = self.now(), self.workflow.definition.initial  # recorded together
        for j in batch:
            j.version, j.state = 1, initial
            detail = {"name": j.name, "kind": j.kind, "us_state": j.us_state, "source": "import"}
            items.append((j, (Event(j.id, "added", actor, today, now, None, initial, detail),),
                          ()))
        return items

    async def take(self, actor: str, ref: str, step: str, on: date | None = None,
                   due: DueSpec | None = None, note: str = "", link: str = "",
                   expected_version: int | None = None,
                   evidence: Sequence[Evidence] = ()) -> Change:
        """Take workflow step ``step`` on the jurisdiction ``ref`` names. With
        ``expected_version`` (a button drawn from an earlier read), refuse if the
        jurisdiction has changed since. ``evidence`` is recorded with the step, in the
        same change (``attach`` permission needed)."""
        if evidence:
            await self.require(actor, "attach")
        j = await self.resolve(ref)
        if expected_version is not None and j.version != expected_version:
            label = self.workflow.definition.label_of(j.state)
            raise Stale(f"{j.name} changed since this was shown: it is now "
                        f"{label}. Nothing was changed; here it is as it stands.")
        today = self.today()
        ctx = StepContext(actor, await self.role_of(actor), on or today, due, note, link,
                          today=today, closed=await self.repo.closed_days(j.us_state))
        before, version = j.state, j.version
        try:
            self.workflow.take(j, step, ctx)
        except StepRefused as refusal:
            fresh = await self.repo.get(j.id) or j
            refusal.allowed = self.workflow.allowed(fresh, ctx)
            raise
        event = self._event(j, step, actor, ctx.on, before, j.state, step_detail(j, note, link))
        extra = self._evidence(j, actor, ctx.on, evidence, note) if evidence else []
        return await self._save(j, version, event, plan(j, self.config.policy, self.today()),
                                extra)

    async def attach_evidence(self, actor: str, ref: str, evidence: Evidence | Sequence[Evidence],
                              on: date | None = None, note: str = "") -> Change:
        """Record files as evidence of ``ref``'s round: one ``evidence`` event each."""
        await self.require(actor, "attach")
        files = [evidence] if isinstance(evidence, Evidence) else list(evidence)
        day = self.day_of(on)
        j = await self.resolve(ref)
        events = self._evidence(j, actor, day, files, note)
        return await self._save(j, j.version, events[0], extra=events[1:])

    async def attach_order(self, actor: str, ref: str, order: CourtOrder) -> Change:
        await self.require(actor, "order")
        self.day_of(order.on)
        j = await self.resolve(ref)
        version = j.version
        detail = attach(j, order)
        event = self._event(j, order.kind.value, actor, order.on, j.state, j.state, detail)
        return await self._save(j, version, event)

    async def lift_order(self, actor: str, ref: str, order_id: int, on: date | None) -> Change:
        await self.require(actor, "order")
        day = self.day_of(on)
        j = await self.resolve(ref)
        version = j.version
        order = next((o for o in j.orders if o.id == order_id), None)
        if order is None:
            numbers = ", ".join(f"#{o.id}" for o in j.orders) or "none"
            raise NotFound(f"{j.name} has no court order #{order_id} (it has: {numbers}).")
        if not order.is_active(day):
            raise StepRefused(f"The {order.label()} is not an active injunction on {day}.")
        order.lifted_on = day
        event = self._event(j, "lifted", actor, day, j.state, j.state,
                            {"order_id": order.id, "order": order.label()})
        return await self._save(j, version, event)

    async def assign(self, actor: str, ref: str, owner: str | None = None,
                     channel: str | None = None) -> Change:
        await self.require(actor, "assign")
        if owner is None and channel is None:
            raise BadInput("Give an owner (owner=@someone), a channel (channel=#team) or both.")
        j = await self.resolve(ref)
        version = j.version
        j.owner = owner if owner is not None else j.owner
        j.channel = channel if channel is not None else j.channel
        event = self._event(j, "assigned", actor, self.today(), j.state, j.state,
                            {"owner": j.owner, "channel": j.channel})
        return await self._save(j, version, event)

    async def add_alias(self, actor: str, ref: str, alias: str) -> Change:
        await self.require(actor, "alias")
        j = await self.resolve(ref)
        alias = slug(alias, "alias", "aliases")
        await self._check_free("aliases", alias)
        version = j.version
        j.aliases = (*j.aliases, alias)
        event = self._event(j, "aliased", actor, self.today(), j.state, j.state, {"alias": alias})
        return await self._save(j, version, event)

    # -- helpers -------------------------------------------------------------------------

    async def _check_free(self, field: Field, *keys: str) -> None:
        """Refuse ids or aliases (given as ``field``) that already name a jurisdiction."""
        for key in keys:
            exact, _ = await self.repo.lookup(key, 1)
            if exact:
                raise AlreadyExists([f"“{key}” is already taken by {exact[0].name} (",
                                     Code(exact[0].id), ")."], field=field)

    def _event(self, j: Jurisdiction, kind: str, actor: str, on: date, before: str | None,
               after: str | None, detail: Mapping[str, object]) -> Event:
        return Event(j.id, kind, actor, on, self.now(), before, after, {"name": j.name, **detail})

    def _evidence(self, j: Jurisdiction, actor: str, on: date, files: Sequence[Evidence],
                  note: str) -> list[Event]:
        if not files or len(files) > MAX_FILES:
            raise BadInput(f"Give between 1 and {MAX_FILES} files as evidence.")
        return [self._event(j, EVIDENCE, actor, on, j.state, j.state,
                            evidence_detail(j, e, note)) for e in files]

    def _notice(self, j: Jurisdiction, event: Event) -> Notice:
        return Notice(j.channel or self.config.default_channel, event)

    async def _save(self, j: Jurisdiction, version: int, event: Event,
                    reminders: list[Reminder] | None = None,
                    extra: Sequence[Event] = ()) -> Change:
        """Save one change: ``event`` (announced) and ``extra`` events after it;
        ``reminders`` (for steps) replace those of other deadlines."""
        try:
            await self.repo.save(j, version, [event, *extra], [self._notice(j, event)],
                                 reminders)
        except BeingImported:
            raise BeingImported([Code(j.id), " is being written by an import right now;"
                                 " nothing was changed. Try again in a moment."]) from None
        except Conflict:
            raise await self._conflict(j.id) from None
        j.version = version + 1 + len(extra)
        return Change(j, replace(event, seq=version + 1))

    async def _conflict(self, jid: str) -> Conflict:
        current = await self.repo.get(jid)
        if current is None:
            return Conflict([Code(jid), " was removed a moment ago; nothing was changed."])
        events, _ = await self.repo.history(jid, 0, 1)
        last = f" (after “{events[0].kind}” on {events[0].on})" if events else ""
        label = self.workflow.definition.label_of(current.state)
        return Conflict(f"Someone changed {current.name} at the same moment: it is now "
                        f"{label}{last}. Nothing was changed; look at it "
                        "again before you retry.")

