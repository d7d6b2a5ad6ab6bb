"""Every step of the packaged workflow (``default_definition().steps``), from every
source, for every role.

The cases are generated from the tables, so a new step or source brings its own tests.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from datetime import date

import pytest

from workflows.deadlines import DueSpec, calendar_for
from workflows.definition import RETURN, Step, default_definition
from workflows.errors import BlockedByOrder, NotPermitted, StepRefused
from workflows.machine import StepContext, Workflow
from workflows.model import Jurisdiction, Role

REVIEW = default_definition()
STATES, STEPS, STEP_NAMES = REVIEW.states, REVIEW.steps, REVIEW.step_names

ON = date(2018, 1, 24)  # after every deadline the builder sets, so "overdue" holds
DUE = DueSpec(days=30)
Build = Callable[..., Jurisdiction]


def held_sources(state: str) -> list[str]:
    """The states a jurisdiction can be held from while in ``state`` (from the tables)."""
    return list(dict.fromkeys(
        source for step in STEPS if step.holds and step.dest == state for source in step.sources
    ))


def holds_in(state: str) -> list[str | None]:
    """``held_from`` values to try in ``state``: each possible one, or none."""
    return [*held_sources(state)] or [None]


def context(step: Step, role: Role) -> StepContext:
    due = DUE if step.deadline == "required" else None
    return StepContext(f"{role.value}-2", role, ON, due, note="test", today=ON)


def prepared(build: Build, step: Step, source: str, held_from: str | None) -> Jurisdiction:
    """A jurisdiction in ``source`` on which the guards of ``step`` hold on ON."""
    guards = step.guards.get(source, ())
    kind = "demand" if "after_demand" in guards else None
    return build(source, kind=kind, held_from=held_from)


def _allowed_cases() -> Iterator[object]:
    for step in STEPS:
        for source in step.sources:
            for held in holds_in(source):
                for role in sorted(step.roles):
                    yield pytest.param(step, source, held, role,
                                       id=f"{step.name}-from-{source}-held-{held}-as-{role}")


def _refused_role_cases() -> Iterator[object]:
    for step in STEPS:
        for source in step.sources:
            for role in sorted(set(Role) - step.roles):
                yield pytest.param(step, source, role, id=f"{step.name}-from-{source}-as-{role}")


def _refused_state_cases() -> Iterator[object]:
    for name in STEP_NAMES:
        named = [step for step in STEPS if step.name == name]
        sources = {source for step in named for source in step.sources}
        for state in STATES:
            if state not in sources:
                yield pytest.param(named[0], state, id=f"{name}-from-{state}")


ALLOWED_CASES = list(_allowed_cases())
REFUSED_ROLE_CASES = list(_refused_role_cases())
REFUSED_STATE_CASES = list(_refused_state_cases())


def test_the_tables_generate_cases() -> None:
    assert len(ALLOWED_CASES) > len(STEPS)
    assert {case.values[0].name for case in ALLOWED_CASES} == set(STEP_NAMES)
    assert len(REFUSED_STATE_CASES) > 0
    assert len(REFUSED_ROLE_CASES) > 0


@pytest.mark.parametrize(("step", "source", "held", "role"), ALLOWED_CASES)
def test_a_declared_step_is_allowed_and_lands_in_its_dest(
        workflow: Workflow, build: Build, step: Step, source: str, held: str | None,
        role: Role) -> None:
    j = prepared(build, step, source, held)
    ctx = context(step, role)
    assert step.name in workflow.allowed(j, ctx)
    rounds_before = len(j.rounds)

    taken = workflow.take(j, step.name, ctx)

    assert taken == step
    expected = held if step.dest == RETURN else step.dest
    assert expected is not None
    assert j.state == expected
    if step.holds:
        assert (j.held_from, j.held_by) == (source, ctx.actor)
    elif held is not None:
        assert j.held_from is None
    if step.opens_round:
        assert len(j.rounds) == rounds_before + 1
        opened = j.rounds[-1]
        assert (opened.kind, opened.sent_on, opened.outcome) == (step.opens_round, ON, None)
        if ctx.due is not None:
            assert opened.due_on == calendar_for(j.us_state).due_on(ctx.due, ON)
    else:
        assert len(j.rounds) == rounds_before


@pytest.mark.parametrize(("step", "source", "role"), REFUSED_ROLE_CASES)
def test_a_role_not_allowed_is_not_permitted(
        workflow: Workflow, build: Build, step: Step, source: str, role: Role) -> None:
    j = prepared(build, step, source, held_sources(source)[0] if held_sources(source) else None)
    before = copy.deepcopy(j)
    ctx = context(step, role)

    with pytest.raises(NotPermitted):
        workflow.take(j, step.name, ctx)

    assert j == before
    assert step.name not in workflow.allowed(j, ctx)


@pytest.mark.parametrize(("step", "state"), REFUSED_STATE_CASES)
def test_a_step_from_a_state_not_in_its_sources_is_refused(
        workflow: Workflow, build: Build, step: Step, state: str) -> None:
    j = build(state, held_from=(held_sources(state) or [None])[0])
    before = copy.deepcopy(j)
    role = sorted(step.roles)[0]
    ctx = context(step, role)

    with pytest.raises(StepRefused) as refused:
        workflow.take(j, step.name, ctx)

    assert not isinstance(refused.value, NotPermitted | BlockedByOrder)
    assert step.name in refused.value.message
    assert step.name not in refused.value.allowed
    assert refused.value.allowed == workflow.allowed(j, ctx)
    assert j == before
