"""Properties that hold for any input: random steps by random roles never reach a state
the rules forbid, and the recorded moves always replay to the current state."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.deadlines import DueSpec
from workflows.definition import RETURN, default_definition
from workflows.errors import ReviewError
from workflows.machine import StepContext, Workflow
from workflows.model import Jurisdiction, Role

WORKFLOW = Workflow(default_definition())
INITIAL, STATES = WORKFLOW.definition.initial, WORKFLOW.definition.states
STEP_NAMES = WORKFLOW.definition.step_names
START = date(2017, 4, 21)

moves = st.lists(st.tuples(st.sampled_from(STEP_NAMES), st.sampled_from(list(Role)),
                           st.integers(0, 40), st.sampled_from([None, 10, 30]),
                           st.sampled_from(["alice", "bob"])),
                 max_size=40)


@settings(max_examples=300, deadline=None)
@given(moves)
def test_random_steps_keep_to_the_rules_and_replay_to_the_state(
        sequence: list[tuple[str, Role, int, int | None, str]]) -> None:
    j = Jurisdiction("x", "X", "city", "IL")
    day, moved = START, [INITIAL]
    for name, role, gap, due_days, actor in sequence:
        day += timedelta(days=gap)
        before, held_before = j.state, j.held_from
        ctx = StepContext(actor, role, day, DueSpec(days=due_days) if due_days else None,
                          today=day)
        try:
            step = WORKFLOW.take(j, name, ctx)
        except ReviewError:
            assert j.state == before  # a refusal changes nothing
            continue
        assert role in step.roles, "a role the rules do not allow took a step"
        assert before in step.sources
        assert j.state == (held_before if step.dest == RETURN else step.dest)
        moved.append(j.state)
    assert moved[-1] == j.state  # replaying the recorded moves gives the current state
    assert j.state in STATES
