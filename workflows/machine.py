"""The ``transitions`` machine built from ``workflows.rules``, and the guards it runs.

One machine is built once and shared. A change triggers an event on the loaded
jurisdiction without registering it as a model (``Event.trigger(model)``), so there is
no per-model cost however many jurisdictions exist. Conditions raise a specific
``StepRefused`` so that a refusal can say why; callbacks only mutate the in-memory
aggregate (no I/O), and the caller persists it only when the trigger succeeded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import cast

from transitions import EventData, Machine

from workflows.deadlines import DueSpec, calendar_for
from workflows.errors import BadInput, BlockedByOrder, NotPermitted, StepRefused
from workflows.model import Jurisdiction, Role, Round
from workflows.rules import INITIAL, RETURN, STATES, STEPS, Step, label_of


@dataclass(frozen=True)
class StepContext:
    """Who takes a step, on which day, with which deadline and note."""

    actor: str
    role: Role
    on: date
    due: DueSpec | None = None
    note: str = ""
    link: str = ""


Guard = Callable[[Jurisdiction, StepContext], None]


def _overdue(j: Jurisdiction, ctx: StepContext) -> None:
    due = j.due_on
    if due is None:
        raise StepRefused(f"{j.name} has no running deadline, so no answer can be late yet.")
    if ctx.on <= due:
        raise StepRefused(
            f"{j.name}'s deadline is {due.isoformat()} and has not passed on "
            f"{ctx.on.isoformat()}; the answer may still come."
        )


def _after_demand(j: Jurisdiction, ctx: StepContext) -> None:
    current = j.current_round
    if current is None or current.kind != "demand":
        raise StepRefused(
            f"A subpoena follows a document demand; {j.name}'s last round was "
            f"{'none' if current is None else 'a ' + current.kind}. Threaten first."
        )


def _not_requester(j: Jurisdiction, ctx: StepContext) -> None:
    if ctx.actor == j.held_by:
        raise NotPermitted(
            "You requested this subpoena; a different counsel must approve it."
        )


GUARDS: dict[str, Guard] = {
    "overdue": _overdue,
    "after_demand": _after_demand,
    "not_requester": _not_requester,
}


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
            f"Only {_roles_phrase(step.roles)} may {step.label}; you are {_article(ctx.role)}."
        )


def _roles_phrase(roles: Iterable[Role]) -> str:
    names = sorted(f"{role.value}s" if role is not Role.COUNSEL else "counsel" for role in roles)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _article(role: Role) -> str:
    return f"an {role.value}" if role.value[0] in "aeiou" else f"a {role.value}"


class Workflow:
    """Takes steps on jurisdictions; refuses illegal ones with a reason."""

    def __init__(self, steps: tuple[Step, ...] = STEPS) -> None:
        self.steps = steps
        _validate(steps)
        self._machine = Machine(
            model=None,
            states=list(STATES),
            initial=INITIAL,
            transitions=[t for step in steps for t in self._transitions(step)],
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=False,
        )

    def _transitions(self, step: Step) -> list[dict[str, object]]:
        checks = [partial(_check, check, step)
                  for check in (_role_allows, _not_enjoined, _in_order, _deadline_given)]
        holding = frozenset(other.dest for other in self.steps if other.holds)
        after = partial(_apply_effects, step, holding)
        result: list[dict[str, object]] = []
        for source in step.sources:
            guards = [partial(_check_guard, GUARDS[name]) for name in step.guards.get(source, ())]
            if step.dest != RETURN:
                result.append({"trigger": step.name, "source": source, "dest": step.dest,
                               "conditions": checks + guards, "after": after})
                continue
            for back in _held_sources(self.steps, source):
                held = partial(_held_from_is, back)
                result.append({"trigger": step.name, "source": source, "dest": back,
                               "conditions": checks + guards + [held], "after": after})
        return result

    def candidates(self, j: Jurisdiction, name: str) -> list[Step]:
        return [step for step in self.steps if step.name == name and j.state in step.sources]

    def take(self, j: Jurisdiction, name: str, ctx: StepContext) -> Step:
        """Apply step ``name`` to ``j`` in memory, or raise why it is refused."""
        named = [step for step in self.steps if step.name == name]
        if not named:
            raise BadInput(f"“{name}” is not a workflow step.")
        steps = self.candidates(j, name)
        if not steps:
            if not any(ctx.role in step.roles for step in named):
                _role_allows(named[0], j, ctx)
            raise StepRefused(
                f"{j.name} is {label_of(j.state)}; “{name}” ({named[0].label}) is not "
                "possible from there.",
                self.allowed(j, ctx),
            )
        if not self._machine.events[name].trigger(j, ctx=ctx):
            raise StepRefused(f"“{name}” has nowhere to return {j.name} to: it was not "
                              "held from another state.", self.allowed(j, ctx))
        return steps[0]

    def allowed(self, j: Jurisdiction, ctx: StepContext) -> list[str]:
        """The steps this person could take on ``j`` now (state, role, orders, dates)."""
        names = []
        for step in self.steps:
            if j.state not in step.sources or step.name in names:
                continue
            if step.dest == RETURN and j.held_from not in _held_sources(self.steps, j.state):
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


def _held_sources(steps: tuple[Step, ...], state: str) -> list[str]:
    """The states a jurisdiction can be held from while it is in ``state``."""
    return list(dict.fromkeys(
        source for step in steps if step.holds and step.dest == state for source in step.sources
    ))


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
                       "steps are recorded in order.")


def _deadline_given(step: Step, j: Jurisdiction, ctx: StepContext) -> None:
    if step.deadline == "required" and ctx.due is None:
        raise BadInput(
            f"To {step.label}, give a deadline: due=2017-06-30, due=\"30 days\" or "
            "due=\"20 business days\"."
        )
    if step.deadline == "none" and ctx.due is not None:
        raise BadInput(f"“{step.name}” sets no deadline; leave out due=.")
    if ctx.due is not None and ctx.due.on is not None and ctx.due.on <= ctx.on:
        raise BadInput(f"The deadline {ctx.due.on} must fall after the step's date {ctx.on}.")


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
        _pause(j, current, ctx.on)
    if step.resumes and current is not None:
        _resume(j, current, ctx.on)
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
    due = calendar_for(j.us_state).due_on(ctx.due, ctx.on) if ctx.due else None
    j.rounds.append(Round(
        number=len(j.rounds) + 1, kind=kind, sent_on=ctx.on, due_on=due,
        due_rule=ctx.due.describe() if ctx.due else "",
        business_days=bool(ctx.due and ctx.due.business),
    ))


def _pause(j: Jurisdiction, current: Round, on: date) -> None:
    if current.is_open and current.due_on is not None:
        calendar = calendar_for(j.us_state)
        current.days_left = calendar.days_left(current.due_on, on, current.business_days)
        current.paused_on = on


def _resume(j: Jurisdiction, current: Round, on: date) -> None:
    if current.paused_on is not None and current.days_left is not None:
        spec = DueSpec(days=current.days_left, business=current.business_days)
        current.due_on = calendar_for(j.us_state).due_on(spec, on) if current.days_left else on
        current.paused_on, current.days_left = None, None


def _validate(steps: tuple[Step, ...]) -> None:
    """Refuse a workflow that names unknown states or guards, has two steps of one name
    from one state, or leaves a state unreachable."""
    seen: set[tuple[str, str]] = set()
    for step in steps:
        for state in (*step.sources, step.dest):
            if state != RETURN and state not in STATES:
                raise ValueError(f"step {step.name!r} names unknown state {state!r}")
        for name in (guard for guards in step.guards.values() for guard in guards):
            if name not in GUARDS:
                raise ValueError(f"step {step.name!r} names unknown guard {name!r}")
        for source in step.sources:
            if (step.name, source) in seen:
                raise ValueError(f"step {step.name!r} is declared twice from {source!r}")
            seen.add((step.name, source))
    reachable, frontier = {INITIAL}, [INITIAL]
    while frontier:
        state = frontier.pop()
        for step in steps:
            if state in step.sources and step.dest != RETURN and step.dest not in reachable:
                reachable.add(step.dest)
                frontier.append(step.dest)
    if missing := set(STATES) - reachable:
        raise ValueError(f"states not reachable from {INITIAL!r}: {sorted(missing)}")
