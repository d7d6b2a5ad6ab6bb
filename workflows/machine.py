"""The ``transitions`` machine built from a workflow ``Definition``, and the checks it runs.

One machine is built per definition and shared. A change triggers an event on the loaded
jurisdiction without registering it as a model (``Event.trigger(model)``), so there is
no per-model cost however many jurisdictions exist. ``take`` runs the machine's own
transitions (the same conditions, in the same order, then the same state change and
``after`` callback) from a table built with it, rather than through
``Event.trigger``, whose logging and callback resolution were two thirds of the time
an import of a million past events spends checking them. Conditions raise a specific
``StepRefused`` so that a refusal can say why; callbacks only mutate the in-memory
aggregate (no I/O), and the caller persists it only when the trigger succeeded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import cast

from transitions import EventData, Machine, Transition

from workflows.deadlines import Calendar, DueSpec, calendar_for
from workflows.definition import RETURN, Definition, Step
from workflows.errors import BadInput, BlockedByOrder, NotPermitted, StepRefused
from workflows.guards import GUARDS, Guard, StepContext
from workflows.lengths import MAX_LINK, MAX_NOTE, check_length
from workflows.model import Jurisdiction, Role, Round

__all__ = ["EARLIEST", "GUARDS", "StepContext", "Workflow", "article", "check_day",
           "roles_phrase"]

EARLIEST = date(1990, 1, 1)
"""No step or court order of a review is dated before this: an earlier date is a typo."""


def check_day(on: date, today: date) -> None:
    """Refuse a step or court order dated after ``today`` (the team's) or before
    ``EARLIEST``. A day ahead would be recorded and announced as done, then freeze the
    jurisdiction: every step after it would be refused as earlier than the last."""
    if on > today:
        raise BadInput(f"{on} is after today ({today}): only what has already happened "
                       "can be recorded.", field="date")
    if on < EARLIEST:
        raise BadInput(f"{on} is before {EARLIEST}, earlier than anything this review "
                       f"records (today is {today}); check the year.", field="date")


def _dated(step: Step, j: Jurisdiction, ctx: StepContext) -> None:
    check_day(ctx.on, ctx.today)


def _not_enjoined(step: Step, j: Jurisdiction, ctx: StepContext) -> None:
    for order in j.orders:
        if order.blocks_step(step.name, ctx.on):
            raise BlockedByOrder(
                f"The {order.label()} blocks “{step.name}” for {j.name}"
                f"{': ' + order.scope if order.scope else ''}."
            )


def _role_allows(step: Step, j: Jurisdiction, ctx: StepContext) -> None:
    if ctx.role not in step.roles:
        raise NotPermitted(
            f"Only {roles_phrase(step.roles)} may {step.label}; you are {article(ctx.role.value)}."
        )


def roles_phrase(roles: Iterable[Role]) -> str:
    """"leads", "admins, counsel or leads": who may, in a refusal."""
    names = sorted(f"{role.value}s" if role is not Role.COUNSEL else "counsel" for role in roles)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def article(word: str) -> str:
    """"an analyst", "a lead", "an injunction"."""
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


class Workflow:
    """Takes steps on jurisdictions; refuses illegal ones with a reason. Follows
    ``definition``, the workflow in force (checked by ``load_definition``): given, never
    assumed, so that no part of the bot follows the packaged file by mistake."""

    def __init__(self, definition: Definition) -> None:
        self.definition = definition
        self.steps = self.definition.steps
        transitions = [t for step in self.steps for t in self._transitions(step)]
        self._machine = Machine(
            model=None,
            states=list(self.definition.states),
            initial=self.definition.initial,
            transitions=transitions,
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=False,
        )
        self._routes: dict[tuple[str, str], list[_Route]] = {}
        for t in transitions:
            self._routes.setdefault((str(t["trigger"]), str(t["source"])), []).append(_Route(
                Transition(str(t["source"]), str(t["dest"])),
                cast(list[Callable[[EventData], bool]], t["conditions"]),
                cast(Callable[[EventData], None], t["after"])))

    def _transitions(self, step: Step) -> list[dict[str, object]]:
        checks = [partial(_check, check, step)
                  for check in (_role_allows, _dated, _not_enjoined, _in_order,
                                _deadline_given)]
        holding = frozenset(other.dest for other in self.steps if other.holds)
        after = partial(_apply_effects, step, holding)
        result: list[dict[str, object]] = []
        for source in step.sources:
            guards = [partial(_check_guard, GUARDS[name]) for name in step.guards.get(source, ())]
            guards.append(partial(_check, _needs_given, step))
            if step.dest != RETURN:
                result.append({"trigger": step.name, "source": source, "dest": step.dest,
                               "conditions": checks + guards, "after": after})
                continue
            for back in self.definition.held_sources(source):
                held = partial(_held_from_is, back)
                result.append({"trigger": step.name, "source": source, "dest": back,
                               "conditions": checks + guards + [held], "after": after})
        return result

    def candidates(self, j: Jurisdiction, name: str) -> list[Step]:
        return [step for step in self.steps if step.name == name and j.state in step.sources]

    def take(self, j: Jurisdiction, name: str, ctx: StepContext) -> Step:
        """Apply step ``name`` to ``j`` in memory, or raise why it is refused."""
        check_length(ctx.note, "note", MAX_NOTE, "note")
        check_length(ctx.link, "link", MAX_LINK, "link")
        named = self.definition.steps_named(name)
        if not named:
            raise BadInput(f"“{name}” is not a workflow step.")
        steps = self.candidates(j, name)
        if not steps:
            self._refuse_from_here(j, named, ctx)
        if not self._fire(j, name, ctx):
            raise StepRefused(f"“{name}” has nowhere to return {j.name} to: it was not "
                              "held from another state.", self.allowed(j, ctx))
        return steps[0]

    def _fire(self, j: Jurisdiction, name: str, ctx: StepContext) -> bool:
        """What ``Event.trigger`` does: the first transition from ``j``'s state whose
        conditions all hold moves ``j`` to its destination, then its ``after`` runs."""
        for route in self._routes.get((name, j.state), ()):
            event = EventData(None, None, self._machine, j, (), {"ctx": ctx})
            event.transition = route.transition
            if all(condition(event) for condition in route.conditions):
                j.state = str(route.transition.dest)
                route.after(event)
                return True
        return False

    def check(self, j: Jurisdiction, name: str, ctx: StepContext) -> None:
        """Raise what ``take`` would for ``name`` on ``j`` because of the person's role,
        the state, court orders or guards: before a form asks for the rest (the date,
        the deadline), a step that cannot be taken anyway is refused."""
        named = self.definition.steps_named(name)
        if not named:
            raise BadInput(f"“{name}” is not a workflow step.")
        steps = self.candidates(j, name)
        if not steps:
            self._refuse_from_here(j, named, ctx)
        step = steps[0]
        _role_allows(step, j, ctx)
        _not_enjoined(step, j, ctx)
        for guard in step.guards.get(j.state, ()):
            GUARDS[guard](j, ctx)

    def _refuse_from_here(self, j: Jurisdiction, named: list[Step], ctx: StepContext) -> None:
        """``named`` has no step from ``j``'s state: refuse by role first, if the role
        may take it from nowhere, else by state."""
        if not any(ctx.role in step.roles for step in named):
            _role_allows(named[0], j, ctx)
        raise StepRefused(
            f"{j.name} is {self.definition.label_of(j.state)}; “{named[0].name}” "
            f"({named[0].label}) is not possible from there.",
            self.allowed(j, ctx),
        )

    def allowed(self, j: Jurisdiction, ctx: StepContext) -> list[str]:
        """The steps this person could take on ``j`` now (state, role, orders, dates)."""
        names = []
        for step in self.steps:
            if j.state not in step.sources or step.name in names:
                continue
            if step.dest == RETURN and j.held_from not in self.definition.held_sources(j.state):
                continue
            if ctx.role not in step.roles:  # refused by role (``_role_allows``), unworded
                continue
            try:
                _role_allows(step, j, ctx)
                _not_enjoined(step, j, ctx)
                for guard in step.guards.get(j.state, ()):
                    GUARDS[guard](j, ctx)
            except StepRefused:
                continue
            names.append(step.name)
        return names


@dataclass(frozen=True)
class _Route:
    """One transition of the machine, as ``Workflow._fire`` runs it."""

    transition: Transition
    conditions: list[Callable[[EventData], bool]]
    after: Callable[[EventData], None]


def _model(event: EventData) -> Jurisdiction:
    return cast(Jurisdiction, event.model)


def _check(check: Callable[[Step, Jurisdiction, StepContext], None], step: Step,
           event: EventData) -> bool:
    check(step, _model(event), event.kwargs["ctx"])
    return True


def _check_guard(guard: Guard, event: EventData) -> bool:
    guard(_model(event), event.kwargs["ctx"])
    return True


def _held_from_is(state: str, event: EventData) -> bool:
    return _model(event).held_from == state


def _in_order(step: Step, j: Jurisdiction, ctx: StepContext) -> None:
    if j.last_step_on is not None and ctx.on < j.last_step_on:
        raise BadInput(f"{ctx.on} is before {j.name}'s last step ({j.last_step_on}); "
                       "steps are recorded in order.", field="date")


def _deadline_given(step: Step, j: Jurisdiction, ctx: StepContext) -> None:
    if step.deadline == "required" and ctx.due is None:
        raise BadInput(
            f"To {step.label}, give a deadline: due=2017-06-30, due=\"30 days\" or "
            "due=\"20 business days\".", field="due")
    if step.deadline == "none" and ctx.due is not None:
        raise BadInput(f"“{step.name}” sets no deadline; leave out due=.", field="due")
    if ctx.due is not None and ctx.due.on is not None and ctx.due.on <= ctx.on:
        raise BadInput(f"The deadline {ctx.due.on} must fall after the step's date {ctx.on}.",
                       field="due")


def _needs_given(step: Step, j: Jurisdiction, ctx: StepContext) -> None:
    """Refuse a step taken without a text it ``needs`` (a threat's rationale), judged
    after who may take it and whether it may be taken at all."""
    for refusal in step.unmet({"note": ctx.note, "link": ctx.link}):
        raise refusal


def _apply_effects(step: Step, holding: frozenset[str], event: EventData) -> None:
    j, ctx = _model(event), cast(StepContext, event.kwargs["ctx"])
    assert event.transition is not None
    source = event.transition.source
    current = j.current_round
    if step.outcome and current is not None:
        _settle(current, step.outcome, ctx.on)
    if step.opens_round:
        _open_round(j, step.opens_round, ctx)
    if step.holds:
        j.held_from, j.held_by = source, ctx.actor
    elif source in holding:
        j.held_from = None
    if step.pauses and current is not None:
        _pause(current, _calendar(j, ctx), ctx.on)
    if step.resumes and current is not None:
        _resume(current, _calendar(j, ctx), ctx.on)
    j.last_step_on = ctx.on


def _settle(current: Round, outcome: str, on: date) -> None:
    if current.outcome is None:
        current.outcome = "no_response" if outcome == "insufficient" else outcome
        current.closed_on = on
    elif current.outcome == "responded" and outcome != "responded":
        current.outcome = outcome


def _open_round(j: Jurisdiction, kind: str, ctx: StepContext) -> None:
    current = j.current_round
    if current is not None and current.is_open:
        current.outcome, current.closed_on = "superseded", ctx.on
    due = _calendar(j, ctx).due_on(ctx.due, ctx.on) if ctx.due else None
    j.rounds.append(Round(
        number=len(j.rounds) + 1, kind=kind, sent_on=ctx.on, due_on=due,
        due_rule=ctx.due.describe() if ctx.due else "",
        business_days=bool(ctx.due and ctx.due.business),
    ))


def _calendar(j: Jurisdiction, ctx: StepContext) -> Calendar:
    return calendar_for(j.us_state).closing(ctx.closed)


def _pause(current: Round, calendar: Calendar, on: date) -> None:
    if current.is_open and current.due_on is not None:
        current.days_left = calendar.days_left(current.due_on, on, current.business_days)
        current.paused_on = on


def _resume(current: Round, calendar: Calendar, on: date) -> None:
    if current.paused_on is not None and current.days_left is not None:
        spec = DueSpec(days=current.days_left, business=current.business_days)
        current.due_on = calendar.due_on(spec, on) if current.days_left else on
        current.paused_on, current.days_left = None, None

